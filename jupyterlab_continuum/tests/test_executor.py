"""The worker side, run in this process: what a node's execution captures and hands over."""

import json
import re
import threading
import time

import pytest

from jupyterlab_continuum.executor import (
    NodeCancelled,
    NodeError,
    NodeFailed,
    execute,
    interrupt_node,
    run_node,
)


class Emitted(list):
    """The outputs a node sent, with when each was sent."""

    def __call__(self, event, output):
        assert event == "output"
        assert output.isascii()  # JSON text any msgpack accepts
        self.append((time.monotonic(), json.loads(output)))

    @property
    def outputs(self):
        return [output for _, output in self]


def run(source, *, setup=(), imports=None, upstream=(), exports=()):
    emitted = Emitted()
    task = {
        "node_id": "n",
        "setup": list(setup),
        "source": source,
        "imports": imports or {},
        "exports": list(exports),
    }
    return execute(task, upstream, emitted), emitted


def test_streams_and_last_expression_become_outputs():
    result, emitted = run("import sys\nprint('out')\nprint('err', file=sys.stderr)\n6 * 7")
    assert result == {"node_id": "n", "values": {}}
    assert emitted.outputs == [
        {"output_type": "stream", "name": "stdout", "text": "out\n"},
        {"output_type": "stream", "name": "stderr", "text": "err\n"},
        {
            "output_type": "execute_result",
            "execution_count": None,
            "data": {"text/plain": "42"},
            "metadata": {},
        },
    ]
    _, quiet = run("6 * 7;")
    assert quiet.outputs == []
    _, odd = run("print('\\ud800 ü')")  # a lone surrogate: not UTF-8, still sent
    assert odd.outputs[0]["text"] == "\ud800 ü\n"


def test_rich_display_and_matplotlib_figures():
    _, emitted = run(
        "from IPython.display import HTML\n"
        "display(HTML('<b>bold</b>'))\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 3, 2])\n"
        "plt.show()\n"
        "plt.figure()\n"
        "plt.plot([2, 1])\n"
        "print('done');"
    )
    kinds = [(o["output_type"], sorted(o.get("data", {}))) for o in emitted.outputs]
    assert kinds == [
        ("display_data", ["text/html", "text/plain"]),
        ("display_data", ["image/png", "text/plain"]),  # plt.show()
        ("stream", []),
        ("display_data", ["image/png", "text/plain"]),  # left open: shown at the end
    ]
    assert emitted.outputs[1]["data"]["image/png"].startswith("iVBOR")


def test_ipython_syntax_runs():
    result, emitted = run("%time y = 2\n!echo shell {y}\nz = y + 1", exports=["z"])
    text = "".join(o["text"] for o in emitted.outputs)
    assert "Wall time" in text and "shell 2\n" in text
    assert set(result["values"]) == {"z"}


def test_values_travel_pickled_and_come_back():
    made, _ = run(
        "import numpy as np\n"
        "class Point:\n"
        "    def __init__(self, x):\n"
        "        self.x = x\n"
        "def double(v):\n"
        "    return 2 * v\n"
        "points = [Point(1), Point(2)]\n"
        "array = np.arange(4)",
        exports=["points", "array", "double", "never_defined"],
    )
    assert set(made["values"]) == {"points", "array", "double"}
    imports = {"points": "n", "array": "n", "double": "n"}
    _, emitted = run(
        "print(sum(p.x for p in points), double(array).tolist())",
        setup=["import numpy as np"],
        imports=imports,
        upstream=[made],
    )
    assert emitted.outputs[0]["text"] == "3 [0, 2, 4, 6]\n"


def test_user_errors_fail_with_a_traceback():
    with pytest.raises(NodeFailed) as failed:
        run("def f():\n    return {}['missing']\nf()")
    assert (failed.value.ename, failed.value.evalue) == ("KeyError", "'missing'")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(failed.value.traceback))
    assert "<continuum n>" in plain and "f()" in plain and "executor.py" not in plain

    with pytest.raises(NodeFailed) as syntax:
        run("x = (")
    assert syntax.value.ename == "SyntaxError"

    with pytest.raises(NodeFailed) as exited:
        run("raise SystemExit(3)")
    assert exited.value.ename == "SystemExit"


def test_error_output_is_the_last_output():
    emitted = Emitted()
    task = {"node_id": "n", "setup": [], "source": "print(1)\n1/0", "imports": {}, "exports": []}
    with pytest.raises(NodeFailed):
        execute(task, (), emitted)
    assert [o["output_type"] for o in emitted.outputs] == ["stream", "error"]
    assert emitted.outputs[-1]["ename"] == "ZeroDivisionError"


def test_unpicklable_export_is_a_node_error():
    with pytest.raises(NodeError, match=r"cannot send 'lock' \(lock\) downstream"):
        run("import threading\nlock = threading.Lock()", exports=["lock"])


def test_output_streams_while_the_node_runs():
    started = time.monotonic()
    _, emitted = run("import time\nprint('early', flush=True)\ntime.sleep(0.6)\nprint('late')")
    (sent_early, early), (sent_late, late) = emitted
    assert early["text"] == "early\n" and late["text"] == "late\n"
    assert sent_early - started < 0.4  # not held back until the end
    assert sent_late - sent_early > 0.5


def test_interrupt_stops_a_busy_node():
    key = "busy-task"
    outcome = {}

    def target():
        from jupyterlab_continuum import executor

        executor._shell()  # as run_node does before the node becomes interruptible
        try:
            with executor._interruptible(key):
                run("while True:\n    pass")
        except BaseException as exc:
            outcome["exc"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 10
    while not interrupt_node(key):  # until the node has registered
        assert time.monotonic() < deadline
        time.sleep(0.01)
    thread.join(10)
    assert isinstance(outcome["exc"], NodeCancelled)
    assert interrupt_node(key) is False  # nothing runs under that key anymore


def test_run_node_needs_a_worker():
    with pytest.raises(ValueError, match="No worker found"):
        run_node({"key": "k", "run_id": "r", "node_id": "n", "attempt": 1})
