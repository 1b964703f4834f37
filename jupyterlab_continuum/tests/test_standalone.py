"""`jupyter-continuum serve`: the API without JupyterLab, on loopback, behind a token."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from jupyterlab_continuum.app import main

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path, *args):
    """Start `jupyter-continuum serve` (as `python -m`, the package is not installed here)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    env.pop("JUPYTER_TOKEN", None)
    tmp_path.mkdir(exist_ok=True)
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "jupyterlab_continuum.app", "serve", *args]
    # allow_root: test machines run as root, which Jupyter refuses by default.
    command.append("--ServerApp.allow_root=True")
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def get(url, authorization=None):
    request = urllib.request.Request(url)
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def wait_until(probe, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{message} within {timeout} s")


def answers(process, log, url, authorization):
    """A probe: whether the server answers 200 (it prints its token before it listens)."""

    def probe():
        assert process.poll() is None, log.read_text()
        try:
            return get(url, authorization)[0] == 200
        except OSError:
            return False

    return probe


@pytest.fixture
def stop():
    processes = []
    yield processes.append
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_requires_its_generated_token(tmp_path, dask_cluster, stop):
    port = free_port()
    address = f"--ContinuumApp.scheduler_address={dask_cluster.scheduler_address}"
    process, log = serve(tmp_path, f"--port={port}", address)
    stop(process)

    def token():
        assert process.poll() is None, log.read_text()
        found = re.search(r"generated token (\w+)", log.read_text())
        return found and found.group(1)

    secret = wait_until(token, 60, "no token was printed")
    health = f"http://127.0.0.1:{port}/continuum/api/v1/health"
    assert f"API at http://localhost:{port}/continuum/api/v1" in log.read_text()
    wait_until(answers(process, log, health, f"Bearer {secret}"), 60, "the server did not answer")

    status, body = get(health)
    assert (status, body["reason"]) == (403, "forbidden")
    assert get(health, "Bearer wrong")[0] == 403
    status, body = get(health, f"Bearer {secret}")
    assert status == 200 and body["engine"]["kind"] == "remote"
    assert get(health, f"token {secret}")[0] == 200
    listening = {
        connection.laddr.ip
        for connection in psutil.Process(process.pid).net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
    }
    assert listening and listening <= {"127.0.0.1", "::1"}  # loopback only


def test_serve_uses_a_given_token_and_refuses_to_run_without_one(tmp_path, dask_cluster, stop):
    port = free_port()
    address = f"--ContinuumApp.scheduler_address={dask_cluster.scheduler_address}"
    process, log = serve(tmp_path, f"--port={port}", "--token=s3cret", address)
    stop(process)
    health = f"http://127.0.0.1:{port}/continuum/api/v1/health"

    wait_until(answers(process, log, health, "Bearer s3cret"), 60, "the server did not answer")
    assert "generated token" not in log.read_text()

    refused, log = serve(tmp_path / "empty", f"--port={free_port()}", "--token=", address)
    assert refused.wait(timeout=60) != 0
    assert "refusing to serve without a token" in log.read_text()


def test_the_command_needs_a_subcommand(capsys):
    assert main([]) == 2
    assert "usage: jupyter-continuum serve" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_serve_help_prints_the_usage(capsys):
    # traitlets' own help crashed on the --token alias (IdentityProvider is not our class).
    assert main(["serve", "--help"]) == 0
    assert "usage: jupyter-continuum serve" in capsys.readouterr().out
