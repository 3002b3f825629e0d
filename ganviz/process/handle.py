"""The training process seen from the window: start it, send it commands, stop it.

Qt-free and torch-free: the window's interpreter imports neither torch nor the trainer (the
process is started with 'spawn', a clean interpreter, and imports them itself). Commands go into
a queue written by a background feeder thread, so sending never blocks the window.
"""
from __future__ import annotations

import multiprocessing as mp
import os

from . import protocol as p

# One BLAS thread in the trainer (which inherits these at spawn): torch is told so there, and
# numpy's OpenBLAS threads would spin on the core the window draws with.
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _main(*args) -> None:
    from .worker import main  # in the child only: it imports torch
    main(*args)


class WorkerHandle:
    """One training process. Started at construction; send(...)* ; stop(). Never leaves the child behind."""

    def __init__(self, configs: list[dict]):
        for key in SINGLE_THREAD_ENV:
            os.environ.setdefault(key, "1")
        ctx = mp.get_context("spawn")
        self.cmd_q, self.out_q = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=_main, args=(self.cmd_q, self.out_q, tuple(configs), os.getpid()),
                                   name="ganviz-trainer", daemon=True)
        self.process.start()
        self.sent = 0  # commands sent; frames say how many the worker has handled

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, cmd) -> None:
        if self.process.exitcode is not None:
            return  # dead: the bridge has reported it; Reset starts a fresh process
        try:
            self.cmd_q.put(cmd)
            self.sent += 1
        except (ValueError, OSError):  # the queue was closed under us: the worker is going away
            pass

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the worker to quit; terminate, then kill it if it has not gone within timeout."""
        proc = self.process
        if proc.exitcode is None:
            self.send(p.Quit())
            proc.join(timeout)
        if proc.exitcode is None:
            proc.terminate()
            proc.join(0.5)
        if proc.exitcode is None:
            proc.kill()
            proc.join(0.5)
        for q in (self.cmd_q, self.out_q):
            q.cancel_join_thread()  # never block interpreter exit on a queue nobody reads
            q.close()
