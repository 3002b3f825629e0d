"""A QThread relaying the training process's messages (process/protocol.py) to the window's thread.

The window's thread never waits on the training process. Only the newest Frame is kept: if the
window falls behind, an older frame is dropped and what it carried that the newer one does not
repeat (log rows, timeline news) is merged into the newer (Frame.merge_older).
"""
from __future__ import annotations

import queue
import threading

from PySide6 import QtCore

from ..process import protocol as p

POLL_S = 0.1  # a dead trainer is noticed within this (plus is_alive's cost): well under 1 s


class Bridge(QtCore.QThread):
    frame_ready = QtCore.Signal()      # a new frame is waiting: call take()
    message = QtCore.Signal(object)    # any other message, as it came
    died = QtCore.Signal(object)       # the process's exit code

    def __init__(self, handle, parent=None):
        super().__init__(parent)
        self.handle = handle
        self._lock = threading.Lock()
        self._pending: p.Frame | None = None
        self._stop = threading.Event()

    def take(self) -> p.Frame | None:
        with self._lock:
            frame, self._pending = self._pending, None
            return frame

    def stop(self) -> None:
        self._stop.set()
        self.wait(2000)

    def _keep(self, frame: p.Frame) -> None:
        with self._lock:
            old = self._pending
            if old is not None:
                frame.merge_older(old)
            self._pending = frame
        if old is None:
            self.frame_ready.emit()

    def run(self) -> None:
        out_q, proc = self.handle.out_q, self.handle.process
        while not self._stop.is_set():
            try:
                msg = out_q.get(timeout=POLL_S)
            except queue.Empty:
                if not proc.is_alive():
                    self.died.emit(proc.exitcode)
                    return
                continue
            except (EOFError, OSError, ValueError):  # the pipe broke: the process is gone
                proc.join(0.2)
                self.died.emit(proc.exitcode)
                return
            if isinstance(msg, p.Frame):
                self._keep(msg)
            else:
                self.message.emit(msg)
