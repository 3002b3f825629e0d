"""Compare mode in the live window: runs side by side, a click opens one, edits reach the selected run
or all of them. A real training process stands behind the window."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtGui  # noqa: E402

from apptools import FIRST_FRAME_MS, STEP_MS, open_window, pic, run_curve_values, settle, tools, wait_frame  # noqa: E402
from ganviz.app.views.compare import CompareDialog, columns  # noqa: E402

SEEDS = [{"seed": s} for s in range(4)]


@pytest.fixture(scope="module")
def win(qapp):
    w = open_window("ring8", variants=SEEDS)
    yield w
    w.shutdown()
    w.close()


def all_drawn(frame) -> bool:
    return len(frame.pictures) == 4


def test_four_runs_are_drawn_side_by_side_with_their_names(qtbot, win):
    frame = wait_frame(qtbot, win, all_drawn, FIRST_FRAME_MS)
    assert win.comparing and win.current_view() is win.compare
    panels = win.compare.panels
    assert [p.title.text() for p in panels] == ["seed=0", "seed=1", "seed=2", "seed=3"]
    for run, panel in enumerate(panels):
        x, _ = panel.view.fake.getData()
        assert np.array_equal(x, pic(frame, run).fake[:, 0])  # each panel shows its own run
    assert not np.array_equal(pic(frame, 0).fake, pic(frame, 1).fake)  # four seeds, four pictures
    grid = win.compare.grid
    cells = {grid.getItemPosition(grid.indexOf(panel))[:2] for panel in panels}
    assert cells == {(0, 0), (0, 1), (1, 0), (1, 1)} and columns(4) == 2  # a 2 x 2 grid
    assert all(name in win.compare_curves.legend.text() for name in win.session.names)


def test_the_curves_overlay_every_run(qtbot, win):
    win.session.set_playing(True)
    qtbot.waitUntil(lambda: all(len(run_curve_values(win.compare_curves, r, "loss_d")) >= 2 for r in range(4)),
                    timeout=STEP_MS * 2)
    win.session.set_playing(False)
    settle(qtbot, win, lambda f: not f.playing)


def test_a_click_on_a_panel_opens_that_run_and_compare_comes_back(qtbot, win):
    wait_frame(qtbot, win, all_drawn, FIRST_FRAME_MS)
    panel = win.compare.panels[2]
    vp = panel.view.glw.viewport()
    qtbot.mouseClick(vp, QtCore.Qt.MouseButton.LeftButton, pos=vp.rect().center())
    assert win.session.selected == 2 and not win.comparing and win.current_view().kind == "2d"
    frame = settle(qtbot, win, lambda f: list(f.pictures) == [2])  # only the shown run is drawn now
    x, _ = win.current_view().fake.getData()
    assert np.array_equal(x, pic(frame, 2).fake[:, 0])
    assert win.controls.scope.isVisible() and win.controls.scope.run.currentIndex() == 2
    win.act_compare.trigger()
    assert win.comparing
    settle(qtbot, win, all_drawn)


def test_compare_mode_turns_slow_motion_off(qtbot, win):
    wait_frame(qtbot, win, all_drawn, FIRST_FRAME_MS)
    win.set_comparing(False)
    slow, tool = win.lecture.slow_motion, tools(win).slow_motion
    slow.set_active(True)
    assert tool.caption.isVisible() and tool.act.isChecked()
    win.act_compare.trigger()
    assert win.comparing and not slow.active and not tool.caption.isVisible() and not tool.act.isChecked()
    assert win.current_view() is win.compare
    settle(qtbot, win, all_drawn)


def test_an_edit_goes_to_every_run_or_to_the_selected_one(qtbot, win):
    wait_frame(qtbot, win, all_drawn, FIRST_FRAME_MS)
    win.controls.scope.every.setChecked(True)
    with qtbot.waitSignal(win.session.changed, timeout=STEP_MS) as got:
        win.controls.set_value("lr_g", 5e-4)
    assert set(got.args[0]) == {0, 1, 2, 3}
    win.session.select(1)
    win.controls.scope.this.setChecked(True)
    with qtbot.waitSignal(win.session.changed, timeout=STEP_MS) as got:
        win.controls.set_value("lr_g", 2e-4)
    assert set(got.args[0]) == {1}
    assert [c.lr_g for c in win.session.applied] == [5e-4, 2e-4, 5e-4, 5e-4]
    win.controls.scope.every.setChecked(True)


def test_the_whole_grid_exports_as_one_picture(qtbot, win, tmp_path):
    wait_frame(qtbot, win, all_drawn, FIRST_FRAME_MS)
    win.set_comparing(True)
    size = tools(win).export.export_png(tmp_path / "grid.png")
    img = QtGui.QImage(str(tmp_path / "grid.png"))
    assert (img.width(), img.height()) == (2 * win.compare.width(), 2 * win.compare.height())
    assert size.width() == img.width()
    tools(win).export.export_svg(tmp_path / "grid.svg")  # every panel, as vectors (it failed before)
    svg = (tmp_path / "grid.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and svg.count("<path") > 4


def test_a_presets_comparison_opens_from_its_button(qtbot, win):
    win.choose_preset("saturating")
    assert win.narration.compare_button.isVisible() and win.session.n_runs == 1
    wait_frame(qtbot, win, lambda f: f.kind == "1d" and f.step == 0, FIRST_FRAME_MS)
    win.narration.compare_button.click()
    frame = wait_frame(qtbot, win, lambda f: len(f.pictures) == 2, FIRST_FRAME_MS)
    assert win.comparing and [p.title.text() for p in win.compare.panels] == list(
        win.session.preset.compare.names)
    assert {c.loss for c in win.session.applied} == {"minimax", "ns"} and frame.kind == "1d"
    win.choose_preset("ring8")  # a preset of its own: one run again, compare mode off
    assert win.session.n_runs == 1 and not win.comparing and not win.act_compare.isEnabled()


def test_the_compare_dialog_reads_values_as_vary_does(qtbot, win):
    dlg = CompareDialog(win, win.session.values)
    qtbot.addWidget(dlg)
    dlg.key.setCurrentText("loss")
    dlg.values.setText("minimax, ns, hinge")
    assert dlg.ok.isEnabled() and dlg.variants == [{"loss": "minimax"}, {"loss": "ns"}, {"loss": "hinge"}]
    dlg.values.setText("minmax")
    assert not dlg.ok.isEnabled() and "did you mean" in dlg.hint.text()
    dlg.key.setCurrentText("seed")
    dlg.values.setText("0:10")
    assert not dlg.ok.isEnabled() and "2 to 8" in dlg.hint.text()


def test_a_saved_comparison_loads_back_with_every_run(qtbot, win, tmp_path):
    win.session.reset(win.session.preset.configs(SEEDS))
    wait_frame(qtbot, win, lambda f: all_drawn(f) and f.step == 0, FIRST_FRAME_MS)
    for _ in range(2):
        win.act_step.trigger()
    saved = wait_frame(qtbot, win, lambda f: all_drawn(f) and f.step == 2)
    path = str(tmp_path / "four.safetensors")
    with qtbot.waitSignal(win.session.saved, timeout=STEP_MS):
        win.session.save(path)
    win.session.reset([win.session.preset.config()])  # one run again
    wait_frame(qtbot, win, lambda f: len(f.pictures) == 1 and f.step == 0, FIRST_FRAME_MS)
    with qtbot.waitSignal(win.session.loaded, timeout=STEP_MS):
        win.session.load(path)
    frame = wait_frame(qtbot, win, lambda f: all_drawn(f) and f.step == 2, FIRST_FRAME_MS)
    assert win.session.n_runs == 4 and win.comparing and [c.seed for c in win.session.applied] == [0, 1, 2, 3]
    assert all(np.array_equal(pic(frame, r).fake, pic(saved, r).fake) for r in range(4))
