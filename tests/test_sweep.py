"""`ganviz sweep` on the local backend: the runs a grid makes and their names, each run's folder as
`ganviz train` writes it, results.csv, a diverging run recorded while the others go on, --report, an
interrupted sweep resumed without training its finished runs again, and bad input refused in one line
before anything runs."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from ganviz.cli import main
from ganviz.core.presets import load_preset
from ganviz.core.runtable import RUN_FILES
from ganviz.sweep import runner, spec as specs

ROOT = Path(__file__).resolve().parents[1]
# ring8, small and short; SGD with lr_d=10 diverges within a few steps, lr_d=0.001 does not
SMALL = ["--preset", "ring8", "--steps", "60", "--set", "eval_every=30", "--set", "g_hidden=32", "--set",
         "d_hidden=32", "--set", "n_data=2000", "--set", "optimizer=sgd", "--set", "loss=lsgan", "--set",
         "momentum=0.9"]
GRID = [*SMALL, "--grid", "lr_d=10,0.001", "--seeds", "0:2"]


def sweep(capsys, *args) -> tuple[int, str, str]:
    rc = main(["sweep", *args, "--quiet"])
    out, err = capsys.readouterr()
    return rc, out, err


def rows(folder: Path) -> list[dict]:
    return list(csv.DictReader((folder / "results.csv").open()))


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "lr"
    rc = main(["sweep", *GRID, "--workers", "2", "--out", str(out), "--quiet"])
    assert rc == 0
    return out


def test_a_grid_times_seeds_makes_every_run_named_by_what_varies():
    base = load_preset("grid25").config()
    s = specs.build(base, "grid25", "2d", True, grid=["lr_d=1e-4,3e-4,1e-3", "loss=ns,hinge"], seeds="0:5")
    runs = s.runs()
    assert len(runs) == 30 and s.metric == "modes"  # grid25's main metric
    assert runs[0].name == "lr_d=0.0001, loss=ns, seed=0" and runs[0].folder == "lr_d-0.0001_loss-ns_seed-0"
    assert {r.seed for r in runs} == set(range(5)) and len({r.folder for r in runs}) == 30
    assert runs[7].config(base).lr_d == 1e-4 and runs[7].config(base).loss == "hinge" and runs[7].seed == 2


def test_sampled_settings_are_drawn_the_same_way_every_time_within_their_space():
    base = load_preset("ring8").config()
    args = dict(sample=["lr_d=log:1e-5:1e-2", "g_hidden=lin:32:256", "loss=choice:ns,hinge"], trials=40)
    a = specs.build(base, "ring8", "2d", True, **args).runs()
    b = specs.build(base, "ring8", "2d", True, **args).runs()
    assert [r.values for r in a] == [r.values for r in b] and len(a) == 40
    lr = [r.values["lr_d"] for r in a]
    assert all(1e-5 <= v <= 1e-2 for v in lr) and min(lr) < 1e-4 < 1e-3 < max(lr)  # spread over the decades
    assert all(isinstance(r.values["g_hidden"], int) and 32 <= r.values["g_hidden"] <= 256 for r in a)
    assert {r.values["loss"] for r in a} == {"ns", "hinge"} and a[0].folder == "trial-000_seed-0"


def test_populations_fill_every_worker_and_hold_at_most_16_runs():
    from ganviz.sweep.plan import populations
    base = load_preset("ring8").config()
    runs = specs.build(base, "ring8", "2d", True, seeds="0:32").runs()
    assert [len(p) for p in populations(runs, base, 2)] == [16, 16]
    assert [len(p) for p in populations(runs[:8], base, 2)] == [4, 4]
    mixed = specs.build(base, "ring8", "2d", True, grid=["steps=10,20", "g_hidden=32,64"], seeds="0:3").runs()
    pops = populations(mixed, base, 2)
    assert all(len({r.config(base).steps for r in p}) == 1 for p in pops)  # the clock is shared
    assert sum(map(len, pops)) == 12


@pytest.mark.slow
def test_each_run_has_its_folder_and_a_row_in_results_csv(local):
    got = rows(local)
    assert [r["run"] for r in got] == ["lr_d=10, seed=0", "lr_d=10, seed=1", "lr_d=0.001, seed=0",
                                       "lr_d=0.001, seed=1"]
    assert list(got[0])[:8] == ["run", "folder", "trial", "lr_d", "seed", "status", "steps", "seconds"]
    done = [r for r in got if r["lr_d"] == "0.001"]
    assert all(r["status"] == "done" and r["steps"] == "60" and 0 <= float(r["modes"]) <= 8 for r in done)
    assert all(float(r["seconds"]) > 0 for r in got)
    for r in done:
        assert set(RUN_FILES) <= {p.name for p in (local / r["folder"]).iterdir()}
        cfg = load_preset(str(local / r["folder"] / "config.toml")).config()
        assert (cfg.lr_d, cfg.seed, cfg.steps, cfg.g_hidden) == (0.001, int(r["seed"]), 60, 32)
    assert Image.open(local / "summary.png").size[0] >= 900


@pytest.mark.slow
def test_a_diverging_run_is_recorded_and_the_others_finish(local):
    got = {r["run"]: r for r in rows(local)}
    for seed in (0, 1):
        r = got[f"lr_d=10, seed={seed}"]
        assert r["status"].startswith("diverged at step") and r["modes"] == ""
        assert {p.name for p in (local / r["folder"]).iterdir()} == {"config.toml", "metrics.csv"}
    assert got["lr_d=0.001, seed=0"]["status"] == "done"


@pytest.mark.slow
def test_report_ranks_the_settings_with_their_spread_over_seeds(local, capsys):
    rc, out, err = sweep(capsys, "--out", str(local), "--report")
    assert rc == 0, err
    lines = out.splitlines()
    assert "4 of 4 runs finished, 2 diverged" in lines[0] and "modes (higher is better)" in lines[0]
    first, second = lines[2], lines[3]
    assert "lr_d=0.001" in first and "\u00b1" in first and "lr_d=10" in second and "(2 diverged)" in second
    assert lines[-1].startswith("best: lr_d=0.001: modes ") and "over 2 seeds" in lines[-1]


@pytest.mark.slow
def test_the_same_command_resumes_an_interrupted_sweep_without_training_finished_runs_again(
        tmp_path, capsys, monkeypatch):
    out = tmp_path / "resume"
    args = [*SMALL, "--grid", "lr_d=0.002,0.001", "--seeds", "0:2", "--workers", "2", "--out", str(out)]

    def interrupt(self, new):  # Ctrl+C right after the first population's rows are written
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(runner.Grid, "finished", interrupt)
        rc, _, err = sweep(capsys, *args)
    assert rc == 130 and "2 of 4 runs finished and are kept" in err and "run the same command again" in err
    first = {r["folder"]: (out / r["folder"] / "samples.npy").stat().st_mtime_ns for r in rows(out)}
    assert len(first) == 2
    rc, stdout, err = sweep(capsys, *args)
    assert rc == 0, err
    summary = json.loads(stdout.splitlines()[-1])
    assert (summary["kept"], summary["trained"], summary["finished"]) == (2, 2, 4)
    assert len(rows(out)) == 4
    for folder, mtime in first.items():  # the finished runs were not trained again
        assert (out / folder / "samples.npy").stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_runs_and_leaves_no_worker_behind(tmp_path):
    """A real Ctrl+C (SIGINT to the terminal's process group) while one population still trains."""
    out = tmp_path / "int"
    cmd = [sys.executable, "-m", "ganviz", "sweep", *SMALL, "--grid", "steps=20,1000000", "--workers", "2",
           "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=ROOT)
    try:
        deadline = time.monotonic() + 240
        while not (out / "results.csv").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and err.strip().splitlines()[-1].startswith("ganviz: interrupted: 1 of 2 runs")
    assert "Traceback" not in err
    assert group_ends(proc.pid, within_s=30)  # the workers (and multiprocessing's tracker) have gone too
    assert [r["steps"] for r in rows(out)] == ["20"]


@pytest.mark.slow
def test_a_killed_worker_costs_only_its_population_and_the_same_command_resumes(tmp_path, capsys):
    """A worker process killed (out of memory, say; on Ray: a lost node): its runs are missing, the finished
    ones kept, the sweep ends with status 1 saying to run it again."""
    import psutil
    out = tmp_path / "lost"
    args = [*SMALL, "--grid", "steps=20,1000000", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "ganviz", "sweep", *args, "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 240
        while not (out / "results.csv").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [p for p in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 2
        for w in workers:
            w.kill()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("ganviz: 1 run did not finish (BrokenProcessPool") and "run the same command again" in last
    assert [r["steps"] for r in rows(out)] == ["20"]
    assert sweep(capsys, *args, "--dry-run")[1].splitlines()[1].endswith("1 finished in '" + str(out) + "', 1 to train")


def group_ends(pgid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_dry_run_says_what_is_finished_and_what_is_left(local, capsys):
    rc, out, err = sweep(capsys, *GRID, "--out", str(local), "--dry-run")
    assert rc == 0, err
    assert "4 runs (2 settings x 2 seeds), judged by modes" in out and "4 finished" in out and "0 to train" in out


@pytest.mark.parametrize("args, words", [
    (["--grid", "lr_d=1e-3,x"], "--grid lr_d: lr_d must be float"),
    (["--grid", "lrd=1e-3"], "did you mean 'lr_d'"),
    (["--grid", "seed=0:3"], "give the seeds with --seeds"),
    (["--grid", "loss=ns", "--sample", "lr_d=log:1e-4:1e-2", "--trials", "3"], "not both"),
    (["--sample", "lr_d=log:1e-4:1e-2"], "--sample needs --trials"),
    (["--sample", "lr_d=log:0:1e-2", "--trials", "3"], "LO > 0"),
    (["--sample", "loss=log:1:2", "--trials", "3"], "for numeric settings"),
    (["--trials", "3"], "give the space to draw from with --sample"),
    (["--sample", "lr_d=log:1e-4:1e-2", "--trials", "3", "--optimize", "ks"],
     "--optimize ks is not measured on this data (2d)"),
    (["--optimize", "modes"], "--optimize searches the --sample spaces"),
    (["--metric", "fid"], "--metric must be one of modes, hq, jsd"),
    (["--grid", "data=ring8,gauss"], "sweep them separately"),
    (["--grid", "g_hidden=1024,2048", "--set", "g_depth=8", "--set", "d_hidden=2048", "--set", "d_depth=8"],
     "too large"),
    (["--seeds", "3:1"], "range is empty"),
    (["--address", "auto"], "add --backend ray"),
    (["--workers", "0"], "--workers must be at least 1"),
])
def test_bad_input_is_one_line_and_exit_2_before_anything_runs(tmp_path, capsys, args, words):
    out = tmp_path / "bad"
    rc, _, err = sweep(capsys, *SMALL, *args, "--out", str(out))
    assert rc == 2 and words in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_a_folder_with_another_sweep_or_other_files_is_refused(local, tmp_path, capsys):
    rc, _, err = sweep(capsys, *SMALL, "--grid", "lr_d=10,0.003", "--seeds", "0:2", "--out", str(local))
    assert rc == 2 and "holds another sweep (its grid differs)" in err
    rc, _, err = sweep(capsys, *GRID, "--set", "batch_size=64", "--out", str(local))
    assert rc == 2 and "batch_size is 256 there, 64 here" in err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    rc, _, err = sweep(capsys, *GRID, "--out", str(tmp_path / "mine"))
    assert rc == 2 and "holds files but no sweep" in err


@pytest.mark.parametrize("args, package", [(["--backend", "ray"], "Ray"),
                                           (["--sample", "lr_d=log:1e-4:1e-2", "--trials", "2",
                                             "--optimize", "modes"], "Optuna")])
def test_ray_or_optuna_missing_says_how_to_install_them(tmp_path, capsys, monkeypatch, args, package):
    monkeypatch.setitem(sys.modules, package.lower(), None)  # `import ray` now raises ImportError
    out = tmp_path / "x"
    rc, _, err = sweep(capsys, *SMALL, *args, "--out", str(out))
    assert rc == 2 and f"needs {package}, which is not installed" in err
    assert "pip install 'ganviz[sweep]'" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
