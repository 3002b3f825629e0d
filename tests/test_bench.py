"""`ganviz bench` measures what it says: the tutorial loop as pytorch/examples writes it, frames with
their paint, and memory over a long run. (The numbers themselves live in docs/performance.md.)"""
import time

import torch

from ganviz import bench
from ganviz.core import models
from ganviz.core.config import load_preset


def test_the_yardstick_reuses_the_d_steps_fake_for_the_g_step_like_pytorch_examples(monkeypatch):
    seen = {"G": 0, "D": []}
    build = models.build

    def counting(cfg, shape):
        G, D = build(cfg, shape)
        G.register_forward_hook(lambda *_: seen.__setitem__("G", seen["G"] + 1))
        D.register_forward_hook(lambda _, args, __: seen["D"].append(args[0]))
        return G, D

    monkeypatch.setattr(models, "build", counting)
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
