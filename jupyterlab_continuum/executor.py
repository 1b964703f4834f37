"""What runs on a Dask worker: one workflow node, its outputs captured and streamed.

``run_node`` is the Dask task. It runs the setup sources, injects the values its upstream nodes
export, runs the node's source (after IPython's input transformation, so magics and ``!cmd``
work), and returns the values its downstream nodes import, each pickled here so a value that
cannot travel fails this node with a clear message. stdout/stderr, ``display()`` calls,
matplotlib figures and the last expression's value become nbformat outputs, sent as worker
events (topic ``TOPIC``) while the node runs.

Workers import this module by name: it needs only IPython and distributed.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import builtins
import ctypes
import inspect
import json
import linecache
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import cloudpickle
from distributed import get_worker
from IPython.core.displaypub import DisplayPublisher
from IPython.core.inputtransformer2 import TransformerManager
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import print_figure
from IPython.display import display
from traitlets.config import Config

TOPIC = "continuum"
STREAM_INTERVAL_S = 0.1  # how often captured stream text is sent while a node runs
STREAM_LIMIT_BYTES = 8 * 1024 * 1024  # per node run; the rest is dropped with a notice

Emit = Callable[..., None]


class NodeFailed(Exception):
    """The node's code raised: ``ename``, ``evalue`` and a formatted ``traceback``."""

    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        super().__init__(ename, evalue, traceback)
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


class NodeError(Exception):
    """The node could not run or hand over its values (not the user code's own error)."""


class NodeCancelled(BaseException):
    """Raised into a node's thread to stop it; a BaseException so ``except Exception`` in
    user code does not swallow it."""


def run_node(task: dict[str, Any], *upstream: dict[str, Any]) -> dict[str, Any]:
    """The Dask task of one node. ``upstream``: the results of the nodes it depends on."""
    worker = get_worker()

    def emit(event: str, **fields: Any) -> None:
        # The scheduler adds the worker's address as "worker".
        message = {k: task[k] for k in ("key", "run_id", "node_id", "attempt")}
        worker.log_event(TOPIC, {**message, "event": event, **fields})

    emit("started", worker_name=str(worker.name), pid=os.getpid())
    _shell()  # set up before the node can be interrupted: it starts a thread (see interrupt_node)
    with _interruptible(task["key"]):
        return execute(task, upstream, emit)


def execute(task: dict[str, Any], upstream: tuple | list, emit: Emit) -> dict[str, Any]:
    """Run the node described by ``task``; ``emit("output", output=...)`` streams its outputs."""
    shell = _shell()
    namespace = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "get_ipython": lambda: shell,
        "display": display,
    }
    with _Capture(emit) as capture:
        try:
            try:
                for index, source in enumerate(task["setup"]):
                    _run_source(source, f"<continuum setup {index}>", namespace, capture, False)
                _inject(namespace, task["imports"], upstream)
                _run_source(
                    task["source"], f"<continuum {task['node_id']}>", namespace, capture, True
                )
            finally:
                _flush_figures()
            values = _export(namespace, task["exports"])
        except NodeCancelled:
            raise
        except NodeError as exc:
            capture.output(_error_output(type(exc).__name__, str(exc), [str(exc)]))
            raise
        except BaseException as exc:  # user code: SystemExit and KeyboardInterrupt included
            failure = _failure(exc)
            capture.output(_error_output(failure.ename, failure.evalue, failure.traceback))
            raise failure from None
    return {"node_id": task["node_id"], "values": values}


def _error_output(ename: str, evalue: str, traceback: list[str]) -> dict[str, Any]:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}


def interrupt_node(key: str) -> bool:
    """Raise ``NodeCancelled`` in the thread running task ``key`` (run with ``Client.run``).

    Python checks for it between bytecodes, so a loop stops at once while a blocking call
    (``time.sleep``, I/O) only stops when it returns: the orchestrator then restarts the worker.
    CPython may hand it to a thread the node is starting at that instant instead (it looks
    threads up by id, and a starting thread briefly has its parent's): the node starts none
    itself while interruptible, and a node that goes on anyway gets its worker restarted.
    """
    with _running_lock:
        thread_id = _running.get(key)
        return thread_id is not None and _set_async_exc(thread_id, NodeCancelled) == 1


