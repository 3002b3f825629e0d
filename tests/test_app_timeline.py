"""The timeline bar, driven as a user drives it: play, scrub back to a kept state, branch from it.

A real trainer process runs behind the window; every wait is on a condition with a timeout.
"""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from apptools import STEP_MS, fresh, ghost_data, open_window, pic, settle, wait_frame  # noqa: E402
from ganviz.process.worker import PACING  # noqa: E402

KEPT_MS = 20_000 + int(4 * PACING.keep_s * 1000)


@pytest.fixture(scope="module")
def win(qapp):
    w = open_window("ring8")
    w.seen = {}  # step -> fake points drawn at that step (the first frame of each step)
    w.frame_drawn.connect(lambda f: w.seen.setdefault(f.step, np.array(pic(f).fake, copy=True)))
    yield w
    w.close()


def play_until_kept(qtbot, w, n: int) -> list[int]:
    bar = w.timeline_bar
    w.session.set_playing(True)
    qtbot.waitUntil(lambda: len(bar.steps) >= n, timeout=KEPT_MS)
    w.session.set_playing(False)
    settle(qtbot, w, lambda f: not f.playing)
    return list(bar.steps)


@pytest.mark.slow
def test_playing_keeps_states_on_the_bar(qtbot, win):
    frame = fresh(qtbot, win)
    bar = win.timeline_bar
    qtbot.waitUntil(lambda: bar.steps == [0], timeout=STEP_MS)  # a new run starts with its first state
    assert frame.step == 0 and not bar.slider.isEnabled()
    steps = play_until_kept(qtbot, win, 2)
    assert len(steps) >= 2 and steps == sorted(steps) and steps[0] == 0
    assert all(b - a >= PACING.keep_steps for a, b in zip(steps, steps[1:]))
    assert bar.slider.isEnabled() and bar.slider.maximum() == len(steps) - 1
    assert win.session.last.step >= steps[-1]


@pytest.mark.slow
def test_scrubbing_back_restores_the_state_drawn_then(qtbot, win):
    fresh(qtbot, win)
    win.seen.clear()
    bar = win.timeline_bar
    steps = play_until_kept(qtbot, win, 3)
    target = steps[1]  # an earlier kept state, not the start
    assert target in win.seen  # a state is kept at a frame's step: the window drew it then
    before = win.session.last.step
    assert before > target
    bar.slider.setValue(1)  # the user picks the second tick
    frame = settle(qtbot, win, lambda f: f.step == target)
    assert frame.branch_from == target and not frame.playing and not win.session.playing
    assert win.lbl_step.text().startswith(f"step {target:,} /")
    assert np.array_equal(pic(frame).fake, win.seen[target])  # the same generator as then
    view = win.current_view()
    x, y = view.fake.getData()
    assert np.array_equal(x, win.seen[target][:, 0]) and np.array_equal(y, win.seen[target][:, 1])
    assert bar.steps == steps[:2]  # the future from there is a new branch
    assert bar.branches[-1] == target
    # the live curves are cut at the restored step; what they showed stays as a faint layer
    x, _ = win.curves.series["loss_d"].view()
    assert len(x) and x.max() <= target
    gx, _ = ghost_data(win.curves, "loss_d")
    assert gx.max() > target
    # the history (and so the metrics CSV) is the branch being played, the trainer's own
    assert all(r["step"] <= target for r in win.session.history[0])


@pytest.mark.slow
def test_branching_with_a_new_learning_rate_keeps_the_old_curve_faint(qtbot, win):
    fresh(qtbot, win)
    bar = win.timeline_bar
    steps = play_until_kept(qtbot, win, 3)
    target = steps[1]
    bar.restore(target)
    settle(qtbot, win, lambda f: f.step == target)
    old_x, old_y = ghost_data(win.curves, "loss_d")
    reach = int(old_x.max())
    assert reach > target
    with qtbot.waitSignal(win.session.changed, timeout=STEP_MS):
        win.controls.set_value("lr_g", 1e-2)
    win.session.set_playing(True)  # "branch from here": play on with the new settings
    wait_frame(qtbot, win, lambda f: f.step >= reach and f.playing, timeout=KEPT_MS)
    win.session.set_playing(False)
    settle(qtbot, win, lambda f: not f.playing)
    x, y = win.curves.series["loss_d"].view()
    assert x.max() >= reach and np.all(np.diff(x) > 0)  # one branch, drawn from the old prefix on
    # the old branch is still drawn, faint and grey, behind the new one
    layer = win.curves.ghosts[-1]["loss_d"]
    assert layer.scene() is not None and layer.zValue() < win.curves.curves["loss_d"].zValue()
    colour = layer.opts["pen"].color()
    assert colour.alpha() == 64 and colour.red() == colour.green() == colour.blue()
    gx, gy = ghost_data(win.curves, "loss_d")
    assert np.array_equal(gx, old_x) and np.array_equal(gy, old_y)
    # the metrics CSV holds the new branch only: step numbers never repeat or go backwards
    steps = [r["step"] for r in win.session.history[0]]
    assert steps == sorted(set(steps)) and max(steps) >= reach
    # same steps before the branch, different ones after it: a new branch
    common, i_new, i_old = np.intersect1d(x, gx, return_indices=True)
    assert np.array_equal(y[i_new][common <= target], gy[i_old][common <= target])
    after = common > target
    assert after.sum() >= 2 and not np.allclose(y[i_new][after], gy[i_old][after])
    # a new run forgets the branches
    fresh(qtbot, win)
    qtbot.waitUntil(lambda: not win.curves.ghosts and bar.steps == [0], timeout=STEP_MS)
