"""The lecture tools in the live window: slow motion, presentation mode, export, data drop.

A real trainer process stands behind each window; every wait is on a condition with a timeout.
"""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtWidgets  # noqa: E402

from apptools import drop_events, fresh, open_window, opened, pic, smallest_pen, tools, wait_frame  # noqa: E402
from ganviz.app import make_app  # noqa: E402
from ganviz.core.presets import load_preset  # noqa: E402
from ganviz.core.trainer import PHASES  # noqa: E402
from ganviz.lecture.presentation import scales  # noqa: E402

FIRST_FRAME_MS = 90_000
WAIT_MS = 60_000  # generous: the 2-core test machine is often shared


@pytest.fixture(scope="module")
def ring8(qapp):
    yield from opened("ring8")


@pytest.fixture(scope="module")
def fig1(qapp):
    yield from opened("figure1")


def ready(qtbot, win):
    wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
    win.lecture.slow_motion.set_active(False)
    tools(win).presentation.set_presenting(False)
    tools(win).presentation.set_dark(False)
    return fresh(qtbot, win)


def into_slow_motion(qtbot, win) -> None:
    """Slow motion on, and the first phase of an iteration on screen."""
    ready(qtbot, win)
    win.lecture.slow_motion.set_active(True)
    win.step("both")
    qtbot.waitUntil(lambda: phase_of(win) == "sample", timeout=WAIT_MS)


def phase_of(win) -> str | None:
    cur = win.lecture.slow_motion.current()
    return None if cur is None else cur.phase.name


# ---------------------------------------------------------------------- slow motion
@pytest.mark.slow
def test_slow_motion_walks_one_iteration_through_its_five_phases_with_captions(qtbot, ring8):
    win = ring8
    slow, tool = win.lecture.slow_motion, tools(win).slow_motion  # its state, and what draws it
    ready(qtbot, win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)  # shortcuts reach the active window
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)
    assert slow.active and tool.caption.isVisible()
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: phase_of(win) == "sample", timeout=WAIT_MS)
    assert PHASES["sample"] in tool.caption.text.text()
    assert tool.overlays["2d"].real.isVisible()
    assert not tool.overlays["2d"].fake.isVisible()   # no fakes before G has run
    seen = ["sample"]
    for _ in range(4):
        qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
        seen.append(phase_of(win))
        assert PHASES[seen[-1]] in tool.caption.text.text()
    assert seen == list(PHASES)
    ov = tool.overlays["2d"]
    assert ov.moves.isVisible() and ov.after.isVisible()
    win.grab().save("/tmp/ganviz-slowmo-2d-g.png")
    n = len(slow.frames[-1].phase.batch["fake"])
    assert 0 < n <= 256 and len(ov.after.getData()[0]) == n
    assert slow.frames[0].step == 0 and slow.frames[-1].step == 1
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Left)
    assert phase_of(win) == "update_d"
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)   # past the last phase: the next iteration
    qtbot.waitUntil(lambda: phase_of(win) == "sample" and slow.frames[-1].step == 2, timeout=WAIT_MS)
    win.grab().save("/tmp/ganviz-slowmo-2d.png")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)       # off: the phase marks go, the picture stays current
    assert not slow.active and not tool.caption.isVisible()
    assert not ov.real.isVisible()


@pytest.mark.slow
def test_slow_motion_in_1d_marks_the_batch_on_the_x_axis_and_its_z_arrows(qtbot, fig1):
    win = fig1
    slow = win.lecture.slow_motion
    into_slow_motion(qtbot, win)
    for _ in range(4):
        win.step("both")
    assert phase_of(win) == "update_g"
    ov = tools(win).slow_motion.overlays["1d"]
    assert ov.real.isVisible() and ov.fake.isVisible() and ov.links.isVisible() and ov.before.isVisible()
    assert len(ov.real.getData()[0]) == len(slow.current().phase.batch["real"])
    x, _ = ov.links.getData()
    assert len(x) > 0 and np.isfinite(x).all()
    win.grab().save("/tmp/ganviz-slowmo-1d.png")
    slow.set_active(False)


@pytest.mark.slow
def test_slow_motion_on_images_shows_the_captions_and_records_each_phase(qtbot, tmp_path):
    import imageio.v3 as iio
    win = open_window("digits")
    qtbot.addWidget(win)
    slow, tool = win.lecture.slow_motion, tools(win)
    try:
        wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
        tool.export.start_recording(tmp_path / "phases.gif")
        slow.set_active(True)
        win.step("both")
        qtbot.waitUntil(lambda: phase_of(win) == "sample", timeout=WAIT_MS)
        captions = [tool.slow_motion.caption.text.text()]
        for _ in range(4):
            win.step("both")
            captions.append(tool.slow_motion.caption.text.text())
        assert captions == list(PHASES.values())
        assert not any(o.real.isVisible() for o in tool.slow_motion.overlays.values())
        assert slow.current().kind == "image"
        view, snap = win.views["image"], pic(slow.current())
        x0, y0 = view.lay.tile_origin(2)
        pos = view.vb.mapViewToScene(QtCore.QPointF(x0 + view.lay.w / 2, y0 + view.lay.h / 2))
        tool.hover.moved(view, pos)  # hover readout of tile 3
        assert f"D(G(z)) = {float(snap.d_fake[2]):.3f}" in tool.hover.label.text()
        assert f"distance {float(snap.nn_dist[2]):.3f}" in tool.hover.label.text()
        n = tool.export.stop_recording()
        frames = iio.imread(tmp_path / "phases.gif", index=None)
        assert n >= 5 and len(frames) >= 5   # one frame at least per phase: the captions differ
        iio.imwrite("/tmp/ganviz-phase-frame.png", frames[-1])
    finally:
        win.shutdown()


