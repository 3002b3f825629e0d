"""Figure 1 of Goodfellow et al. (2014), live.

Top: p_data (black dots), p_g (green), D(x) (blue dashes, its own 0..1 axis on the right).
Below: the z line. Evenly spaced z values are spread across the width and joined to x = G(z)
on the x line, so where G packs its probability (p_g high) the lines converge.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from .. import theme
from .base import Overlay, View, finite

D_TOP = 1.12  # D's axis runs 0..D_TOP so D = 1 sits where the tallest density peaks


def z_positions(z_line: np.ndarray, z: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Where values of z sit on the z line drawn under the x range lo..hi: the z line's own span spread across
    it, 4% in from either end."""
    span = float(z_line.max() - z_line.min()) or 1.0
    margin = 0.04 * (hi - lo)
    return (lo + margin) + (np.clip(z, z_line.min(), z_line.max()) - z_line.min()) / span * (hi - lo - 2 * margin)


class Density1DView(View):
    kind = "1d"
    title = "Figure 1, live"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw)
        self.top = self.glw.addPlot(row=0, col=0)
        self.zplot = self.glw.addPlot(row=1, col=0)
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 1)
        self._build_top()
        self._build_z()
        # Every range here is set explicitly: autorange on a linked view would move the axes after
        # each frame and cost a second repaint.
        for vb in (self.top.vb, self.dbox, self.zplot.vb):
            vb.disableAutoRange()
        self.a_dstar = self.add_toggle("Optimal D*", "show D* = p_data / (p_data + p_g), the best D for the current G",
                                       True, self._refresh_visibility)
        self.a_hist = self.add_toggle("Histogram", "show a histogram of G's samples under p_g", False,
                                      self._refresh_visibility)
        self.a_fixed = self.add_toggle("Fixed x range", "keep the x axis still (off: follow G when it wanders)",
                                       True, self._refresh_visibility)
        self._ymax = None
        self._xrange = None
        self._last = None
        self.glw.scene().sigMouseMoved.connect(self.hovered)
        self._refresh_visibility()

    def overlay(self, layer: str = "data") -> Overlay:
        """"data": the densities' plot (x, density); "z": the z line's panel below it (x; y from 0 on the z line
        to 1 on the x line)."""
        return Overlay(self.zplot if layer == "z" else self.top)

    def z_positions(self, z_line: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Where values of z sit on the z line now (as the view draws the picture's z_line)."""
        lo, hi = self.top.vb.viewRange()[0]
        return z_positions(z_line, z, lo, hi)

    def scene_to_data(self, pos) -> dict | None:
        """{"x": x} under a scene position, None outside the densities' plot."""
        if not self.top.vb.sceneBoundingRect().contains(pos):
            return None
        return {"x": self.top.vb.mapSceneToView(pos).x()}

    # ------------------------------------------------------------------ build once
    def _build_top(self) -> None:
        top = self.top
        theme.style_plot(top, left="density", bottom="x")
        top.showAxis("right")
        self.dbox = pg.ViewBox(enableMouse=False)
        top.scene().addItem(self.dbox)
        right = top.getAxis("right")
        right.linkToView(self.dbox)
        right.setLabel("D(x)", color=theme.DISC, **{"font-size": f"{theme.LABEL_PT}pt"})
        right.setTextPen(theme.DISC)
        right.setTicks([[(v, f"{v:g}") for v in (0, 0.5, 1)]])
        right.setGrid(False)
        self.dbox.setXLink(top.vb)
        self.dbox.setYRange(0, D_TOP, padding=0)
        self.dbox.setMouseEnabled(False, False)
        top.vb.sigResized.connect(self._sync_dbox)
        top.setMouseEnabled(False, False)

        green = QtGui.QColor(theme.GEN)
        green.setAlpha(60)
        self.hist = pg.PlotDataItem(stepMode="center", fillLevel=0, fillBrush=green, pen=pg.mkPen(green, width=1))
        self.p_data = pg.PlotDataItem(pen=theme.pen(theme.DATA, 3, "dot"), name="p_data (data)")
        self.p_g = pg.PlotDataItem(pen=theme.pen(theme.GEN, 3), name="p_g (generator)")
        self.d_star = pg.PlotDataItem(pen=theme.pen(theme.DISC, 1), name="D* (optimal D)")
        self.d = pg.PlotDataItem(pen=theme.pen(theme.DISC, 3, "dash"), name="D(x) (discriminator)")
        self.half = pg.InfiniteLine(pos=0.5, angle=0, pen=pg.mkPen("#9ab", width=1, style=QtCore.Qt.PenStyle.DotLine))
        for item in (self.hist, self.p_data, self.p_g):
            top.addItem(item)
        for item in (self.half, self.d_star, self.d):
            self.dbox.addItem(item)
        for item in (self.hist, self.p_data, self.p_g, self.d):
            item.setSkipFiniteCheck(True)
        self.d_star.setData(connect="finite")  # gaps where D* is undefined
        # p_data is fixed for a run, and a dotted line is slow to stroke: keep it as a pixmap.
        self.p_data.curve.setCacheMode(theme.CACHED)
        leg = theme.legend(top, offset=(12, 8), columns=2)
        for item in (self.p_data, self.p_g, self.d, self.d_star):
            leg.addItem(item, item.name())
        self.legend = leg

    def _build_z(self) -> None:
        z = self.zplot
        theme.style_plot(z, grid=False)
        z.setXLink(self.top)
        z.hideAxis("bottom")
        z.showAxis("right")
        z.getAxis("right").setStyle(showValues=False, tickLength=0)
        z.getAxis("right").setPen(pg.mkPen(None))
        z.setYRange(-0.22, 1.12, padding=0)
        z.setMouseEnabled(False, False)
        self.z_axis = z.getAxis("left")
        self.z_axis.setTicks([[(0.0, "z"), (1.0, "x")]])
        self.z_axis.setStyle(tickLength=0)
        for y in (0.0, 1.0):
            z.addItem(pg.InfiniteLine(pos=y, angle=0, pen=pg.mkPen(theme.DATA, width=2)))
        self.links = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#555555", width=1))
        self.links.setSkipFiniteCheck(True)
        self.z_dots = pg.ScatterPlotItem(size=7, pen=None, brush=theme.brush(theme.DATA))
        self.tips = pg.ScatterPlotItem(size=10, symbol="t1", pen=None, brush=theme.brush(theme.GEN))
        for item in (self.links, self.z_dots, self.tips):
            z.addItem(item)
        for w in (self.top.getAxis("left"), self.z_axis):
            w.setWidth(72)
        for w in (self.top.getAxis("right"), z.getAxis("right")):
            w.setWidth(62)

    def _sync_dbox(self) -> None:
        self.dbox.setGeometry(self.top.vb.sceneBoundingRect())
        self.dbox.linkedViewChanged(self.top.vb, self.dbox.XAxis)

    def _refresh_visibility(self) -> None:
        self.d_star.setVisible(self.a_dstar.isChecked())
        self.hist.setVisible(self.a_hist.isChecked())
        if self._last is not None:
            self.draw(self._last)

    def set_compact(self, on: bool) -> None:
        self.legend.setVisible(not on)
        for name in ("left", "bottom", "right"):
            self.top.getAxis(name).showLabel(not on)

    def new_run(self) -> None:
        self._ymax = None
        self._xrange = None

    # ------------------------------------------------------------------ per frame
    def draw(self, snap) -> None:
        self._last = snap
        x = snap.x
        p_data, p_g = finite(snap.p_data), finite(snap.p_g)
        self.p_data.setData(x, p_data)
        self.p_g.setData(x, p_g)
        self.d.setData(x, finite(snap.d))
        if self.a_dstar.isChecked():
            self.d_star.setData(x, self._masked_d_star(snap.d_star, p_data, p_g))
        if self.a_hist.isChecked():
            self.hist.setData(snap.hist_edges, finite(snap.hist_density))
        self._set_ranges(snap, p_data, p_g)
        self._draw_z(snap)
        label = snap.z_label
        if label != getattr(self, "_z_label", None):
            self._z_label = label
            self.z_axis.setTicks([[(0.0, label if len(label) < 6 else "z"), (1.0, "x")]])

    def _masked_d_star(self, d_star: np.ndarray, p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
        """D* only where there is probability to speak of: elsewhere it is 0/0, and drawn it would
        swing between 0 and 1 in empty space, pulling the eye away from where the game is played."""
        mass = p_data + p_g
        out = np.array(finite(d_star), np.float32)
        out[mass < 0.02 * float(mass.max() or 1.0)] = np.nan
        return out

    def _set_ranges(self, snap, p_data: np.ndarray, p_g: np.ndarray) -> None:
        if self.a_fixed.isChecked():
            lo, hi = (float(v) for v in snap.view_range[0])
        else:
            lo, hi = float(snap.x[0]), float(snap.x[-1])
        if self._xrange != (lo, hi):
            self._xrange = (lo, hi)
            self.top.setXRange(lo, hi, padding=0)
        # p_g of a collapsed G is a tall spike: cap the axis so p_data stays readable, and move
        # the axis smoothly (grow at once, shrink slowly) so the picture does not jump.
        peak_data = float(p_data.max()) if p_data.size else 1.0
        want = max(peak_data, min(float(p_g.max()) if p_g.size else 0.0, 2.5 * peak_data), 1e-6) * D_TOP
        if self._ymax is None or want > self._ymax:
            self._ymax = want
        elif want < 0.9 * self._ymax:
            self._ymax = 0.92 * self._ymax + 0.08 * want
        else:
            return
        self.top.setYRange(0, self._ymax, padding=0)

    def _draw_z(self, snap) -> None:
        z, zx = snap.z_line, finite(snap.z_x)
        lo, hi = self._xrange
        zpos = z_positions(z, z, lo, hi)
        xs = np.empty(2 * len(z), np.float32)
        ys = np.empty(2 * len(z), np.float32)
        xs[0::2], xs[1::2] = zpos, np.clip(zx, lo - (hi - lo), hi + (hi - lo))
        ys[0::2], ys[1::2] = 0.0, 0.97
        self.links.setData(xs, ys)
        self.z_dots.setData(zpos, np.zeros_like(zpos))
        self.tips.setData(xs[1::2], np.full(len(z), 0.955, np.float32))
