"""Running the browser benchmarks (``bench/browser/*.mjs``) from the Python ones."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from common import BENCH_DIR, ROOT, log

BROWSER_DIR = BENCH_DIR / "browser"
BUILD_DIR = BENCH_DIR / "build"


def build_pages() -> None:
    """Build the bare React Flow page and the workflow page unless they are up to date."""
    # The workflow page bundles the extension's own core (src/workflow).
    sources = [
        *(BROWSER_DIR / "pages").iterdir(),
        *(ROOT / "src" / "workflow").glob("*.ts"),
        BROWSER_DIR / "build.mjs",
    ]
    built = [BUILD_DIR / "bare" / "bare.js", BUILD_DIR / "workflow" / "workflow.js"]
    newest = max(p.stat().st_mtime for p in sources)
    if all(p.exists() and p.stat().st_mtime >= newest for p in built):
        return
    log("building the benchmark pages (production)")
    subprocess.run(["node", str(BROWSER_DIR / "build.mjs")], cwd=ROOT, check=True)


def run_script(script: str, config: dict[str, Any], timeout: float = 1200) -> dict[str, Any]:
    """Run ``bench/browser/<script>`` with ``config``; its result. Its log goes to ours."""
    with tempfile.TemporaryDirectory(prefix="continuum-bench-browser-") as tmp:
        config_path = Path(tmp) / "config.json"
        out_path = Path(tmp) / "result.json"
        config_path.write_text(json.dumps(config))
        subprocess.run(
            ["node", str(BROWSER_DIR / script), str(config_path), str(out_path)],
            cwd=ROOT,
            check=True,
            timeout=timeout,
            env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
        )
        return json.loads(out_path.read_text())
