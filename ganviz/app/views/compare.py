"""Compare mode: the runs of a population side by side.

CompareGrid shows small multiples of the single-run view classes, one panel per run, titled by
what differs and framed in the run's colour, on shared axes. CompareCurves overlays the runs'
curves, one colour per run. A click on a panel opens that run in the full single-run view.
CompareDialog asks for a setting and its values (or seeds), as `--vary` takes them.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...core import config, vary
from ...core.errors import GanvizError
from .. import theme
from .curves import METRIC_PANEL, FittedAxis, LogAxis, Series, fit_step_labels
from .density1d import Density1DView
from .image_grid import ImageGridView
from .scatter2d import Scatter2DView

VIEWS = {"1d": Density1DView, "2d": Scatter2DView, "image": ImageGridView}
METRIC_NAMES = {"jsd": "JSD(p_data, p_g)", "modes": "modes captured", "parzen_ll": "Parzen log-lik.",
                "fd": "Fr\u00e9chet distance (dashed: real)"}
MAX_COLUMNS = 4


def columns(n: int) -> int:
    """Panels per row: a near-square grid (2 x 2 for 4 runs, 3 x 2 for 6), at most MAX_COLUMNS."""
    return min(MAX_COLUMNS, math.ceil(math.sqrt(n)))


class Panel(QtWidgets.QFrame):
    """One run: its title in its colour over its view; a click anywhere on it opens the run."""

    clicked = QtCore.Signal(int)

    def __init__(self, view, run: int, name: str, colour: str):
        super().__init__()
        self.view, self.run = view, run
        self.setObjectName("panel")
        self.setStyleSheet(f"#panel {{ border: 2px solid {colour}; border-radius: 3px; }}")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(0)
        self.title = QtWidgets.QLabel(name)
        self.title.setStyleSheet(f"color: {colour}; font-weight: bold; font-size: {theme.LABEL_PT}pt; padding: 2px;")
        self.title.setToolTip("click to open this run with all its tools")
        self.note = QtWidgets.QLabel("")  # "diverged at step ..."
        self.note.setStyleSheet(f"color: #c0392b; font-size: {theme.FONT_PT}pt; padding: 2px;")
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.note)
        lay.addLayout(head)
        lay.addWidget(view, 1)
        view.glw.viewport().installEventFilter(self)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.MouseButtonRelease and event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.clicked.emit(self.run)
        return False

    def mouseReleaseEvent(self, event) -> None:
        self.clicked.emit(self.run)


class CompareGrid(QtWidgets.QWidget):
    """Small multiples of the view of the data's kind, one per run. The first panel's overlay toggles
    (arrows, manifold, heatmap...) are the grid's: they switch every panel alike."""

    kind = "compare"
    run_clicked = QtCore.Signal(int)
    request = QtCore.Signal(dict)  # the overlays the panels want computed, as View.request

    def graphics(self) -> None:
        """None: the panels are scenes of their own, so a vector export paints the grid as one widget."""
        return None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QtWidgets.QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.panels: list[Panel] = []
        self.data_kind = ""
        self.toggles: list[QtGui.QAction] = []

    def build(self, kind: str, names: list[str]) -> None:
        """Panels of this kind for these runs (again only when the kind or the runs changed)."""
        if kind == self.data_kind and [p.title.text() for p in self.panels] == names:
            return
        for panel in self.panels:
            self.grid.removeWidget(panel)
            panel.deleteLater()
        self.panels, self.data_kind = [], kind
        cols = columns(len(names))
        for i, name in enumerate(names):
            view = VIEWS[kind]()
            view.set_compact(True)
            panel = Panel(view, i, name, theme.run_colour(i))
            panel.clicked.connect(self.run_clicked)
            self.grid.addWidget(panel, i // cols, i % cols)
            self.panels.append(panel)
        for r in range(math.ceil(len(names) / cols)):
            self.grid.setRowStretch(r, 1)
        for c in range(cols):
            self.grid.setColumnStretch(c, 1)
        lead = self.panels[0].view
        self.toggles = lead.toggles
        for i, action in enumerate(self.toggles):
            action.toggled.connect(lambda on, i=i: self._mirror(i, on))
        lead.request.connect(self.request)

    def _mirror(self, i: int, on: bool) -> None:
        for panel in self.panels[1:]:
            panel.view.toggles[i].setChecked(on)

    def wanted(self) -> dict:
        return self.panels[0].view.wanted() if self.panels else {}

    def new_run(self) -> None:
        for panel in self.panels:
            panel.view.new_run()

    def draw(self, frame) -> None:
        for panel in self.panels:
            picture = frame.pictures.get(panel.run)
            if picture is not None and picture.kind == self.data_kind:
                panel.view.draw(picture)
            d = frame.diverged.get(panel.run)
            panel.note.setText("" if d is None else f"diverged at step {d[0]:,}")
        if self.data_kind == "1d":
            self._share_density_axis()

    def _share_density_axis(self) -> None:
        """One density scale for every panel, so a taller p_g reads as taller."""
        tops = [p.view.top.vb.viewRange()[1][1] for p in self.panels]
        top = max(tops)
        for panel, own in zip(self.panels, tops):
            if own != top:
                panel.view.top.setYRange(0, top, padding=0)


class CompareCurves(QtWidgets.QWidget):
    """Each run's curves overlaid, one colour per run, under a legend naming the runs."""

    PANELS = (("loss_d", "D's loss", False), ("loss_g", "G's loss", False), ("d_fake", "D(G(z))", False))

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.legend = QtWidgets.QLabel()
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"font-size: {theme.LABEL_PT}pt; padding: 2px 8px;")
        lay.addWidget(self.legend)
        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[int, str], pg.PlotDataItem] = {}
        self.series: dict[tuple[int, str], Series] = {}
        self.fed: list[int] = []
        self.kind = ""
        self.names: list[str] = []

    def build(self, kind: str, names: list[str]) -> None:
        metric_key = METRIC_PANEL[kind][1][0][0]
        panels = [*self.PANELS, (metric_key, METRIC_NAMES[metric_key], METRIC_PANEL[kind][2])]
        self.glw.clear()
        self.plots, self.curves, self.series = {}, {}, {}
        for col, (key, title, log) in enumerate(panels):
            axes = {"left": (LogAxis if log else FittedAxis)("left"), "bottom": FittedAxis("bottom")}
            plot = self.glw.addPlot(row=0, col=col, axisItems=axes)  # tick labels that never overlap
            plot.setLogMode(y=log)  # the Fréchet distance falls over decades
            theme.style_plot(plot, title=title, bottom="step", title_pt=theme.TITLE_PT - 1)
            plot.setMouseEnabled(False, False)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            if col:
                plot.setXLink(self.plots[panels[0][0]])
            if key == "d_fake":
                plot.setYRange(0, 1, padding=0.02)
                plot.addItem(pg.InfiniteLine(pos=0.5, angle=0, pen=pg.mkPen("#9ab", width=1,
                                                                            style=QtCore.Qt.PenStyle.DashLine)))
            self.plots[key] = plot
            for run in range(len(names)):
                colour = theme.run_colour(run)
                curve = plot.plot(pen=pg.mkPen(colour, width=2), symbol="o" if key == metric_key else None,
                                  symbolSize=5, symbolBrush=colour, symbolPen=None)
                curve.setSkipFiniteCheck(True)
                self.curves[(run, key)] = curve
                self.series[(run, key)] = Series()
        # the Fréchet distance's floor: the held-out real images' own (placed by show_history)
        self.floor = pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.DATA, width=2, style=QtCore.Qt.PenStyle.DashLine))
        self.floor.setVisible(False)
        self.plots[metric_key].addItem(self.floor)
        self.kind, self.names, self.metric_key = kind, list(names), metric_key  # not .metric: QWidget.metric()
        self.fed = [0] * len(names)
        fit_step_labels(self.plots.values(), self.height())
        self.legend.setText("   ".join(f'<span style="color:{theme.run_colour(i)}">\u25a0 {name}</span>'
                                       for i, name in enumerate(names)))

    def resizeEvent(self, event) -> None:
        fit_step_labels(self.plots.values(), self.height())
        super().resizeEvent(event)

    def clear(self) -> None:
        for s in self.series.values():
            s.clear()
        for curve in self.curves.values():
            curve.setData([], [])
        self.fed = [0] * len(self.names)

    def show_history(self, run: int, log, start: int) -> None:
        if run >= len(self.names):
            return
        if len(log) and "n_modes" in log[-1]:  # modes captured reads best on a fixed 0..K axis
            self.plots[self.metric_key].setYRange(0, log[-1]["n_modes"] + 0.3, padding=0)
        floor = log[-1].get("fd_floor") if len(log) and self.metric_key == "fd" else None
        if floor is not None and math.isfinite(floor) and floor > 0:  # the runs share their data, so their floor
            self.floor.setPos(math.log10(floor))
            self.floor.setVisible(True)
        keys = [k for r, k in self.series if r == run]
        if start < self.fed[run]:  # the timeline went back: cut there
            step = log[start - 1]["step"] if start > 0 else -1.0
            for key in keys:
                self.series[(run, key)].cut(step)
            self.fed[run] = start
        for row in log[self.fed[run]:]:
            for key in keys:
                value = row.get(key)
                if value is not None and math.isfinite(value):
                    self.series[(run, key)].append(row["step"], value)
        self.fed[run] = len(log)

    def refresh(self) -> None:
        for (run, key), series in self.series.items():
            x, y = series.view()
            self.curves[(run, key)].setData(x.copy(), y.copy())



