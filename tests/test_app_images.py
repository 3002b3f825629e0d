"""The image view in the live window: tiles large and sharp, class coverage beside them, the class and
D's score under the mouse, a latent walk that follows G as it trains and exports as PNG and GIF."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtGui  # noqa: E402

from apptools import opened, pic, settle, tools, wait_frame  # noqa: E402

FIRST_FRAME_MS = 90_000
WAIT_MS = 90_000  # the training process trains its classifier after the first frame: seconds on a busy machine


@pytest.fixture(scope="module")
def digits(qapp):
    yield from opened("digits")


def classified(qtbot, win):
    """A frame whose picture carries the class shares (the classifier is trained)."""
    return wait_frame(qtbot, win, lambda f: f.pictures and pic(f).class_shares is not None, WAIT_MS)


def tile_px(view) -> float:
    """A tile's width on screen, in pixels."""
    lay = view.lay
    a = view.vb.mapViewToScene(QtCore.QPointF(0, 0))
    b = view.vb.mapViewToScene(QtCore.QPointF(lay.w, 0))
    return b.x() - a.x()


def sized(qtbot, win, w: int, h: int) -> float:
    win.resize(w, h)
    qtbot.waitUntil(lambda: win.size() == QtCore.QSize(w, h), timeout=5000)
    QtGui.QGuiApplication.processEvents()
    return tile_px(win.views["image"])


@pytest.mark.slow
def test_tiles_are_at_least_48_px_on_a_full_hd_window_and_larger_when_presenting(qtbot, digits):
    win = digits
    wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
    tools(win).presentation.set_presenting(False)
    normal = sized(qtbot, win, 1920, 1080)
    assert normal >= 48
    tools(win).presentation.set_presenting(True)
    try:
        qtbot.waitUntil(lambda: not win.views["image"].score_items[0].isVisible(), timeout=5000)
        win.showNormal()  # the offscreen screen is smaller than full HD: the same window size, presenting
        assert sized(qtbot, win, 1920, 1080) > 1.15 * normal
    finally:
        tools(win).presentation.set_presenting(False)
    win.resize(1280, 800)


def test_8x8_pixels_are_scaled_up_without_smoothing(qtbot, digits):
    win = digits
    wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
    view = win.views["image"]
    image = view.glw.grab().toImage()
    lay = view.lay
    top_left = view.glw.mapFromScene(view.vb.mapViewToScene(QtCore.QPointF(lay.b + 0.5, lay.b + 0.5)))
    bottom_right = view.glw.mapFromScene(view.vb.mapViewToScene(QtCore.QPointF(lay.b + lay.w - 0.5,
                                                                                 lay.b + lay.h - 0.5)))
    greys = {QtGui.QColor(image.pixel(x, y)).red() for x in range(top_left.x(), bottom_right.x())
             for y in range(top_left.y(), bottom_right.y())}
    assert (bottom_right.x() - top_left.x()) > 16 and len(greys) <= 64  # at most one grey per pixel of the tile


@pytest.mark.slow
def test_class_bars_show_g_s_shares_beside_the_datas_live(qtbot, digits):
    win = digits
    snap = pic(classified(qtbot, win))
    view = win.views["image"]
    qtbot.waitUntil(lambda: view.picture is not None and view.picture.class_shares is not None, timeout=WAIT_MS)
    snap = view.picture
    assert np.allclose(view.g_bars.opts["width"], snap.class_shares)
    assert np.allclose(view.real_bars.opts["width"], snap.real_shares)
    assert "% right" in view.note and view.bars.isVisible()
    ticks = view.bars.getAxis("left")._tickLevels[0]
    assert [name for _, name in ticks] == list("0123456789")


def test_hover_tells_d_and_the_class_of_a_tile(qtbot, digits):
    win = digits
    classified(qtbot, win)
    view = win.views["image"]
    snap = view.picture
    x0, y0 = view.lay.tile_origin(5)
    tools(win).hover.moved(view, view.vb.mapViewToScene(QtCore.QPointF(x0 + view.lay.w / 2, y0 + view.lay.h / 2)))
    text = tools(win).hover.label.text()
    assert f"D(G(z)) = {float(snap.d_fake[5]):.3f}" in text
    assert f"class {snap.classes[int(snap.tile_class[5])]} (p = {float(snap.tile_sure[5]):.2f})" in text


def test_a_latent_walk_between_two_tiles_follows_g_and_exports_as_png_and_gif(qtbot, digits, tmp_path):
    import imageio.v3 as iio
    win = digits
    wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
    view = win.views["image"]
    view.select(3)
    view.walk_to(20)
    frame = settle(qtbot, win, lambda f: pic(f).walk == (3, 20))
    snap = pic(frame)
    assert snap.walk_u8.shape[0] == 8
    assert np.array_equal(snap.walk_u8[0], snap.fake_u8[3]) and np.array_equal(snap.walk_u8[-1], snap.fake_u8[20])
    qtbot.waitUntil(lambda: view.walk_frames() is not None, timeout=WAIT_MS)
    lay = view.lay  # the walk's column in the mosaic holds the walk's images
    first = view.mosaic()[lay.b:lay.b + lay.h, lay.walk_x + lay.b:lay.walk_x + lay.b + lay.w]
    assert np.array_equal(first[..., 0], view.walk_frames()[0][..., 0])
    tools(win).export.export_walk(tmp_path / "walk.png")
    tools(win).export.export_walk(tmp_path / "walk.gif")
    strip = iio.imread(tmp_path / "walk.png")
    assert strip.shape[0] >= 96 and strip.shape[1] > 8 * strip.shape[0]  # eight images side by side
    frames = iio.imread(tmp_path / "walk.gif", index=None)
    assert len(frames) == 14  # there and back
    win.session.step()  # the walk follows G: after a step it is drawn again from the new G
    frame = settle(qtbot, win, lambda f: f.step > frame.step and pic(f).walk == (3, 20))
    assert pic(frame).walk_u8 is not None
