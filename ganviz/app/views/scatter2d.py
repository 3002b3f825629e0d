"""The 2D view: D(x) as a heatmap, real and generated points on top, G's update arrows, G's manifold.

The heatmap has fixed levels 0..1 (a colour always means the same D) and pale ends, so black
data points and green samples stay readable wherever D sits.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .. import theme
from .base import Overlay, View, finite

HEAT_PIXELS = 240      # D's coarse grid is interpolated to this many cells along its longer side
ARROW_FRACTION = 0.08  # the longest arrow spans this share of the view's width
HEAD = 0.3             # arrowhead length, as a share of the arrow (capped in data units)


def interpolation(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Where the centres of n_out display cells fall between n_in grid points (at the frame's
    edges and evenly between): the lower neighbour's index and the weight of the upper one."""
    pos = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
    i = np.clip(np.floor(pos).astype(np.intp), 0, n_in - 2)
    return i, (pos - i).astype(np.float32)


def bilinear(grid: np.ndarray, rows, cols) -> np.ndarray:
    """Upsample a grid with precomputed interpolation(): plain indexing, no BLAS threads (which
    would spin on the core the trainer needs)."""
    (ri, rf), (ci, cf) = rows, cols
    g = grid[ri] * (1 - rf)[:, None] + grid[ri + 1] * rf[:, None]
    return np.ascontiguousarray(g[:, ci] * (1 - cf) + g[:, ci + 1] * cf, np.float32)


def arrow_segments(arrows: np.ndarray, scale: float, head_cap: float) -> tuple[np.ndarray, np.ndarray]:
    """(n, 4) rows of x, y, dx, dy -> x and y of line pairs: each shaft and the two strokes of its head."""
    p, v = arrows[:, :2], arrows[:, 2:] * scale
    tip = p + v
    length = np.linalg.norm(v, axis=1, keepdims=True)
    u = v / np.maximum(length, 1e-12)
    h = np.minimum(length * HEAD, head_cap)
    c, s = np.cos(0.45), np.sin(0.45)
    back1 = np.stack([u[:, 0] * c - u[:, 1] * s, u[:, 0] * s + u[:, 1] * c], 1)
    back2 = np.stack([u[:, 0] * c + u[:, 1] * s, -u[:, 0] * s + u[:, 1] * c], 1)
    pts = np.stack([p, tip, tip, tip - h * back1, tip, tip - h * back2], 1).reshape(-1, 2)
    return np.ascontiguousarray(pts[:, 0], np.float32), np.ascontiguousarray(pts[:, 1], np.float32)


