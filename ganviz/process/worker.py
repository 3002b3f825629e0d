"""The training process: commands in (protocol.py), frames out. Qt-free: the window's interpreter
never trains, and never waits for this process.

Each command type has one handler (Worker.HANDLERS). Between commands the worker trains in
short chunks while playing and sends a Frame when the window has drawn the last one (one frame
in flight), so a slow window costs training nothing and always draws the newest state.
"""
from __future__ import annotations

import gc
import os
import queue
import time
import traceback
from dataclasses import dataclass

from ..core import checkpoint, tour
from ..core.config import from_dict
from ..core.device import describe, training_process
from ..core.driver import OWN_STEPS, Driver, Progress, Stop
from ..core.errors import DivergedError, GanvizError
from ..core.population import Population
from ..core.snapshot import SnapshotMaker
from ..core.timeline import Timeline
from . import protocol as p
from .phases import phase_pictures


@dataclass(frozen=True)
class Pacing:
    """How the training process shares its time between training and pictures."""
    min_interval: float = 1 / 40    # s between frames at most 40 frames/s: smooth for plots; more costs training
    budget: float = 0.10            # while playing, pictures may take this share of the time...
    max_interval: float = 0.1       # ...but one is due every 0.1 s, however costly (large nets still move)
    chunk: float = 0.015            # s of training between looks at the command queue
    parent_check: float = 0.5       # s between checks that the window's process still exists
    keep_steps: int = 50            # the timeline keeps a state every keep_steps steps or keep_s seconds
    keep_s: float = 2.0             # of play, whichever is rarer


PACING = Pacing()
KEEPS_FIRST = (p.Step, p.Set, p.Phases, p.Restore, p.Save, p.PlayStage)  # the run's first state is kept before these
TOUR_SAFE = (p.FrameDone, p.View, p.Speed, p.Set, p.Save)  # commands that leave a playing tour stage alone


