"""The lecture tools' own state, Qt-free, beside the session: slow motion's phases, the walk-through's stage,
presentation mode, and the rules the tools follow (captions, hover readouts, which files can be trained on).

The window's tools (app/tools/) draw this state and turn the user's keys into its methods; tests drive it
without a window. Like the session, each model speaks through psygnal events and acts through the session.
Lecture holds one of each model for a window, and the one rule between them: a walk-through turns slow
motion off. Step goes through it: with slow motion on, Step shows the next phase instead.
"""
from __future__ import annotations

from typing import Callable

from .presentation import Presentation
from .slow_motion import SlowMotion
from .walkthrough import Walkthrough


class Lecture:
    """The models of one window's lecture tools. restart(configs) -> bool starts the run again as the window's
    Reset does (the session's reset by default)."""

    def __init__(self, session, restart: Callable[[list], bool] | None = None):
        self.session = session
        self.slow_motion = SlowMotion(session)
        self.walkthrough = Walkthrough(session, restart or session.reset)
        self.presentation = Presentation()
        self.walkthrough.starting.connect(self._walkthrough_starting)

    def _walkthrough_starting(self) -> None:
        self.slow_motion.set_active(False)

    def step(self, which: str = "both") -> None:
        """The user's Step (D, G or both): with slow motion on, Step shows the next phase instead."""
        if which == "both" and self.slow_motion.forward():
            return
        self.session.step(which)