def mesh_lines(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g, g, 2) points -> x, y and a connect mask drawing every row and every column as a polyline."""
    g = grid.shape[0]
    pts = np.concatenate([grid.reshape(-1, 2), grid.transpose(1, 0, 2).reshape(-1, 2)])
    connect = np.ones(len(pts), bool)
    connect[g - 1::g] = False
    return np.ascontiguousarray(pts[:, 0]), np.ascontiguousarray(pts[:, 1]), connect


class Scatter2DView(View):
    kind = "2d"
    title = "Data, samples and D(x)"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw)
        self.plot = self.glw.addPlot(row=0, col=0)
        theme.style_plot(self.plot, left="x\u2082", bottom="x\u2081", grid=False)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)

        self.heat = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.heat)
        cmap = theme.d_colormap()
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=cmap, interactive=False, width=18, pen=theme.MUTED)
        self.bar.setImageItem(self.heat, insert_in=self.plot)
        bar_axis = self.bar.getAxis("right")
        bar_axis.setTextPen(theme.TEXT)
        bar_axis.setLabel("D(x): 0 = fake, 1 = real", **{"font-size": f"{theme.LABEL_PT}pt", "color": theme.TEXT})
        bar_axis.setWidth(None)  # as wide as its ticks and title need: ColorBarItem's fixed 45 px put one over the other

        self.manifold = pg.PlotDataItem(pen=pg.mkPen("#7b3294", width=1), name="G(z grid) (manifold)")
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=theme.brush(theme.DATA, 0.45), name="data")
        self.fake = pg.ScatterPlotItem(size=5, pen=None, brush=theme.brush(theme.GEN, 0.6), name="G(z)")
        self.arrows = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(theme.ACCENT, width=2),
                                      name="G's update direction")
        for item in (self.manifold, self.real, self.fake, self.arrows):
            self.plot.addItem(item)
        for item in (self.manifold, self.arrows):
            item.setSkipFiniteCheck(True)
        # One row: a tall legend box would hide the modes in the top-left corner (grid25).
        self.legend = theme.legend(self.plot, offset=(10, 6), columns=3)

        self.a_arrows = self.add_toggle("Arrows", "arrows: where G's next update pushes each sample", True,
                                        self._toggled)
        self.a_manifold = self.add_toggle("Manifold", "G's image of a regular grid of z: how G warps the noise",
                                          False, self._toggled)
        self.a_heat = self.add_toggle("D heatmap", "D(x) over the plane as the background colour", True,
                                      self._toggled)
        self._range = None
        self._heat_rect = None
        self._arrow_scale = None
        self._real_key = None
        self._interp = None
        self._sent_aspect = 0.0
        self.plot.vb.sigResized.connect(self._resized)
        self.glw.scene().sigMouseMoved.connect(self.hovered)
        self._toggled()

    def overlay(self, layer: str = "data") -> Overlay:
        """The data plane (x1, x2), over the heatmap and the points."""
        return Overlay(self.plot)

    def scene_to_data(self, pos) -> dict | None:
        """{"x": x1, "y": x2} under a scene position, None outside the plot."""
        if not self.plot.vb.sceneBoundingRect().contains(pos):
            return None
        p = self.plot.vb.mapSceneToView(pos)
        return {"x": p.x(), "y": p.y()}

    def wanted(self) -> dict:
        want = {"arrows": self.a_arrows.isChecked(), "manifold": self.a_manifold.isChecked()}
        aspect = self._aspect()
        if aspect:
            want["aspect"] = aspect  # D's map then covers the whole plot, whatever the window's shape
        return want

    def _aspect(self) -> float | None:
        r = self.plot.vb.boundingRect()
        return round(r.width() / r.height(), 2) if r.width() > 1 and r.height() > 1 else None

    def _resized(self) -> None:
        aspect = self._aspect()
        if aspect and abs(aspect - self._sent_aspect) > 0.02 * aspect:
            self._sent_aspect = aspect
            self.request.emit(self.wanted())

    def _toggled(self) -> None:
        self.arrows.setVisible(self.a_arrows.isChecked())
        self.manifold.setVisible(self.a_manifold.isChecked())
        self.heat.setVisible(self.a_heat.isChecked())
        self.legend.clear()  # the legend names what is shown, nothing more
        self.legend.setVisible(not getattr(self, "compact", False))
        for item in (self.real, self.fake, self.arrows, self.manifold):
            if item.isVisible():
                self.legend.addItem(item, item.name())
        self.request.emit(self.wanted())

    def set_compact(self, on: bool) -> None:
        self.compact = on
        self.legend.setVisible(not on)
        self.bar.setVisible(not on)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).showLabel(not on)

    def new_run(self) -> None:
        self._range = None
        self._heat_rect = None
        self._arrow_scale = None
        self._real_key = None

    # ------------------------------------------------------------------ per frame
    def draw(self, snap) -> None:
        (x0, x1), (y0, y1) = (tuple(float(v) for v in r) for r in snap.view_range)
        (hx0, hx1), (hy0, hy1) = (tuple(float(v) for v in r) for r in snap.heat_range)
        if self.a_heat.isChecked() or self._range is None:
            self.heat.setImage(self._smooth(finite(snap.d_grid)), autoLevels=False, levels=(0.0, 1.0))
        if self._range != (x0, x1, y0, y1):
            self._range = (x0, x1, y0, y1)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        if self._heat_rect != (hx0, hy0, hx1, hy1):  # after setImage: setRect scales by the image's size
            self._heat_rect = (hx0, hy0, hx1, hy1)
            self.heat.setRect(hx0, hy0, hx1 - hx0, hy1 - hy0)
        real = snap.real
        key = (real.shape, float(real[0, 0]) if len(real) else 0.0)
        if key != self._real_key:  # the data never changes within a run: set it once
            self._real_key = key
            self.real.setData(real[:, 0], real[:, 1])
        fake = finite(snap.fake)
        self.fake.setData(fake[:, 0], fake[:, 1])
        if self.a_arrows.isChecked() and snap.arrows is not None:
            self._draw_arrows(finite(snap.arrows), x1 - x0)
        if self.a_manifold.isChecked() and snap.manifold is not None:
            x, y, connect = mesh_lines(finite(snap.manifold))
            self.manifold.setData(x, y, connect=connect)

    def _smooth(self, grid: np.ndarray) -> np.ndarray:
        if self._interp is None or self._interp[0] != grid.shape:
            cells = HEAT_PIXELS / max(grid.shape)  # display cells stay square on a wide grid
            self._interp = (grid.shape, interpolation(grid.shape[0], round(grid.shape[0] * cells)),
                            interpolation(grid.shape[1], round(grid.shape[1] * cells)))
        return bilinear(grid, self._interp[1], self._interp[2])

    def _draw_arrows(self, arrows: np.ndarray, width: float) -> None:
        if not len(arrows):
            return
        longest = float(np.sqrt((arrows[:, 2:] ** 2).sum(1)).max())
        want = ARROW_FRACTION * width / max(longest, 1e-12)
        # Ease the scale between frames: arrows then grow and shrink with the gradient, not flicker.
        self._arrow_scale = want if self._arrow_scale is None or want < self._arrow_scale * 0.5 \
            else 0.8 * self._arrow_scale + 0.2 * want
        scale = min(self._arrow_scale, want * 1.5)
        x, y = arrow_segments(arrows, scale, head_cap=0.02 * width)
        self.arrows.setData(x, y)
