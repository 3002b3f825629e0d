"""The timeline bar under the view: the trainer's kept states as ticks, to scrub back in time.

The worker keeps a state every so often (worker.KEEP_STEPS / KEEP_S) and sends the kept steps
with a snapshot when they change (snap["timeline"]). Choosing a kept step pauses and sends
("restore", step); the worker answers with a snapshot of that state marked "branch_from".
Playing on from there is "branch from here": the curves are cut at that step and what they
showed before is kept, faint and grey, for comparison while the new branch draws normally.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

GHOST_PEN = (128, 128, 128, 64)  # grey at alpha 0.25: the old branch reads as background
MAX_GHOSTS = 3                   # earlier branches beyond this are forgotten (a clutter of grey helps no one)


class TimelineBar(QtWidgets.QWidget):
    restore_requested = QtCore.Signal(int)  # the step asked for (the worker picks the kept state nearest)

    def __init__(self, win):
        super().__init__()
        self.win = win
        self.steps: list[int] = []
        self.branches: list[int] = []   # steps branched from, oldest first (tests, status)
        self.ghosts: list[dict[str, pg.PlotDataItem]] = []  # one layer per branch: {key: faint curve}
        self._run = None
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        title = QtWidgets.QLabel("timeline")
        title.setToolTip("kept states of this run: drag back to an earlier one, then Play to branch from there")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys stay the window's Step
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.slider.setToolTip("scrub back: training pauses at the chosen kept state; Play branches from it")
        self.label = QtWidgets.QLabel("no kept states yet")
        self.label.setMinimumWidth(230)
        lay.addWidget(title)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.sliderMoved.connect(self._preview)
        self.slider.sliderReleased.connect(lambda: self._chosen(self.slider.value()))
        self.slider.valueChanged.connect(self._value_changed)
        win.frame_drawn.connect(self.on_frame)
        win.centralWidget().layout().addWidget(self)  # under the view and its curves

    # ------------------------------------------------------------------ user
    def restore(self, step: int) -> None:
        """Pause and go back to the kept state nearest `step`."""
        self.win.set_playing(False)
        self.win.send("restore", int(step))
        self.label.setText(f"going back to step {int(step):,}\u2026")
        self.restore_requested.emit(int(step))

    def _preview(self, i: int) -> None:
        if 0 <= i < len(self.steps):
            self.label.setText(f"release to go back to step {self.steps[i]:,}")

    def _chosen(self, i: int) -> None:
        if 0 <= i < len(self.steps):
            self.restore(self.steps[i])

    def _value_changed(self, i: int) -> None:
        if not self.slider.isSliderDown():  # a click on the groove or the wheel: no release follows
            self._chosen(i)

    # ------------------------------------------------------------------ worker
    def on_frame(self, snap: dict) -> None:
        run = (id(self.win.handle), snap.get("run"))
        if run != self._run:  # a new run: its own timeline, no old branches
            self._run = run
            self.clear_ghosts()
            self.branches = []
        if "timeline" in snap:
            self.set_steps(list(snap["timeline"]))
        if "branch_from" in snap:
            self.branch(int(snap["branch_from"]))
        self._show(snap["step"])

    def set_steps(self, steps: list[int]) -> None:
        self.steps = steps
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(steps) - 1))
        self.slider.setValue(len(steps) - 1)
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(steps) > 1)

    def _show(self, step: int) -> None:
        if self.slider.isSliderDown():
            return
        n = len(self.steps)
        kept = f"{n} kept" + (f", {self.steps[0]:,}\u2013{self.steps[-1]:,}" if n > 1 else "")
        branch = f" \u00b7 branched at {self.branches[-1]:,}" if self.branches else ""
        self.label.setText(f"{kept}{branch}")
        if self.steps:  # the handle sits on the newest kept state at or before now
            i = int(np.searchsorted(self.steps, step, side="right")) - 1
            self.slider.blockSignals(True)
            self.slider.setValue(max(0, i))
            self.slider.blockSignals(False)

    # ------------------------------------------------------------------ curves
    def branch(self, step: int) -> None:
        """The curves drawn so far become a faint layer; the live curves are cut at `step`."""
        cv = self.win.curves
        layer = {}
        for key, curve in cv.curves.items():
            s = cv.series.get(key)
            plot = self._plot_of(curve)
            if s is None or plot is None or not s.n:
                continue
            x, y = s.view()
            ghost = plot.plot(x.copy(), y.copy(), pen=pg.mkPen(GHOST_PEN, width=2))  # the plot's downsampling
            ghost.setZValue(-5)
            layer[key] = ghost
            s.cut(step)
            cv._dirty.add(key)
        self.ghosts.append(layer)
        while len(self.ghosts) > MAX_GHOSTS:
            self._remove(self.ghosts.pop(0))
        self.branches.append(step)
        cv.refresh()

    def _plot_of(self, curve) -> pg.PlotItem | None:
        for plot in self.win.curves.plots.values():
            if curve in plot.listDataItems():
                return plot
        return None

    def _remove(self, layer: dict) -> None:
        for ghost in layer.values():
            for plot in self.win.curves.plots.values():
                if ghost in plot.items:  # a panel rebuilt for another data kind has dropped it already
                    plot.removeItem(ghost)

    def clear_ghosts(self) -> None:
        for layer in self.ghosts:
            self._remove(layer)
        self.ghosts = []

    def ghost_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The newest faint curve of `key` (empty if none): what the old branch showed."""
        for layer in reversed(self.ghosts):
            if key in layer:
                x, y = layer[key].getData()
                return (np.asarray(x), np.asarray(y))
        return np.empty(0), np.empty(0)
