"""The GUI's side of the worker: the child process's handle, and a QThread relaying its messages.

The GUI thread never waits on the worker: commands go into a queue (a background feeder thread
writes them), and messages come back through Bridge's signals. Only the newest snapshot is kept;
if the GUI falls behind, an older one is dropped (its new curve rows are carried into the newer).
"""
from __future__ import annotations

import os
import queue
import threading
import time

from PySide6 import QtCore

from .. import worker

POLL_S = 0.1  # a dead worker is noticed within this (plus is_alive's cost): well under 1 s
# One BLAS thread in the worker (which inherits these at spawn): torch is already told so, and
# numpy's OpenBLAS threads would spin on the core the window draws with.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerHandle:
    """One training process. start() -> send(...)* -> stop(); never leaves the child behind."""

    def __init__(self, cfg_dict: dict):
        for key in SINGLE_THREAD_ENV:
            os.environ.setdefault(key, "1")
        self.process, self.cmd_q, self.out_q = worker.start(cfg_dict)
        self.sent = 0  # commands sent; snapshots say how many the worker has handled
        self.started_at = time.perf_counter()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, *cmd) -> None:
        if self.process.exitcode is not None:
            return  # dead: the bridge has reported it; Reset starts a fresh process
        try:
            self.cmd_q.put(cmd)
            self.sent += 1
        except (ValueError, OSError):  # the queue was closed under us: the worker is going away
            pass

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the worker to quit; terminate, then kill it if it has not gone within timeout."""
        p = self.process
        if p.exitcode is None:
            self.send("quit")
            p.join(timeout)
        if p.exitcode is None:
            p.terminate()
            p.join(0.5)
        if p.exitcode is None:
            p.kill()
            p.join(0.5)
        for q in (self.cmd_q, self.out_q):
            q.cancel_join_thread()  # never block interpreter exit on a queue nobody reads
            q.close()


class Bridge(QtCore.QThread):
    snapshot = QtCore.Signal()             # a new snapshot is waiting: call take()
    changed = QtCore.Signal(dict, int)     # {key: [old, new]}, step
    error = QtCore.Signal(str, str)        # kind ("input" | "diverged" | "crash"), message
    saved = QtCore.Signal(str)
    loaded = QtCore.Signal(str, dict)
    died = QtCore.Signal(object)           # exit code
    phases = QtCore.Signal(list)           # slow motion: one snapshot per phase of an iteration

    def __init__(self, handle: WorkerHandle, parent=None):
        super().__init__(parent)
        self.handle = handle
        self._lock = threading.Lock()
        self._pending: dict | None = None
        self._stop = threading.Event()

    def take(self) -> dict | None:
        with self._lock:
            snap, self._pending = self._pending, None
            return snap

    def stop(self) -> None:
        self._stop.set()
        self.wait(2000)

    def _keep(self, snap: dict) -> None:
        with self._lock:
            old = self._pending
            if old is not None and not snap.get("first_rows"):
                snap["rows"] = old.get("rows", []) + snap.get("rows", [])
                snap["changes"] = old.get("changes", []) + snap.get("changes", [])
                snap["first_rows"] = old.get("first_rows", False)
                snap["dropped"] = old.get("dropped", 0) + 1
                for key in ("timeline", "branch_from"):  # sent once: never lost with a dropped frame
                    if key in old and key not in snap:
                        snap[key] = old[key]
            self._pending = snap
        if old is None:
            self.snapshot.emit()

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
            except (EOFError, OSError, ValueError):  # the pipe broke: the worker is gone
                proc.join(0.2)
                self.died.emit(proc.exitcode)
                return
            kind = msg[0]
            if kind == "snapshot":
                self._keep(msg[1])
            elif kind == "changed":
                self.changed.emit(msg[1], int(msg[2]))
            elif kind == "error":
                self.error.emit(str(msg[1]), str(msg[2]))
            elif kind == "saved":
                self.saved.emit(str(msg[1]))
            elif kind == "loaded":
                self.loaded.emit(str(msg[1]), dict(msg[2]))
            elif kind == "phases":
                self.phases.emit(list(msg[1]))