def test_play_ends_a_slow_motion_walk_through(qtbot, ring8):
    win = ring8
    into_slow_motion(qtbot, win)
    win.session.set_playing(True)
    slow = win.lecture.slow_motion
    qtbot.waitUntil(lambda: slow.current() is None and win.session.last.step > 3, timeout=WAIT_MS)
    win.session.set_playing(False)
    assert not tools(win).slow_motion.overlays["2d"].real.isVisible()
    slow.set_active(False)


# ---------------------------------------------------------------------- presentation
def pt(label) -> float:
    return float(str(label.opts.get("size", "0pt")).rstrip("pt"))


def test_presentation_mode_enlarges_thickens_hides_and_restores(qtbot, ring8):
    win = ring8
    ready(qtbot, win)
    app = make_app()
    font_before = app.font().pointSizeF()
    ax = win.views["2d"].plot.getAxis("bottom")
    tick_before = ax.style["tickFont"].pointSizeF()
    pen_before = smallest_pen(win)
    presentation = tools(win).presentation
    presentation.set_presenting(True)
    assert win.isFullScreen()
    assert not win.controls_dock.isVisible() and not win.story_dock.isVisible()
    views, widgets = scales(win.screen().geometry().height())  # 1.7x, 1.3x on a 1080-line screen, less below
    assert views > 1.2                                           # (Qt's offscreen screen is 800 lines)
    assert app.font().pointSizeF() == pytest.approx(widgets * font_before)  # the window's own text
    qtbot.waitUntil(lambda: pt(win.curves.plots["losses"].titleLabel) >= views * 10, timeout=WAIT_MS)  # curve titles
    assert ax.style["tickFont"].pointSizeF() == pytest.approx(views * tick_before)
    assert smallest_pen(win) >= 3
    curve_pen = win.curves.curves["loss_d"].opts["pen"]
    assert curve_pen.width() >= 3
    qtbot.waitUntil(lambda: win.session.last is not None, timeout=WAIT_MS)
    win.grab().save("/tmp/ganviz-present.png")
    presentation.toggle_panels()                 # H: the panels come back, and go again
    assert win.controls_dock.isVisible() and win.story_dock.isVisible()
    presentation.toggle_panels()
    assert not win.controls_dock.isVisible()
    presentation.set_presenting(False)
    assert not win.isFullScreen()
    assert win.controls_dock.isVisible() and win.story_dock.isVisible()
    assert app.font().pointSizeF() == font_before
    assert ax.style["tickFont"].pointSizeF() == tick_before
    assert smallest_pen(win) == pen_before


def test_dark_theme_turns_the_plots_dark_and_back(qtbot, ring8):
    win = ring8
    ready(qtbot, win)
    glw = win.views["2d"].glw
    tools(win).presentation.set_dark(True)
    assert glw.backgroundBrush().color().lightness() < 60
    text = win.views["2d"].plot.getAxis("bottom").textPen().color()
    assert text.lightness() > 180
    win.grab().save("/tmp/ganviz-dark.png")
    tools(win).presentation.set_dark(False)
    assert glw.backgroundBrush().color().lightness() > 240


# ---------------------------------------------------------------------- export
def test_png_export_is_twice_the_view_and_svg_is_svg(qtbot, ring8, tmp_path):
    from PySide6 import QtGui
    win = ring8
    ready(qtbot, win)
    view = win.current_view()
    tools(win).export.export_png(tmp_path / "v.png")
    img = QtGui.QImage(str(tmp_path / "v.png"))
    assert (img.width(), img.height()) == (2 * view.width(), 2 * view.height())
    tools(win).export.export_svg(tmp_path / "v.svg")
    assert "<svg" in (tmp_path / "v.svg").read_text()
    assert not list(tmp_path.glob("*.tmp*"))


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
@pytest.mark.slow
def test_a_recording_holds_the_frames_drawn(qtbot, ring8, tmp_path, suffix):
    import imageio.v3 as iio
    win = ring8
    ready(qtbot, win)
    path = tmp_path / f"run{suffix}"
    tools(win).export.start_recording(path)
    win.session.set_playing(True)
    qtbot.waitUntil(lambda: len(tools(win).export.recorder.frames) >= 6, timeout=WAIT_MS)
    win.session.set_playing(False)
    with qtbot.waitSignal(tools(win).export.recorded, timeout=WAIT_MS):
        n = tools(win).export.stop_recording()
    frames = iio.imread(path, index=None)
    assert n >= 6 and len(frames) >= 6
    assert "recording saved" in win.statusBar().currentMessage()


