"""Comparisons from the command line: --vary and --compare make runs trained side by side, each with
its own folder, plus runs.csv and compare.png; and a run's course does not depend on its neighbours."""
import csv
import json

import numpy as np
import pytest

from ganviz.cli import main
from ganviz.core import vary
from ganviz.core.config import Config
from ganviz.core.errors import ConfigError
from ganviz.core.population import Population
from ganviz.core.presets import load_preset


def test_a_range_a_list_and_a_grid():
    assert vary.parse_one("seed=0:4") == ("seed", [0, 1, 2, 3])
    assert vary.parse_one("loss=minimax, ns") == ("loss", ["minimax", "ns"])
    assert vary.parse_one("lr_d=1e-3,3e-4") == ("lr_d", [1e-3, 3e-4])
    runs = vary.grid(["seed=0:2", "loss=minimax,ns"])
    assert runs == [{"seed": 0, "loss": "minimax"}, {"seed": 0, "loss": "ns"},
                    {"seed": 1, "loss": "minimax"}, {"seed": 1, "loss": "ns"}]
    assert vary.grid([]) == [{}]


@pytest.mark.parametrize("items, words", [
    (["seed"], "KEY=VALUES"), (["sed=0:4"], "did you mean 'seed'"), (["loss=minmax"], "loss must be one of"),
    (["lr_d=0:4"], "whole-number settings"), (["seed=4:2"], "range is empty"), (["seed=0:40"], "at most 16"),
    (["seed=0:5", "loss=minimax,ns,lsgan,hinge"], "makes 20 runs"), (["seed=0:2", "seed=3:5"], "names seed twice"),
])
def test_bad_variations_name_the_problem(items, words):
    with pytest.raises(ConfigError, match=words):
        vary.grid(items)


def test_runs_are_named_by_what_differs_and_folders_follow():
    cfgs = [Config(seed=s, loss=l) for s in (0, 1) for l in ("minimax", "ns")]
    assert vary.names(cfgs)[1] == "loss=ns, seed=0"
    assert vary.folder_names(vary.names(cfgs))[1] == "loss-ns_seed-0"
    assert vary.folder_names(["a b", "a b"]) == ["a_b", "a_b_"]  # always unique


def test_runs_of_a_comparison_share_the_data_and_the_clock():
    with pytest.raises(ConfigError, match="data must be the same"):
        vary.check_shared([Config(data="ring8"), Config(data="grid25")])


@pytest.mark.slow
def test_a_run_captures_the_same_modes_alone_and_among_others():
    """The same seed alone or beside three others: the same course, statistically (the runs share no
    randomness; batched arithmetic may round differently, so no bit-for-bit claim)."""
    small = dict(data="ring8", g_hidden=64, d_hidden=64, batch_size=128, n_data=4000, eval_every=10**6,
                 instance_noise=0.3, noise_anneal=800, steps=1200)
    alone = Population(Config(**small, seed=3))
    among = Population([Config(**small, seed=s) for s in range(4)])
    alone.run(1200)
    among.run(1200)
    a, b = alone.evaluate_now(0), among.evaluate_now(3)
    assert a["modes"] == b["modes"]
    assert abs(a["hq"] - b["hq"]) < 0.05
    modes = alone.data.modes

    def shares(x):
        near = ((x[:, None, :] - modes[None]) ** 2).sum(-1).argmin(1)
        return np.bincount(near, minlength=len(modes)) / len(x)
    # Each mode's share wanders by a few points from the rounding alone (the same seed in another arithmetic
    # order takes another path after a few hundred steps), so the claim is the statistical one: both runs spread
    # G's samples over the same modes about evenly.
    for x in (alone.sample(0, 4000), among.sample(3, 4000)):
        assert np.abs(shares(x) - 1 / len(modes)).max() < 0.06


def run(capsys, *args):
    rc = main(["train", *args, "--quiet"])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.slow
