"""Slow motion's state: one iteration of Algorithm 1 shown phase by phase (app/tools/slow_motion.py draws it).

With slow motion on, Step asks the training process for the next iteration phase by phase (a Phases
command, answered with PhaseFrames: one frame per phase, process/phases.py). Step and Back then move
through those frames; Step past the last phase asks for the next iteration. A frame of any other change of
the run (Play, Step D or G, Reset) ends the walk through the phases, and slow motion waits for Step again.
"""
from __future__ import annotations

from psygnal import Signal

NAMES = {"sample": "sample", "generate": "generate", "discriminate": "discriminate",
         "update_d": "update D", "update_g": "update G"}
HINT = ("<b>Slow motion.</b> Press \u2192 (Step) to walk through one iteration phase by phase; "
        "\u2190 goes back one phase; M ends slow motion.")


def caption(frame) -> tuple[str, str]:
    """(head line, caption) for a phase frame."""
    ph = frame.phase
    iteration = frame.step if ph.name == "update_g" else frame.step + 1
    return (f"Slow motion \u2014 phase {ph.index + 1} of {ph.count}: {NAMES.get(ph.name, ph.name)}"
            f" \u2014 iteration {iteration}   (\u2190 \u2192 to move)", ph.caption)


def hint() -> tuple[str, str]:
    """(head line, caption) while slow motion waits for Step."""
    return "Slow motion", HINT


class SlowMotion:
    """Whether slow motion is on, the phase frames of the last iteration and which one is shown."""

    active_changed = Signal(bool)
    shown = Signal(object)      # a phase frame is now the one shown (draw it marked, with its caption)
    plain = Signal(object)      # show this frame unmarked: the trainer's state after the last phase shown
    forgotten = Signal()        # the phases are gone (no marks on the view); while active, Step is awaited

    def __init__(self, session):
        self.session = session
        self.active = False
        self.frames: list = []
        self.index = -1
        self.waiting = False    # a Phases command is on its way: Step does not ask twice
        session.phases.connect(self.on_phases)
        session.problem.connect(self._stop_waiting)
        session.new_generation.connect(self._stop_waiting)  # a new run: an asked-for iteration won't come

    def _stop_waiting(self, *_) -> None:
        self.waiting = False  # e.g. the iteration diverged: Step may ask again

    def current(self):
        """The phase frame shown, or None."""
        return self.frames[self.index] if 0 <= self.index < len(self.frames) else None

    def picture(self, frame):
        """The picture of a frame to show: the selected run's (the first one's when it has no picture of it)."""
        return frame.pictures.get(self.session.selected) or next(iter(frame.pictures.values()))

    # ------------------------------------------------------------------ the user
    def set_active(self, on: bool) -> None:
        on = bool(on)
        if on == self.active:
            return
        last = self.frames[-1] if self.frames and self.index >= 0 else None
        self.active = on
        self.active_changed.emit(on)
        if on:
            self.session.set_playing(False)
        else:
            self._forget()
            if last is not None:  # the trainer's state now: the last phase's picture, unmarked
                self.plain.emit(last)

    def forward(self) -> bool:
        """Step with slow motion on: the next phase, or the next iteration. False when off."""
        if not self.active:
            return False
        if self.current() is not None and self.index < len(self.frames) - 1:
            self.index += 1
            self.shown.emit(self.current())
        elif not self.waiting and self.session.alive():
            self.waiting = True
            self.session.slow_step()
        return True

    def back(self) -> None:
        if self.active and self.current() is not None and self.index > 0:
            self.index -= 1
            self.shown.emit(self.current())

    # ------------------------------------------------------------------ the trainer
    def on_phases(self, frames: list) -> None:
        """The session's PhaseFrames: one iteration, phase by phase."""
        self.waiting = False
        if not frames:
            return
        if not self.active:
            self.plain.emit(frames[-1])
            return
        self.frames, self.index = frames, 0
        self.shown.emit(self.current())

    def on_frame(self, frame) -> None:
        """A normal frame was drawn. Of the state of our last phase: the phase stays on screen (shown again over
        it); of another (played, stepped D or G, reset): the walk through the phases is over."""
        if self.current() is None:
            return
        last = self.frames[-1]
        if frame.generation == last.generation and frame.step == last.step and not frame.playing:
            self.shown.emit(self.current())
        else:
            self._forget()

    def _forget(self) -> None:
        self.frames, self.index = [], -1
        self.forgotten.emit()
