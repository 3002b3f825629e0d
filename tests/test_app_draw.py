"""Draw 2D data: paint with the mouse on the canvas, erase, clear, and train on the drawing.

The mouse events go to the canvas's viewport as Qt delivers a real mouse's; the window test has a
real trainer process behind it.
"""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtGui  # noqa: E402

from apptools import open_window, pic, tools  # noqa: E402
from ganviz.app import make_app  # noqa: E402
from ganviz.app.tools.draw_data import MIN_TRAIN, DrawDataDialog, data_home, save_points  # noqa: E402

FIRST_FRAME_MS = 90_000
WAIT_MS = 60_000
B = QtCore.Qt.MouseButton


def pixel(dlg, x: float, y: float) -> QtCore.QPointF:
    """Where the data point (x, y) lies on the canvas's viewport."""
    scene = dlg.plot.getViewBox().mapViewToScene(QtCore.QPointF(x, y))
    return QtCore.QPointF(dlg.plot_widget.mapFromScene(scene))


def mouse(dlg, kind, x, y, button=B.LeftButton, held=B.LeftButton) -> None:
    vp = dlg.plot_widget.viewport()
    local = pixel(dlg, x, y)
    glob = QtCore.QPointF(vp.mapToGlobal(local.toPoint()))
    btn = B.NoButton if kind == QtCore.QEvent.Type.MouseMove else button
    ev = QtGui.QMouseEvent(kind, local, glob, btn, held, QtCore.Qt.KeyboardModifier.NoModifier)
    QtCore.QCoreApplication.sendEvent(vp, ev)


def drag(dlg, path, button=B.LeftButton) -> None:
    """Press at path[0], move through the rest with the button held, release at the end."""
    E = QtCore.QEvent.Type
    mouse(dlg, E.MouseButtonPress, *path[0], button=button, held=button)
    for x, y in path[1:]:
        mouse(dlg, E.MouseMove, x, y, held=button)
    mouse(dlg, E.MouseButtonRelease, *path[-1], button=button, held=B.NoButton)