_running: dict[str, int] = {}  # task key -> id of the thread running it
_running_lock = threading.Lock()


@contextmanager
def _interruptible(key: str) -> Iterator[None]:
    with _running_lock:
        _running[key] = threading.get_ident()
    try:
        yield
    finally:
        with _running_lock:
            del _running[key]
            # Drop an interrupt not yet delivered, or it would hit the next task on this thread.
            _set_async_exc(threading.get_ident(), None)


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> int:
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


def _run_source(
    source: str, filename: str, namespace: dict, capture: _Capture, show_last: bool
) -> None:
    """Run ``source`` like a notebook cell; with ``show_last``, display its last expression."""
    code = TransformerManager().transform_cell(source)
    # Registered so tracebacks show the node's lines.
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    tree = ast.parse(code, filename)
    last = None
    if show_last and tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    _evaluate(compile(tree, filename, "exec", flags=flags), namespace)
    if last is None:
        return
    value = _evaluate(compile(last, filename, "eval", flags=flags), namespace)
    if value is not None and not code.rstrip().endswith(";"):  # `;` hides it, as in Jupyter
        data, metadata = _shell().display_formatter.format(value)
        capture.output(
            {
                "output_type": "execute_result",
                "execution_count": None,
                "data": _jsonable(data),
                "metadata": _jsonable(metadata),
            }
        )


def _evaluate(code: Any, namespace: dict) -> Any:
    result = eval(code, namespace)  # a coroutine when the cell uses top-level await
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def _inject(namespace: dict, imports: dict[str, str], upstream: tuple | list) -> None:
    values = {result["node_id"]: result["values"] for result in upstream}
    for name, provider in imports.items():
        pickled = values.get(provider, {}).get(name)
        if pickled is None:  # the provider did not bind it after all: the user's NameError
            continue
        data, buffers = pickled
        try:
            namespace[name] = pickle.loads(data, buffers=buffers)
        except Exception as exc:
            raise NodeError(
                f"cannot load {name!r} from node {provider!r} here: {type(exc).__name__}: {exc}"
            ) from None


def _export(
    namespace: dict, names: list[str]
) -> dict[str, tuple[bytes, list[pickle.PickleBuffer]]]:
    """Each value pickled here (so one that cannot travel fails this node), its large
    buffers (numpy arrays, bytes) kept out of band: Dask sends them as frames, uncopied."""
    values = {}
    for name in sorted(names):
        if name not in namespace:
            continue
        value = namespace[name]
        try:
            # cloudpickle: what the node defines (functions, classes) travels by value.
            buffers: list[pickle.PickleBuffer] = []
            data = cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)
            values[name] = (data, buffers)
        except Exception as exc:
            raise NodeError(
                f"cannot send {name!r} ({type(value).__name__}) downstream: it cannot be "
                f"serialised ({type(exc).__name__}: {exc})"
            ) from None
    return values


def _failure(exc: BaseException) -> NodeFailed:
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<continuum"):
        tb = tb.tb_next  # from the user's first frame on (none for a SyntaxError)
    shell = _shell()
    with _traceback_lock:  # the formatter keeps state while it works
        lines = shell.InteractiveTB.structured_traceback(type(exc), exc, tb, tb_offset=0)
    return NodeFailed(type(exc).__name__, str(exc), lines)


