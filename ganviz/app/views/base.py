"""What every view shares: a widget with `draw(snapshot)`, overlay toggles, requests to the worker, and what the
lecture tools may use of a view: layers to draw their own items on (`overlay`), what lies under the mouse
(`hovered`, `scene_to_data`) and its look (`set_presenting`, `set_look`)."""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from .look import Look, Styler


def finite(a: np.ndarray) -> np.ndarray:
    """The array itself when every value is finite (the usual case, no copy), else NaN/Inf replaced.

    Plot items skip their own finiteness checks for speed, so nothing non-finite may reach them.
    """
    if np.isfinite(a).all():
        return a
    return np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


class Overlay:
    """A layer over one of a view's plots for a tool's own items, in the plot's data units (the view owns the plot)."""

    def __init__(self, plot):
        self.plot = plot

    def add(self, item, z: float = 50.0) -> None:
        """Draw `item` over the view's own items (a higher z: over those of lower z)."""
        item.setZValue(z)
        self.plot.addItem(item)

    def view_range(self) -> list[list[float]]:
        """[[x0, x1], [y0, y1]]: the part of the data plane the plot shows now."""
        return self.plot.vb.viewRange()


class View(QtWidgets.QWidget):
    """A view of one kind of data. Plot items are built once in __init__; draw() only updates them."""

    kind = ""
    title = ""
    # Overlays the training process must compute (e.g. {"arrows": True}); the window sends them as a protocol.View.
    request = QtCore.Signal(dict)
    hovered = QtCore.Signal(object)  # the mouse moved over the view: its position in the view's scene

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.toggles: list[QtGui.QAction] = []
        self._styler: Styler | None = None

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
        """Presentation mode (set_look restyles fonts and lines; a view may lay itself out anew)."""

    def graphics(self):
        """The view's graphics widget (its scene: for vector export)."""
        return self.glw

    def set_look(self, look: Look) -> None:
        """Restyle every item for presentation mode or the dark theme (views/look.py), PLAIN: as built."""
        if self._styler is None:
            self._styler = Styler(self.graphics())
        self._styler.apply(look)

    def restyle_new(self) -> None:
        """Style the items made since the look was set (a view's items made later)."""
        if self._styler is not None:
            self._styler.style_new()

    def overlay(self, layer: str = "data") -> Overlay | None:
        """A layer over the view's plot for a tool's own items, None where the view has no such plot."""
        return None

    def scene_to_data(self, pos) -> dict | None:
        """What of the picture lies under a position in the view's scene (see each view), None: nothing."""
        return None

    def new_run(self) -> None:
        """A fresh run (reset, load, preset): forget ranges and selections of the old one."""

    def draw(self, picture) -> None:
        """Show a picture (core/snapshot.py) of this view's kind."""
        raise NotImplementedError
