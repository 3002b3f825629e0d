"""Hover readouts in the status bar: the numbers under the mouse.

1D: x, p_data(x), p_g(x), D(x); 2D: D(x1, x2); images: the tile's D score, the class the classifier
reads in it (labelled data) and the distance to its nearest training image. Values come from the picture on screen (no request to the worker):
interpolated on its grid, so they are what the picture shows.
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from .. import theme


def value_1d(pic, x: float) -> dict[str, float]:
    return {k: float(np.interp(x, pic.x, getattr(pic, k))) for k in ("p_data", "p_g", "d")}


def value_2d(pic, x: float, y: float) -> float | None:
    """D at (x, y), bilinear on the picture's grid (rows = y), None outside the grid's frame."""
    (x0, x1), (y0, y1) = (tuple(float(v) for v in r) for r in pic.heat_range)
    g = pic.d_grid
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return None
    fx, fy = (x - x0) / (x1 - x0) * (g.shape[1] - 1), (y - y0) / (y1 - y0) * (g.shape[0] - 1)
    i, j = min(int(fy), g.shape[0] - 2), min(int(fx), g.shape[1] - 2)
    ty, tx = fy - i, fx - j
    top = g[i, j] * (1 - tx) + g[i, j + 1] * tx
    bottom = g[i + 1, j] * (1 - tx) + g[i + 1, j + 1] * tx
    return float(top * (1 - ty) + bottom * ty)


class HoverReadout(QtCore.QObject):
    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.session = win.session
        self.label = QtWidgets.QLabel("")
        self.label.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; padding: 0 10px; font-family: monospace;")
        win.statusBar().addWidget(self.label, 1)
        for view in win.views.values():
            view.glw.scene().sigMouseMoved.connect(lambda pos, v=view: self.moved(v, pos))

    def moved(self, view, pos) -> None:
        snap = self.session.picture()
        text = ""
        if snap is not None and snap.kind == view.kind:
            text = getattr(self, f"_text_{view.kind}")(view, snap, pos) or ""
        self.label.setText(text)

    def _text_1d(self, view, snap, pos) -> str | None:
        if not view.top.vb.sceneBoundingRect().contains(pos):
            return None
        x = view.top.vb.mapSceneToView(pos).x()
        v = value_1d(snap, x)
        return f"x = {x:.3g}   p_data(x) = {v['p_data']:.3f}   p_g(x) = {v['p_g']:.3f}   D(x) = {v['d']:.3f}"

    def _text_2d(self, view, snap, pos) -> str | None:
        if not view.plot.vb.sceneBoundingRect().contains(pos):
            return None
        p = view.plot.vb.mapSceneToView(pos)
        d = value_2d(snap, p.x(), p.y())
        where = f"x\u2081 = {p.x():.3g}, x\u2082 = {p.y():.3g}"
        return where if d is None else f"{where}   D(x) = {d:.3f}"

    def _text_image(self, view, snap, pos) -> str | None:
        if view.lay is None:
            return None
        p = view.vb.mapSceneToView(pos)
        i = view.lay.tile_at(p.x(), p.y())
        if i is None:
            k = view.lay.walk_at(p.x(), p.y())
            if k is not None and view.walk_frames() is not None:
                a, b = snap.walk
                return f"latent walk from tile {a + 1} to tile {b + 1}: image {k + 1} of {len(snap.walk_u8)}"
            return None
        return (f"tile {i + 1}:   D(G(z)) = {float(snap.d_fake[i]):.3f}   {class_text(snap, i)}"
                f"nearest real image at distance {float(snap.nn_dist[i]):.3f} (RMS per pixel)")


def class_text(snap, i: int) -> str:
    """'class 3 (p = 0.97)   ' for tile i of labelled data; what stands in for it otherwise."""
    if snap.classes is None:
        return ""
    if snap.tile_class is None:
        return "class: (classifier training)   "
    return f"class {snap.classes[int(snap.tile_class[i])]} (p = {float(snap.tile_sure[i]):.2f})   "