class Worker:
    def __init__(self, cmd_q, out_q, configs: tuple[dict, ...], parent_pid: int | None = None):
        training_process(1)  # one thread: the window needs the other core; 2 threads here ran slower in total
        self.cmd_q, self.out_q = cmd_q, out_q
        self.running = True
        self.credit, self.dirty = 1, True
        self.view = p.View()
        self.speed = 0.0
        self.last_snap = 0.0
        self.snap_cost = 0.0  # seconds per frame (moving average): paces frames while playing
        self.rate_t0, self.rate_n, self.steps_per_s = time.perf_counter(), 0, 0.0
        # The window's pid as the window gave it: asking getppid() here would be too late when the
        # window died while this process was still importing torch (it would answer init's pid).
        self.parent_pid = os.getppid() if parent_pid is None else parent_pid
        self.parent_checked = 0.0  # the first look comes at once: the window may be gone already
        self.orphaned = False
        self.driver: Driver | None = None  # what Play steps: the run to its steps, or a tour stage's updates
        self.stage: int | None = None      # the serial of the tour stage being played (its driver: self.driver)
        self.handled = 0      # commands handled: a frame tells the window which of its commands it reflects
        self.generation = 0   # a new population (reset, load): the window starts its views afresh
        self._start(Population([from_dict(c) for c in configs]))

    HANDLERS = {}  # command type -> method, filled in below the class

    # ------------------------------------------------------------------ a population
    def _start(self, pop: Population) -> None:
        self.playing, self.driver = False, None
        self.pop, self.maker = pop, SnapshotMaker(pop)
        self.classes_seen = False  # whether a picture made since the classifier was ready has gone out
        self.device = describe(pop.device)  # the status bar's name for it, asked of torch once
        self.rows_sent = [0] * len(pop)
        self.changes_sent = [0] * len(pop)
        self.snaps_made = 0
        self.generation += 1
        self.dirty = True
        self.timeline, self.timeline_sent, self.branch_from = Timeline(), None, None
        self.last_keep = time.perf_counter()
        self.out_q.put(p.Started(self.generation, [c.to_dict() for c in pop.cfgs]))

    def _keep_first(self) -> None:
        """Keep the population's first state, before anything changes it. Not at the start: the window's
        first picture comes first (keeping a state is quick, but it is work the picture need not wait for)."""
        if not self.timeline.kept:
            self.timeline.keep(self.pop)
            self.last_keep = time.perf_counter()
            self.dirty = True  # the next frame carries the timeline bar's first mark
            # Start-up's objects (torch, scipy: ~320,000) stay out of later collections: a full
            # collection of them freezes training for ~300 ms.
            gc.collect()
            gc.freeze()

    def _maybe_keep(self) -> None:
        steps, now = self.timeline.steps(), time.perf_counter()
        if (self.playing and self.pop.step_count - (steps[-1] if steps else -PACING.keep_steps) >= PACING.keep_steps
                and now - self.last_keep >= PACING.keep_s):
            self.timeline.keep(self.pop)
            self.last_keep = now

    # ------------------------------------------------------------------ commands
    def handle(self, cmd) -> None:
        self.handled += 1
        try:
            if isinstance(cmd, KEEPS_FIRST):
                self._keep_first()
            if not isinstance(cmd, TOUR_SAFE):
                self.stage = None  # the user took over: the tour stage is over
            self.HANDLERS[type(cmd)](self, cmd)
        except DivergedError as err:
            self.playing = False
            self.dirty = True
            self.out_q.put(p.Error("diverged", str(err)))
        except GanvizError as err:
            self.out_q.put(p.Error("input", str(err)))
        except Exception as err:  # a bug: report it, stay alive and paused so the window keeps working
            self.playing = False
            self.out_q.put(p.Error("crash", f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))

    def on_quit(self, cmd: p.Quit) -> None:
        self.running = False

    def on_frame_done(self, cmd: p.FrameDone) -> None:
        self.credit = 1

    def on_play(self, cmd: p.Play) -> None:
        # To the run's steps; once there (a preset's run complete), Play goes on without a target.
        done = self.pop.step_count >= self.pop.cfg.steps
        self._play(Driver(self.pop, until=None if done else OWN_STEPS, progress=self._stepped))

    def _play(self, driver: Driver) -> None:
        self.playing, self.driver = True, driver
        self.rate_t0, self.rate_n = time.perf_counter(), 0

    def on_pause(self, cmd: p.Pause) -> None:
        self.playing = False
        self.dirty = True

    def on_step(self, cmd: p.Step) -> None:
        self.playing = False
        self.pop.step() if cmd.which == "both" else self.pop.single(cmd.which)
        self.dirty = True

    def on_set(self, cmd: p.Set) -> None:
        changed = self.pop.set(list(cmd.runs) if cmd.runs is not None else None, **cmd.values)
        self.out_q.put(p.Changed(changed, self.pop.step_count))
        self.dirty = True

    def on_reset(self, cmd: p.Reset) -> None:
        try:
            pop = Population([from_dict(c) for c in cmd.configs])
        except GanvizError:  # the runs kept go on; the window learns which they are, and why
            self.out_q.put(p.Started(self.generation, [c.to_dict() for c in self.pop.cfgs]))
            raise
        self._start(pop)

    def on_stage(self, cmd: p.PlayStage) -> None:
        stage = tour.Stage.from_dict(cmd.stage)
        if stage.settings:
            self.on_set(p.Set(stage.settings))
        self.stage, self.driver = cmd.serial, tour.stage_driver(self.pop, stage, self._stepped)
        if stage.steps > 0:
            self._play(self.driver)
        else:
            self.playing = False  # nothing to play: the next frame tells the window the stage is over
        self.dirty = True

    def on_view(self, cmd: p.View) -> None:
        self.view = cmd
        self.dirty = True

    def on_speed(self, cmd: p.Speed) -> None:
        self.speed = float(cmd.steps_per_s)

    def on_phases(self, cmd: p.Phases) -> None:
        self.playing = False
        frames = []
        for phase, pictures in phase_pictures(self.pop, self.maker, self._shown(), self._overlays()):
            frames.append(self._frame(pictures, phase=phase))
        self.out_q.put(p.PhaseFrames(frames))
        self.dirty = False

    def on_restore(self, cmd: p.Restore) -> None:
        """Back in time: the logs are cut there; rows not yet sent up to there still go."""
        self.playing = False
        self.branch_from = self.timeline.restore(self.pop, int(cmd.step))
        self.rows_sent = [min(n, len(log)) for n, log in zip(self.rows_sent, self.pop.logs)]
        self.changes_sent = [min(n, len(c)) for n, c in zip(self.changes_sent, self.pop.changes)]
        self.last_keep = time.perf_counter()
        self.dirty = True

    def on_save(self, cmd: p.Save) -> None:
        checkpoint.save(cmd.path, self.pop)
        self.out_q.put(p.Saved(str(cmd.path)))

    def on_load(self, cmd: p.Load) -> None:
        # on the device the window is set to now: a session saved on a GPU opens on a laptop too
        self._start(checkpoint.load_population(cmd.path, device=self.pop.cfg.device))
        self.out_q.put(p.Loaded(str(cmd.path)))

    # ------------------------------------------------------------------ training
    def train_chunk(self) -> None:
        """Step for a short slice of time (up to the next frame's time when the window awaits one), then
        look at the commands again. A stop pauses: the run's steps or the stage's updates are done."""
        self._keep_first()
        now = time.perf_counter()
        wait = self._speed_wait()
        if wait > 0:  # the next step is not due yet at the speed the window asked for
            time.sleep(min(wait, PACING.chunk))
        else:
            end = now + PACING.chunk
            if self.credit:  # stop when the next frame is due, so frames keep their pace
                end = min(end, self.last_snap + self._snap_interval())
            stop = self.driver.advance(max_seconds=end - now, hold=self._hold)  # at least one step, unless held
            if stop is not None:
                self.playing = False
                self.dirty = True
                if stop is Stop.DIVERGED:
                    self.stage = None
                    self.out_q.put(p.Error("diverged", str(self.driver.error)))
        elapsed = time.perf_counter() - self.rate_t0
        if elapsed > 0.5:
            self.steps_per_s = self.rate_n / elapsed
            self.rate_t0, self.rate_n = time.perf_counter(), 0

    def _stepped(self, progress: Progress) -> None:
        self.rate_n += 1
        self.dirty = True

    def _speed_wait(self) -> float:
        """Seconds until the next step is due at the speed the window asked for (0: due now, or no limit)."""
        if self.speed <= 0:
            return 0.0
        return self.rate_t0 + (self.rate_n + 1) / self.speed - time.perf_counter()

    def _hold(self) -> bool:
        """Hand control back before the next step: it is not due yet (a slow speed), or the window may be
        asking for a frame (answer now, not at the slice's end)."""
        return self._speed_wait() > 0 or (not self.credit and not self.cmd_q.empty())

    # ------------------------------------------------------------------ frames
    def _snap_interval(self) -> float:
        if not self.playing:
            return PACING.min_interval
        return min(max(PACING.min_interval, self.snap_cost / PACING.budget), PACING.max_interval)

    def _shown(self) -> list[int]:
        n = len(self.pop)
        return list(range(n)) if self.view.runs is None else [r for r in self.view.runs if r < n] or [0]

    def _overlays(self) -> dict:
        v = self.view
        return {"arrows": v.arrows, "manifold": v.manifold, "aspect": v.aspect, "compact": v.compact, "walk": v.walk}

    def _frame(self, pictures: dict, phase: p.Phase | None = None) -> p.Frame:
        pop = self.pop
        stats = {}
        for t, g in zip(pop.trainers, pop.groups):
            stats.update(zip(g, t.stat_rows()))
        frame = p.Frame(generation=self.generation, step=pop.step_count, target_steps=pop.cfg.steps,
                        playing=self.playing, steps_per_s=self.steps_per_s if self.playing else 0.0,
                        handled=self.handled, pictures=pictures, stats=stats, phase=phase, sent_at=time.time(),
                        device=self.device,
                        diverged={i: pop.diverged(i) for i in range(len(pop)) if pop.diverged(i) is not None})
        if phase is None or phase.index == phase.count - 1:  # a slow-motion iteration's rows come with its end
            for i, (log, changes) in enumerate(zip(pop.logs, pop.changes)):
                frame.rows[i], frame.rows_from[i] = log[self.rows_sent[i]:], self.rows_sent[i]
                frame.changes[i], frame.changes_from[i] = changes[self.changes_sent[i]:], self.changes_sent[i]
                self.rows_sent[i], self.changes_sent[i] = len(log), len(changes)
        return frame

    def maybe_send_frame(self) -> None:
        now = time.perf_counter()
        if not (self.credit and self.dirty and now - self.last_snap >= self._snap_interval()):
            return
        self._maybe_keep()  # at a frame's step: the window has seen each kept state
        # While playing, D's 2D map every other frame (snapshot.py); a paused or stepped picture is whole.
        pictures = self.maker.make(self._shown(), **self._overlays(),
                                   heat=not self.playing or self.maker.due(self.snaps_made))
        cost = time.perf_counter() - now
        if self.snaps_made:  # a population's first frame pays for imports and caches: not a measure
            self.snap_cost = cost if not self.snap_cost else 0.8 * self.snap_cost + 0.2 * min(cost, 4 * self.snap_cost)
        self.snaps_made += 1
        frame = self._frame(pictures)
        if self.stage is not None:
            frame.stage = (self.stage, self.driver.left)
            if self.driver.left <= 0:
                self.stage = None  # its end is told once
        steps = self.timeline.steps()
        if steps != self.timeline_sent:
            frame.timeline = self.timeline_sent = steps
        frame.branch_from, self.branch_from = self.branch_from, None
        self.out_q.put(frame)
        self.credit, self.dirty, self.last_snap = 0, False, now

    def _classes(self) -> None:
        """Labelled images: the classifier is read from the disk cache, or trained once per data set (seconds; a
        minute for 60,000 28 x 28 images) in a thread of its own at the lowest priority, so that frames and training
        go on meanwhile; the picture made when it is ready shows the classes."""
        maker = self.maker
        if maker.classifier is None:
            maker.prepare_classes(background=True)  # nothing for data without classes, or while the thread runs
        elif not self.classes_seen:
            self.classes_seen, self.dirty = True, True

    # ------------------------------------------------------------------ loop
    def _orphaned(self) -> bool:
        """The window's process is gone (killed, crashed): nobody will ever send Quit.

        A killed parent cannot stop its children, and a trainer left playing would hold a core
        until the machine restarts; so the worker looks for its parent twice a second.
        """
        now = time.perf_counter()
        if now - self.parent_checked < PACING.parent_check:
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
            self.maybe_send_frame()
            if self.snaps_made:
                self._keep_first()  # the first picture is out: get ready for the first step
                self._classes()


