"""Walk through a preset's tour in the window: the caption strip over the view with its buttons, the T and N
keys and the story panel's button. What plays and what the strip says is lecture/walkthrough.py's.

Walk through (T, or the story's button) starts the preset again from its first state and plays the first
stage; Next (N, Page Down: what a presenter's clicker sends) plays the next. Play, Step or Reset take the run
over from the walk-through; Next then goes on from wherever the run is.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .. import theme
from ..panels.narration import CaptionStrip


class TourBar(CaptionStrip):
    """The stage's caption, large, over the view, with the walk-through's buttons."""

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


class WalkthroughTool(QtCore.QObject):
    """The strip, the keys and the story's button of the walk-through (the model: surface.lecture.walkthrough)."""

    def __init__(self, surface):
        super().__init__(surface)
        self.model = m = surface.lecture.walkthrough
        self.bar = TourBar()
        surface.add_strip(self.bar)
        self.bar.restart.clicked.connect(m.start)
        self.bar.next.clicked.connect(m.next)
        self.bar.end.clicked.connect(m.end)
        self.act = surface.add_action("Walk through", m.start, ["T"],
                                      "play the preset's tour stage by stage, with captions", place="run:end")
        self.act_next = surface.add_action("Next stage", m.next, ["N", "PgDown"], "the tour's next stage",
                                           place="run:end")
        self.button = surface.story_button("tour")
        self.button.clicked.connect(m.start)
        surface.frame_drawn.connect(m.on_frame)
        m.changed.connect(self._show)
        self._show()

    def _show(self) -> None:
        m = self.model
        self.act.setEnabled(m.available)
        self.button.setVisible(m.available)
        self.act_next.setEnabled(m.active)
        if m.active:
            self.bar.head.setText(m.head)
            self.bar.text.setText(m.caption)
            self.bar.next.setText(m.next_label)
        self.bar.setVisible(m.active)
