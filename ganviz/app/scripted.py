"""`ganviz gui --run-for SECONDS [--screenshot FILE.png]`: play, picture, one JSON line, exit.

For docs, slides, tests and speed measurements. The JSON line is the last line on stdout:
steps, frames, steps_per_s (training speed while the window drew), frames_per_s,
frame_ms_p50/p95/max (applying one snapshot to the views and the paint it causes, PaintClock),
draw_ms_p50/p95 (applying it alone), first_frame_s (from the window's start to the end of the
first frame's paint) and first_frame_at (that moment by the wall clock, time.time(): a caller
that launched the process subtracts its own launch time), and CPU seconds of the trainer and the
window while playing (on a busy machine, steps per trainer CPU second compares with a headless
run more fairly than steps per second).
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np
import psutil
from PySide6 import QtCore, QtWidgets

from ..core.errors import GanvizError
from .window import MainWindow, save_png

FIRST_FRAME_TIMEOUT_S = 60.0


class PaintClock(QtCore.QObject):
    """Frame times that include the paint: a view's setData only marks it dirty, Qt paints later.

    Marking a widget dirty posts an UpdateRequest to its top-level window, whose handling paints
    every dirty widget. The clock delivers that event itself, to time it, and charges the wait
    and the paint to the frame drawn before it: a frame lasts from the start of applying the
    snapshot to the end of the paint that shows it. Paints of no frame (a label, a hover) are
    left to Qt and not counted, nor is a frame drawn over by the next before it was painted.
    """

    def __init__(self, win: QtWidgets.QWidget):
        super().__init__(win)
        self.frame_ms: list[float] = []
        self.first_at: float | None = None    # time.time() at the end of the first frame's paint
        self.first_perf: float | None = None  # the same moment by perf_counter
        self._drawn: tuple[float, float] | None = None  # (ms spent drawing, perf_counter when done)
        win.installEventFilter(self)

    def drawn(self, draw_ms: float) -> None:
        """A frame was applied to the views and took draw_ms; its paint comes next."""
        self._drawn = (draw_ms, time.perf_counter())

    def eventFilter(self, obj, event) -> bool:
        if self._drawn is None or event.type() != QtCore.QEvent.Type.UpdateRequest:
            return False
        draw_ms, t = self._drawn
        self._drawn = None
        obj.event(event)  # the paint, now (filters do not see a direct call)
        now = time.perf_counter()
        self.frame_ms.append(draw_ms + (now - t) * 1000)
        if self.first_at is None:
            self.first_at, self.first_perf = time.time(), now
        return True


class ScriptedRun(QtCore.QObject):
    """walk=N: instead of playing, walk through the preset's tour up to stage N (1-based), then
    take the picture; run_for is then the most time it may take."""

    def __init__(self, win: MainWindow, run_for: float, screenshot: str | None, walk: int | None = None):
        super().__init__(win)
        self.win, self.run_for, self.screenshot = win, max(0.0, float(run_for)), screenshot
        self.walk = walk
        self.rc = 0
        self.cpu0 = self.cpu1 = (float("nan"), float("nan"))
        self.error: str | None = None
        self.t_play = self.step0 = None
        self.t_step = None      # when the step counter last moved
        self.step_last = 0
        self.frames = 0
        self.draw_ms: list[float] = []
        self.clock = PaintClock(win)
        self.diverged = False
        self.done = False
        win.frame_drawn.connect(self._frame)
        win.session.problem.connect(self._problem)
        QtCore.QTimer.singleShot(int(FIRST_FRAME_TIMEOUT_S * 1000), self._first_frame_timeout)

    def _frame(self, frame) -> None:
        now = time.perf_counter()
        self.clock.drawn(self.win.frame_ms[-1])
        if self.t_play is None:
            self.t_play, self.step0 = now, frame.step
            self.t_step, self.step_last = now, frame.step
            self.cpu0 = self._cpu()
            if self.walk:
                self.win.lecture.walkthrough.stage_done.connect(self._stage_done)
                self.win.lecture.walkthrough.start()
            else:
                self.win.session.set_playing(True)
            QtCore.QTimer.singleShot(int(self.run_for * 1000), self.finish)
            return
        self.frames += 1
        self.draw_ms.append(self.win.frame_ms[-1])
        if frame.step != self.step_last:
            self.t_step, self.step_last = now, frame.step

    def _stage_done(self, index: int) -> None:
        if index + 1 < self.walk:
            self.win.lecture.walkthrough.next()
        else:
            QtCore.QTimer.singleShot(300, self.finish)  # a last frame or two: the stage's final state

    def _cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by (the trainer process, this process)."""
        def used(p) -> float:
            t = p.cpu_times()
            return t.user + t.system
        try:
            worker = used(psutil.Process(self.win.session.handle.pid))
        except (psutil.Error, AttributeError):
            worker = float("nan")
        return worker, used(psutil.Process())

    def _problem(self, kind: str, message: str) -> None:
        if kind == "diverged":
            self.diverged = True
            return
        sys.stderr.write(f"ganviz: {message.splitlines()[0] if message else kind}\n")
        self.error = message
        self.rc = 2 if kind == "input" else 1
        if self.t_play is None or kind != "input":
            self.finish()

    def _first_frame_timeout(self) -> None:
        if self.t_play is None and not self.done:
            sys.stderr.write(f"ganviz: no picture from the trainer within {FIRST_FRAME_TIMEOUT_S:.0f} s\n")
            self.rc = 1
            self.finish()

    def summary(self) -> dict:
        ms = np.array(self.clock.frame_ms[1:] or [0.0])  # the first frame's paint is the window's first show
        draw = np.array(self.draw_ms or [0.0])
        first = self.clock.first_perf
        elapsed = (self.t_step - self.t_play) if self.t_play is not None else 0.0
        steps = self.step_last - (self.step0 or 0)
        last = self.win.session.last
        return {
            "preset": self.win.session.preset.name, "runs": self.win.session.n_runs,
            "steps": int(self.step_last), "frames": self.frames,
            "seconds": self.run_for,
            "steps_per_s": round(steps / elapsed, 1) if elapsed > 0 else 0.0,
            "worker_steps_per_s": round(float(last.steps_per_s if last is not None else 0.0), 1),
            "frames_per_s": round(self.frames / self.run_for, 1) if self.run_for else 0.0,
            "frame_ms_p50": round(float(np.percentile(ms, 50)), 2),
            "frame_ms_p95": round(float(np.percentile(ms, 95)), 2),
            "frame_ms_max": round(float(ms.max()), 2),
            "draw_ms_p50": round(float(np.percentile(draw, 50)), 2),
            "draw_ms_p95": round(float(np.percentile(draw, 95)), 2),
            "first_frame_s": None if first is None else round(first - self.win.t0, 3),
            "first_frame_at": self.clock.first_at,
            "trainer_cpu_s": round(self.cpu1[0] - self.cpu0[0], 2),
            "window_cpu_s": round(self.cpu1[1] - self.cpu0[1], 2),
            "steps_per_trainer_cpu_s": round(steps / (self.cpu1[0] - self.cpu0[0]), 1)
            if self.cpu1[0] - self.cpu0[0] > 0 else None,
            "diverged": self.diverged, "screenshot": self.screenshot,
        }

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self.t_play is not None:
            self.cpu1 = self._cpu()
        if self.screenshot and self.rc == 0:
            try:
                save_png(self.win.grab(), self.screenshot)
            except GanvizError as err:
                sys.stderr.write(f"ganviz: {err}\n")
                self.rc = 2
        out = self.summary()
        sys.stdout.flush()
        print(json.dumps(out), flush=True)
        self.win.close()
        QtWidgets.QApplication.instance().exit(self.rc)
