"""The window fits the screen it is on: a 1280 x 720 projector as well as a 1920 x 1080 monitor.

No trainer process: the window is built, sized for a simulated screen and filled with the longest
texts it shows (captions, alerts), and what a user would see is measured.
"""
import itertools

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

from apptools import marker_texts, tools  # noqa: E402
from ganviz.app import make_app, new_window  # noqa: E402
from ganviz.app.panels.narration import NarrationPanel  # noqa: E402
from ganviz.app.views.compare import CompareCurves  # noqa: E402
from ganviz.app.views.curves import CurvesView  # noqa: E402
from ganviz.core.presets import load_preset  # noqa: E402
from ganviz.lecture.presentation import scales  # noqa: E402
from ganviz.session import Session  # noqa: E402

SCREENS = [(1280, 720), (1920, 1080)]


@pytest.fixture
def window(qapp, qtbot, request):
    """The figure1 window as it opens on a screen of the given size (without a task bar)."""
    make_app()
    preset = load_preset("figure1")
    win = new_window(Session(preset, preset.config(), start=lambda configs: None))  # no training process
    qtbot.addWidget(win)
    w, h = request.param
    win.fit_to_screen(QtCore.QRect(0, 0, w, h))
    win.show()
    qtbot.waitExposed(win)
    return win, w, h


def show_long_texts(win, strip: str) -> None:
    """What can appear above the view at once (a tour or slow motion, and an alert), with the
    longest texts each shows."""
    preset = win.session.preset
    if strip == "tour":
        bar = tools(win).walkthrough.bar
        stage = max(preset.tour, key=lambda s: len(s.caption))
        bar.head.setText(f"Walk through \u2014 {len(preset.tour)} of {len(preset.tour)}: {stage.title}"
                         f"   \u00b7   done ({stage.steps:,} iterations of D and G)"
                         "   \u00b7   Next \u25b6 (N) plays the next stage")
        bar.text.setText(stage.caption)
        bar.show()
    else:
        caption = tools(win).slow_motion.caption
        caption.head.setText("Slow motion \u2014 phase 4 of 5: update D \u2014 iteration 1,234,567"
                             "   (\u2190 \u2192 to move)")
        caption.text.setText(" ".join(["D takes one gradient step on this minibatch:"] * 4))
        caption.show()
    win.banner.show_message("diverged", "<b>Training diverged.</b> loss_d is nan at step 123,456. "
                            "Training is paused; Reset starts again from step 0.")


def area(w: QtWidgets.QWidget) -> int:
    return w.width() * w.height()


