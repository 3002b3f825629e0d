"""Walk through a preset's tour in the window: each stage plays exactly its updates, with its caption,
and the run can be taken over at any time. A real trainer process runs behind the window."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from apptools import FIRST_FRAME_MS, STEP_MS, opened, pic, tools, wait_frame  # noqa: E402

TOUR_MS = 90_000  # a stage plays hundreds of updates; the 2-core test machine is often shared


@pytest.fixture(scope="module")
def fig1(qapp):
    yield from opened("figure1")


def play_stage(qtbot, win, start) -> dict:
    """Start (the tour or its next stage) and wait until the stage's updates have all been played."""
    with qtbot.waitSignal(win.lecture.walkthrough.stage_done, timeout=TOUR_MS):
        start()
    return wait_frame(qtbot, win, lambda f: not f.playing)


@pytest.mark.slow
def test_figure1_walks_through_its_four_panels(qtbot, fig1):
    win = fig1
    wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
    stages = win.session.preset.tour
    assert [s.run for s in stages] == ["both", "d", "g", "both"]  # Figure 1 (a)-(d)
    assert win.narration.tour_button.isVisible()

    fa = play_stage(qtbot, win, win.narration.tour_button.click)
    a = pic(fa)
    assert fa.step == stages[0].steps  # from the preset's first state: exactly the stage's iterations
    assert tools(win).walkthrough.bar.isVisible() and stages[0].title in tools(win).walkthrough.bar.head.text()
    assert tools(win).walkthrough.bar.text.text() == stages[0].caption

    fb = play_stage(qtbot, win, tools(win).walkthrough.bar.next.click)  # (b) D alone: G's samples stay where they were
    b = pic(fb)
    assert fb.step == fa.step + stages[1].steps
    np.testing.assert_array_equal(b.fake, a.fake)
    assert not np.array_equal(b.d, a.d)
    # ...and D has come closer to D* = p_data / (p_data + p_g) where both densities live
    support = (a.p_data > 0.05) & (a.p_g > 0.05)
    err = lambda s: np.abs(s.d - s.d_star)[support].mean()  # noqa: E731
    assert err(b) < err(a)

    fc = play_stage(qtbot, win, win.lecture.walkthrough.next)  # (c) G alone: D stays as it was, G's samples move
    c = pic(fc)
    assert fc.step == fb.step + stages[2].steps
    np.testing.assert_array_equal(c.d, b.d)
    assert not np.array_equal(c.fake, b.fake)
    assert "3 of 4" in tools(win).walkthrough.bar.head.text()


def test_play_takes_the_run_over_from_the_tour(qtbot, fig1):
    win = fig1
    win.lecture.walkthrough.start()
    wait_frame(qtbot, win, lambda f: f.stage is not None and f.stage[0] == win.lecture.walkthrough.serial)
    win.session.set_playing(False)
    qtbot.waitUntil(lambda: "taken over" in tools(win).walkthrough.bar.head.text(), timeout=STEP_MS)
    win.lecture.walkthrough.end()
    assert not tools(win).walkthrough.bar.isVisible()


def test_presets_without_a_tour_hide_the_button(qtbot, fig1):
    win = fig1
    win.choose_preset("ring8")
    assert not win.narration.tour_button.isVisible() and not tools(win).walkthrough.act.isEnabled()
    win.choose_preset("figure1")
    assert win.narration.tour_button.isVisible() and tools(win).walkthrough.act.isEnabled()
