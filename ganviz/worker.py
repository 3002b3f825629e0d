"""The training process: commands in, snapshots out. Qt-free, so the GUI's interpreter never trains.

Commands (tuples on the command queue):
    ("reset", cfg_dict)           new Trainer from this config (same seed: the same run again)
    ("play",) / ("pause",)
    ("step", "both" | "d" | "g")  one iteration, or a lone D or G update (while paused)
    ("set", {key: value})         live settings, applied from the next step
    ("view", {"arrows": bool, "manifold": bool})  optional overlays the views want computed
    ("speed", steps_per_s)        0 = as fast as the machine goes; small numbers for slow demos
    ("phases",)                   slow motion: one iteration in phases (see slowmotion.py)
    ("stage", id, stage_dict)     a tour stage (core/tour.py): its settings, then its updates played, then pause
    ("frame_done",)               the GUI drew a snapshot: one more may be sent (flow control)
    ("save", path) / ("load", path)
    ("restore", step)             back to the kept state nearest step (paused); playing on branches from it
    ("quit",)
Messages out (tuples on the snapshot queue):
    ("snapshot", dict)            see core/snapshot.py, plus playing, rows, changes, steps_per_s;
                                  timeline (kept steps, when changed), branch_from (after a restore),
                                  stage: [id, updates left] while a tour stage plays or has just ended
    ("changed", {key: [old, new]}, step)
    ("phases", [snapshot, ...])   one snapshot per phase of a slow-motion iteration
    ("error", kind, message)      kind: "diverged" (training paused), "input", "crash"
    ("saved", path) / ("loaded", path, cfg_dict)

Snapshots are computed only when the GUI has drawn the previous one (one credit in flight),
so a slow GUI costs the trainer nothing and the GUI always draws the newest state.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import queue
import time
import traceback
from typing import Any

SNAPSHOT_MIN_INTERVAL = 1 / 40  # 40 frames/s look smooth for plots; faster only costs training time
SNAPSHOT_BUDGET = 0.12          # while playing, snapshots may take at most this share of the time,
SNAPSHOT_MAX_INTERVAL = 0.1    # but one is due every 0.1 s: grid25's 256x3 nets (snapshots ~25 ms)
                                # then draw 8.4 frames/s instead of 4.2, for 9% fewer steps/s
CHUNK_SECONDS = 0.015           # train this long between looks at the command queue
PARENT_CHECK_S = 0.5            # how often the worker checks that the window's process still exists
KEEP_STEPS, KEEP_S = 50, 2.0    # timeline: keep a state every 50 steps or 2 s of play, whichever is rarer


class Worker:
    def __init__(self, cmd_q, out_q, cfg_dict: dict, parent_pid: int | None = None):
        import torch
        torch.set_num_threads(1)  # the GUI needs the other core; 2 threads here ran slower in total
        self.cmd_q, self.out_q = cmd_q, out_q
        self.playing, self.running = False, True
        self.credit, self.dirty = 1, True
        self.view = {"arrows": False, "manifold": False}
        self.speed = 0.0
        self.last_snap = 0.0
        self.snap_cost = 0.0  # seconds per snapshot (moving average): paces snapshots while playing
        self.rate_t0, self.rate_n, self.steps_per_s = time.perf_counter(), 0, 0.0
        self.trainer = self.maker = None
        # The window's pid as the window gave it: asking getppid() here would be too late when the
        # window died while this process was still importing torch (it would answer init's pid).
        self.parent_pid = os.getppid() if parent_pid is None else parent_pid
        self.parent_checked = 0.0  # the first look comes at once: the window may be gone already
        self.orphaned = False
        self.stage: list | None = None  # [id, run, updates left] of the tour stage being played
        self.handled = 0  # commands handled: a snapshot tells the GUI which of its commands it reflects
        self.run_id = 0   # a new trainer (reset, load): the GUI starts its views afresh
        self._reset(cfg_dict)

    # ------------------------------------------------------------------ commands
    def _reset(self, cfg_dict: dict) -> None:
        from .core.config import from_dict
        from .core.snapshot import SnapshotMaker
        from .core.trainer import Trainer
        self.playing = False
        self.trainer = Trainer(from_dict(cfg_dict))
        self.maker = SnapshotMaker(self.trainer)
        self.rows_sent = self.changes_sent = self.snaps_made = 0
        self.run_id += 1
        self.dirty = True
        self._new_timeline()

    def _new_timeline(self) -> None:
        """A new trainer (reset, load): its timeline starts with its first state, kept by _keep_first."""
        from .core.timeline import Timeline
        self.timeline, self.timeline_sent, self.branch_from = Timeline(), None, None
        self.last_keep = time.perf_counter()

    def _keep_first(self) -> None:
        """Keep the run's first state, before anything changes it.

        Not in _reset: keeping a state builds the optimisers, and the first torch optimiser of a
        process imports torch._dynamo (about a second); the window's first picture comes first.
        """
        if not self.timeline.kept:
            self.timeline.keep(self.trainer)
            self.last_keep = time.perf_counter()
            self.dirty = True  # the next snapshot carries the timeline bar's first mark
            # Start-up's objects (torch, scipy: ~320,000) stay out of later collections: a full
            # collection of them freezes training for ~300 ms (docs/performance.md).
            gc.collect()
            gc.freeze()

    def _maybe_keep(self) -> None:
        t, steps = self.trainer, self.timeline.steps()
        if (self.playing and t.step_count - (steps[-1] if steps else -KEEP_STEPS) >= KEEP_STEPS
                and time.perf_counter() - self.last_keep >= KEEP_S):
            self.timeline.keep(t)
            self.last_keep = time.perf_counter()

    def handle(self, cmd: tuple) -> None:
        from .core.errors import DivergedError, GanvizError
        name, args = cmd[0], cmd[1:]
        self.handled += 1
        try:
            if name in ("step", "set", "phases", "restore", "save", "stage"):
                self._keep_first()
            if name not in ("frame_done", "view", "speed", "set", "save"):
                self.stage = None  # the user took over: the tour stage is over
            if name == "quit":
                self.running = False
            elif name == "frame_done":
                self.credit = 1
            elif name == "play":
                self.playing = True
                self.rate_t0, self.rate_n = time.perf_counter(), 0
            elif name == "pause":
                self.playing = False
                self.dirty = True
            elif name == "step":
                self.playing = False
                if args[0] == "both":
                    self.trainer.step()
                else:
                    self.trainer.single(args[0])
                self.dirty = True
            elif name == "set":
                changed = self.trainer.set(**args[0])
                self.out_q.put(("changed", {k: list(v) for k, v in changed.items()}, self.trainer.step_count))
                self.dirty = True
            elif name == "reset":
                self._reset(args[0])
            elif name == "stage":
                from .core.tour import Stage
                stage = Stage.from_dict(args[1])
                if stage.settings:
                    changed = self.trainer.set(**stage.settings)
                    self.out_q.put(("changed", {k: list(v) for k, v in changed.items()}, self.trainer.step_count))
                self.stage = [args[0], stage.run, stage.steps]
                self.playing = stage.steps > 0
                self.rate_t0, self.rate_n = time.perf_counter(), 0
                self.dirty = True
            elif name == "view":
                self.view.update(args[0])
                self.dirty = True
            elif name == "speed":
                self.speed = float(args[0])
            elif name == "phases":  # slow motion: one iteration, a snapshot after each phase
                self.playing = False
                self.out_q.put(("phases", self._phase_snapshots()))
            elif name == "restore":  # the curves are cut there; rows not yet sent up to there still go
                self.playing = False
                self.branch_from = self.timeline.restore(self.trainer, int(args[0]))
                self.rows_sent = min(self.rows_sent, len(self.trainer.log))
                self.changes_sent = min(self.changes_sent, len(self.trainer.changes))
                self.last_keep = time.perf_counter()
                self.dirty = True
            elif name == "save":
                from .core.checkpoint import save
                save(args[0], self.trainer)
                self.out_q.put(("saved", str(args[0])))
            elif name == "load":
                from .core.checkpoint import load_trainer
                from .core.snapshot import SnapshotMaker
                self.playing = False
                self.trainer = load_trainer(args[0])
                self.maker = SnapshotMaker(self.trainer)
                self.rows_sent = self.changes_sent = self.snaps_made = 0
                self.run_id += 1
                self.dirty = True
                self._new_timeline()
                self.out_q.put(("loaded", str(args[0]), self.trainer.cfg.to_dict()))
        except DivergedError as err:
            self.playing = False
            self.dirty = True
            self.out_q.put(("error", "diverged", str(err)))
        except GanvizError as err:
            self.out_q.put(("error", "input", str(err)))
        except Exception as err:  # a bug: report it, stay alive and paused so the window keeps working
            self.playing = False
            self.out_q.put(("error", "crash", f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))

    # ------------------------------------------------------------------ loop
    def train_chunk(self) -> None:
        from .core.errors import DivergedError
        from .core.tour import advance
        self._keep_first()
        t, end = self.trainer, time.perf_counter() + CHUNK_SECONDS
        if self.credit:  # stop when the next frame is due, so frames keep their pace
            end = min(end, self.last_snap + self._snap_interval())
        try:
            first = True
            while first or time.perf_counter() < end:  # at least one step, so a due frame has news
                first = False
                if self.speed > 0:
                    wait = self.rate_t0 + (self.rate_n + 1) / self.speed - time.perf_counter()
                    if wait > 0:
                        time.sleep(min(wait, CHUNK_SECONDS))
                        break
                if not self.credit and not self.cmd_q.empty():
                    break  # the GUI may be asking for a frame: answer now, not at the chunk's end
                if self.stage is None:
                    t.step()
                else:
                    advance(t, self.stage[1])
                    self.stage[2] -= 1
                self.rate_n += 1
                self.dirty = True
                if self.stage is not None:
                    if self.stage[2] <= 0:  # the stage is played: pause until the tour's next one
                        self.playing = False
                        break
                elif t.step_count == t.cfg.steps:  # a preset's run is complete: pause, Play continues
                    self.playing = False
                    break
        except DivergedError as err:
            self.playing, self.stage = False, None
            self.dirty = True
            self.out_q.put(("error", "diverged", str(err)))
        elapsed = time.perf_counter() - self.rate_t0
        if elapsed > 0.5:
            self.steps_per_s = self.rate_n / elapsed
            self.rate_t0, self.rate_n = time.perf_counter(), 0

    def _snap_interval(self) -> float:
        if not self.playing:
            return SNAPSHOT_MIN_INTERVAL
        return min(max(SNAPSHOT_MIN_INTERVAL, self.snap_cost / SNAPSHOT_BUDGET), SNAPSHOT_MAX_INTERVAL)

    def maybe_snapshot(self) -> None:
        now = time.perf_counter()
        if not (self.credit and self.dirty and now - self.last_snap >= self._snap_interval()):
            return
        t = self.trainer
        self._maybe_keep()  # at a frame's step: the GUI has seen each kept state
        # While playing, D's 2D map every other frame (snapshot.py); a paused or stepped picture is whole.
        snap = self.maker.make(**self.view, heat=not self.playing or self.snaps_made % 2 == 0)
        cost = time.perf_counter() - now
        if self.snaps_made:  # a run's first snapshot pays for imports and caches: not a measure
            self.snap_cost = cost if not self.snap_cost else 0.8 * self.snap_cost + 0.2 * min(cost, 4 * self.snap_cost)
        self.snaps_made += 1
        snap["stats"] = t.stats()
        snap["rows"] = t.log[self.rows_sent:]
        snap["changes"] = t.changes[self.changes_sent:]
        snap["first_rows"] = self.rows_sent == 0
        self.rows_sent, self.changes_sent = len(t.log), len(t.changes)
        snap.update(playing=self.playing, steps_per_s=self.steps_per_s if self.playing else 0.0,
                    target_steps=t.cfg.steps, sent_at=time.time(), handled=self.handled,
                    run=self.run_id)
        if self.stage is not None:
            snap["stage"] = [self.stage[0], self.stage[2]]
            if self.stage[2] <= 0:
                self.stage = None  # its end is told once
        steps = self.timeline.steps()
        if steps != self.timeline_sent:
            snap["timeline"] = self.timeline_sent = steps
        if self.branch_from is not None:
            snap["branch_from"], self.branch_from = self.branch_from, None
            snap["first_rows"] = False  # the GUI cuts its curves there; it must not clear them
        self.out_q.put(("snapshot", snap))
        self.credit, self.dirty, self.last_snap = 0, False, now

    def _phase_snapshots(self) -> list[dict]:
        from .slowmotion import phase_snapshots
        t = self.trainer
        snaps = phase_snapshots(t, self.maker, self.view)
        for snap in snaps:
            snap.update(stats=t.stats(), rows=[], changes=[], first_rows=False, playing=False, steps_per_s=0.0,
                        target_steps=t.cfg.steps, sent_at=time.time(), handled=self.handled, run=self.run_id)
        snaps[-1].update(rows=t.log[self.rows_sent:], changes=t.changes[self.changes_sent:],
                         first_rows=self.rows_sent == 0)
        self.rows_sent, self.changes_sent = len(t.log), len(t.changes)
        return snaps

    def _orphaned(self) -> bool:
        """The window's process is gone (killed, crashed): nobody will ever send quit.

        A killed parent cannot stop its children, and a trainer left playing would hold a core
        until the machine restarts; so the worker looks for its parent twice a second.
        """
        now = time.perf_counter()
        if now - self.parent_checked < PARENT_CHECK_S:
            return False
        self.parent_checked = now
        return os.getppid() != self.parent_pid

    def loop(self) -> None:
        while self.running:
            if self._orphaned():
                self.orphaned = True
                break
            block = not self.playing and not (self.dirty and self.credit)
            try:
                cmd = self.cmd_q.get(timeout=0.05) if block else self.cmd_q.get_nowait()
                self.handle(cmd)
                continue  # drain every waiting command before training on
            except queue.Empty:
                pass
            if self.playing:
                self.train_chunk()
            self.maybe_snapshot()
            if self.snaps_made:
                self._keep_first()  # the first picture is out: get ready for the first step


def worker_main(cmd_q, out_q, cfg_dict: dict, parent_pid: int | None = None) -> None:
    """Entry point of the child process."""
    worker = None
    try:
        worker = Worker(cmd_q, out_q, cfg_dict, parent_pid)
        worker.loop()
    except Exception as err:  # a bug, not a user's mistake: report it rather than die silently
        from .core.errors import GanvizError
        kind = "input" if isinstance(err, GanvizError) else "crash"
        msg = str(err) if kind == "input" else f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
        out_q.put(("error", kind, msg))
    finally:
        if worker is not None and worker.orphaned:
            # Nobody reads the pipe or waits for this process: skip the interpreter's teardown, which
            # took seconds (multiprocessing's exit handlers on a pipe nobody reads). Nothing is left
            # half-written: saving is synchronous and atomic (core/fileio.py).
            os._exit(0)
        out_q.close()
        out_q.join_thread()


def start(cfg_dict: dict) -> tuple[Any, Any, Any]:
    """Start a worker process ('spawn': a clean interpreter, no Qt state copied). Returns (process, cmd_q, out_q)."""
    ctx = mp.get_context("spawn")
    cmd_q, out_q = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=worker_main, args=(cmd_q, out_q, cfg_dict, os.getpid()), name="ganviz-trainer",
                       daemon=True)
    proc.start()
    return proc, cmd_q, out_q
