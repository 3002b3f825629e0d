"""Draw your own 2D data: paint a distribution with the mouse, then train on it.

File ▸ Draw 2D data… (Ctrl+D) opens a square canvas (-4..4 on both axes). Holding the left button
and moving sprays points around the cursor (Gaussian jitter, brush size adjustable); the right
button, or the Erase toggle, removes points near the cursor. "Train on this" saves the points as
an .npy file under the user's data folder (atomically) and trains on the file as on a dropped one: it is
checked (lecture/data_file.py), becomes the data setting and the run restarts.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ...core.errors import GanvizError
from ...core.fileio import write_with
from ...lecture.data_file import problem
from .. import theme

EXTENT = 4.0          # the canvas spans -EXTENT..EXTENT on both axes
MIN_TRAIN = 50        # "Train on this" needs at least this many points
MAX_POINTS = 20_000   # a canvas holds at most this many (older strokes are kept, new ones stop)
PER_DAB = 4           # points sprayed per brush dab
DEFAULT_BRUSH = 0.25  # standard deviation of the spray, in data units


def data_home() -> Path:
    """$XDG_DATA_HOME/ganviz, else ~/.local/share/ganviz."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "ganviz"


def drawn_folder() -> Path:
    return data_home() / "drawn"


def save_points(points: np.ndarray, folder: Path | None = None) -> Path:
    """Write (N, 2) float32 points to folder/drawn-YYYYMMDD-HHMMSS.npy atomically; return the path."""
    pts = np.ascontiguousarray(np.asarray(points, np.float32).reshape(-1, 2))
    folder = drawn_folder() if folder is None else Path(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"drawn-{stamp}.npy"
    k = 2
    while path.exists():  # two drawings in one second: keep both
        path = folder / f"drawn-{stamp}-{k}.npy"
        k += 1

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.save does not add a second suffix
            np.save(fh, pts, allow_pickle=False)

    write_with(path, write)
    return path


class DrawDataDialog(QtWidgets.QDialog):
    """The canvas, its brush and the buttons. Points live in self.points, in data units.

    use(path) -> bool trains on the saved drawing (False: it could not, and the user was told); tell(kind,
    message) tells the user. Without them (a dialog of its own) the drawing is only saved."""
    points_changed = QtCore.Signal(int)
    trained = QtCore.Signal(str)   # the saved file the window now trains on

    def __init__(self, parent=None, seed: int | None = None, use: Callable[[str], bool] | None = None,
                 tell: Callable[[str, str], None] | None = None):
        super().__init__(parent)
        self.use, self.tell = use, tell
        self.setWindowTitle("Draw 2D data")
        self.rng = np.random.default_rng(seed)
        self.points = np.zeros((0, 2), np.float64)
        self._last: np.ndarray | None = None   # the previous dab of the current stroke
        self._mode: str | None = None          # "paint" or "erase" while a button is held

        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        theme.style_plot(self.plot, left="x\u2082", bottom="x\u2081")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        self.plot.setRange(xRange=(-EXTENT, EXTENT), yRange=(-EXTENT, EXTENT), padding=0.02)
        self.plot.getViewBox().setLimits(xMin=-EXTENT * 1.5, xMax=EXTENT * 1.5, yMin=-EXTENT * 1.5,
                                         yMax=EXTENT * 1.5)
        self.scatter = pg.ScatterPlotItem(size=5, pen=None, brush=theme.brush(theme.DATA, 0.55))
        self.plot.addItem(self.scatter)
        self.cursor = pg.QtWidgets.QGraphicsEllipseItem(-1, -1, 2, 2)
        self.cursor.setPen(pg.mkPen(theme.ACCENT, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor)
        self.plot_widget.setMinimumSize(480, 480)
        self.plot_widget.setMouseTracking(True)
        self.plot_widget.viewport().setMouseTracking(True)
        self.plot_widget.viewport().installEventFilter(self)

        self.brush = QtWidgets.QDoubleSpinBox()
        self.brush.setRange(0.02, 1.5)
        self.brush.setSingleStep(0.05)
        self.brush.setDecimals(2)
        self.brush.setValue(DEFAULT_BRUSH)
        self.brush.setToolTip("spread of the spray (standard deviation, in data units)")
        self.erase_button = QtWidgets.QPushButton("Erase")
        self.erase_button.setCheckable(True)
        self.erase_button.setToolTip("left-drag erases while this is on (the right button always erases)")
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setToolTip("remove every point")
        self.count_label = QtWidgets.QLabel()
        self.train_button = QtWidgets.QPushButton("Train on this")
        self.train_button.setToolTip(f"save the points and train on them (needs at least {MIN_TRAIN})")
        self.train_button.setDefault(True)
        self.clear_button.clicked.connect(self.clear)
        self.train_button.clicked.connect(self.train)

        hint = QtWidgets.QLabel("Click and drag to paint points; right-drag erases.")
        hint.setStyleSheet(f"color: {theme.MUTED};")
        tools = QtWidgets.QHBoxLayout()
        tools.addWidget(QtWidgets.QLabel("brush"))
        tools.addWidget(self.brush)
        tools.addWidget(self.erase_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        tools.addWidget(self.count_label)
        tools.addWidget(self.train_button)
        col = QtWidgets.QVBoxLayout(self)
        col.addWidget(hint)
        col.addWidget(self.plot_widget, 1)
        col.addLayout(tools)
        self.resize(620, 680)
        self._refresh()

    # ------------------------------------------------------------------ mouse
    def to_view(self, pos: QtCore.QPointF) -> np.ndarray:
        """A viewport position (pixels) in data units."""
        scene = self.plot_widget.mapToScene(pos.toPoint())
        p = self.plot.getViewBox().mapSceneToView(scene)
        return np.array([p.x(), p.y()])

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        E = QtCore.QEvent.Type
        if t == E.MouseButtonPress:
            btn = event.button()
            if btn == QtCore.Qt.MouseButton.LeftButton:
                mode = "erase" if self.erase_button.isChecked() else "paint"
            elif btn == QtCore.Qt.MouseButton.RightButton:
                mode = "erase"
            else:
                return False
            self.stroke_start(self.to_view(event.position()), mode)
            return True
        if t == E.MouseMove:
            at = self.to_view(event.position())
            self._show_cursor(at)
            if self._mode is not None:
                self.stroke_move(at)
                return True
            return False
        if t == E.MouseButtonRelease and self._mode is not None:
            self.stroke_end()
            return True
        if t == E.MouseButtonDblClick:
            return True  # no pyqtgraph auto-range on the canvas
        if t == E.Leave:
            self.cursor.setVisible(False)
        return False

    def _show_cursor(self, at: np.ndarray) -> None:
        r = self.radius()
        self.cursor.setRect(at[0] - r, at[1] - r, 2 * r, 2 * r)
        self.cursor.setVisible(True)

    # ------------------------------------------------------------------ strokes (the mouse's path)
    def radius(self) -> float:
        """How far from the cursor the eraser reaches: twice the spray's spread."""
        return 2.0 * self.brush.value()

    def stroke_start(self, at, mode: str = "paint") -> None:
        self._mode = mode
        self._last = None
        self.stroke_move(at)

    def stroke_move(self, at) -> None:
        at = np.asarray(at, np.float64)
        if self._mode == "erase":
            self.erase_at(at)
        elif self._mode == "paint":
            self.spray(self._last if self._last is not None else at, at)
        self._last = at

    def stroke_end(self) -> None:
        self._mode = None
        self._last = None

    def spray(self, a, b) -> None:
        """Dabs along the segment a -> b, one per brush width, each PER_DAB jittered points."""
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        sigma = self.brush.value()
        n_dabs = max(1, min(50, math.ceil(float(np.linalg.norm(b - a)) / sigma)))
        t = (np.arange(n_dabs) + 1) / n_dabs
        centres = a + t[:, None] * (b - a)
        pts = np.repeat(centres, PER_DAB, axis=0) + self.rng.normal(0, sigma, (n_dabs * PER_DAB, 2))
        pts = pts[(np.abs(pts) <= EXTENT).all(axis=1)]
        room = MAX_POINTS - len(self.points)
        if room <= 0 or not len(pts):
            return
        self.points = np.concatenate([self.points, pts[:room]])
        self._refresh()

    def erase_at(self, at) -> None:
        if not len(self.points):
            return
        keep = np.linalg.norm(self.points - np.asarray(at), axis=1) > self.radius()
        if not keep.all():
            self.points = self.points[keep]
            self._refresh()

    def clear(self) -> None:
        self.points = np.zeros((0, 2), np.float64)
        self._refresh()

    def _refresh(self) -> None:
        n = len(self.points)
        self.scatter.setData(self.points[:, 0], self.points[:, 1])
        self.count_label.setText(f"{n:,} point{'s' if n != 1 else ''}")
        self.train_button.setEnabled(n >= MIN_TRAIN)
        self.points_changed.emit(n)

    # ------------------------------------------------------------------ training
    def train(self) -> Path | None:
        """Save the points and train on them, as a dropped file is trained on; None if that failed."""
        if len(self.points) < MIN_TRAIN:
            return None
        try:
            path = save_points(self.points)
        except GanvizError as err:
            self._say(str(err))
            return None
        if self.use is not None and not self.use(str(path)):
            return None  # the window told the user why; the drawing stays to be fixed
        self.trained.emit(str(path))
        self.accept()
        return path

    def _say(self, message: str) -> None:
        if self.tell is not None:
            self.tell("input", message)
        else:
            QtWidgets.QMessageBox.warning(self, "ganviz", message)


class DrawDataTool(QtCore.QObject):
    """File > Draw 2D data… (Ctrl+D): the window's drawing dialog, one per window (the drawing is kept
    between openings)."""

    def __init__(self, surface):
        super().__init__(surface)
        self.surface = surface
        self.dialog: DrawDataDialog | None = None
        self.act = surface.add_action("Draw 2D data\u2026", self.open, ["Ctrl+D"],
                                      "paint your own 2D distribution with the mouse, then train on it",
                                      place="file:data")

    def open(self) -> DrawDataDialog:
        if self.dialog is None:
            self.dialog = DrawDataDialog(self.surface.dialog_parent, use=self.use, tell=self.surface.tell)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def use(self, path: str) -> bool:
        """Train on the saved drawing, as on a dropped file: checked first, told in one line when it cannot be."""
        message = problem(path, self.surface.session.values["n_data"])
        if message is not None:
            self.surface.tell("input", message)
            return False
        self.surface.train_on(path)
        return True
