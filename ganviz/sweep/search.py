"""--optimize METRIC: Optuna's TPE sampler chooses each trial's settings from the --sample spaces,
learning from the trials that have finished.

Trials are asked for in batches, one population each (a trial's runs are its seeds), as workers come
free; a trial's score is its metric's mean over its seeds (results.settings: a diverged run counts
as the metric's worst value, or fails the trial where the metric has none). Resuming: the trials
in results.csv are added to a new study first, and a trial whose seeds did not all finish trains the
missing seeds with its recorded settings.
"""
from __future__ import annotations

import math

from ..core.vary import MAX_RUNS
from . import results
from .results import Result
from .backends import require
from .spec import SAMPLE_SEED, Run, Space, Spec, higher_is_better

ROUNDS = 4  # at least this many batches per worker, so that later trials learn from earlier ones


class Search:
    def __init__(self, spec: Spec, kept: list[Result]):
        self.optuna = optuna = require("optuna", "--optimize")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.spec = spec
        self.spaces = {s.key: s for s in spec.sample}
        self.dists = {s.key: _distribution(optuna, s) for s in spec.sample}
        self.study = optuna.create_study(direction="maximize" if higher_is_better(spec.metric) else "minimize",
                                         sampler=optuna.samplers.TPESampler(seed=SAMPLE_SEED))
        self.results: dict[int, list[Result]] = {}
        for r in kept:
            self.results.setdefault(r.run.trial, []).append(r)
        self.asked: dict = {}          # trial number -> optuna's trial, until told
        self.queue: list[Run] = []     # runs to train: the missing seeds of resumed trials first
        for t, rs in sorted(self.results.items()):
            missing = [r for r in spec.trial_runs(t, rs[0].run.values) if r.seed not in {x.run.seed for x in rs}]
            if missing:
                self.queue += missing
            else:
                self._record(t)
        self.per_task = MAX_RUNS

    def start(self, slots: int) -> "Search":
        """Batches sized for `slots` workers: trials per population so that there are ROUNDS rounds."""
        n = len(self.spec.seeds)
        trials = max(1, min(MAX_RUNS // n, math.ceil(self.spec.trials / (ROUNDS * slots))))
        self.per_task = max(1, min(MAX_RUNS, trials * n))
        return self

    @property
    def told(self) -> int:
        return len(self.study.trials) - len(self.asked)

    def next(self) -> list[Run] | None:
        """The next population's runs (None when every trial has been asked for)."""
        while len(self.queue) < self.per_task and len(self.results.keys() | self.asked.keys()) < self.spec.trials:
            self._ask()
        runs, self.queue = self.queue[:self.per_task], self.queue[self.per_task:]
        return runs or None

    def _ask(self) -> None:
        number = next(t for t in range(self.spec.trials + len(self.results) + 1)
                      if t not in self.results and t not in self.asked)
        trial = self.study.ask(self.dists)
        values = {k: self.spaces[k].clip(trial.params[k]) for k in self.spaces}
        self.asked[number] = trial
        self.queue += self.spec.trial_runs(number, values)

    def finished(self, new: list[Result]) -> None:
        touched = set()
        for r in new:
            self.results.setdefault(r.run.trial, []).append(r)
            touched.add(r.run.trial)
        for t in touched:
            if {r.run.seed for r in self.results[t]} >= set(self.spec.seeds):
                self._record(t)

    def _record(self, t: int) -> None:
        """Tell the study a trial's score over its seeds (a failed trial as failed)."""
        optuna = self.optuna
        (score,) = results.settings(self.results[t], self.spec.metric)
        fail = optuna.trial.TrialState.FAIL
        if t in self.asked:
            trial = self.asked.pop(t)
            self.study.tell(trial, state=fail) if score.failed else self.study.tell(trial, score.mean)
        else:  # a trial of an earlier, interrupted sweep
            params = self.results[t][0].run.values
            self.study.add_trial(optuna.trial.create_trial(
                params=params, distributions=self.dists, **({"state": fail} if score.failed else {"value": score.mean})))


def _distribution(optuna, s: Space):
    d = optuna.distributions
    if s.kind == "choice":
        return d.CategoricalDistribution(list(s.choices))
    if s.whole:
        return d.IntDistribution(int(s.lo), int(s.hi), log=s.kind == "log")
    return d.FloatDistribution(float(s.lo), float(s.hi), log=s.kind == "log")