def test_metrics_csv_has_a_header_and_every_row(qtbot, ring8, tmp_path):
    win = ring8
    ready(qtbot, win)
    win.session.set_playing(True)
    qtbot.waitUntil(lambda: len(win.session.history[0]) >= 3, timeout=WAIT_MS)
    win.session.set_playing(False)
    n = tools(win).export.export_csv(tmp_path / "m.csv")
    lines = (tmp_path / "m.csv").read_text().strip().splitlines()
    header = lines[0].split(",")
    assert "step" in header and "loss_d" in header
    assert len(lines) == n + 1 and n >= 3


# ---------------------------------------------------------------------- drag and drop
def drop(win, path) -> None:
    """Drag `path` over the window (Qt delivers this) and drop it (Qt delivers drops only from its
    own drag manager, so the drop goes to the window's drop handler directly)."""
    enter, drop_event, _mime = drop_events(path)
    QtCore.QCoreApplication.sendEvent(win, enter)
    assert enter.isAccepted()
    assert tools(win).data_drop.eventFilter(win, drop_event)


def test_dropping_a_data_file_trains_on_it_and_a_bad_file_is_one_line(qtbot, ring8, tmp_path):
    win = ring8
    ready(qtbot, win)
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"not an array")
    win.session.set_playing(True)
    wait_frame(qtbot, win, lambda f: f.step > 2)
    with qtbot.waitSignal(tools(win).data_drop.rejected, timeout=WAIT_MS) as sig:
        drop(win, bad)
    assert "\n" not in sig.args[0] and "broken.npy" in sig.args[0]
    box = next(w for w in win.findChildren(QtWidgets.QMessageBox) if w.isVisible())
    box.close()
    step = win.session.last.step
    wait_frame(qtbot, win, lambda f: f.step > step)   # the previous run keeps going
    assert win.controls.values["data"] == "ring8"
    good = tmp_path / "blob.npy"
    np.save(good, np.random.default_rng(0).normal(size=(500, 2)).astype(np.float32))
    gen = win.session.generation
    drop(win, good)
    frame = wait_frame(qtbot, win, lambda f: f.generation != gen and f.step == 0)
    assert win.controls.values["data"] == str(good) and frame.kind == "2d"
    fresh(qtbot, win)


# ---------------------------------------------------------------------- hover readouts
def test_hovering_reads_out_the_values_under_the_mouse(qtbot, ring8, fig1):
    from ganviz.lecture.readout import value_1d, value_2d
    win = fig1
    snap = pic(ready(qtbot, win))
    view = win.views["1d"]
    pos = view.top.vb.sceneBoundingRect().center()
    tools(win).hover.moved(view, pos)
    x = view.top.vb.mapSceneToView(pos).x()
    v = value_1d(snap, x)
    text = tools(win).hover.label.text()
    assert "p_data(x)" in text and f"D(x) = {v['d']:.3f}" in text and f"p_g(x) = {v['p_g']:.3f}" in text
    win = ring8
    snap = pic(ready(qtbot, win))
    view = win.views["2d"]
    pos = view.plot.vb.sceneBoundingRect().center()
    tools(win).hover.moved(view, pos)
    p = view.plot.vb.mapSceneToView(pos)
    d = value_2d(snap, p.x(), p.y())
    assert d is not None and 0 <= d <= 1
    assert f"D(x) = {d:.3f}" in tools(win).hover.label.text()
    grid = snap.d_grid
    (x0, x1), (y0, y1) = snap.heat_range  # the grid's frame: the whole plot, wider than the data's range
    assert value_2d(snap, float(x0), float(y0)) == pytest.approx(float(grid[0, 0]))
    assert value_2d(snap, float(x1), float(y1)) == pytest.approx(float(grid[-1, -1]))


# ---------------------------------------------------------------------- the worker's side (no Qt)
def test_phase_pictures_carry_the_batch_in_the_datas_own_units():
    from ganviz.core.population import Population
    from ganviz.core.snapshot import SnapshotMaker
    from ganviz.process.phases import MAX_BATCH, phase_pictures
    t = Population(load_preset("ring8").config().replace(batch_size=300))
    phases = list(phase_pictures(t, SnapshotMaker(t), [0], {"arrows": False}))
    assert [ph.name for ph, _ in phases] == list(PHASES)
    assert [pics[0].step for _, pics in phases] == [0, 0, 0, 0, 1] and t.step_count == 1
    b = phases[-1][0].batch
    assert len(b["real"]) == len(b["fake"]) == len(b["fake_after"]) == len(b["d_fake"]) == MAX_BATCH
    radius = np.linalg.norm(b["real"], axis=1)
    assert np.allclose(radius, 2.0, atol=0.2)          # ring8's modes sit on the circle of radius 2
    assert "real" in phases[0][0].batch and "fake" not in phases[0][0].batch
    assert not np.allclose(b["fake"], b["fake_after"])  # G's step moved its fakes
