"""Drag a data file (CSV, NPY/NPZ, IDX, a folder of images) onto the window to train on it.

The file is read first (lecture/data_file.py): a file that cannot be used is a one-line message and the
current run goes on untouched; a good one becomes the data setting and the run restarts on it, as Open
data does.
"""
from __future__ import annotations

from PySide6 import QtCore

from ...lecture.data_file import problem


def dropped_path(mime) -> str | None:
    """The one local file or folder in a drop, else None."""
    if not mime.hasUrls():
        return None
    paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    return paths[0] if len(paths) == 1 else None


class DataDropTool(QtCore.QObject):
    accepted = QtCore.Signal(str)   # a path became the data setting
    rejected = QtCore.Signal(str)   # the message the user saw

    def __init__(self, surface):
        super().__init__(surface)
        self.surface = surface
        surface.accept_drops(self)

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

    def use(self, path: str) -> bool:
        """Train on the file, or tell the user in one line why not (and go on with the run as it is)."""
        message = problem(path, self.surface.session.values["n_data"])
        if message is not None:
            self.rejected.emit(message)
            self.surface.tell("input", message)
            return False
        self.surface.train_on(path)
        self.accepted.emit(path)
        return True
