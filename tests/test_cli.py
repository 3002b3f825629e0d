"""`ganviz train` and `ganviz presets` end to end: the files a run leaves, the line it prints, the same
run twice, a run resumed, and a run that diverges.

One run goes through a real interpreter (`python -m ganviz`, as a user types it); the rest call
`ganviz.cli.main` in-process, which is the same code without an interpreter start per test.
"""
import json
import os
import signal
import subprocess
import sys
import tomllib

import numpy as np
import pytest
from PIL import Image
from safetensors import safe_open

from ganviz import cli
from ganviz.core import checkpoint
from ganviz.core.config import FIELDS
from ganviz.core.population import Population
from ganviz.core.presets import load_preset, preset_names

RING8_SMALL = ["--preset", "ring8", "--steps", "60", "--set", "log_every=10", "--set", "eval_every=30",
               "--set", "g_hidden=32", "--set", "d_hidden=32"]
OUTPUTS = {"config.toml", "metrics.csv", "real.npy", "samples.npy", "model.safetensors",
           "trainer.safetensors", "final.png"}


def train(capsys, out, *args) -> tuple[int, str, str]:
    rc = cli.main(["train", "--quiet", "--out", str(out), *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """ring8, 60 steps, through the console entry point."""
    out = tmp_path_factory.mktemp("e2e") / "run"
    proc = subprocess.run([sys.executable, "-m", "ganviz", "train", *RING8_SMALL, "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    return proc, out


def test_train_exits_0_and_prints_a_json_summary_last(e2e):
    proc, _ = e2e
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 60
    assert summary["seconds"] > 0 and summary["steps_per_s"] > 0
    assert {"loss_d", "loss_g", "modes", "hq"} <= summary["metrics"].keys()


def test_train_writes_every_output(e2e):
    _, out = e2e
    assert OUTPUTS <= {p.name for p in out.iterdir()}
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]  # no half-written leftovers


def test_config_toml_is_a_preset_that_reproduces_the_settings(e2e):
    _, out = e2e
    with open(out / "config.toml", "rb") as fh:
        tomllib.load(fh)  # valid TOML
    again = load_preset(str(out / "config.toml")).config()
    expected = load_preset("ring8").config().replace(steps=60, log_every=10, eval_every=30, g_hidden=32,
                                                     d_hidden=32)
    assert again == expected


def test_metrics_csv_has_a_header_and_one_row_per_logged_step_without_clock_times(e2e):
    _, out = e2e
    lines = (out / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "step" and {"loss_d", "loss_g", "d_real", "d_fake"} <= set(header)
    assert not [h for h in header if any(w in h.lower() for w in ("time", "second", "wall", "clock", "date"))]
    steps = [int(line.split(",")[0]) for line in lines[1:]]
    assert steps == [10, 20, 30, 40, 50, 60]
    assert all(float(v) == float(v) for v in lines[-1].split(",")[1:5])  # numbers, not blanks


def test_samples_are_10000_points_in_the_datas_own_units(e2e):
    _, out = e2e
    real, fake = np.load(out / "real.npy"), np.load(out / "samples.npy")
    assert real.shape == fake.shape == (10_000, 2)
    radius = np.linalg.norm(real, axis=1)  # ring8: 8 modes on a circle of radius 2, not standardised
    assert abs(np.median(radius) - 2.0) < 0.05
    assert np.isfinite(fake).all()


def test_weights_and_session_are_safetensors_and_final_png_is_an_image(e2e):
    _, out = e2e
    with safe_open(str(out / "model.safetensors"), framework="pt") as fh:
        keys = list(fh.keys())
    assert any(k.startswith("G.") for k in keys) and any(k.startswith("D.") for k in keys)
    assert checkpoint.read(out)["step"] == 60
    png = out / "final.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as img:
        assert img.width > 100 and img.height > 100


@pytest.mark.slow
def test_image_and_1d_runs_write_samples_of_the_documented_size(tmp_path, capsys):
    rc, _, err = train(capsys, tmp_path / "digits", "--preset", "digits", "--steps", "3", "--set", "g_hidden=8",
                       "--set", "d_hidden=8", "--set", "batch_size=16")
    assert rc == 0, err
    fake = np.load(tmp_path / "digits" / "samples.npy")
    real = np.load(tmp_path / "digits" / "real.npy")
    assert fake.shape == real.shape == (1000, 1, 8, 8)
    assert real.min() >= 0 and real.max() <= 16  # digits' own units: 0..16
    rc, _, err = train(capsys, tmp_path / "fig1", "--preset", "figure1", "--steps", "3")
    assert rc == 0, err
    assert np.load(tmp_path / "fig1" / "samples.npy").shape == (10_000, 1)


def test_presets_lists_every_preset_and_keys_every_setting(capsys):
    assert cli.main(["presets"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert listed == preset_names() and {"figure1", "ring8", "grid25", "digits", "shapes"} <= set(listed)
    assert cli.main(["presets", "--keys"]) == 0
    keys = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert keys == list(FIELDS)


def test_same_seed_and_config_give_byte_identical_results(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert train(capsys, first, *RING8_SMALL, "--seed", "3")[0] == 0
    # The second run is configured by the first one's config.toml alone.
    assert train(capsys, second, "--preset", str(first / "config.toml"))[0] == 0
    for name in ("metrics.csv", "samples.npy", "real.npy"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_ctrl_c_saves_the_run_and_the_same_command_with_resume_continues_it_exactly(tmp_path, capsys, monkeypatch):
    straight, cut = tmp_path / "straight", tmp_path / "cut"
    assert train(capsys, straight, *RING8_SMALL)[0] == 0
    # A real SIGINT in the middle of step 30: the step finishes, the run so far is saved, exit 130.
    step = Population.step

    def step_then_ctrl_c(self):
        if self.step_count == 29:
            os.kill(os.getpid(), signal.SIGINT)
        step(self)
    monkeypatch.setattr(Population, "step", step_then_ctrl_c)
    rc, out, err = train(capsys, cut, *RING8_SMALL)
    monkeypatch.setattr(Population, "step", step)
    assert rc == 130 and out == ""
    assert len(err.splitlines()) == 1 and "interrupted at step 30 of 60" in err and "--resume" in err
    assert set(OUTPUTS) <= {p.name for p in cut.iterdir()}
    # The same command with --resume (ring8 decays its learning rates over the last 40% of --steps: the
    # schedule continues as it was).
    rc, out, err = train(capsys, cut, *RING8_SMALL, "--resume", str(cut))
    assert rc == 0, err
    assert json.loads(out.splitlines()[-1])["steps"] == 60
    for name in ("samples.npy", "metrics.csv"):
        assert (straight / name).read_bytes() == (cut / name).read_bytes(), name


def test_resume_refuses_settings_that_shape_the_saved_run(tmp_path, capsys):
    assert train(capsys, tmp_path / "half", *[a if a != "60" else "10" for a in RING8_SMALL])[0] == 0
    rc, _, err = train(capsys, tmp_path / "more", "--resume", str(tmp_path / "half"), "--set", "g_hidden=64")
    assert rc == 2 and "g_hidden" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "more").exists()


def test_divergence_exits_3_names_the_step_and_keeps_settings_and_curves(tmp_path, capsys):
    out = tmp_path / "boom"
    rc, stdout, err = train(capsys, out, "--preset", "ring8", "--steps", "300", "--set", "optimizer=sgd",
                            "--set", "lr_d=10", "--set", "lr_g=10", "--set", "loss=lsgan", "--set", "log_every=1")
    assert rc == 3
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "diverged at step" in err and "lower the learning rate" in err
    step = int(err.split("diverged at step ")[1].split()[0])
    assert {p.name for p in out.iterdir()} == {"config.toml", "metrics.csv"}
    rows = (out / "metrics.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == list(range(1, step))  # every step before the bad one
    assert load_preset(str(out / "config.toml")).config().lr_d == 10.0
    assert stdout == ""


# ---------------------------------------------------------------------------- settings the run ignores
IGNORED_K_D = "ganviz: warning: k_d is ignored: update=simultaneous takes one step of each net"


def test_a_set_setting_that_the_configuration_ignores_gets_a_one_line_warning(tmp_path, capsys):
    rc, _, err = train(capsys, tmp_path / "run", "--preset", "ring8", "--steps", "2",
                       "--set", "update=simultaneous", "--set", "k_d=3", "--set", "momentum=0.5")
    assert rc == 0, err
    assert sorted(err.splitlines()) == [IGNORED_K_D,
                                        "ganviz: warning: momentum is ignored: only optimizer=sgd uses momentum"]


def test_defaults_the_configuration_ignores_are_not_warned_about(tmp_path, capsys):
    # simultaneous ignores k_d, k_g, reuse_fake and d_target, and adam momentum: none of them was set
    rc, _, err = train(capsys, tmp_path / "run", "--preset", "ring8", "--steps", "2", "--set", "update=simultaneous")
    assert rc == 0 and err == "", err


def test_a_preset_file_of_ones_own_is_warned_about_where_it_leaves_the_defaults(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('[settings]\ndata = "gauss"\noptimizer = "rmsprop"\nbeta1 = 0.9\nmomentum = 0.5\n')
    # momentum = 0.5 is the default, as every setting is in a config.toml that `ganviz train` wrote: quiet
    rc, _, err = train(capsys, tmp_path / "run", "--preset", str(mine), "--steps", "2")
    assert rc == 0 and err.splitlines() == ["ganviz: warning: beta1 is ignored: only optimizer=adam uses betas"]


def test_a_refusal_stays_one_line_when_ignored_settings_were_set_too(tmp_path, capsys):
    rc, _, err = train(capsys, tmp_path / "run", "--preset", "ring8", "--data", "rign8",
                       "--set", "update=simultaneous", "--set", "k_d=3")
    assert rc == 2 and len(err.splitlines()) == 1 and "unknown data set" in err, err


def test_gui_and_tour_warn_about_ignored_settings_too(tmp_path, capsys, monkeypatch):
    import re
    monkeypatch.setattr("ganviz.app.run", lambda *args, **kwargs: 0)  # no window: the warning comes first
    # figure1 itself sets activation, which dcgan ignores: a built-in preset's choice, not the user's
    assert cli.main(["gui", "--preset", "figure1", "--set", "model=dcgan", "--set", "g_depth=3"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "ganviz: warning: g_depth is ignored: model=dcgan has a fixed depth"]
    short = tmp_path / "short.toml"  # figure1's tour with fewer updates
    short.write_text(re.sub(r"(?m)^steps = \d+$", "steps = 5", load_preset("figure1").path.read_text()))
    assert cli.main(["tour", "--preset", str(short), "--out", str(tmp_path / "tour"),
                     "--set", "update=simultaneous", "--set", "k_d=3"]) == 0
    assert capsys.readouterr().err.splitlines() == [IGNORED_K_D]
