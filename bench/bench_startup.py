"""5. JupyterLab startup and notebook switch, extension enabled vs disabled (browser).

Two JupyterLab servers on the same notebooks: one with jupyterlab-continuum, one with both
of its halves disabled (server extension off, labextension in ``disabledExtensions``). The
browser part (``browser/startup.mjs``) alternates between them. Also: the JavaScript the
extension makes the browser load at startup (gzip), which must not include React Flow (it
loads with the first canvas).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics

from common import (
    ROOT,
    JupyterServer,
    Result,
    Side,
    Target,
    X,
    abba,
    check_production_build,
    log,
    main,
)

PAIRS = int(os.environ.get("BENCH_STARTUP_PAIRS", "5"))  # 10 page loads a side
SWITCHES = int(os.environ.get("BENCH_STARTUP_SWITCHES", "20"))
LAB_ARGS = ["--LabApp.expose_app_in_browser=True"]


def big_notebook(cells: int) -> dict:
    """``cells`` tagged code cells with a short output each, in a chain."""
    out = []
    for i in range(cells):
        out.append(
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {
                    "continuum": {
                        "label": f"step {i}",
                        "placement": "edge" if i % 2 else "cloud",
                        "after": [f"cell-{i - 1}"] if i else [],
                    }
                },
                "source": f"value_{i} = {i} * 2\nprint('step', {i}, value_{i})",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": f"step {i}\n"}],
                "execution_count": i + 1,
            }
        )
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def eager_cause(scripts: list[dict]) -> str:
    """What the eagerly loaded scripts hold (found by content), with this run's sizes."""
    largest = sorted(scripts, key=lambda s: -s["gzip"])[:3]
    sizes = ", ".join(f"{s['url'].rsplit('/', 1)[-1]} {s['gzip'] / 1024:.1f} KB" for s in largest)
    lazy = {"axios": "axios", "reactFlowCss": "React Flow's CSS"}
    eager = [name for flag, name in lazy.items() if any(s.get(flag) for s in scripts)]
    held = (
        f"{' and '.join(eager)} among them, which should load later"
        if eager
        else "axios (first request) and React Flow's CSS (first canvas) not among them"
    )
    return f"The largest scripts loaded at startup: {sizes}; {held}."


async def run() -> Result:
    from browserlib import run_script

    check_production_build()
    result = Result("startup", "5. JupyterLab startup and notebook switch")
    subject = JupyterServer(name="lab-on", lab=True, extension=True, args=LAB_ARGS)
    baseline = JupyterServer(
        name="lab-off", lab=True, extension=False, args=LAB_ARGS, root_dir=subject.root_dir
    )
    shutil.copy(ROOT / "examples" / "continuum-quickstart.ipynb", subject.root_dir / "a.ipynb")
    (subject.root_dir / "b.ipynb").write_text(json.dumps(big_notebook(100)))
    try:
        for server in (subject, baseline):
            server.start()
        await asyncio.gather(subject.wait_ready(), baseline.wait_ready())
        log(f"startup: {PAIRS} pairs of page loads, then {SWITCHES} notebook switches a side")
        out = run_script(
            "startup.mjs",
            {
                "servers": {
                    "baseline": {"base": baseline.base, "token": baseline.token},
                    "subject": {"base": subject.base, "token": subject.token},
                },
                "order": abba(PAIRS),
                "notebooks": ["a.ipynb", "b.ipynb"],
                "switches": SWITCHES,
            },
        )
    finally:
        subject.cleanup()
        baseline.cleanup()

    for metric, name in (
        ("startup", "JupyterLab startup: page load → app restored"),
        ("switch", "Notebook switch: tab click → notebook shown and painted"),
    ):
        base, subj = out[metric]["baseline"], out[metric]["subject"]
        ratio = statistics.median(subj) / statistics.median(base)
        result.row(
            metric,
            name,
            "ms",
            Side("extension disabled", base),
            Side("extension enabled", subj),
            targets=[Target(f"≤ 1.05{X}", "<=", 1.05, ratio, X)],
            extra={"galata_distribution_change": out["galata"][metric]},
            note=f"Galata's distributionChange: {out['galata'][metric]['text']} (95% interval).",
        )

    ours = out["scripts"]["subject"]["ours"]
    leaked = out["scripts"]["baseline"]["ours"]
    eager_kb = sum(s["gzip"] for s in ours) / 1024
    lab_kb = sum(s["gzip"] for s in out["scripts"]["baseline"]["all"]) / 1024
    react_flow = [s["url"] for s in ours if s["reactFlow"]]
    result.row(
        "eager-js",
        "JavaScript the extension loads at startup (gzip)",
        "KB",
        Side("all JavaScript JupyterLab loads at startup, extension disabled", [lab_kb]),
        Side("the extension's scripts fetched at startup", [eager_kb]),
        targets=[
            Target("≤ 30 KB gzip", "<=", 30, eager_kb, "KB"),
            Target("React Flow not loaded at startup (scripts with it)", "<=", 0, len(react_flow)),
        ],
        extra={"scripts": ours, "react_flow_scripts": react_flow, "disabled_loaded": leaked},
        cause=eager_cause(ours),
        note="Scripts: "
        + ", ".join(f"{s['url'].rsplit('/', 1)[-1]} {s['gzip'] / 1024:.1f} KB" for s in ours)
        + (
            f". Disabled, JupyterLab still fetches and runs {len(leaked)} of them "
            f"({sum(s['gzip'] for s in leaked) / 1024:.1f} KB; it only skips activating the "
            "plugins), so the startup baseline includes loading our code."
            if leaked
            else ""
        ),
    )
    result.extra["browser"] = out["browser"]
    return result


if __name__ == "__main__":
    main(run)
