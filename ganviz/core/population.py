"""A population: 1 to 16 runs trained in lockstep, each step one iteration of Algorithm 1 for every run.

Runs share the data set, the clock and the device (config.SHARED: data, steps, log_every, eval_every,
device: resolved once per population, device.py). Runs of
the same architecture are one Trainer, their weights stacked (trainer.py); runs that differ in
architecture (config.ARCHITECTURE: model, sizes, batch size, prior, optimiser, ...) are separate
Trainers of the same population. A single run is a population of one.

This file keeps what is the population's rather than Algorithm 1's: the step count, each run's
log of numbers and its live changes, live settings (regrouping the runs when a change moves a run
to another architecture), divergence, and the whole state for sessions and the timeline.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from .config import ARCHITECTURE_KEYS, LIVE_KEYS, SHARED_KEYS, Config, diff
from .data import Dataset, load
from .device import repeatable, resolve_device
from .errors import ConfigError, DivergedError
from .metriclog import MetricLog
from .models import check_size
from .trainer import PHASES, Trainer, data_tensors, noise
from .vary import check_shared

SAMPLE_CHUNK = 4096


def _architecture(cfg: Config) -> tuple:
    return tuple(getattr(cfg, k) for k in ARCHITECTURE_KEYS)


def partition(cfgs: list[Config]) -> list[list[int]]:
    """Run numbers grouped by architecture, in order of first appearance."""
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(cfgs):
        groups.setdefault(_architecture(c), []).append(i)
    return list(groups.values())


class Population:
    def __init__(self, cfgs: list[Config] | Config, data: Dataset | None = None):
        cfgs = [cfgs] if isinstance(cfgs, Config) else [c.replace() for c in cfgs]  # validated copies
        check_shared(cfgs)
        c = cfgs[0]
        self.device = resolve_device(c.device)  # before the data is read: a missing GPU is told at once
        repeatable(self.device)
        self.data = data if data is not None else load(c.data, n=c.n_data, image_size=c.image_size or None)
        shape = tuple(self.data.train.shape[1:])
        classes = len(self.data.classes) if self.data.classes and self.data.labels is not None else 0
        for cfg in {_architecture(x): x for x in cfgs}.values():
            check_size(cfg, shape, classes)
        self.cfgs = cfgs
        # the data on the device once, shared by every architecture's trainer
        self._tensors = data_tensors(self.data, any(x.conditional for x in cfgs), self.device)
        self.step_count = 0
        self.logs = [MetricLog() for _ in cfgs]                     # one row per logged step, per run
        self.changes: list[list[tuple[int, str]]] = [[] for _ in cfgs]  # (step, "lr_d 0.001 -> 0.0001")
        self._build(partition(cfgs))

    def _build(self, groups: list[list[int]]) -> None:
        self.groups = groups
        self.trainers = [Trainer([self.cfgs[i] for i in g], self.data, lambda: self.step_count, self.device,
                                 self._tensors if self.cfgs[g[0]].conditional else (self._tensors[0], None))
                         for g in groups]
        self.where = {i: (t, j) for t, g in zip(self.trainers, groups) for j, i in enumerate(g)}

    def __len__(self) -> int:
        return len(self.cfgs)

    @property
    def cfg(self) -> Config:
        """The first run's settings (those of the run itself for a population of one)."""
        return self.cfgs[0]

    @property
    def runs(self) -> list["Run"]:
        return [Run(self, i) for i in range(len(self))]

    # ------------------------------------------------------------------ training
    def step(self) -> None:
        """One iteration of Algorithm 1 for every run, then logging when due."""
        for t in self.trainers:
            t.step()
        self._after_step()

    def single(self, which: str, force_log: bool = True) -> None:
        """A lone D or G update of every run, counted as a step of its own (the GUI's Step D / Step G)."""
        for t in self.trainers:
            t.step_d() if which == "d" else t.step_g()
        self._after_step(force=force_log)

    def run(self, n: int) -> None:
        for _ in range(n):
            self.step()

    def phases(self) -> Iterator[tuple[str, list[dict[str, torch.Tensor]]]]:
        """One iteration of Algorithm 1 for every run, paused after each phase, for slow motion. Yields (phase,
        tensors of each run); the models change only at "update_d" (D's k_d steps; with update = simultaneous
        both nets' step) and "update_g" (G's k_g steps), so the iteration ends where step() would have taken
        it, its first minibatch the one shown (trainer.phase_caption says what each phase does)."""
        walks = [_phases(t) for t in self.trainers]
        for phase in PHASES:
            per_trainer = [next(w) for w in walks]
            if phase == "update_g":
                self._after_step(force=True)
            by_run: list[dict[str, torch.Tensor]] = [{} for _ in self.cfgs]
            for g, tensors in zip(self.groups, per_trainer):
                for j, i in enumerate(g):
                    by_run[i] = {k: v[j] for k, v in tensors.items()}
            yield phase, by_run

    def _after_step(self, force: bool = False) -> None:
        self.step_count += 1
        self._raise_if_all_diverged()
        s, c = self.step_count, self.cfg
        log_due, eval_due = s % c.log_every == 0, s % c.eval_every == 0
        if not (log_due or eval_due or force):
            return
        for t, g in zip(self.trainers, self.groups):
            for j, (i, row) in enumerate(zip(g, t.stat_rows())):
                if t.diverged[j] is not None and t.diverged[j][0] < s:
                    continue  # its curves end where it diverged
                row = {"step": float(s), **row}
                if eval_due:
                    row.update(self.runs[i].evaluate())
                self.logs[i].append(row)

    def _raise_if_all_diverged(self) -> None:
        first = None
        for i in range(len(self)):
            d = self.diverged(i)
            if d is None:
                return
            first = d if first is None or d[0] < first[0] else first
        raise DivergedError(*first)

    def diverged(self, i: int) -> tuple[int, str] | None:
        """(step, what) where run i's loss became NaN or Inf, else None."""
        t, j = self.where[i]
        return t.diverged[j]

    def evaluate_now(self, i: int = 0) -> dict[str, float]:
        """Run i's numbers and sample-based metrics at the current step; logged unless this step already was."""
        from .trainer import STAT_KEYS
        log = self.logs[i]
        if log and log[-1]["step"] == self.step_count and len(log[-1]) > 1 + len(STAT_KEYS):
            return {k: v for k, v in log[-1].items() if k != "step"}
        t, j = self.where[i]
        row = {"step": float(self.step_count), **t.stat_rows()[j], **self.runs[i].evaluate()}
        if log and log[-1]["step"] == self.step_count:
            log[-1] = row
        else:
            log.append(row)
        return {k: v for k, v in row.items() if k != "step"}

    # ------------------------------------------------------------------ live settings
    def set(self, runs: list[int] | None = None, **changes: Any) -> dict[int, dict[str, tuple[Any, Any]]]:
        """Apply live settings from the next step on, to `runs` (all when None; settings every run shares
        go to all, the others in the same call to `runs` alone). Returns {run: {key: (old, new)}} of what
        changed.

        Settings that rebuild the models or the data (see config.LIVE_KEYS) raise ConfigError: the
        caller starts a new population for those.
        """
        targets = set(range(len(self)) if runs is None else runs)
        shared = {k: v for k, v in changes.items() if k in SHARED_KEYS}
        new, changed = list(self.cfgs), {}
        for i in range(len(self)):
            if i not in targets and not shared:
                continue
            cfg = self.cfgs[i].replace(**(changes if i in targets else shared))
            d = diff(self.cfgs[i], cfg)
            frozen = [k for k in d if k not in LIVE_KEYS]
            if frozen:
                raise ConfigError(f"{', '.join(frozen)} cannot change while training; reset to apply")
            if d:
                new[i], changed[i] = cfg, d
        if changed:
            self.reconfigure(new)
            for i, d in changed.items():
                self.changes[i] += [(self.step_count, f"{k} {old} \u2192 {val}") for k, (old, val) in d.items()]
        return changed

    def reconfigure(self, cfgs: list[Config]) -> None:
        """New settings for the same runs; a run whose architecture changed moves to another Trainer,
        its state carried over (weights, moments, generator)."""
        groups = partition(cfgs)
        if groups == self.groups:
            self.cfgs = list(cfgs)
            for t, g in zip(self.trainers, groups):
                t.configure([cfgs[i] for i in g])
            return
        states = [self.run_state(i) for i in range(len(self))]
        self.cfgs = list(cfgs)
        self._build(groups)
        for i, state in enumerate(states):
            self._load_run(i, state)

    # ------------------------------------------------------------------ samples
    def sample(self, i: int, n: int, seed: int | None = None, classes: np.ndarray | None = None) -> np.ndarray:
        """n samples of run i in the data's own units, from a generator of their own. A conditional G is asked
        for `classes` (n,), or for classes drawn as often as the data holds them."""
        return self.sample_with_classes(i, n, seed, classes)[0]

    def sample_with_classes(self, i: int, n: int, seed: int | None = None, classes: np.ndarray | None = None
                            ) -> tuple[np.ndarray, np.ndarray | None]:
        """(samples, the class each was asked for: None unless G is conditional), as sample()."""
        cfg = self.cfgs[i]
        rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 2 if seed is None else seed)
        t, j = self.where[i]
        y = None
        if t.labels is not None:
            y = torch.as_tensor(classes, dtype=torch.int64, device=self.device) if classes is not None else \
                t.labels[torch.randint(len(t.labels), (n,), generator=rng, device=self.device)]
        out = [t.generate(noise(cfg, min(SAMPLE_CHUNK, n - k), rng)[None], slice(j, j + 1),
                          y=None if y is None else y[None, k:k + SAMPLE_CHUNK])[0]
               for k in range(0, n, SAMPLE_CHUNK)]
        return self.data.to_units(torch.cat(out).cpu().numpy()), None if y is None else y.cpu().numpy()

    # ------------------------------------------------------------------ state
    def run_state(self, i: int, curves: bool = True) -> dict[str, Any]:
        t, j = self.where[i]
        state = {**t.run_state(j), "config": self.cfgs[i].to_dict(), "diverged": t.diverged[j]}
        if curves:
            state.update(log=list(self.logs[i]), changes=list(self.changes[i]))
        return state

    def _load_run(self, i: int, state: dict[str, Any]) -> None:
        t, j = self.where[i]
        t.load_run_state(j, state, self.step_count)
        d = state.get("diverged")
        t.diverged[j] = None if d is None else (int(d[0]), str(d[1]))
        if "log" in state:
            self.logs[i] = MetricLog(state["log"])
            self.changes[i] = [(int(s), str(text)) for s, text in state.get("changes", [])]

    def state_dict(self, curves: bool = True) -> dict[str, Any]:
        """Everything the population needs to continue exactly, as CPU tensors; curves=False leaves out the logs
        and changes (the timeline keeps states every few seconds and cuts the curves itself). Each run's
        `device` names the kind of device it trained on."""
        return {"step": self.step_count, "runs": [self.run_state(i, curves) for i in range(len(self))]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from .config import from_dict
        runs = state["runs"]
        if len(runs) != len(self):
            raise ConfigError(f"the state holds {len(runs)} runs, this population {len(self)}")
        self.reconfigure([from_dict(r["config"]) for r in runs])
        for t in self.trainers:
            t.stats = {}
        self.step_count = int(state["step"])
        for i, r in enumerate(runs):
            self._load_run(i, r)

    @classmethod
    def from_state(cls, state: dict[str, Any], data: Dataset | None = None, device: str | None = None
                   ) -> "Population":
        """The population of a state_dict(), on its runs' own device setting, or on `device` (a setting: auto,
        cpu, cuda, mps) when given: a session saved on a GPU goes on on a laptop's CPU."""
        from .config import from_dict
        cfgs = [from_dict(r["config"]) for r in state["runs"]]
        if device is not None:
            cfgs = [c.replace(device=device) for c in cfgs]
            state = {**state, "runs": [{**r, "config": c.to_dict()} for r, c in zip(state["runs"], cfgs)]}
        pop = cls(cfgs, data)
        pop.load_state_dict(state)
        return pop


def _phases(t: Trainer) -> Iterator[dict[str, torch.Tensor]]:
    m = t.cfg.batch_size
    real, z = t.real_batch(m), t.noise(m)
    yield {"real": real.x, "z": z.x}
    fake = t.generate(z.x, averaged=False, y=z.y)  # Algorithm 1's own G, which the steps below move
    yield {"real": real.x, "z": z.x, "fake": fake}
    seen = {"real": real.x, "z": z.x, "fake": fake, "d_real": t.discriminate(real.x, y=real.y),
            "d_fake": t.discriminate(fake, y=z.y)}
    yield seen
    simultaneous = t.cfg.update == "simultaneous"
    if simultaneous:
        t.step_simultaneous(real=real, z=z)
    else:  # Algorithm 1's inner loop, as Trainer.step: the first D step on the batch shown, the rest on fresh ones
        t.steps_d(real=real, z=z)
    yield {**seen, "d_real": t.discriminate(real.x, y=real.y), "d_fake": t.discriminate(fake, y=z.y)}
    if not simultaneous:
        t.steps_g()
    yield {**seen, "fake_after": t.generate(z.x, averaged=False, y=z.y)}


class Run:
    """One run of a population: its settings, its log, and its G and D as the views and metrics use them
    (inputs and outputs without the run axis; inputs on any device, outputs on the CPU)."""

    def __init__(self, pop: Population, i: int):
        self.pop, self.index = pop, i
        self.trainer, self.j = pop.where[i]
        self.data = pop.data

    cfg = property(lambda self: self.pop.cfgs[self.index])
    log = property(lambda self: self.pop.logs[self.index])
    step_count = property(lambda self: self.pop.step_count)

    def _one(self) -> slice:
        return slice(self.j, self.j + 1)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.trainer.generate(z[None], self._one())[0].cpu()

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return self.trainer.discriminate(x[None], self._one())[0].cpu()

    def loss_gradient_at(self, x: torch.Tensor) -> torch.Tensor:
        return self.trainer.loss_gradient_at(x[None], self._one())[0].cpu()

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        return self.pop.sample(self.index, n, seed)

    def sample_with_classes(self, n: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        return self.pop.sample_with_classes(self.index, n, seed)

    def stats(self) -> dict[str, float]:
        return self.trainer.stat_rows()[self.j]

    def evaluate(self) -> dict[str, float]:
        from .evaluate import evaluate  # evaluation pulls in scipy; only load it when first due
        return evaluate(self)
