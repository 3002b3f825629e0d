"""The timeline bar under the view: the trainer's kept states as ticks, to scrub back in time.

The trainer keeps a state every so often (worker.Pacing) and its frames carry the kept steps when
they change (Frame.timeline). Choosing a kept step pauses and restores that state; the trainer's
next frame is marked with the step it branched from. Playing on from there is "branch from
here": the curves are cut at that step and what they showed before stays, faint and grey
(CurvesView.branch), for comparison while the new branch draws normally.
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets


class TimelineBar(QtWidgets.QWidget):
    def __init__(self, win):
        super().__init__()
        self.win, self.session = win, win.session
        self.steps: list[int] = []
        self.branches: list[int] = []   # steps branched from, oldest first (tests, status)
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
        self.session.new_generation.connect(self._new_generation)
        self.session.branched.connect(self.branches.append)
        win.add_below(self)

    # ------------------------------------------------------------------ user
    def restore(self, step: int) -> None:
        """Pause and go back to the kept state nearest `step`."""
        self.session.restore(step)
        self.label.setText(f"going back to step {int(step):,}\u2026")

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
    def _new_generation(self) -> None:
        """A new run: its own timeline, no old branches."""
        self.branches.clear()
        self.set_steps([])

    def on_frame(self, frame) -> None:
        if frame.timeline is not None:
            self.set_steps(list(frame.timeline))
        self._show(frame.step)

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
