"""`ganviz sweep --backend ray`: each population a Ray task; on a local Ray of 2 CPUs the same seeds give
the same results.csv as the local backend (within floating point), and Ray leaves no process behind."""
import csv
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import ray

from ganviz.cli import main

from test_sweep import GRID, SMALL, group_ends

pytestmark = pytest.mark.slow  # Ray starts (seconds), then sweeps train on it

ROOT = Path(__file__).resolve().parents[1]


def rows(folder: Path) -> list[dict]:
    return list(csv.DictReader((folder / "results.csv").open()))


def ray_processes() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ray" in " ".join(p.cmdline()).lower()]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()
    deadline = time.monotonic() + 30
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_processes() == []


def test_a_local_ray_gives_the_same_results_csv_as_the_local_backend(tmp_path, local_ray):
    assert main(["sweep", *GRID, "--workers", "2", "--out", str(tmp_path / "local"), "--quiet"]) == 0
    assert main(["sweep", *GRID, "--backend", "ray", "--out", str(tmp_path / "ray"), "--quiet"]) == 0
    here, there = rows(tmp_path / "local"), rows(tmp_path / "ray")
    assert [list(r)[:7] for r in here] == [list(r)[:7] for r in there]  # the same columns
    for a, b in zip(here, there):
        assert {k: a[k] for k in ("run", "folder", "lr_d", "seed", "status", "steps")} == \
               {k: b[k] for k in ("run", "folder", "lr_d", "seed", "status", "steps")}
        for key in ("modes", "hq", "jsd", "loss_d", "loss_g", "d_real"):
            if a[key] == "":
                assert b[key] == ""  # a diverged run has no metrics on either
            elif key == "modes":
                assert abs(float(a[key]) - float(b[key])) <= 1
            else:
                assert math.isclose(float(a[key]), float(b[key]), rel_tol=1e-3, abs_tol=1e-4), key


def test_a_sweep_on_a_ray_of_its_own_stops_it_at_the_end(tmp_path):
    """Without a running Ray, --backend ray starts one on this machine and stops it when the sweep ends."""
    out = tmp_path / "own"
    proc = subprocess.Popen([sys.executable, "-m", "ganviz", "sweep", *SMALL, "--steps", "20", "--backend", "ray",
                             "--out", str(out), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, cwd=ROOT, env={**os.environ, "RAY_ADDRESS": ""})
    try:
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr[-2000:]
    assert [r["status"] for r in rows(out)] == ["done"] and '"finished": 1' in stdout
    assert group_ends(proc.pid, within_s=60)  # Ray's own processes have gone with it
