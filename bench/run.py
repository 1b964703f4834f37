"""Run benchmarks, each in its own process, then write ``bench/RESULTS.md``.

    python bench/run.py                  # every benchmark (what `make bench` runs)
    python bench/run.py engine events    # some of them; RESULTS.md keeps the others' files
    python bench/run.py --list

A benchmark that fails or runs out of time leaves a results file saying so, so that the
report never shows figures from an earlier run in its place.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

from common import BENCH_DIR, RESULTS_DIR, ROOT, Result, log

# name -> (script, time limit in seconds), in `make bench` order. The limits (2 to 5 times
# what each takes on a quiet 2-core machine) add up to 27 minutes: even a run where every
# benchmark hits its limit ends within the suite's 30.
BENCHMARKS = {
    "engine": ("bench_engine.py", 210),
    "deploy": ("bench_deploy.py", 150),
    "events": ("bench_events.py", 90),
    "validation": ("bench_validation.py", 90),
    "transfer": ("bench_transfer.py", 90),
    "memory": ("bench_memory.py", 210),
    "startup": ("bench_startup.py", 210),
    "canvas": ("bench_canvas.py", 600),
}

TITLES = {
    "engine": "1. Engine overhead",
    "deploy": "2. Deploy latency",
    "events": "3. Event stream throughput",
    "canvas": "4. Canvas under load",
    "startup": "5. JupyterLab startup and notebook switch",
    "validation": "6. Validation and analysis",
    "transfer": "7. Data between placements",
    "memory": "8. Memory",
}


def run_one(name: str) -> bool:
    script, limit = BENCHMARKS[name]
    log(f"=== {TITLES[name]} ({script}, limit {limit} s)")
    started = time.monotonic()
    result_path = RESULTS_DIR / f"{name}.json"
    result_path.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, str(BENCH_DIR / script)], cwd=ROOT)
    try:
        code = process.wait(limit)
        reason = f"exited with status {code}"
    except subprocess.TimeoutExpired:
        code, reason = -1, f"did not finish within {limit} s"
        stop(process)
    if code != 0 or not result_path.exists():
        failed = Result(name, TITLES[name])
        what = TITLES[name].split(". ", 1)[1]
        failed.failed("all", what, "see the benchmark", f"The benchmark {reason}.")
        failed.write()
        log(f"=== {name} FAILED ({reason})")
        return False
    log(f"=== {name} done in {time.monotonic() - started:.0f} s")
    return True


def stop(process: subprocess.Popen) -> None:
    """Interrupt a benchmark (its servers stop in its `finally`), then kill what is left."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    process.send_signal(signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in descendants:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    parser.add_argument("--no-report", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    if args.list:
        for name, (script, limit) in BENCHMARKS.items():
            print(f"{name:12} {TITLES[name]:45} {script} (≤ {limit} s)")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    started = time.monotonic()
    ok = [run_one(name) for name in names]
    log(f"=== {sum(ok)}/{len(ok)} benchmarks ran in {(time.monotonic() - started) / 60:.1f} min")
    if not args.no_report:
        import report

        report.main()
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
