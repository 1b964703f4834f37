"""Remote mode: the same server drives a cluster started apart, with the `dask` CLI."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def dask_cli(*args, log):
    """A `dask ...` process that can import this package (workers run its executor)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    command = [str(Path(sys.executable).with_name("dask")), *args]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker --resources`` processes on loopback."""
    directory = tmp_path_factory.mktemp("dask-cli")
    scheduler_file = directory / "scheduler.json"
    log = (directory / "dask.log").open("w")
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    scheduler = ["scheduler", *common, "--port", "0", "--scheduler-file", scheduler_file]
    processes = [dask_cli(*scheduler, log=log)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():  # bounded: the scheduler writes it once listening
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            time.sleep(0.1)
        worker = ["worker", "--scheduler-file", scheduler_file, *common, "--nthreads", "1"]
        for name, resource in [("gateway", "edge=1"), ("gpu-pool", "cloud=1")]:
            processes.append(dask_cli(*worker, "--name", name, "--resources", resource, log=log))
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture
def jp_server_config(jp_server_config, cli_cluster):
    jp_server_config["ContinuumApp"] = {"scheduler_address": cli_cluster}
    return jp_server_config


async def test_remote_cluster_runs_workflows_on_its_workers(continuum_api, cli_cluster):
    api = continuum_api
    health = await api.ok("GET", "health")
    assert health["engine"]["kind"] == "remote"
    assert health["engine"]["scheduler_address"] == cli_cluster
    await api.ready()
    placements = {p["name"]: p for p in (await api.ok("GET", "placements"))["placements"]}
    assert [w["name"] for w in placements["edge"]["workers"]] == ["gateway"]
    assert [w["name"] for w in placements["cloud"]["workers"]] == ["gpu-pool"]

    spec = {
        "name": "remote",
        "setup": ["import numpy as np"],
        "nodes": [
            {"id": "sense", "source": "readings = np.linspace(0, 1, 5)", "placement": "edge"},
            {
                "id": "fit",
                "source": "slope = float(np.polyfit(readings, 2 * readings, 1)[0])",
                "placement": "cloud",
                "depends_on": ["sense"],
            },
            {
                "id": "act",
                "source": "print(round(slope, 3))",
                "placement": "edge",
                "depends_on": ["fit"],
            },
        ],
    }
    run = await api.wait_run((await api.submit(spec))["id"])

    assert run["state"] == "succeeded", run
    workers = {n["id"]: n["worker"] for n in run["nodes"]}
    assert workers == {"sense": "gateway", "fit": "gpu-pool", "act": "gateway"}
    act = await api.ok("GET", f"runs/{run['id']}/nodes/act/outputs")
    assert act["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "2.0\n"}]

    refused = {"name": "nowhere", "nodes": [{"id": "a", "source": "1", "placement": "tpu"}]}
    status, error = await api.call("POST", "runs", refused)
    assert (status, error["reason"]) == (422, "unknown_placement")
    assert "offered: cloud, edge" in error["message"]
