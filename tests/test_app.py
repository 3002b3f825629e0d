"""The live window, driven as a user drives it, with a real trainer process behind it.

Every wait is on a condition with a timeout (the trainer's first frame needs torch imported
in a fresh process: a few seconds on a 2-core laptop).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from PySide6 import QtWidgets

pytest.importorskip("pytestqt")

from apptools import (FIRST_FRAME_MS, STEP_MS, curve_values, fresh, marker_texts, open_window, pic,  # noqa: E402
                      settle, wait_frame)
from ganviz.app.chrome import PREFERRED_SIZE  # noqa: E402
from ganviz.core.presets import load_preset  # noqa: E402
from ganviz.process import protocol as p  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ring8(qapp):
    """One ring8 window for the tests below (each starts it afresh with fresh())."""
    win = open_window("ring8")
    yield win
    win.close()


@pytest.fixture
def window(qtbot):
    opened = []

    def _open(name, **changes):
        win = open_window(name, **changes)
        qtbot.addWidget(win)
        opened.append(win)
        wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
        return win
    yield _open
    for win in opened:
        win.shutdown()


# ---------------------------------------------------------------------------------- opening

def _children() -> set[int]:
    return {c.pid for c in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(c.cmdline())}  # multiprocessing's own helper


@pytest.mark.parametrize("preset, kind, keys", [
    ("figure1", "1d", ("x", "p_data", "p_g", "d", "z_line", "z_x")),
    ("digits", "image", ("fake_u8", "d_fake", "real_u8", "nn_u8")),
])
@pytest.mark.slow
def test_window_opens_on_each_data_kind_draws_and_closes_without_leftovers(window, preset, kind, keys):
    before = _children()
    win = window(preset)
    frame = win.session.last
    assert frame.kind == kind and all(getattr(pic(frame), k) is not None for k in keys)
    assert win.current_view().kind == kind
    assert win.frames >= 1 and win.first_frame_s is not None
    assert win.lbl_step.text().startswith("step 0 /")
    pid = win.session.handle.pid
    assert pid in _children() - before
    win.close()  # quit, join <= 1 s, then terminate/kill: no trainer left behind
    assert not psutil.pid_exists(pid)
    assert _children() - before == set()


@pytest.mark.slow
def test_ring8_window_shows_the_2d_view(qtbot, ring8):
    frame = wait_frame(qtbot, ring8, timeout=FIRST_FRAME_MS)
    assert frame.kind == "2d" and ring8.current_view().kind == "2d"
    view = ring8.current_view()
    assert np.array_equal(view.fake.getData()[0], pic(frame).fake[:, 0])
    assert view.heat.image is not None and view.heat.levels is not None and tuple(view.heat.levels) == (0.0, 1.0)
    # D's map fills the plot: the aspect lock widens the axes past the data's range on a wide window,
    # and the map used to stop there, leaving blank bands (docs/presets, before this change)
    ring8.resize(1600, 1000)
    view.request.emit(view.wanted())
    settle(qtbot, ring8, lambda f: abs(_heat_aspect(f) - view.wanted()["aspect"]) < 0.05)
    (vx0, vx1), (vy0, vy1) = view.plot.vb.viewRange()
    rect = view.heat.mapRectToParent(view.heat.boundingRect())
    assert rect.left() <= vx0 + 0.02 * (vx1 - vx0) and rect.right() >= vx1 - 0.02 * (vx1 - vx0)
    assert rect.top() <= vy0 + 0.02 * (vy1 - vy0) and rect.bottom() >= vy1 - 0.02 * (vy1 - vy0)


def _heat_aspect(frame) -> float:
    (x0, x1), (y0, y1) = pic(frame).heat_range
    return (x1 - x0) / (y1 - y0)


# ---------------------------------------------------------------------------------- transport

def test_play_advances_the_step_counter_and_pause_stops_it(qtbot, ring8):
    fresh(qtbot, ring8)
    ring8.act_play.trigger()
    wait_frame(qtbot, ring8, lambda f: f.step >= 30 and f.playing)
    assert "Pause" in ring8.act_play.text()
    ring8.act_play.trigger()
    paused = settle(qtbot, ring8)
    assert not paused.playing and not ring8.session.playing
    # Paused: a redraw request yields a new frame, but no new training step.
    ring8.session.view(p.View(arrows=True))
    again = settle(qtbot, ring8)
    assert again.step == paused.step
    assert ring8.lbl_step.text().startswith(f"step {paused.step:,} /")


def test_step_d_changes_d_only_step_g_moves_the_points_only(qtbot, ring8):
    s0 = pic(fresh(qtbot, ring8))
    ring8.act_step_d.trigger()
    s1 = pic(wait_frame(qtbot, ring8, lambda f: f.step == 1))
    assert not np.array_equal(s1.d_grid, s0.d_grid)    # D learnt
    assert np.array_equal(s1.fake, s0.fake)            # G did not move
    ring8.act_step_g.trigger()
    s2 = pic(wait_frame(qtbot, ring8, lambda f: f.step == 2))
    assert np.array_equal(s2.d_grid, s1.d_grid)
    assert not np.array_equal(s2.fake, s1.fake)
    view = ring8.current_view()
    assert np.array_equal(view.fake.getData()[0], s2.fake[:, 0])  # the view shows where they went
    ring8.act_step.trigger()
    s3 = pic(wait_frame(qtbot, ring8, lambda f: f.step == 3))
    assert not np.array_equal(s3.d_grid, s2.d_grid) and not np.array_equal(s3.fake, s2.fake)


def test_live_learning_rate_change_reaches_the_trainer_and_marks_the_curves(qtbot, ring8):
    fresh(qtbot, ring8)
    with qtbot.waitSignal(ring8.session.changed, timeout=STEP_MS) as got:
        ring8.controls.set_value("lr_d", 1e-4)
    assert got.args[0] == {0: {"lr_d": (0.001, 0.0001)}}
    qtbot.waitUntil(lambda: any("lr_d" in t for t in marker_texts(ring8.curves)), timeout=STEP_MS)
    assert marker_texts(ring8.curves)[-1] == "lr_d 0.001 \u2192 0.0001"
    assert ring8.session.pending() == []  # live: nothing waits for Reset


def test_non_live_setting_waits_for_reset(qtbot, ring8):
    fresh(qtbot, ring8)
    ring8.controls.set_value("g_hidden", 64)
    assert ring8.session.pending() == ["g_hidden"]
    assert "1 to apply" in ring8.act_reset.text()
    fresh(qtbot, ring8, g_hidden=64)
    assert ring8.session.pending() == [] and ring8.act_reset.text() == "\u21bb Reset"


def test_reset_with_the_same_seed_reproduces_the_first_snapshot(qtbot, ring8):
    first = pic(fresh(qtbot, ring8))
    ring8.act_step.trigger()
    ring8.act_step.trigger()
    wait_frame(qtbot, ring8, lambda f: f.step == 2)
    again = pic(fresh(qtbot, ring8))
    for key in ("fake", "d_grid", "real"):
        assert np.array_equal(getattr(first, key), getattr(again, key)), key
    assert curve_values(ring8.curves, "loss_d").size == 0  # the curves start over too


def test_an_impossible_setting_is_a_message_not_a_crash(qtbot, ring8):
    fresh(qtbot, ring8)
    with qtbot.waitSignal(ring8.session.problem, timeout=STEP_MS) as got:
        ring8.controls.set_value("model", "dcgan")  # images only
        ring8.reset()
    assert got.args[0] == "input" and "dcgan" in got.args[1]
    box = next(w for w in ring8.findChildren(QtWidgets.QMessageBox) if w.isVisible())
    assert "dcgan" in box.text()
    box.close()
    assert ring8.session.alive()
    fresh(qtbot, ring8)  # and the window goes on


def test_keyboard_steps_and_plays(qtbot, ring8):
    from PySide6 import QtCore
    fresh(qtbot, ring8)
    ring8.activateWindow()
    qtbot.waitUntil(ring8.isActiveWindow, timeout=2000)  # shortcuts reach the active window
    qtbot.keyClick(ring8, QtCore.Qt.Key.Key_Right)
    wait_frame(qtbot, ring8, lambda f: f.step == 1)
    qtbot.keyClick(ring8, QtCore.Qt.Key.Key_Space)
    wait_frame(qtbot, ring8, lambda f: f.step > 5)
    qtbot.keyClick(ring8, QtCore.Qt.Key.Key_Space)
    assert not settle(qtbot, ring8).playing


def test_a_saved_session_loads_back_with_its_settings(qtbot, ring8, tmp_path):
    fresh(qtbot, ring8, seed=7)
    for _ in range(3):
        ring8.act_step.trigger()
    saved = pic(wait_frame(qtbot, ring8, lambda f: f.step == 3))
    path = str(tmp_path / "run.safetensors")
    with qtbot.waitSignal(ring8.session.saved, timeout=STEP_MS):
        ring8.session.save(path)
    fresh(qtbot, ring8)  # seed 0 again, step 0
    assert ring8.controls.values["seed"] == 0
    with qtbot.waitSignal(ring8.session.loaded, timeout=STEP_MS):
        ring8.session.load(path)
    frame = wait_frame(qtbot, ring8, lambda f: f.step == 3)
    assert np.array_equal(pic(frame).fake, saved.fake)
    assert ring8.controls.values["seed"] == 7 and ring8.session.pending() == []


def test_choosing_a_preset_switches_view_story_and_settings(qtbot, ring8):
    fresh(qtbot, ring8)
    ring8.choose_preset("figure1")
    wait_frame(qtbot, ring8, lambda f: f.kind == "1d")
    assert ring8.current_view().kind == "1d" and ring8.curves.kind == "1d"
    assert ring8.narration.title.text() == load_preset("figure1").title
    assert ring8.controls.values["data"] == "gauss" and ring8.session.pending() == []
    ring8.choose_preset("ring8")
    wait_frame(qtbot, ring8, lambda f: f.kind == "2d" and f.step == 0)
    assert ring8.current_view().kind == "2d"


@pytest.mark.slow
def test_forced_nan_shows_the_banner_and_pauses(window, qtbot):
    win = window("figure1")
    for key, value in (("optimizer", "sgd"), ("loss", "lsgan"), ("momentum", 0.99), ("lr_d", 10.0), ("lr_g", 10.0)):
        win.controls.set_value(key, value)
    with qtbot.waitSignal(win.session.problem, timeout=STEP_MS) as got:
        win.act_play.trigger()
    assert got.args[0] == "diverged"
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=2000)
    assert "diverged" in win.banner.text.text() and win.banner.kind == "diverged"
    wait_frame(qtbot, win, lambda f: not f.playing)
    assert not win.session.playing and "Play" in win.act_play.text()
    win.session.show_settings(win.session.preset.config().to_dict())
    gen = win.session.generation
    win.banner.reset.click()  # one click back to a healthy run
    wait_frame(qtbot, win, lambda f: f.step == 0 and f.generation != gen)
    assert not win.banner.isVisible()
    win.session.problem.emit("diverged", "run 1 diverged at step 3")  # shown again ...
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=2000)
    win.choose_preset("ring8")  # ... and gone with the runs it was about
    qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=STEP_MS)


@pytest.mark.slow
def test_a_killed_trainer_is_reported_within_a_second_and_reset_restarts_it(window, qtbot):
    win = window("figure1")
    old = win.session.handle.pid
    os.kill(old, signal.SIGKILL)
    with qtbot.waitSignal(win.session.problem, timeout=1500) as got:
        pass
    assert got.args[0] == "died"
    assert win.banner.isVisible() and "Reset" in win.banner.text.text()
    frames = win.frames
    win.act_reset.trigger()
    assert win.session.handle.pid != old
    wait_frame(qtbot, win, lambda f: win.frames > frames and f.step == 0, timeout=FIRST_FRAME_MS)
    assert not win.banner.isVisible()
    win.act_step.trigger()
    wait_frame(qtbot, win, lambda f: f.step == 1)


# ---------------------------------------------------------------------------------- scripted run

@pytest.mark.slow
def test_scripted_run_writes_a_real_picture_and_a_json_line(tmp_path):
    shot = tmp_path / "shots" / "ring8.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    launched = time.time()
    done = subprocess.run([sys.executable, "-m", "ganviz", "--preset", "ring8", "--run-for", "3",
                           "--screenshot", str(shot)], capture_output=True, text=True, env=env, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("steps", "frames", "steps_per_s", "frame_ms_p50", "frame_ms_p95", "draw_ms_p50", "first_frame_s"):
        assert key in summary
    assert summary["steps"] > 0 and summary["frames"] > 0
    assert summary["frame_ms_p50"] >= summary["draw_ms_p50"]  # a frame is drawn, then painted
    assert launched <= summary["first_frame_at"] <= time.time()
    from PySide6 import QtGui
    img = QtGui.QImage(str(shot))
    assert (img.width(), img.height()) == PREFERRED_SIZE  # the window as it opens on a 1920 x 1080 screen
    ptr = img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits()
    pixels = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.width(), 4)[..., :3]
    colours = np.unique(pixels[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 200 and pixels.std() > 20  # a picture, not a blank window
    assert not list(shot.parent.glob(".*.tmp"))  # written atomically


def test_no_display_is_one_line_and_status_2(monkeypatch, capsys):
    from ganviz import app
    for key in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.run(None, [load_preset("figure1").config()]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display" in err and "xvfb-run" in err
