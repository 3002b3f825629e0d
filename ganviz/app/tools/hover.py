"""Hover readouts in the status bar: the numbers under the mouse (lecture/readout.py says what they are).

Each view says what of its picture lies under the mouse (View.scene_to_data); the numbers come from the
picture on screen, not from the training process.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ...lecture.readout import readout
from .. import theme


class HoverTool(QtCore.QObject):
    def __init__(self, surface):
        super().__init__(surface)
        self.session = surface.session
        self.label = QtWidgets.QLabel("")
        self.label.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; padding: 0 10px; font-family: monospace;")
        surface.add_status(self.label, 1)
        for view in surface.views().values():
            view.hovered.connect(lambda pos, v=view: self.moved(v, pos))

    def moved(self, view, pos) -> None:
        """The mouse is at scene position pos over view: what the picture shows there."""
        snap = self.session.picture()
        at = view.scene_to_data(pos) if snap is not None and snap.kind == view.kind else None
        self.label.setText(readout(snap, at))