Worker.HANDLERS = {
    p.Quit: Worker.on_quit, p.FrameDone: Worker.on_frame_done, p.Play: Worker.on_play, p.Pause: Worker.on_pause,
    p.Step: Worker.on_step, p.Set: Worker.on_set, p.Reset: Worker.on_reset, p.PlayStage: Worker.on_stage,
    p.View: Worker.on_view, p.Speed: Worker.on_speed, p.Phases: Worker.on_phases, p.Restore: Worker.on_restore,
    p.Save: Worker.on_save, p.Load: Worker.on_load,
}


def main(cmd_q, out_q, configs: tuple[dict, ...], parent_pid: int | None = None) -> None:
    """Entry point of the training process (see handle.py, which starts it)."""
    worker = None
    try:
        worker = Worker(cmd_q, out_q, configs, parent_pid)
        worker.loop()
    except Exception as err:  # a bug, or a population that cannot be built: report it rather than die silently
        kind = "input" if isinstance(err, GanvizError) else "crash"
        msg = str(err) if kind == "input" else f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
        out_q.put(p.Error(kind, msg))
    finally:
        if worker is not None and worker.orphaned:
            # Nobody reads the pipe or waits for this process: skip the interpreter's teardown, which
            # took seconds (multiprocessing's exit handlers on a pipe nobody reads). Nothing is left
            # half-written: saving is synchronous and atomic (core/fileio.py).
            os._exit(0)
        out_q.close()
        out_q.join_thread()
