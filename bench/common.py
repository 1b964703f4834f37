"""What every benchmark shares: statistics, the result schema, the machine, servers to measure.

Each benchmark script measures its subject and its baseline in the same run, alternating them
(ABBA order, so slow drifts of a shared machine fall on both), and writes
``bench/results/<name>.json`` through :class:`Result`. ``report.py`` renders every such file
into ``bench/RESULTS.md``. Nothing here holds a figure: every number comes from a measurement.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SCHEMA_VERSION = 1
PORTS = range(8895, 8900)  # the ports benchmark servers may use on shared machines
API = "/continuum/api/v1"
X = "\N{MULTIPLICATION SIGN}"  # ratios read "1.10" + X
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


# Statistics.


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) with linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples: Sequence[float]) -> dict[str, float]:
    values = [float(s) for s in samples]
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def abba(pairs: int) -> list[str]:
    """``pairs`` of baseline/subject turns in ABBA order: b s s b b s s b ..."""
    order: list[str] = []
    for i in range(pairs):
        order += ["baseline", "subject"] if i % 2 == 0 else ["subject", "baseline"]
    return order


async def alternate(
    pairs: int,
    baseline: Callable[[], Awaitable[float]],
    subject: Callable[[], Awaitable[float]],
    log: Callable[[str], None] | None = None,
) -> tuple[list[float], list[float]]:
    """Measure ``pairs`` samples of each, interleaved; each callable returns one sample."""
    out: dict[str, list[float]] = {"baseline": [], "subject": []}
    for turn in abba(pairs):
        value = await (baseline if turn == "baseline" else subject)()
        out[turn].append(value)
        if log:
            log(f"  {turn:8} {value:.6g}")
    return out["baseline"], out["subject"]


# The machine.


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    versions = {}
    for module in ("distributed", "dask", "tornado", "jupyter_server", "jupyterlab", "numpy"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:
            pass
    try:
        from jupyterlab_continuum import __version__

        versions["jupyterlab_continuum"] = __version__
    except Exception:
        pass
    info["versions"] = versions
    for name, command in (("node", ["node", "--version"]), ("chromium", [CHROMIUM, "--version"])):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=20).stdout
            info[name] = out.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        pass
    return info


def machine_tag(info: dict[str, Any]) -> str:
    """One short line for the results table."""
    cpus = info.get("cpus_usable") or info.get("cpu_count")
    cpu = (info.get("cpu") or "cpu").replace("(R)", "").replace("(TM)", "")
    return f"{cpus}{X} {' '.join(cpu.split()[:3])}, {info.get('memory_gib', '?')} GiB"


# Results.


@dataclass
class Target:
    """One target and whether it was met. ``actual`` is computed by the benchmark."""

    text: str  # as the issue states it, e.g. "≤ 1.10" + X
    op: str  # "<=" or ">="
    value: float
    actual: float | None
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        met = None
        if self.actual is not None and not math.isnan(self.actual):
            met = self.actual <= self.value if self.op == "<=" else self.actual >= self.value
        return {
            "text": self.text,
            "op": self.op,
            "value": self.value,
            "actual": self.actual,
            "unit": self.unit,
            "met": met,
        }


@dataclass
class Side:
    label: str
    samples: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "samples": self.samples, "stats": summarize(self.samples)}


@dataclass
class Result:
    """The results file of one benchmark (schema ``SCHEMA_VERSION``)."""

    name: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def row(
        self,
        row_id: str,
        name: str,
        unit: str,
        baseline: Side | None,
        subject: Side,
        statistic: str = "median",
        targets: Sequence[Target] = (),
        note: str = "",
        higher_is_better: bool = False,
        extra: dict[str, Any] | None = None,
        cause: str = "",
        section: str | None = None,
    ) -> dict[str, Any]:
        """A measured row. ``statistic`` picks the figure of each side (median, p95...).

        ``cause``: why the target is missed when it is (what profiling found), for the report.
        ``section``: the issue's benchmark number when it is not this file's (e.g. "8").
        """
        subject_d = subject.as_dict()
        baseline_d = baseline.as_dict() if baseline else None
        figure_s = subject_d["stats"][statistic]
        figure_b = baseline_d["stats"][statistic] if baseline_d else None
        ratio = figure_s / figure_b if figure_b else None
        targets_d = [t.as_dict() for t in targets]
        mets = [t["met"] for t in targets_d]
        row = {
            "id": row_id,
            "name": name,
            "status": "measured",
            "unit": unit,
            "statistic": statistic,
            "higher_is_better": higher_is_better,
            "baseline": baseline_d,
            "subject": subject_d,
            "figure": {"baseline": figure_b, "subject": figure_s},
            "ratio": ratio,
            "targets": targets_d,
            "met": None if not mets or None in mets else all(mets),
            "note": note,
            "cause": cause,
            "section": section,
            "extra": extra or {},
        }
        self.rows.append(row)
        return row

    def failed(self, row_id: str, name: str, target_text: str, reason: str) -> None:
        self.rows.append(
            {
                "id": row_id,
                "name": name,
                "status": "failed",
                "targets": [{"text": target_text, "met": None}],
                "met": False,
                "note": reason,
            }
        )

    def write(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        finished = time.time()
        document = {
            "schema": SCHEMA_VERSION,
            "benchmark": self.name,
            "title": self.title,
            "started": _iso(self.started),
            "finished": _iso(finished),
            "duration_s": round(finished - self.started, 1),
            "machine": machine(),
            "rows": self.rows,
            "notes": self.notes,
            "extra": self.extra,
        }
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({document['duration_s']} s)")
        return path


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")


def log(message: str) -> None:
    print(message, flush=True)


# Servers.


def free_port(exclude: Sequence[int] = ()) -> int:
    for port in PORTS:
        if port in exclude:
            continue
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


_taken_ports: set[int] = set()


class JupyterServer:
    """A real Jupyter server in its own process (and process group), in a temporary home.

    ``extension`` toggles jupyterlab-continuum (server and lab halves); ``lab`` serves
    JupyterLab; ``bench_ext`` loads ``continuum_bench_ext`` (synthetic event source).
    """

    def __init__(
        self,
        *,
        lab: bool = False,
        extension: bool = True,
        bench_ext: bool = False,
        root_dir: Path | None = None,
        args: Sequence[str] = (),
        name: str = "server",
    ):
        self.lab = lab
        self.extension = extension
        self.bench_ext = bench_ext
        self.extra_args = list(args)
        self.name = name
        self.token = uuid.uuid4().hex
        self.home = Path(tempfile.mkdtemp(prefix=f"continuum-bench-{name}-"))
        self.root_dir = root_dir or (self.home / "root")
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = self.home / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.port = free_port(exclude=tuple(_taken_ports))
        _taken_ports.add(self.port)
        config_dir = self.home / "config"
        config_dir.mkdir(exist_ok=True)
        if not self.extension:
            (config_dir / "labconfig").mkdir(exist_ok=True)
            page = {"disabledExtensions": {"jupyterlab-continuum": True}}
            (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config_dir),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "DASK_TEMPORARY_DIRECTORY": str(self.home / "dask"),
            "PYTHONUNBUFFERED": "1",
        }
        if self.bench_ext:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(BENCH_DIR), *filter(None, [env.get("PYTHONPATH")])]
            )
        module = "jupyterlab" if self.lab else "jupyter_server"
        command = [
            sys.executable,
            "-m",
            module,
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--ContinuumApp.db_path={self.home / 'continuum' / 'runs.db'}",
            f"--ServerApp.jpserver_extensions=jupyterlab_continuum={self.extension}",
        ]
        if self.bench_ext:
            command.append("--ServerApp.jpserver_extensions=continuum_bench_ext=True")
        command += self.extra_args
        self._log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=self.home,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_ready(self, engine: bool | None = None, timeout: float = 180) -> None:
        """Until the server answers (and, with the extension, its engine runs)."""
        engine = self.extension if engine is None else engine
        deadline = time.monotonic() + timeout
        port_tries = 3
        while True:
            if self.process is not None and self.process.poll() is not None:
                if "is not available" in self.log_tail(2) and port_tries > 0:
                    # Another process bound the port between our check and the server's bind.
                    port_tries -= 1
                    self.stop()
                    self.start()
                    continue
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                code, body = await self.request("GET", "/api/status")
                if code == 200:
                    if not engine:
                        return
                    code, body = await self.request("GET", f"{API}/placements")
                    if code == 200 and all(p["available"] for p in body["placements"]):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready in {timeout} s:\n{self.log_tail()}")
            await asyncio.sleep(0.2)

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict | None = None
    ) -> tuple[int, Any]:
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError

        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PUT"):
            body = ""
        try:
            response = await AsyncHTTPClient().fetch(
                self.base + path,
                method=method,
                body=body,
                headers={**self.headers, **(headers or {})},
                request_timeout=600,
            )
        except HTTPClientError as err:
            if err.response is None:
                raise
            response = err.response
        text = response.body
        return response.code, json.loads(text) if text else None

    async def ok(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        code, payload = await self.request(method, path, body)
        if code != expect:
            raise RuntimeError(f"{method} {path}: {code} {payload}")
        return payload

    async def websocket(self, path: str):
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        request = HTTPRequest(self.ws_url(path), headers=self.headers)
        return await websocket_connect(request, max_message_size=1 << 30)

    def pids(self) -> list[int]:
        """The server's process and all its descendants (Dask nannies, workers...)."""
        import psutil

        if self.process is None:
            return []
        try:
            top = psutil.Process(self.process.pid)
            return [top.pid, *(p.pid for p in top.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        import psutil

        process = self.process
        if process is None:
            return
        try:  # kernels run in sessions of their own: found by parentage, not process group
            descendants = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)  # Jupyter asks for confirmation on the first
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        # Whatever it started and left behind: its process group, then its descendants.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for child in descendants:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self._log_file.close()
        _taken_ports.discard(self.port)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.asynccontextmanager
async def started(
    server: JupyterServer, engine: bool | None = None
) -> AsyncIterator[JupyterServer]:
    """The server running and ready inside the block; stopped and removed after, however it ends."""
    server.start()
    try:
        await server.wait_ready(engine)
        yield server
    finally:
        server.cleanup()


class CpuMeter:
    """CPU seconds spent by the server process, its descendants (Dask workers) and this
    process between ``start`` and ``stop``: where a run's time went, less noisy than wall time
    on a shared machine."""

    def __init__(self, server: JupyterServer):
        import psutil

        self._psutil = psutil
        self._server = psutil.Process(server.process.pid)
        self._me = psutil.Process()
        self._before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        def cpu(process) -> float:
            try:
                times = process.cpu_times()
            except self._psutil.NoSuchProcess:
                return 0.0
            return times.user + times.system

        workers = sum(cpu(p) for p in self._server.children(recursive=True))
        return {"server": cpu(self._server), "workers": workers, "client": cpu(self._me)}

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> dict[str, float]:
        now = self._now()
        return {k: now[k] - self._before[k] for k in now}


def rss_bytes(pids: Sequence[int]) -> dict[str, int]:
    """Summed RSS and PSS (bytes) of ``pids``; processes gone meanwhile are skipped."""
    import psutil

    rss = pss = 0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return {"rss": rss, "pss": pss, "processes": len(pids)}


def check_production_build() -> None:
    """Refuse to measure a development build of the labextension (`npm run build`)."""
    static = ROOT / "jupyterlab_continuum" / "labextension" / "static"
    scripts = list(static.glob("*.js"))
    if not scripts:
        raise SystemExit(f"no labextension build in {static}: run `make setup`")
    maps = list(static.glob("*.js.map"))
    entry = next(static.glob("remoteEntry.*.js"))
    lines = entry.read_text(encoding="utf-8", errors="replace").count("\n")
    if maps or lines > 50:
        raise SystemExit(
            "the labextension is a development build (source maps or unminified code): "
            "run `npm run build:prod` (or `make setup` after `make clean`) before benchmarking"
        )


# Workflow specs.


def node(node_id: str, source: str, placement: str, depends_on: Sequence[str] = ()) -> dict:
    return {
        "id": node_id,
        "label": node_id,
        "source": source,
        "placement": placement,
        "depends_on": list(depends_on),
    }


async def run_to_completion(server: JupyterServer, ws, spec: dict) -> tuple[float, dict]:
    """Submit ``spec`` and wait on ``ws`` (subscribed to all runs) for its final run event.

    Returns (seconds from the POST to that event, the event).
    """
    started = time.perf_counter()
    created = await server.ok("POST", f"{API}/runs", spec, expect=201)
    run_id = created["id"]
    while True:
        message = await ws.read_message()
        if message is None:
            raise RuntimeError("event stream closed")
        if run_id.encode() not in (message if isinstance(message, bytes) else message.encode()):
            continue
        for event in json.loads(message):
            if (
                event["run_id"] == run_id
                and event["kind"] == "run"
                and event["state"] in ("succeeded", "failed", "cancelled")
            ):
                return time.perf_counter() - started, event


def main(coroutine: Callable[[], Awaitable[Result]]) -> None:
    """Run a benchmark's ``async def main()`` and write its result.

    SIGTERM (a time limit) ends it like Ctrl+C, so that its servers stop in their ``finally``.
    """
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    result = asyncio.run(coroutine())
    result.write()
