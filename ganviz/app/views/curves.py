"""Training curves: losses, mean D on real and fake, the data kind's main metric, gradient norms.

The curves show one run's history (session.py); its new rows are appended to bounded numpy
buffers (Series) and each curve is drawn with pyqtgraph's peak downsampling, so a run of a
million steps costs the same per frame as one of a thousand. A dashed vertical marker, labelled
with the change, marks each live change of a setting. When the timeline branches, the curves
drawn so far stay as a faint grey layer and the live curves are cut at the branch.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .. import theme
from .look import Look, Styler

MIN_HEIGHT = 130       # px: a title, two or three y ticks, the step numbers; the view above needs room more
STEP_LABEL_MIN_H = 180  # px: a shorter row drops the "step" axis titles
MAX_MARKERS = 12       # older change markers are removed: a marker forest reads as noise
REFRESH_S = 0.5        # while playing, curves are redrawn twice a second: enough for a trend
GHOST_PEN = (128, 128, 128, 64)  # grey at alpha 0.25: an abandoned branch reads as background
MAX_GHOSTS = 3                   # earlier branches beyond this are forgotten (a clutter of grey helps no one)
METRIC = "#7b3294"
c = theme.coloured

# name: (title in the curves' own colours, [(key, colour)], log y, fixed y range)
PANELS = {
    "losses": (c(("loss: ", None), ("D", theme.DISC), (", ", None), ("G", theme.ACCENT)),
               [("loss_d", theme.DISC), ("loss_g", theme.ACCENT)], False, None),
    "d": (c(("D on ", None), ("data", theme.DATA), (", ", None), ("G(z)", theme.GEN)),
          [("d_real", theme.DATA), ("d_fake", theme.GEN)], False, (0.0, 1.0)),
    "grads": (c(("grad norm: ", None), ("D", theme.DISC), (", ", None), ("G", theme.ACCENT)),
              [("grad_d", theme.DISC), ("grad_g", theme.ACCENT)], True, None),
}
METRIC_PANEL = {  # the data kind's main metric
    "1d": (c(("JSD", METRIC), (", ", None), ("max|D\u2212D*|", theme.DISC)),
           [("jsd", METRIC), ("d_gap", theme.DISC)], False, (0.0, 1.0)),
    "2d": (c(("modes captured", METRIC)), [("modes", METRIC)], False, None),
    "image": (c(("Parzen log-lik.", METRIC)), [("parzen_ll", METRIC)], False, None),
    # labelled images: the Fréchet distance in the classifier's features, the held-out images' own as its floor
    "image-fd": (c(("Fr\u00e9chet distance", METRIC), (" (dashed: real)", theme.DATA)), [("fd", METRIC)], True, None),
}


def metric_kind(picture) -> str:
    """The metric panel a picture's run is measured by: its data kind's, the Fréchet distance for labelled images."""
    if picture.kind == "image" and getattr(picture, "classes", None) is not None:
        return "image-fd"
    return picture.kind


# Points kept per curve (see Series): more than a panel has pixels across, even on a 4K projector.
MAX_POINTS = 4096


TICK_GAP_PX = 8        # the least room between two labels side by side (stacked ones: a line's leading)


def _coarser(spacing: float) -> float:
    """The next tick spacing up the 1, 2, 5 x 10^k ladder."""
    e = math.floor(math.log10(spacing) + 1e-9)
    m = spacing / 10 ** e
    return (2 if m < 1.5 else 5 if m < 3.5 else 10) * 10 ** e


class FittedAxis(pg.AxisItem):
    """Ticks whose labels never run into each other: pyqtgraph's spacing, made coarser along
    1, 2, 5 x 10^k until every label fits with room to spare.

    pyqtgraph always draws its first level of labels, however crowded: on a narrow panel (a
    1280 px projector, presentation mode's large fonts) "0 1000 2000 3000" ran together."""

    def room(self, strings: list[str]) -> float:
        """Pixels a tick needs along the axis: its widest label across, one line of text up."""
        fm = QtGui.QFontMetricsF(self.style["tickFont"] or self.font())
        if self.orientation in ("top", "bottom"):
            return max((fm.horizontalAdvance(s) for s in strings), default=0.0) + TICK_GAP_PX
        return fm.height()

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        lo, hi = sorted((minVal, maxVal))
        if not levels or not (math.isfinite(hi - lo) and hi > lo and size > 0):
            return levels
        spacing = levels[0][0]
        while spacing <= hi - lo:
            values = np.arange(math.ceil(lo / spacing), math.floor(hi / spacing) + 1) * spacing
            if spacing / (hi - lo) * size >= self.room(self.tickStrings(list(values), 1.0, spacing)):
                break
            spacing = _coarser(spacing)
        return [(spacing, 0.0)]  # one level: minor ticks without labels only add clutter to a small panel


class LogAxis(FittedAxis):
    """Log-scale ticks at 1, 2, 5 x 10^k (or decades only over a wide range): never a crowd of labels,
    and fewer of them where the panel is too short for all."""

    def tickValues(self, lo, hi, size):
        if not self.logMode or not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            return super().tickValues(lo, hi, size)
        span = hi - lo
        mantissas = (1,) if span > 2.5 else (1, 2, 5) if span > 0.7 else (1, 1.5, 2, 3, 5, 7)
        step = max(1, math.ceil(span / 6)) if span > 2.5 else 1
        while True:
            values = [math.log10(m) + d for d in range(math.floor(lo), math.ceil(hi) + 1, step) for m in mantissas]
            values = [v for v in values if lo <= v <= hi]
            gap = min(np.diff(values), default=span) / span * size  # pixels between the closest two
            if len(values) < 2 or gap >= self.room(self.logTickStrings(values, 1.0, 1.0)):
                return [(1.0, values)]
            if len(mantissas) > 1:
                mantissas = (1, 2, 5) if len(mantissas) > 3 else (1,)
            else:
                step += 1

    def logTickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            x = 10 ** v * scale
            out.append(f"{x:.0e}".replace("e+0", "e").replace("e-0", "e-") if (x >= 1e4 or x < 1e-3) else f"{x:g}")
        return out


class Series:
    """A (step, value) column for one curve, in preallocated buffers of bounded size.

    A run logs a row every few steps for as long as it plays: hours of it would grow without end
    (it was the window's largest steady memory growth, docs/performance.md). A panel is narrower
    than MAX_POINTS pixels, so when the column is full, neighbouring pairs of points are merged into
    their means and later rows are merged as many at a time (`stride`): the curve keeps its shape
    at the resolution it is drawn at, and memory stays fixed. Rows waiting to complete a merged
    point show as a provisional last point (their mean): the curve does not lag behind the run.
    """

    def __init__(self, capacity: int = 1024, limit: int = MAX_POINTS):
        self.limit = limit - limit % 2
        self.x = np.empty(min(capacity, self.limit) + 1, np.float64)  # +1: the provisional point
        self.y = np.empty_like(self.x)
        self.n = 0        # complete points
        self.stride = 1   # rows per point
        self._drop_pending()

    def clear(self) -> None:
        self.n, self.stride = 0, 1
        self._drop_pending()

    def _drop_pending(self) -> None:
        self._sum_x = self._sum_y = 0.0
        self._pending = 0  # rows summed toward the next point

    def _pending_mean(self) -> tuple[float, float]:
        return self._sum_x / self._pending, self._sum_y / self._pending

    def append(self, step: float, value: float) -> None:
        self._sum_x += step
        self._sum_y += value
        self._pending += 1
        if self._pending < self.stride:
            return
        if self.n == self.limit:
            self._halve()
        elif self.n + 1 == len(self.x):
            grown = min(2 * (len(self.x) - 1), self.limit) + 1
            self.x, self.y = np.resize(self.x, grown), np.resize(self.y, grown)
        self.x[self.n], self.y[self.n] = self._pending_mean()
        self.n += 1
        self._drop_pending()

    def _halve(self) -> None:
        half = self.n // 2
        for a in (self.x, self.y):
            a[:half] = (a[0:self.n:2] + a[1:self.n:2]) / 2
        self.n, self.stride = half, 2 * self.stride

    def cut(self, step: float) -> None:
        """Forget everything after `step` (the timeline's "branch from here")."""
        self.n = int(np.searchsorted(self.x[:self.n], step, side="right"))
        self._drop_pending()

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        if self._pending:
            self.x[n], self.y[n] = self._pending_mean()
            n += 1
        return self.x[:n], self.y[:n]


def fit_step_labels(plots, height: int) -> None:
    """A short row (a 720-line screen) keeps its height for the curves: "step" under each x axis goes,
    the numbers say it."""
    for plot in plots:
        plot.getAxis("bottom").showLabel(height >= STEP_LABEL_MIN_H)


class CurvesView(QtWidgets.QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.setMinimumHeight(MIN_HEIGHT)
        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw)
        self.styler = Styler(self.glw)  # presentation mode's and the dark theme's look (views/look.py)
        self.plots: dict[str, pg.PlotItem] = {}
        self._titles: dict[str, str] = {}
        self._title_pt = theme.TITLE_PT
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.series: dict[str, Series] = {}
        self.markers: list[list[pg.InfiniteLine]] = []
        self.ghosts: list[dict[str, pg.PlotDataItem]] = []  # one layer per branch: {key: faint curve}
        self.kind = None
        self._dirty: set[str] = set()
        self._fed = self._fed_changes = 0  # rows and changes of the history shown so far
        for col, name in enumerate(("losses", "d", "metric", "grads")):
            # LogAxis reads like FittedAxis until a panel turns log mode on (the metric panel does for images)
            axes = {"left": (LogAxis if name in ("grads", "metric") else FittedAxis)("left"), "bottom": FittedAxis("bottom")}
            plot = self.glw.addPlot(row=0, col=col, axisItems=axes)
            plot.setMouseEnabled(False, False)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            if col:  # one step axis for all: a marker or a jump lines up across the panels
                plot.setXLink(self.plots["losses"])
            self.plots[name] = plot
        self._last_refresh = 0.0
        for name, (title, keys, log, yr) in PANELS.items():
            self._panel(name, title, keys, log, yr)
        self.waiting = pg.TextItem("first value after\neval_every steps", color=theme.MUTED, anchor=(0.5, 0.5))
        self.waiting.setParentItem(self.plots["metric"].vb)  # fixed in the box, whatever the range
        self.plots["metric"].vb.sigResized.connect(self._place_waiting)
        self.plots["losses"].vb.sigResized.connect(self._fit_marker_labels)
        self.set_kind("1d")

    def _panel(self, name: str, title: str, keys, log: bool, yrange) -> None:
        plot = self.plots[name]
        plot.clear()
        theme.style_plot(plot, title=title, bottom="step", title_pt=self._title_pt)
        self._titles[name] = title
        self._fit_step_labels()  # style_plot has just shown this panel's
        plot.setLogMode(y=log)
        if name == "d":  # the equilibrium: D = 1/2 on data and on G(z) alike
            plot.addItem(pg.InfiniteLine(pos=0.5, angle=0, pen=pg.mkPen("#9ab", width=1,
                                                                        style=QtCore.Qt.PenStyle.DashLine)))
        if name == "metric":  # the floor of the Fréchet distance: real held-out images' own (placed by add_rows)
            self.floor = pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.DATA, width=2, style=QtCore.Qt.PenStyle.DashLine))
            self.floor.setVisible(False)
            plot.addItem(self.floor)
        if yrange:
            plot.setYRange(*yrange, padding=0.02)
            plot.enableAutoRange(y=False)
        elif log:  # until the first value: 1 to 100 (log axes take the range's exponents)
            plot.setYRange(0, 2, padding=0.02)
            plot.enableAutoRange(y=True)
        else:
            plot.enableAutoRange(y=True)
        plot.enableAutoRange(x=name == "losses")
        sparse = name == "metric"  # measured every eval_every steps: dots show where
        for key, colour in keys:
            curve = plot.plot(pen=pg.mkPen(colour, width=2), symbol="o" if sparse else None, symbolSize=6,
                              symbolBrush=colour, symbolPen=None)
            curve.setSkipFiniteCheck(True)
            self.curves[key] = curve
            self.series.setdefault(key, Series()).clear()

    def set_kind(self, kind: str) -> bool:
        """The metric panel shows the data kind's own measure (JSD, modes, Parzen). True when the kind
        changed: the history is then to be shown again (clear(), show_history())."""
        if kind == self.kind or kind not in METRIC_PANEL:
            return False
        for key, _ in METRIC_PANEL.get(self.kind, ("", []))[1]:
            self.curves.pop(key, None)
            self.series.pop(key, None)
            self._dirty.discard(key)  # rows waiting for a refresh belong to the old kind's metric
        self.kind = kind
        title, keys, log, yr = METRIC_PANEL[kind]
        self._panel("metric", title, keys, log, yr)
        self.waiting.setVisible(True)
        self._remove_markers()
        return True

    def resizeEvent(self, event) -> None:
        # Four titles side by side set the panel's minimum width: on a narrow window, smaller titles.
        pt = theme.TITLE_PT if self.width() >= 1000 else theme.TITLE_PT - 2 if self.width() >= 760 else 10
        if pt != self._title_pt:
            self._title_pt = pt
            for name, title in self._titles.items():
                self.plots[name].setTitle(title, size=f"{pt}pt", bold=True)
        self._fit_step_labels()
        super().resizeEvent(event)
        if not self.styler.look.plain:  # the titles in the look again (retitled above, or not yet styled)
            for plot in self.plots.values():
                self.styler.style(plot.titleLabel)

    def set_look(self, look: Look) -> None:
        """Restyle every item for presentation mode or the dark theme (views/look.py), PLAIN: as built."""
        self.styler.apply(look)

    def restyle_new(self) -> None:
        """Style the items made since the look was set (change markers, a new kind's metric curve)."""
        self.styler.style_new()

    def _fit_step_labels(self) -> None:
        fit_step_labels(self.plots.values(), self.height())

    def _place_waiting(self, *_) -> None:
        r = self.plots["metric"].vb.boundingRect()
        self.waiting.setPos(r.center())

    # ------------------------------------------------------------------ data
    def clear(self) -> None:
        for s in self.series.values():
            s.clear()
        for key in self.curves:
            self.curves[key].setData([], [])
        self._remove_markers()
        self.clear_ghosts()
        self._fed = self._fed_changes = 0

    def show_history(self, log, changes: list, start: int | None = None) -> None:
        """Follow a run's history: append its new rows and markers. `start`: the first row that is new;
        below what was shown, the history was cut there (the timeline went back) and so are the curves."""
        if start is not None and start < self._fed:
            step = log[start - 1]["step"] if start > 0 else -1.0
            for key, series in self.series.items():
                series.cut(step)
                self._dirty.add(key)
            self._fed = start
        if len(changes) < self._fed_changes:
            self._remove_markers()
            self._fed_changes = 0
        self.add_rows(log[self._fed:])
        self._fed = len(log)
        self.add_changes(changes[self._fed_changes:])
        self._fed_changes = len(changes)

    def add_rows(self, rows: list[dict]) -> None:
        for row in rows:
            step = row.get("step")
            for key, value in row.items():
                s = self.series.get(key)
                # grad norms are logged every log_every steps only; log plots also need value > 0
                if s is None or key == "step" or not isinstance(value, float) or not math.isfinite(value):
                    continue
                if key.startswith("grad") and value <= 0:
                    continue
                s.append(step, value)
                self._dirty.add(key)
            if "n_modes" in row:  # modes captured reads best on a fixed 0..K axis
                self.plots["metric"].setYRange(0, row["n_modes"] + 0.3, padding=0)
            floor = row.get("fd_floor")
            if self.kind == "image-fd" and isinstance(floor, float) and floor > 0:
                self.floor.setPos(math.log10(floor))  # the panel's y axis is logarithmic
                self.floor.setVisible(True)

    def add_changes(self, changes: list) -> None:
        for step, text in changes:
            lines = []
            for name, plot in self.plots.items():
                line = pg.InfiniteLine(pos=float(step), angle=90, movable=False,
                                       pen=pg.mkPen("#888888", width=1, style=QtCore.Qt.PenStyle.DashLine))
                if name == "losses":
                    # Its end at 92% of the height, left of the line, running down: pyqtgraph's own
                    # anchors for rotated text centre it there, half of it above the panel's top.
                    line.label = pg.InfLineLabel(line, text=text, position=0.92, rotateAxis=(1, 0),
                                                 anchors=[(1, 1), (1, 1)], color="#444444")
                    line.label.full_text = text
                plot.addItem(line)
                lines.append(line)
            self.markers.append(lines)
        while len(self.markers) > MAX_MARKERS:
            for line, plot in zip(self.markers.pop(0), self.plots.values()):
                plot.removeItem(line)
        self._fit_marker_labels()

    def _fit_marker_labels(self, *_) -> None:
        """A marker's label runs down its line from near the panel's top: elided to what the panel's
        height leaves it ("lr_d 0.001 → 0.00…"), not cut off by the step axis."""
        for lines in self.markers:
            label = lines[0].label
            pad = 2 * label.textItem.document().documentMargin() + 2
            room = int(0.92 * self.plots["losses"].vb.height() - pad)
            fm = QtGui.QFontMetrics(label.textItem.font())
            text = fm.elidedText(label.full_text, QtCore.Qt.TextElideMode.ElideRight, max(room, 0))
            if text != label.format:
                label.format = text
                label.valueChanged()

    # ------------------------------------------------------------------ branches
    def branch(self, step: int) -> None:
        """The curves drawn so far become a faint layer (the old branch); the live ones are cut at step
        when the history is."""
        self.refresh()
        layer = {}
        for key, curve in self.curves.items():
            s = self.series.get(key)
            plot = next((pl for pl in self.plots.values() if curve in pl.listDataItems()), None)
            if s is None or plot is None or not s.n:
                continue
            x, y = s.view()
            ghost = plot.plot(x.copy(), y.copy(), pen=pg.mkPen(GHOST_PEN, width=2))
            ghost.setZValue(-5)
            layer[key] = ghost
        self.ghosts.append(layer)
        while len(self.ghosts) > MAX_GHOSTS:
            self._remove_layer(self.ghosts.pop(0))

    def _remove_layer(self, layer: dict) -> None:
        for ghost in layer.values():
            for plot in self.plots.values():
                if ghost in plot.items:  # a panel rebuilt for another data kind has dropped it already
                    plot.removeItem(ghost)

    def clear_ghosts(self) -> None:
        for layer in self.ghosts:
            self._remove_layer(layer)
        self.ghosts = []

    def _remove_markers(self) -> None:
        for lines in self.markers:
            for line, plot in zip(lines, self.plots.values()):
                plot.removeItem(line)
        self.markers = []

    def refresh(self) -> None:
        self._last_refresh = time.perf_counter()
        metric_keys = [k for k, _ in METRIC_PANEL[self.kind][1]]
        self.waiting.setVisible(not any(self.series[k].n for k in metric_keys))
        for key in self._dirty & self.series.keys():
            x, y = self.series[key].view()
            self.curves[key].setData(x.copy(), y.copy())  # copies: the series merges points in place
        self._dirty.clear()

    def refresh_if_due(self, playing: bool) -> None:
        if self._dirty and (not playing or time.perf_counter() - self._last_refresh >= REFRESH_S):
            self.refresh()

