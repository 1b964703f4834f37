"""Render every ``bench/results/*.json`` into ``bench/RESULTS.md``.

The table has one line per measured figure: benchmark, baseline, ours, ratio, target, met,
machine. Figures are the median of the samples (or the percentile the row names) with their
range; nothing here is measured or typed in: it all comes from the results files.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import shutil
import subprocess
from typing import Any

from common import RESULTS_DIR, ROOT, X, machine_tag

OUTPUT = ROOT / "bench" / "RESULTS.md"
DASH = "\N{EN DASH}"
ORDER = ["engine", "deploy", "events", "canvas", "startup", "validation", "transfer", "memory"]


def number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if unit in ("events/s",) or magnitude >= 10_000:
        text = f"{value:,.0f}"
    elif magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    if unit == X:
        return f"{text}{X}"
    return f"{text} {unit}".strip()


def side(row: dict[str, Any], which: str) -> str:
    data = row.get(which)
    if not data:
        return "—"
    stats, unit = data["stats"], row["unit"]
    statistic = row["statistic"]
    figure = stats[statistic]
    label = "median" if statistic == "median" else statistic
    spread = f"{number(stats['min'])}{DASH}{number(stats['max'])}"
    return f"{data['label']}: **{number(figure, unit)}** ({label} of {stats['n']}; {spread})"


def ratio(row: dict[str, Any]) -> str:
    value = row.get("ratio")
    return "—" if value is None else number(value, X)


def targets(row: dict[str, Any]) -> str:
    parts = []
    for target in row.get("targets", []):
        actual = target.get("actual")
        if actual is None or row["status"] != "measured":
            parts.append(target["text"])
        else:
            parts.append(f"{target['text']}: {number(actual, target.get('unit', ''))}")
    return "; ".join(parts) or "(none)"


def met(row: dict[str, Any]) -> str:
    if row["status"] == "failed":
        return "**failed**"
    if row.get("met") is None:
        return "—"
    return "yes" if row["met"] else "**no**"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def section(document: dict[str, Any], row: dict[str, Any]) -> str:
    """The issue's number of the benchmark a row belongs to."""
    return row.get("section") or document["title"].split(".")[0]


def load() -> list[dict[str, Any]]:
    documents = []
    for path in RESULTS_DIR.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["_file"] = path.name
        documents.append(document)
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(documents, key=lambda d: rank.get(d["benchmark"], len(ORDER)))


def render(documents: list[dict[str, Any]]) -> str:
    lines = ["# Benchmark results", ""]
    if not documents:
        return "# Benchmark results\n\nNo results yet: run `make bench`.\n"
    first = min(d["started"] for d in documents)
    last = max(d["finished"] for d in documents)
    span = _dt.datetime.fromisoformat(last) - _dt.datetime.fromisoformat(first)
    machine = documents[0]["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items())
    lines += [
        f"Written by `make bench` ([`report.py`](report.py)) from the run of {first} to "
        f"{last} ({span.total_seconds() / 60:.1f} min), commit `{machine.get('git_commit')}`. "
        "Every figure was measured in that run, each against its baseline measured in the same "
        "run, alternating baseline and subject samples. Raw samples: "
        "[`results/*.json`](results/). Run one benchmark again with "
        "`make bench-one NAME=<name>` (names: "
        + ", ".join(f"`{d['benchmark']}`" for d in documents)
        + ").",
        "",
        f"Machine: {machine.get('cpu', 'unknown CPU')}, {machine.get('cpus_usable')} usable "
        f"cores of {machine.get('cpu_count')}, {machine.get('memory_gib')} GiB, "
        f"{machine.get('os')}; Python {machine.get('python')}, {versions}; "
        f"node {machine.get('node')}, {machine.get('chromium')}. Shared with other work: "
        f"load average {', '.join(f'{x:.1f}' for x in machine.get('load_avg') or [])} when "
        "the first benchmark started.",
        "",
        "Figures: the median of the samples (or the percentile the cell names), then the "
        f"number of samples and their min{DASH}max. Ratio: ours over the baseline.",
        "",
        "| Benchmark | Baseline | Ours | Ratio | Target | Met | Machine |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = sorted(
        ((document, row) for document in documents for row in document["rows"]),
        key=lambda item: int(section(*item)),
    )
    for document, row in rows:
        tag = machine_tag(document["machine"])
        if row["status"] == "measured":
            base, ours = side(row, "baseline"), side(row, "subject")
        else:
            base, ours = "—", f"{row['status']}: {row.get('note', '')}"
        name = f"{section(document, row)}. {row['name']}"
        lines.append(
            "| "
            + " | ".join(
                cell(x) for x in (name, base, ours, ratio(row), targets(row), met(row), tag)
            )
            + " |"
        )
    missed = [
        (d, r) for d, r in rows if r["status"] in ("measured", "failed") and r.get("met") is False
    ]
    lines += ["", "## Targets missed in this run", ""]
    if not missed:
        lines.append("None.")
    for document, row in missed:
        cause = row.get("cause") or row.get("note") or "See the benchmark's notes below."
        lines.append(f"- **{section(document, row)}. {row['name']}**: {cause}")
    lines += ["", "## Per benchmark", ""]
    for document in documents:
        lines += [
            f"### {document['title']}",
            "",
            f"[`results/{document['_file']}`](results/{document['_file']}), "
            f"{document['duration_s']:.0f} s, started {document['started']}.",
            "",
        ]
        for note in document.get("notes", []):
            lines += [note, ""]
        for row in document["rows"]:
            if row.get("note") and row["status"] == "measured":
                lines += [f"- {row['name']}: {row['note']}"]
        if any(row.get("note") and row["status"] == "measured" for row in document["rows"]):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    OUTPUT.write_text(render(load()), encoding="utf-8")
    # The repository's prettier owns Markdown formatting (tables included): keep lint green.
    npx = shutil.which("npx")
    if npx and (ROOT / "node_modules" / ".bin" / "prettier").exists():
        subprocess.run([npx, "prettier", "--write", str(OUTPUT)], cwd=ROOT, check=False)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