def near_segment(pts, a, b) -> np.ndarray:
    """Distance of each point to the segment a-b."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    t = np.clip(((pts - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
    return np.linalg.norm(pts - (a + t[:, None] * (b - a)), axis=1)


@pytest.fixture
def dialog(qtbot):
    make_app()
    dlg = DrawDataDialog(None, seed=0)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def test_the_canvas_maps_pixels_to_data_units(dialog):
    for x, y in [(0, 0), (2.5, -1), (-3, 3)]:
        assert np.allclose(dialog.to_view(pixel(dialog, x, y)), [x, y], atol=0.05)


def test_dragging_paints_points_where_the_mouse_went(dialog):
    dlg = dialog
    assert len(dlg.points) == 0 and not dlg.train_button.isEnabled()
    path = [(-2 + 0.1 * i, 1.0) for i in range(41)]   # a horizontal stroke from (-2, 1) to (2, 1)
    drag(dlg, path)
    pts = dlg.points
    assert len(pts) >= 40 * 4 and dlg.count_label.text() == f"{len(pts):,} points"
    sigma = dlg.brush.value()
    assert (near_segment(pts, (-2, 1), (2, 1)) < 5 * sigma).all()
    assert abs(pts[:, 1].mean() - 1) < 0.1 and pts[:, 0].min() < -1.7 and pts[:, 0].max() > 1.7
    assert dlg.train_button.isEnabled() and len(pts) >= MIN_TRAIN
    # moving without a button held paints nothing; the brush's size sets the spread
    n = len(pts)
    mouse(dlg, QtCore.QEvent.Type.MouseMove, 0, -2, held=B.NoButton)
    assert len(dlg.points) == n
    dlg.clear()
    dlg.brush.setValue(0.05)
    drag(dlg, [(0, -2)] * 30)
    assert len(dlg.points) > 0 and np.linalg.norm(dlg.points - [0, -2], axis=1).max() < 0.3


def test_right_drag_and_the_erase_button_erase_near_the_cursor_and_clear_empties(dialog):
    dlg = dialog
    drag(dlg, [(-2 + 0.1 * i, 0.0) for i in range(41)])
    n = len(dlg.points)
    drag(dlg, [(-2 + 0.1 * i, 0.0) for i in range(15)], button=B.RightButton)   # rub out the left end
    r = dlg.radius() - 0.05   # less a pixel or two: the mouse moves in whole pixels
    assert 0 < len(dlg.points) < n and (near_segment(dlg.points, (-2, 0), (-0.6, 0)) > r).all()
    assert (dlg.points[:, 0] > 0).any()                                          # the rest is kept
    dlg.erase_button.setChecked(True)
    drag(dlg, [(0.1 * i, 0.0) for i in range(21)])                              # and the right half
    assert (near_segment(dlg.points, (0, 0), (2, 0)) > r).all()
    dlg.erase_button.setChecked(False)
    drag(dlg, [(2.0, 2.0), (2.5, 2.0)])
    assert (near_segment(dlg.points, (2, 2), (2.5, 2)) < 1.5).any()
    dlg.clear_button.click()
    assert len(dlg.points) == 0 and dlg.count_label.text() == "0 points"
    assert not dlg.train_button.isEnabled()


def test_drawings_are_saved_as_n_by_2_float_npy_under_the_xdg_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_home() == tmp_path / "ganviz"
    pts = np.random.default_rng(0).normal(size=(60, 2))
    a, b = save_points(pts), save_points(pts)
    assert a.parent == tmp_path / "ganviz" / "drawn" and a != b and a.suffix == ".npy"
    arr = np.load(a)
    assert arr.shape == (60, 2) and arr.dtype == np.float32 and np.allclose(arr, pts, atol=1e-6)
    assert sorted(p.name for p in a.parent.iterdir()) == sorted([a.name, b.name])  # no temporary left


@pytest.mark.slow
def test_train_on_this_saves_the_drawing_and_the_window_trains_on_it(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    win = open_window("ring8")
    try:
        qtbot.waitUntil(lambda: win.session.last is not None, timeout=FIRST_FRAME_MS)
        assert "Draw 2D data" in [a.text().rstrip("\u2026") for a in win.menuBar().actions()[0].menu().actions()]
        draw = tools(win).draw_data
        assert draw.act.shortcut().toString() == "Ctrl+D"
        draw.act.trigger()
        dlg = draw.dialog
        qtbot.waitExposed(dlg)
        # two blobs: a stroke around (-2, 2) and one around (2, -2)
        drag(dlg, [(-2 + 0.05 * np.cos(t), 2 + 0.05 * np.sin(t)) for t in np.linspace(0, 6, 30)])
        drag(dlg, [(2 + 0.05 * np.cos(t), -2 + 0.05 * np.sin(t)) for t in np.linspace(0, 6, 30)])
        painted = dlg.points.copy()
        assert len(painted) >= MIN_TRAIN
        gen = win.session.generation
        with qtbot.waitSignal(dlg.trained, timeout=WAIT_MS) as sig:
            qtbot.mouseClick(dlg.train_button, B.LeftButton)
        path = sig.args[0]
        files = list((tmp_path / "ganviz" / "drawn").glob("drawn-*.npy"))
        assert [str(f) for f in files] == [path]
        arr = np.load(path)
        assert arr.ndim == 2 and arr.shape[1] == 2 and arr.dtype.kind == "f"
        assert np.allclose(arr, painted, atol=1e-5)
        assert win.controls.values["data"] == path and not dlg.isVisible()
        qtbot.waitUntil(lambda: win.session.last.generation != gen and win.session.last.step == 0, timeout=WAIT_MS)
        frame = win.session.last
        assert frame.kind == "2d" and win.current_view().kind == "2d"
        real = np.asarray(pic(frame).real, float)
        assert len(real) > 0
        nearest = np.min(np.linalg.norm(real[:, None, :] - painted[None, :, :], axis=2), axis=1)
        assert nearest.max() < 1e-3      # the real points are the painted ones
        assert ((np.linalg.norm(real - [-2, 2], axis=1) < 1.5)
                | (np.linalg.norm(real - [2, -2], axis=1) < 1.5)).all()
        win.grab().save(str(tmp_path / "window.png"))
    finally:
        win.shutdown()
        win.close()
