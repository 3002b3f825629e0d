"""What every view shares: a widget with `draw(snapshot)`, overlay toggles, and requests to the worker."""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets


def finite(a: np.ndarray) -> np.ndarray:
    """The array itself when every value is finite (the usual case, no copy), else NaN/Inf replaced.

    Plot items skip their own finiteness checks for speed, so nothing non-finite may reach them.
    """
    if np.isfinite(a).all():
        return a
    return np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


class View(QtWidgets.QWidget):
    """A view of one kind of data. Plot items are built once in __init__; draw() only updates them."""

    kind = ""
    title = ""
    # Overlays the training process must compute (e.g. {"arrows": True}); the window sends them as a protocol.View.
    request = QtCore.Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.toggles: list[QtGui.QAction] = []

    def add_toggle(self, text: str, tip: str, checked: bool, slot) -> QtGui.QAction:
        action = QtGui.QAction(text, self, checkable=True, checked=checked)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.toggled.connect(lambda _=None: slot())
        self.toggles.append(action)
        return action

    def wanted(self) -> dict:
        """The worker-side overlays this view wants right now."""
        return {}

    def set_compact(self, on: bool) -> None:
        """Compact: a panel among several (compare mode): no legend, no axis titles, only the picture."""

    def set_presenting(self, on: bool) -> None:
        """Presentation mode (app/tools/presentation.py restyles fonts and lines; a view may lay itself out anew)."""

    def new_run(self) -> None:
        """A fresh run (reset, load, preset): forget ranges and selections of the old one."""

    def draw(self, picture) -> None:
        """Show a picture (core/snapshot.py) of this view's kind."""
        raise NotImplementedError