def _flush_figures() -> None:
    """Display the figures the node left open, as a notebook's inline backend does."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        display(pyplot.figure(number))
    pyplot.close("all")


# Capture. Routing by thread: a worker may run several nodes at once in one process.

_local = threading.local()


class _Capture:
    """Collects one node's outputs and sends them: stream text every ``STREAM_INTERVAL_S``
    (by ``_send_streams_periodically``), rich outputs at once, after the text before them."""

    def __init__(self, emit: Emit):
        self._emit = emit
        self._lock = threading.Lock()
        self._pending: list[list[str]] = []  # [name, text] runs
        self._budget = STREAM_LIMIT_BYTES

    def __enter__(self) -> _Capture:
        _install_routers()
        _local.capture = self
        with _active_lock:
            _active.add(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        _local.capture = None
        with _active_lock:
            _active.discard(self)
        self.flush()

    def write(self, name: str, text: str) -> None:
        with self._lock:
            if self._budget <= 0:
                return
            self._budget -= len(text)
            if self._budget <= 0:
                text += f"\n[continuum: output truncated after {STREAM_LIMIT_BYTES} bytes]\n"
            if self._pending and self._pending[-1][0] == name:
                self._pending[-1][1] += text
            else:
                self._pending.append([name, text])

    def output(self, output: dict[str, Any]) -> None:
        with self._lock:
            self._send_streams()
            self._send(output)

    def flush(self) -> None:
        with self._lock:
            self._send_streams()

    def _send_streams(self) -> None:
        for name, text in self._pending:
            self._send({"output_type": "stream", "name": name, "text": text})
        self._pending.clear()

    def _send(self, output: dict[str, Any]) -> None:
        # As ASCII JSON text: worker events are msgpack, which refuses e.g. lone surrogates.
        self._emit("output", output=json.dumps(output))


_active: set[_Capture] = set()  # the captures of the nodes running in this process
_active_lock = threading.Lock()


def _send_streams_periodically() -> None:
    """One thread per process sends the captured text of every running node."""
    while True:
        time.sleep(STREAM_INTERVAL_S)
        with _active_lock:
            captures = list(_active)
        for capture in captures:
            capture.flush()


def _current_capture() -> _Capture | None:
    return getattr(_local, "capture", None)


class _StreamRouter:
    """Stands in for sys.stdout/stderr: a capturing thread's text goes to its node."""

    def __init__(self, name: str, fallback: Any):
        self.name = name
        self.fallback = fallback

    def write(self, text: str) -> int:
        capture = _current_capture()
        if capture is None:
            return self.fallback.write(text)
        capture.write(self.name, text)
        return len(text)

    def flush(self) -> None:
        if _current_capture() is None:
            self.fallback.flush()

    def __getattr__(self, attr: str) -> Any:  # encoding, isatty(), fileno()...
        return getattr(self.fallback, attr)


def _install_routers() -> None:
    # Checked on every run: test runners and some libraries swap the streams.
    for name in ("stdout", "stderr"):
        if not isinstance(getattr(sys, name), _StreamRouter):
            setattr(sys, name, _StreamRouter(name, getattr(sys, name)))


class _RoutedPublisher(DisplayPublisher):
    """``display()`` in a node adds a ``display_data`` output to that node."""

    def publish(self, data, metadata=None, *args: Any, **kwargs: Any) -> None:
        capture = _current_capture()
        if capture is None:
            super().publish(data, metadata, *args, **kwargs)
            return
        capture.output(
            {
                "output_type": "display_data",
                "data": _jsonable(data),
                "metadata": _jsonable(metadata or {}),
            }
        )

    def clear_output(self, wait: bool = False) -> None:
        if _current_capture() is None:
            super().clear_output(wait)


_shell_lock = threading.Lock()
_traceback_lock = threading.Lock()


def _shell() -> InteractiveShell:
    """This process's IPython shell (display formatting, tracebacks, magics), set up once."""
    global _shell_instance
    with _shell_lock:
        if _shell_instance is None:
            # Figures render inline as PNG, as in a notebook, unless the user chose a backend.
            os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
            config = Config({"HistoryManager": {"enabled": False}})
            shell = InteractiveShell.instance(config=config)
            shell.display_pub = _RoutedPublisher(shell=shell)
            shell.display_formatter.formatters["image/png"].for_type_by_name(
                "matplotlib.figure", "Figure", partial(print_figure, fmt="png", base64=True)
            )
            shell.system = partial(_system, shell)
            threading.Thread(
                target=_send_streams_periodically, name="continuum-streams", daemon=True
            ).start()
            _shell_instance = shell
        return _shell_instance


_shell_instance: InteractiveShell | None = None


def _system(shell: InteractiveShell, command: str) -> None:
    """``!command``: its output goes to the node's stdout, line by line as it comes."""
    command = shell.var_expand(command, depth=1)  # `{x}` and `$x` from the node's namespace
    with subprocess.Popen(
        command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
    shell.user_ns["_exit_code"] = process.returncode


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """A mimebundle as nbformat stores it: binary data base64-encoded."""
    encoded = {
        key: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        for key, value in data.items()
    }
    return json.loads(json.dumps(encoded, default=repr))
