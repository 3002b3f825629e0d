"""`ganviz sweep --optimize`: Optuna's TPE sampler chooses the trials' settings within the --sample spaces,
learns from finished trials, and a resumed optimisation starts from the trials in results.csv."""
import csv
import json

import optuna
import pytest

from ganviz.cli import main
from ganviz.core.presets import load_preset
from ganviz.sweep import spec as specs
from ganviz.sweep.results import Result
from ganviz.sweep.search import Search

FIGURE1 = ["--preset", "figure1", "--steps", "40", "--set", "eval_every=20", "--set", "g_hidden=16", "--set",
           "d_hidden=16"]


def spec(trials=6, seeds="0:2"):
    return specs.build(load_preset("figure1").config(), "figure1", "1d", False,
                       sample=["lr_d=log:1e-4:1e-1", "loss=choice:ns,minimax"], trials=trials, seeds=seeds,
                       optimize="ks")


def finished(s, trial, values, seed, ks=None):
    run = next(r for r in s.trial_runs(trial, values) if r.seed == seed)
    return Result(run, "done" if ks is not None else "diverged at step 5", 40, 1.0, {} if ks is None else {"ks": ks})


def test_tpe_asks_for_settings_within_the_spaces_and_is_told_each_trials_mean_over_seeds():
    s = spec()
    search = Search(s, []).start(slots=2)
    assert isinstance(search.study.sampler, optuna.samplers.TPESampler) and search.study.direction.name == "MINIMIZE"
    runs = search.next()
    assert len(runs) == 2 and {r.seed for r in runs} == {0, 1} and runs[0].trial == 0  # a trial is its seeds
    assert 1e-4 <= runs[0].values["lr_d"] <= 1e-1 and runs[0].values["loss"] in ("ns", "minimax")
    search.finished([finished(s, 0, runs[0].values, 0, ks=0.2), finished(s, 0, runs[0].values, 1, ks=0.4)])
    (told,) = search.study.trials
    assert abs(told.value - 0.3) < 1e-12
    assert told.params["loss"] == runs[0].values["loss"]


def test_a_diverged_run_counts_as_the_metrics_worst_value():
    s = spec()
    search = Search(s, []).start(slots=2)
    runs = search.next()
    search.finished([finished(s, 0, runs[0].values, 0, ks=0.2), finished(s, 0, runs[0].values, 1)])
    assert abs(search.study.trials[0].value - (0.2 + 1.0) / 2) < 1e-12  # KS is at most 1


def test_a_resumed_optimisation_adds_the_finished_trials_and_trains_the_missing_seeds_first():
    s = spec(trials=5)
    a, b = {"lr_d": 0.001, "loss": "ns"}, {"lr_d": 0.01, "loss": "minimax"}
    kept = [finished(s, 0, a, 0, 0.3), finished(s, 0, a, 1, 0.5), finished(s, 1, b, 1, 0.2)]
    search = Search(s, kept).start(slots=1)
    assert len(search.study.trials) == 1 and search.study.trials[0].params == a
    runs = search.next()
    assert (runs[0].trial, runs[0].values, runs[0].seed) == (1, b, 0)  # trial 1's missing seed, as it was
    assert {r.trial for r in runs[1:]} <= {2, 3, 4}


@pytest.mark.slow
def test_optimize_writes_every_trial_to_results_csv_and_resumes_as_done(tmp_path, capsys):
    out = tmp_path / "opt"
    args = ["sweep", *FIGURE1, "--sample", "lr_d=log:1e-4:1e-1", "--trials", "4", "--seeds", "0:2",
            "--optimize", "ks", "--workers", "2", "--out", str(out), "--quiet"]
    assert main(args) == 0
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == 8 and sorted({r["trial"] for r in rows}) == ["0", "1", "2", "3"]
    assert all(1e-4 <= float(r["lr_d"]) <= 1e-1 and r["folder"] == f"trial-{int(r['trial']):03d}_seed-{r['seed']}"
               for r in rows)
    assert json.loads((out / "sweep.json").read_text())["optimize"] == "ks"
    capsys.readouterr()
    assert main(args) == 0  # nothing left to do
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["trained"] == 0
