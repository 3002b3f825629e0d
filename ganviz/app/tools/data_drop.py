"""Drag a data file (CSV, NPY/NPZ, IDX, a folder of images) onto the window to train on it.

The file is read here first (numpy only, no unpickling): a file that cannot be used is a one-line
message and the current run goes on untouched; a good one becomes the data setting and the run
restarts on it, as Open data does.
"""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

from ...core.errors import GanvizError


def dropped_path(mime) -> str | None:
    """The one local file or folder in a drop, else None."""
    if not mime.hasUrls():
        return None
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return paths[0] if len(paths) == 1 else None


class DataDrop(QtCore.QObject):
    accepted = QtCore.Signal(str)   # a path became the data setting
    rejected = QtCore.Signal(str)   # the message the user saw

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        win.setAcceptDrops(True)
        win.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            if dropped_path(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif t == QtCore.QEvent.Type.Drop:
            path = dropped_path(event.mimeData())
            if path:
                event.acceptProposedAction()
                self.use(path)
                return True
        return False

    def check(self, path: str) -> None:
        """Raise a GanvizError with a user's message when the file cannot be trained on."""
        from ...core.data import load
        if not Path(path).exists():
            raise GanvizError(f"'{path}' does not exist")
        load(path, n=self.win.session.values["n_data"])  # read as training reads it (resizing cannot fail)

    def use(self, path: str) -> bool:
        try:
            self.check(path)
        except GanvizError as err:
            self._reject(f"cannot train on '{Path(path).name}': {err}")
            return False
        except Exception as err:  # an unreadable file of any other sort: still the user's file, not a bug
            self._reject(f"cannot train on '{Path(path).name}': {type(err).__name__}: {err}")
            return False
        win = self.win
        win.session.edit("data", path)
        win.reset()
        win.statusBar().showMessage(f"training on {path}", 6000)
        self.accepted.emit(path)
        return True

    def _reject(self, message: str) -> None:
        message = " ".join(message.split())  # one line
        self.rejected.emit(message)
        self.win.tell("input", message)
