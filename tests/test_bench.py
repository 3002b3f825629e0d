"""`ganviz bench` measures what it says: the tutorial loop as pytorch/examples writes it, frames with
their paint, and memory over a long run. (The numbers themselves live in docs/performance.md.)"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganviz.cli import bench
from ganviz.core.presets import load_preset

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_yardstick_reuses_the_d_steps_fake_for_the_g_step_like_pytorch_examples(monkeypatch):
    seen = {"G": 0, "D": []}
    build = bench.tutorial_models

    def counting(cfg, shape):
        G, D = build(cfg, shape)
        G.register_forward_hook(lambda *_: seen.__setitem__("G", seen["G"] + 1))
        D.register_forward_hook(lambda _, args, __: seen["D"].append(args[0]))
        return G, D

    monkeypatch.setattr(bench, "tutorial_models", counting)
    step = bench.reference_loop(load_preset("ring8").config(), torch.randn(1000, 2))
    step()
    step()
    assert seen["G"] == 2  # one G(z) a step
    assert len(seen["D"]) == 6  # D(real), D(fake.detach()) for D's step, D(fake) for G's
    _, fake_for_d, fake_for_g = seen["D"][3:]
    assert torch.equal(fake_for_d, fake_for_g)


def test_a_frame_counts_the_paint_it_causes(qtbot):
    from PySide6 import QtWidgets

    from ganviz.app.scripted import PaintClock

    class SlowToPaint(QtWidgets.QWidget):
        def paintEvent(self, event):
            time.sleep(0.03)  # a view that takes 30 ms to paint: the frame must take at least that

    win = SlowToPaint()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    clock = PaintClock(win)
    qtbot.wait(50)  # paints of no frame are not counted
    assert clock.frame_ms == [] and clock.first_at is None
    t = time.time()
    clock.drawn(2.0)
    win.update()
    qtbot.waitUntil(lambda: len(clock.frame_ms) > 0, timeout=5000)
    assert clock.frame_ms[0] >= 2.0 + 30
    assert t <= clock.first_at <= time.time()


@pytest.mark.slow
def test_the_soak_reports_each_processs_memory_and_its_growth_after_start_up():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "ganviz", "bench", "--soak", "6", "--json"], capture_output=True,
                          text=True, env=env, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    res = json.loads(lines[-1])
    assert res["soak_s"] == 6 and res["preset"] == "ring8" and res["steps"] > 0
    for key in ("window", "trainer", "total"):
        assert res[key + "_start_mb"] > 10 and res[key + "_end_mb"] > 10
        assert res[key + "_growth_mb"] == pytest.approx(res[key + "_end_mb"] - res[key + "_warm_mb"], abs=0.15)
    assert [row["s"] for row in res["table"]] == sorted(row["s"] for row in res["table"])
    assert any("growth after start-up" in line for line in lines[:-1])


@pytest.mark.parametrize("args, words", [(["--soak", "0"], "1 to 86400"), (["--soak", "60", "--quick"], "--quick")])
def test_a_soak_asked_wrongly_is_one_line_and_status_2(capsys, args, words):
    from ganviz import cli
    assert cli.main(["bench", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_the_ceiling_is_a_steps_products_and_activations_timed_alone():
    from ganviz.cli import ceiling
    from ganviz.core.config import Config
    from ganviz.core.population import Population
    pop = Population(Config(data="ring8", g_hidden=16, d_hidden=16, batch_size=32))
    c = ceiling.step_ceiling(pop.step, seconds=0.002)
    assert c["steps_per_s"] > 0 and c["products_ms"] > 0 and c["activations_ms"] >= 0 and c["mflop"] > 0
    assert {p["op"] for p in c["products"]} <= {"bmm", "baddbmm", "mm", "addmm"}
    assert sum(p["count"] for p in c["products"]) >= 9  # 3 layers of G, 3 of D: forward and backward
    costs = ceiling.elementwise_costs(seconds=0.002)
    assert set(costs) >= {"relu", "sigmoid", "tanh (ATen)", "softplus", "randn"} and min(costs.values()) > 0