@pytest.mark.parametrize("strip", ["tour", "slow motion"])
@pytest.mark.parametrize("window", SCREENS, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_captions_wrap_instead_of_widening_the_window(window, strip):
    win, screen_w, screen_h = window
    assert win.width() <= screen_w and win.height() <= screen_h
    show_long_texts(win, strip)
    QtWidgets.QApplication.processEvents()
    bar = tools(win).walkthrough.bar if strip == "tour" else tools(win).slow_motion.caption
    assert bar.isVisible() and win.banner.isVisible()
    # The window was 1,958 px wide after a tour's first stage, on any screen: its head line did not wrap.
    assert win.minimumSizeHint().width() <= screen_w
    assert win.width() <= screen_w and win.height() <= screen_h
    assert win.stack.height() >= 0.25 * win.height()  # and the view keeps room under them


@pytest.mark.parametrize("window", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_on_a_projector_the_view_gets_most_of_the_window(window):
    win, _, _ = window
    # The story goes behind a tab of the settings: both one click away, the view wider.
    assert win.story_dock in win.tabifiedDockWidgets(win.controls_dock)
    assert win.story_dock.isVisible()
    assert win.stack.width() >= 0.7 * win.width()
    assert area(win.stack) >= 0.4 * area(win)                      # was 0.29
    assert area(win.stack) + area(win.curves) >= 0.55 * area(win)  # the plots together
    # The short curves row leaves out "step" under its x axes, on every panel, whatever the data kind.
    win.curves.set_kind("2d")
    assert not any(p.getAxis("bottom").label.isVisible() for p in win.curves.plots.values())


@pytest.mark.parametrize("window", [(1920, 1080)], indirect=True, ids=["1920x1080"])
def test_on_a_large_screen_story_and_settings_sit_either_side_of_the_view(window):
    win, _, _ = window
    assert not win.tabifiedDockWidgets(win.controls_dock)
    assert win.story_dock.isVisible() and win.controls_dock.isVisible()
    assert win.story_dock.x() < win.stack.mapTo(win, QtCore.QPoint(0, 0)).x() < win.controls_dock.x()


def test_presentation_text_takes_the_same_share_of_any_screen():
    assert scales(1080) == (1.7, 1.3)
    assert scales(2160) == (1.7, 1.3)                       # a 4K screen's pixels are small: not larger still
    views, widgets = scales(720)
    assert views == pytest.approx(1.7 * 720 / 1080) and widgets == 1.0  # never smaller than the window's own


# ---------------------------------------------------------------------------------- curves
def label_rects(axis) -> list[QtCore.QRectF]:
    """Where the axis draws its tick labels: pyqtgraph's own layout, in its own font."""
    img = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    p = QtGui.QPainter(img)
    if axis.style["tickFont"] is not None:
        p.setFont(axis.style["tickFont"])
    specs = axis.generateDrawSpecs(p)
    p.end()
    return [] if specs is None else [rect for rect, _, _ in specs[2]]


def curves_with_a_long_run(row: str):
    """The curves row of one run, or of a comparison (every run's curves overlaid), 12,000 steps long."""
    steps = np.arange(0, 12_000, 10)
    log = [{"step": float(s), "loss_d": 1.2 + 0.3 * np.sin(s / 900), "loss_g": 0.7 + 0.2 * np.cos(s / 700),
            "d_real": 0.55, "d_fake": 0.45, "grad_d": 0.03 + 0.02 * np.sin(s / 300) ** 2,
            "grad_g": 0.5 + 0.4 * np.cos(s / 500) ** 2, "jsd": 0.3 * np.exp(-s / 4000), "d_gap": 0.5}
           for s in steps]
    if row == "one run":
        view = CurvesView()
        view.add_rows(log)
    else:
        view = CompareCurves()
        view.build("1d", ["seed=0", "seed=1"])
        for run in (0, 1):
            view.show_history(run, log, 0)
    view.refresh()
    return view


@pytest.mark.parametrize("row", ["one run", "compared runs"])
@pytest.mark.parametrize("width,height,tick_pt", [(560, 130, 12), (930, 130, 12), (1270, 150, 14), (1910, 220, 20)])
def test_curve_tick_labels_never_run_into_each_other(qapp, qtbot, row, width, height, tick_pt):
    """A narrow window, a 720-line screen's window, presentation there and on a 1080-line screen:
    every tick label stands apart (at 560 px and 1280 x 720, "0 1000 2000 3000" ran together)."""
    make_app()
    view = curves_with_a_long_run(row)
    qtbot.addWidget(view)
    font = QtGui.QFont()
    font.setPointSize(tick_pt)
    for plot in view.plots.values():
        for name in ("left", "bottom"):
            plot.getAxis(name).setStyle(tickFont=font)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    first = next(iter(view.plots.values()))
    qtbot.waitUntil(lambda: first.vb.viewRange()[0][1] > 11_000 and first.vb.width() < width / 3)
    axes = {(name, side): plot.getAxis(side) for name, plot in view.plots.items() for side in ("left", "bottom")}
    least = {key: 2 if key[1] == "bottom" and width > 900 else 1 for key in axes}
    # An axis sizes itself to its labels when first painted: paint until every axis shows its labels.
    qtbot.waitUntil(lambda: view.grab() and all(len(label_rects(ax)) >= least[k] for k, ax in axes.items()))
    for key, ax in axes.items():
        for a, b in itertools.combinations(label_rects(ax), 2):
            assert not a.intersects(b), (key, a, b)


def test_a_change_markers_label_stays_inside_its_short_panel(qapp, qtbot):
    make_app()
    view = CurvesView()
    qtbot.addWidget(view)
    view.add_rows([{"step": s, "loss_d": 1.0, "loss_g": 0.7} for s in range(0, 400, 10)])
    view.refresh()
    view.resize(930, 130)
    view.show()
    qtbot.waitExposed(view)
    view.add_changes([(330, "loss minimax \u2192 ns, lr_g 0.0002 \u2192 0.001")])
    assert marker_texts(view) == ["loss minimax \u2192 ns, lr_g 0.0002 \u2192 0.001"]  # the whole change
    label, vb = view.markers[0][0].label, view.plots["losses"].vb
    qtbot.waitUntil(lambda: view.grab() and vb.height() < 100 and label.sceneBoundingRect().height() > 10)
    line_x = view.markers[0][0].sceneBoundingRect().center().x()
    assert vb.sceneBoundingRect().contains(label.sceneBoundingRect())  # was cut off by the step axis
    assert label.sceneBoundingRect().right() <= line_x + 1  # left of its line: the newest change is at the right edge


def test_the_heatmaps_colour_bar_title_stands_clear_of_its_numbers(qapp, qtbot):
    from ganviz.app.views.scatter2d import Scatter2DView
    make_app()
    view = Scatter2DView()
    qtbot.addWidget(view)
    view.resize(900, 420)
    view.show()
    qtbot.waitExposed(view)
    axis = view.bar.getAxis("right")
    qtbot.waitUntil(lambda: view.grab() and len(label_rects(axis)) >= 3)
    title = axis.label.sceneBoundingRect()
    for rect in label_rects(axis):
        assert not axis.mapRectToScene(rect).intersects(title)


def test_a_long_compare_button_wraps_inside_a_narrow_story_panel(qapp, qtbot):
    make_app()
    panel = NarrationPanel()
    qtbot.addWidget(panel)
    panel.set_preset("Saturating vs non-saturating G loss", "Early in training D rejects G's samples.",
                     ["Start with the walk-through."], compare="minimax vs non-saturating, and the same again")
    panel.resize(260, 500)
    panel.show()
    qtbot.waitExposed(panel)
    button = panel.compare_button
    qtbot.waitUntil(lambda: "\n" in button.text())  # wrapped to its width
    # The panel's text and the button fit the panel: it was as wide as the button's one long line,
    # and the panel, which does not scroll sideways, cut the title and the button off at the right.
    assert panel.widget().width() <= panel.viewport().width()
    assert all(button.fontMetrics().horizontalAdvance(line) <= button.width() for line in button.text().split("\n"))
    qtbot.waitUntil(lambda: button.height() >= 2 * button.fontMetrics().height())  # as tall as its lines
