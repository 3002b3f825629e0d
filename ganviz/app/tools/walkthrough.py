"""Walk through a preset's tour in the window (stages from the preset file, see core/tour.py).

"Walk through" starts the preset again from its first state (same seed: the same pictures every
lecture) and plays the first stage: its live settings, then its updates of D, G or both, shown
as they happen. The caption strip above the view says what to look at; Next (N, Page Down: what
a presenter's clicker sends) plays the next stage. Play, Step or Reset take the run over from the
tour; Next then goes on from wherever the run is.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .. import theme
from ..panels.narration import CaptionStrip

WHAT = {"both": "iterations of D and G", "d": "updates of D alone (G frozen)", "g": "updates of G alone (D frozen)"}


class TourBar(CaptionStrip):
    """The stage's caption, large, over the view, with the tour's buttons."""

    def __init__(self, parent=None):
        super().__init__("tour", "#e8f1fb", "#1f77b4", "#0d3c66", parent)
        style = f"font-size: {theme.FONT_PT + 1}pt; padding: 4px 12px;"
        self.restart = QtWidgets.QPushButton("\u21ba Restart")
        self.next = QtWidgets.QPushButton("Next \u25b6")
        self.next.setStyleSheet(style + "font-weight: bold;")
        self.end = QtWidgets.QPushButton("\u2715 End")
        for b in (self.restart, self.next, self.end):
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keys stay with the window's shortcuts
            if b is not self.next:
                b.setStyleSheet(style)
            self.row.addWidget(b, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)


class Tour(QtCore.QObject):
    """Which stage of the preset's tour is playing, and whether it is done."""

    stage_done = QtCore.Signal(int)  # index of the stage whose updates have all been played (tests)

    def __init__(self, win):
        super().__init__(win)
        self.win, self.session = win, win.session
        self.index = -1        # the stage playing or last played; -1: no tour running
        self.serial = 0        # id of the last stage sent: the worker's snapshots name it
        self.sent_at = 0       # commands sent when the stage was: later snapshots reflect it
        self.done = False
        self.bar = TourBar()
        win.add_strip(self.bar)
        self.bar.restart.clicked.connect(self.start)
        self.bar.next.clicked.connect(self.next)
        self.bar.end.clicked.connect(self.end)
        self.act = win.add_action("Walk through", self.start, ["T"],
                                  "play the preset's tour stage by stage, with captions")
        self.act_next = win.add_action("Next stage", self.next, ["N", "PgDown"], "the tour's next stage")
        win.narration.tour_button.clicked.connect(self.start)
        win.frame_drawn.connect(self._on_frame)
        self.session.problem.connect(lambda *_: self._interrupted())
        self.session.preset_changed.connect(lambda _: self.preset_changed())
        self.preset_changed()

    @property
    def stages(self) -> list:
        return self.session.preset.tour

    @property
    def active(self) -> bool:
        return self.index >= 0

    def install_ui(self, run_menu: QtWidgets.QMenu | None) -> None:
        if run_menu is not None:
            run_menu.addSeparator()
            run_menu.addAction(self.act)
            run_menu.addAction(self.act_next)

    def preset_changed(self) -> None:
        """A new preset: any tour of the old one is over; this one may have none."""
        self.end()
        has = bool(self.stages)
        self.act.setEnabled(has)
        self.win.narration.tour_button.setVisible(has)

    # ------------------------------------------------------------------ user
    def start(self) -> None:
        if not self.stages:
            return
        win = self.win
        if getattr(win, "slowmo", None) is not None and win.slowmo.active:
            win.slowmo.set_active(False)
        # the preset's own settings and seed, one run: the tour shows the same run every time
        if self.session.reset([self.session.preset.config()]):
            win.banner.clear()
            self._play(0)

    def next(self) -> None:
        if not self.active:
            self.start()
        elif self.index + 1 < len(self.stages):
            self._play(self.index + 1)
        elif self.done:
            self.end()

    def end(self) -> None:
        self.index, self.done = -1, False
        self.act_next.setEnabled(False)
        self.bar.hide()

    # ------------------------------------------------------------------ stages
    def _play(self, i: int) -> None:
        session = self.session
        if not session.alive():
            return
        stage = self.stages[i]
        self.index, self.done = i, False
        self.serial += 1
        session.play_stage(self.serial, stage)
        self.sent_at = session.handle.sent
        self.act_next.setEnabled(True)
        self._caption(f"{stage.steps:,} {WHAT[stage.run]}\u2026" if stage.steps else "")
        self.bar.show()

    def _caption(self, status: str) -> None:
        stage, n = self.stages[self.index], len(self.stages)
        self.bar.head.setText(f"Walk through \u2014 {self.index + 1} of {n}: {stage.title}"
                              + (f"   \u00b7   {status}" if status else ""))
        self.bar.text.setText(stage.caption)
        last = self.index + 1 == n
        self.bar.next.setText("Finish \u2713" if last and self.done else "Next \u25b6")

    def _on_frame(self, frame) -> None:
        if not self.active or self.done:
            return
        stage = frame.stage
        if stage is not None and stage[0] == self.serial:
            left = int(stage[1])
            if left <= 0:
                self._finish()
            else:
                self._caption(f"{self.stages[self.index].steps - left:,} of "
                              f"{self.stages[self.index].steps:,} {WHAT[self.stages[self.index].run]}")
        elif frame.handled >= self.sent_at:
            self._interrupted()  # the worker saw our stage and is no longer playing it

    def _finish(self) -> None:
        self.done = True
        stage = self.stages[self.index]
        last = self.index + 1 == len(self.stages)
        self._caption(f"done ({stage.steps:,} {WHAT[stage.run]})"
                      + ("" if last else "   \u00b7   Next \u25b6 (N) plays the next stage"))
        self.stage_done.emit(self.index)

    def _interrupted(self) -> None:
        if self.active and not self.done:
            self.done = True
            self._caption("taken over \u2014 Next \u25b6 goes on from here")
