"""The one loop that steps a population: update after update until something stops it.

Every place that trains uses it: the training process while playing and while a tour stage plays
(process/worker.py, in slices between commands), `ganviz train`, a sweep's populations, the presets'
check and the tour (core/tour.py's run_stage). What stops a driver (Stop) is decided in one place,
Driver._stop; a new kind of stop is a member of Stop, an argument and a line there.

    driver = Driver(pop, interrupted=asked, progress=lambda p: bar.update(p.done - bar.n))
    if driver.run() is Stop.DIVERGED:
        raise driver.error

The population logs and evaluates on its own cadence (log_every, eval_every) as it steps; the
driver asks `held` after each step the population evaluated at. Torch-free (it only calls the
population), no printing: progress goes to the caller's callback.
"""
from __future__ import annotations

import enum
import time
from typing import Any, Callable, NamedTuple

from .errors import DivergedError

UPDATES = ("both", "d", "g")  # an iteration of Algorithm 1, or one net's update alone (a tour stage's)
OWN_STEPS = "steps"           # until=OWN_STEPS: the population's `steps` setting, read at every update


class Stop(enum.Enum):
    STEPS = "steps"               # the target step, or the number of updates asked for, was reached
    TIME = "time"                 # the time limit passed
    HELD = "held"                 # what `held` looks for holds (checked when the population evaluates)
    INTERRUPTED = "interrupted"   # the caller asked (Ctrl+C, a sweep being stopped)
    DIVERGED = "diverged"         # every run diverged: Driver.error says where and how


class Progress(NamedTuple):
    """What a driver tells its `progress` callback after each update."""
    step: int            # the population's step count
    done: int            # updates this driver has made
    left: int | None     # updates to the target (None: no target in steps)
    seconds: float       # seconds spent in this driver's run() and advance() so far


class Driver:
    """Steps `pop` until a stop. Stops (all optional; the first that applies ends the run):

    until        the population's step count to reach (OWN_STEPS, the default: its `steps` setting,
                 read live; None: no step target). Passing `updates` makes the default None.
    updates      this many updates from now (a tour stage)
    seconds      a time limit, in seconds of this driver's stepping
    held         held(pop) -> True stops; asked after every step the population evaluates at (eval_every)
    interrupted  interrupted() -> True stops after the update under way (it is asked after every
                 update, so it must be cheap: a flag)
    and always: every run diverged (Stop.DIVERGED, the error in .error).

    update: what one update is ("both": an iteration of Algorithm 1; "d" or "g": that net alone).
    progress(Progress) is called after every update, before the stops are looked at.

    `pop` is a core.population.Population, used and not imported: this module stays torch-free, as
    core.tour (which plays its stages with a driver) is imported in the window's process too.
    """

    def __init__(self, pop, *, until: int | str | None = OWN_STEPS, updates: int | None = None,
                 seconds: float | None = None, held: Callable[[Any], bool] | None = None,
                 interrupted: Callable[[], bool] | None = None, update: str = "both",
                 progress: Callable[[Progress], None] | None = None):
        if update not in UPDATES:
            raise ValueError(f"update must be one of {', '.join(UPDATES)}, not {update!r}")
        self.pop = pop
        self.until = None if (until == OWN_STEPS and updates is not None) else until
        self.updates, self.time_limit, self.held, self.interrupted = updates, seconds, held, interrupted
        self.update, self.progress = update, progress
        self.done = 0                     # updates made
        self.seconds = 0.0                # spent stepping (in run() and advance(), callbacks included)
        self.stopped: Stop | None = None  # why it stopped, once it has
        self.error: DivergedError | None = None

    # ------------------------------------------------------------------ where it stands
    @property
    def left(self) -> int | None:
        """Updates to the target: the step to reach or the number asked for (None: neither)."""
        until = self.pop.cfg.steps if self.until == OWN_STEPS else self.until
        left = None if until is None else until - self.pop.step_count
        if self.updates is not None:
            left = self.updates - self.done if left is None else min(left, self.updates - self.done)
        return None if left is None else max(0, left)

    def _stop(self, evaluated: bool) -> Stop | None:
        """The one place that says whether to stop (evaluated: the last step was an evaluation's)."""
        if self.left == 0:
            return Stop.STEPS
        if evaluated and self.held is not None and self.held(self.pop):
            return Stop.HELD
        if self.time_limit is not None and self.seconds >= self.time_limit:
            return Stop.TIME
        if self.interrupted is not None and self.interrupted():
            return Stop.INTERRUPTED
        return None

    # ------------------------------------------------------------------ stepping
    def run(self) -> Stop:
        """Step until a stop; returns it."""
        while (stop := self.advance()) is None:
            pass
        return stop

    def advance(self, max_updates: int | None = None, max_seconds: float | None = None,
                hold: Callable[[], bool] | None = None) -> Stop | None:
        """Step for a slice: at most max_updates updates and, after the first, until max_seconds have
        passed; hold() -> True before an update hands control back at once (the window waits for a
        frame). Returns the stop, or None when the slice ended first (call again to go on)."""
        if self.stopped is None:
            self.stopped = self._stop(evaluated=False)
        if self.stopped is not None:
            return self.stopped
        base, t0 = self.seconds, time.perf_counter()
        end = None if max_seconds is None else t0 + max_seconds
        made = 0
        try:
            while max_updates is None or made < max_updates:
                if hold is not None and hold():
                    break
                try:
                    self._update()
                except DivergedError as err:  # the population counted the step; no run can go on
                    self.done, self.error, self.stopped = self.done + 1, err, Stop.DIVERGED
                    break
                self.done, made = self.done + 1, made + 1
                if self.progress is not None:
                    self.progress(Progress(self.pop.step_count, self.done, self.left,
                                           base + time.perf_counter() - t0))
                now = time.perf_counter()
                self.seconds = base + now - t0
                self.stopped = self._stop(evaluated=self.pop.step_count % self.pop.cfg.eval_every == 0)
                if self.stopped is not None or (end is not None and now >= end):
                    break
        finally:
            self.seconds = base + time.perf_counter() - t0
        return self.stopped

    def _update(self) -> None:
        if self.update == "both":
            self.pop.step()
        else:
            self.pop.single(self.update, force_log=False)  # a stage of one net logs on the usual cadence