def test_train_vary_writes_a_folder_per_run_runs_csv_and_compare_png(tmp_path, capsys):
    out = tmp_path / "cmp"
    rc, stdout, err = run(capsys, "--preset", "figure1", "--steps", "60", "--set", "eval_every=30",
                          "--vary", "seed=0:2", "--vary", "loss=minimax,ns", "--out", str(out))
    assert rc == 0, err
    summary = json.loads(stdout.splitlines()[-1])
    assert [r["run"] for r in summary["runs"]] == ["loss=minimax, seed=0", "loss=ns, seed=0",
                                                   "loss=minimax, seed=1", "loss=ns, seed=1"]
    for r in summary["runs"]:
        folder = out / r["folder"]
        assert {p.name for p in folder.iterdir()} >= {"config.toml", "metrics.csv", "samples.npy", "final.png",
                                                       "model.safetensors", "trainer.safetensors"}
        assert load_preset(str(folder / "config.toml")).config().seed == int(r["run"][-1])
    rows = list(csv.DictReader((out / "runs.csv").open()))
    assert [row["run"] for row in rows] == [r["run"] for r in summary["runs"]]
    assert all(row["status"] == "done" and row["steps"] == "60" and float(row["ks"]) >= 0 for row in rows)
    assert {row["loss"] for row in rows} == {"minimax", "ns"} and {row["seed"] for row in rows} == {"0", "1"}
    from PIL import Image
    assert Image.open(out / "compare.png").size[0] > 1000


@pytest.mark.slow
def test_a_diverging_run_is_marked_and_the_others_finish(tmp_path, capsys):
    out = tmp_path / "boom"
    rc, stdout, err = run(capsys, "--preset", "ring8", "--steps", "300", "--set", "optimizer=sgd", "--set",
                          "loss=lsgan", "--set", "momentum=0.9", "--vary", "lr_d=10,0.001", "--out", str(out))
    assert rc == 0, err
    rows = {row["run"]: row for row in csv.DictReader((out / "runs.csv").open())}
    assert rows["lr_d=10"]["status"].startswith("diverged at step")
    assert rows["lr_d=0.001"]["status"] == "done"
    assert (out / "lr_d-0.001" / "samples.npy").exists()
    assert {p.name for p in (out / "lr_d-10").iterdir()} == {"config.toml", "metrics.csv"}


@pytest.mark.slow
def test_a_comparison_resumes_run_by_run(tmp_path, capsys):
    args = ["--preset", "figure1", "--set", "eval_every=1000", "--vary", "seed=0:2"]
    assert run(capsys, *args, "--steps", "40", "--out", str(tmp_path / "straight"))[0] == 0
    assert run(capsys, *args, "--steps", "20", "--out", str(tmp_path / "half"))[0] == 0
    rc, _, err = run(capsys, *args, "--steps", "40", "--resume", str(tmp_path / "half"), "--out",
                     str(tmp_path / "resumed"))
    assert rc == 0, err
    for name in ("seed-0", "seed-1"):
        a = np.load(tmp_path / "straight" / name / "samples.npy")
        b = np.load(tmp_path / "resumed" / name / "samples.npy")
        assert np.array_equal(a, b)


def test_compare_uses_the_presets_own_comparison(tmp_path, capsys):
    rc, stdout, err = run(capsys, "--preset", "saturating", "--compare", "--steps", "20", "--out",
                          str(tmp_path / "s"))
    assert rc == 0, err
    names = [r["run"] for r in json.loads(stdout.splitlines()[-1])["runs"]]
    assert names == list(load_preset("saturating").compare.names)
    assert {p.name for p in (tmp_path / "s").iterdir()} == {"loss-minimax", "loss-ns", "runs.csv", "compare.png"}


@pytest.mark.parametrize("args, words", [
    (["--preset", "ring8", "--compare"], "declares no comparison"),
    (["--preset", "saturating", "--compare", "--vary", "seed=0:2"], "not both"),
    (["--preset", "ring8", "--vary", "n_data=1000,2000"], "n_data must be the same"),
    (["--preset", "ring8", "--vary", "seed=0"], None),  # one run: a plain run, no runs.csv
])
def test_bad_comparisons_are_one_line_and_exit_2(tmp_path, capsys, args, words):
    out = tmp_path / "x"
    rc, _, err = run(capsys, *args, "--steps", "5", "--out", str(out))
    if words is None:
        assert rc == 0 and not (out / "runs.csv").exists() and (out / "samples.npy").exists()
        return
    assert rc == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()
