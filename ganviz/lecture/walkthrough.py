"""The walk-through's state: which stage of the preset's tour (core/tour.py) plays, and what its bar says
(app/tools/walkthrough.py shows it).

Starting the walk-through starts the preset again from its first state (same seed: the same pictures every
lecture) and plays the first stage: its live settings, then its updates of D, G or both. Next plays the next
stage. Play, Step or Reset take the run over from the walk-through; Next then goes on from wherever the
run is.
"""
from __future__ import annotations

from typing import Callable

from psygnal import Signal

WHAT = {"both": "iterations of D and G", "d": "updates of D alone (G frozen)", "g": "updates of G alone (D frozen)"}


class Walkthrough:
    """The stage playing (or last played) and whether it is done; head, caption and next_label are its bar's text."""

    changed = Signal()           # active, head, caption, next_label or available changed
    stage_done = Signal(int)     # the index of the stage whose updates have all been played
    starting = Signal()          # about to start the run again: other lecture state gives way (slow motion)

    def __init__(self, session, restart: Callable[[list], bool]):
        """restart(configs) -> bool: start the run again with these settings (the window's Reset)."""
        self.session, self.restart = session, restart
        self.index = -1        # the stage playing or last played; -1: no walk-through running
        self.serial = 0        # id of the last stage sent: the worker's frames name it
        self.sent_at = 0       # commands sent when the stage was: later frames reflect it
        self.done = False
        self.head = self.caption = ""
        self.next_label = "Next \u25b6"
        session.problem.connect(self._interrupted)
        session.preset_changed.connect(self._preset_changed)

    @property
    def stages(self) -> list:
        return self.session.preset.tour

    @property
    def available(self) -> bool:
        """The preset has a tour to walk through."""
        return bool(self.stages)

    @property
    def active(self) -> bool:
        return self.index >= 0

    def _preset_changed(self, _preset=None) -> None:
        """A new preset: any walk-through of the old one is over; this one may have none."""
        self.end()

    # ------------------------------------------------------------------ the user
    def start(self) -> None:
        if not self.stages:
            return
        self.starting.emit()
        # the preset's own settings and seed, one run: the walk-through shows the same run every time
        if self.restart([self.session.preset.config()]):
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
        self.changed.emit()

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
        self._say(f"{stage.steps:,} {WHAT[stage.run]}\u2026" if stage.steps else "")

    def _say(self, status: str) -> None:
        stage, n = self.stages[self.index], len(self.stages)
        self.head = (f"Walk through \u2014 {self.index + 1} of {n}: {stage.title}"
                     + (f"   \u00b7   {status}" if status else ""))
        self.caption = stage.caption
        self.next_label = "Finish \u2713" if self.index + 1 == n and self.done else "Next \u25b6"
        self.changed.emit()

    def on_frame(self, frame) -> None:
        """A frame was drawn: how far the stage has come, or that the run was taken over."""
        if not self.active or self.done:
            return
        stage = frame.stage
        if stage is not None and stage[0] == self.serial:
            left = int(stage[1])
            if left <= 0:
                self._finish()
            else:
                s = self.stages[self.index]
                self._say(f"{s.steps - left:,} of {s.steps:,} {WHAT[s.run]}")
        elif frame.handled >= self.sent_at:
            self._interrupted()  # the worker saw our stage and is no longer playing it

    def _finish(self) -> None:
        self.done = True
        stage = self.stages[self.index]
        last = self.index + 1 == len(self.stages)
        self._say(f"done ({stage.steps:,} {WHAT[stage.run]})"
                  + ("" if last else "   \u00b7   Next \u25b6 (N) plays the next stage"))
        self.stage_done.emit(self.index)

    def _interrupted(self, *_) -> None:
        if self.active and not self.done:
            self.done = True
            self._say("taken over \u2014 Next \u25b6 goes on from here")
