"""The lecture tools: slow motion, the walk-through, presentation mode, export, data drop, drawing data, hover
readouts. install() fits them to a window's surface (app/surface.py), the one thing of the window they use.

No tool imports another, nor the window (import contracts in pyproject.toml, tests/test_layers.py): what two
tools share is the session's and lecture/'s state (a walk-through turns slow motion off through lecture.Lecture;
a recording keeps slow motion's phases by listening to its model). The window knows no tool: app/__init__.py's
new_window() makes the window, then installs them.
"""
from __future__ import annotations

from PySide6 import QtCore

from .data_drop import DataDropTool
from .draw_data import DrawDataTool
from .export import ExportTool
from .hover import HoverTool
from .presentation import PresentationTool
from .slow_motion import SlowMotionTool
from .walkthrough import WalkthroughTool


class Tools(QtCore.QObject):
    """The tools installed on one surface (its child: `installed` finds them, for tests and scripts)."""

    def __init__(self, surface):
        super().__init__(surface)
        self.slow_motion = SlowMotionTool(surface)
        self.presentation = PresentationTool(surface)
        self.export = ExportTool(surface)
        self.data_drop = DataDropTool(surface)
        self.hover = HoverTool(surface)
        self.walkthrough = WalkthroughTool(surface)
        self.draw_data = DrawDataTool(surface)


def install(surface) -> Tools:
    return Tools(surface)


def installed(win) -> Tools | None:
    """The tools installed on a window's surface."""
    return win.surface.findChild(Tools)