class CompareDialog(QtWidgets.QDialog):
    """Pick a setting and up to 8 values (or seeds): the runs to train side by side."""

    MAX = 8

    def __init__(self, parent, values: dict):
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.variants: list[dict] = []
        form = QtWidgets.QFormLayout(self)
        self.key = QtWidgets.QComboBox()
        keys = [k for k, f in config.FIELDS.items() if f.metadata["scope"] != config.SHARED]
        self.key.addItems(keys)
        self.key.setCurrentText("seed")
        self.values = QtWidgets.QLineEdit("0:4")
        self.values.setPlaceholderText("0:4 (a range, end excluded) or a, b, c")
        self.hint = QtWidgets.QLabel()
        self.hint.setWordWrap(True)
        self.now = values
        form.addRow("setting", self.key)
        form.addRow("values", self.values)
        form.addRow("", self.hint)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Compare")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.key.currentTextChanged.connect(self._check)
        self.values.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        key = self.key.currentText()
        try:
            key, values = vary.parse_one(f"{key}={self.values.text()}")
            if not 2 <= len(values) <= self.MAX:
                raise GanvizError(f"give 2 to {self.MAX} values")
            self.variants = [{key: v} for v in values]
            self.hint.setText(f"{len(values)} runs: " + ", ".join(f"{key}={vary.short(v)}" for v in values)
                              + f"  (now {key}={vary.short(self.now[key])})")
            self.hint.setStyleSheet(f"color: {theme.MUTED};")
            self.ok.setEnabled(True)
        except GanvizError as err:
            self.variants = []
            self.hint.setText(str(err))
            self.hint.setStyleSheet("color: #c0392b;")
            self.ok.setEnabled(False)
