"""What the hover readout says: the numbers under the mouse, read from the picture on screen (no request to
the training process), interpolated on its grid so they are what the picture shows.

1D: x, p_data(x), p_g(x), D(x); 2D: D(x1, x2); images: the tile's D score, the class the classifier reads in it
(labelled data) and the distance to its nearest training image. Where the mouse is comes from the view as a
place (`at`): {"x"} in 1D, {"x", "y"} in 2D, {"tile"} or {"walk"} in the image view.
"""
from __future__ import annotations

import numpy as np


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


def class_text(snap, i: int) -> str:
    """'class 3 (p = 0.97)   ' for tile i of labelled data; what stands in for it otherwise."""
    if snap.classes is None:
        return ""
    if snap.tile_class is None:
        return "class: (classifier training)   "
    return f"class {snap.classes[int(snap.tile_class[i])]} (p = {float(snap.tile_sure[i]):.2f})   "


def readout(snap, at: dict | None) -> str:
    """The status bar's text for a picture and a place in its view (None: outside what the view plots)."""
    if snap is None or at is None:
        return ""
    if snap.kind == "1d":
        x = at["x"]
        v = value_1d(snap, x)
        return f"x = {x:.3g}   p_data(x) = {v['p_data']:.3f}   p_g(x) = {v['p_g']:.3f}   D(x) = {v['d']:.3f}"
    if snap.kind == "2d":
        x, y = at["x"], at["y"]
        d = value_2d(snap, x, y)
        where = f"x\u2081 = {x:.3g}, x\u2082 = {y:.3g}"
        return where if d is None else f"{where}   D(x) = {d:.3f}"
    if "walk" in at:
        a, b = snap.walk
        return f"latent walk from tile {a + 1} to tile {b + 1}: image {at['walk'] + 1} of {len(snap.walk_u8)}"
    i = at["tile"]
    return (f"tile {i + 1}:   D(G(z)) = {float(snap.d_fake[i]):.3f}   {class_text(snap, i)}"
            f"nearest real image at distance {float(snap.nn_dist[i]):.3f} (RMS per pixel)")
