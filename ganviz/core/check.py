"""`ganviz presets --check`: train a preset at several seeds and hold it to its expectations.

The seeds train as one population (in lockstep); the tour is walked when an expectation names a
stage. Each measure below is a number (or, for `centre`, a point) of one run at one moment.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from . import losses
from .driver import Driver, Progress, Stop
from .errors import ConfigError
from .expectations import DISTANCES, Expectation
from .population import Population
from .presets import Preset


def _metric(name: str) -> Callable:
    """A sample-based metric of the run's evaluation (evaluate.py)."""
    def measure(pop, i: int) -> float:
        values = pop.evaluate_now(i)
        if name not in values:
            raise ConfigError(f"measure '{name}' is not computed for data '{pop.data.name}' "
                              f"(it has {', '.join(sorted(values))}); expect one of those instead")
        return float(values[name])
    measure.__doc__ = f"{name} from the run's evaluation"
    return measure


def d_half_gap(pop, i: int) -> float:
    """Mean |D(x) - 1/2| over the data's central 95% (1D): how far D is from the equilibrium's 1/2."""
    run = pop.runs[i]
    data = run.data
    real = data.to_units(data.train[:, 0])
    x = np.linspace(*np.percentile(real, [2.5, 97.5]), 200)
    d = run.discriminate(torch.from_numpy(data.from_units(x[:, None]).astype(np.float32))).numpy()
    return float(np.abs(d - 0.5).mean())


def d_star_gap(pop, i: int) -> float:
    """Mean |D(x) - D*(x)| weighted by p_data + p_g (1D): how near D is to the optimum for the current G."""
    from .evaluate import grid_1d
    from .metrics import kde_1d, optimal_d
    run = pop.runs[i]
    data = run.data
    fake = run.sample(10_000)[:, 0]
    x = grid_1d(data)
    p_data = data.density(x) if data.density is not None else kde_1d(data.to_units(data.train[:, 0]), x)
    p_g = kde_1d(fake, x)
    d = run.discriminate(torch.from_numpy(data.from_units(x[:, None]).astype(np.float32))).numpy()
    w = p_data + p_g
    return float((np.abs(d - optimal_d(p_data, p_g)) * w).sum() / w.sum())


def d_margin(pop, i: int) -> float:
    """D(real) - D(G(z)) over fresh samples: how surely D tells them apart."""
    m = pop.evaluate_now(i)
    return float(m["d_real"] - m["d_fake"])


def spread(pop, i: int) -> float:
    """The standard deviation of G's samples, in the data's units (1D: how wide p_g is)."""
    return float(pop.runs[i].sample(4000).std(0).mean())


def centre(pop, i: int) -> np.ndarray:
    """The mean of G's samples, in the data's units (where G's mass sits)."""
    return pop.runs[i].sample(4000).mean(0)


def mean_gap(pop, i: int) -> float:
    """How far the mean of G's samples is from the data's mean, in the data's units."""
    data = pop.data
    return float(np.linalg.norm(centre(pop, i) - data.to_units(data.train).mean(0)))


def g_grad_ratio(pop, i: int) -> float:
    """|dL_G/dG| with the non-saturating loss over the same with the minimax loss, on one fresh batch:
    how much more the non-saturating loss moves G where D rejects its samples."""
    t, j = pop.where[i]
    cfg = pop.cfgs[i]
    from .trainer import noise
    z = noise(cfg, cfg.batch_size, torch.Generator(device=t.device).manual_seed(5))[None]
    one = slice(j, j + 1)
    norms = []
    for kind in ("ns", "minimax"):
        logits = t.D(t.G(z, one), one)
        grads = torch.autograd.grad(losses.g_loss(kind, logits).sum(), t.flat_g.params)
        norms.append(float(torch.linalg.vector_norm(torch.cat([g[j].reshape(-1) for g in grads]))))
    return norms[0] / max(norms[1], 1e-12)


TRAVEL_EVERY = 250   # updates between two looks at G's centre for `travel`: shorter than a hop


class Odometer:
    """The length of the path each run's G centre has taken, looking every TRAVEL_EVERY updates."""

    def __init__(self, pop: Population):
        self.pop, self.updates = pop, 0
        self.last = [centre(pop, i) for i in range(len(pop))]
        self.travelled = [0.0] * len(pop)

    def __call__(self, progress: Progress | None = None) -> None:
        """After each update (a driver's progress callback)."""
        self.updates += 1
        if self.updates % TRAVEL_EVERY:
            return
        for i in range(len(self.pop)):
            now = centre(self.pop, i)
            self.travelled[i] += float(np.linalg.norm(now - self.last[i]))
            self.last[i] = now


MEASURES: dict[str, Callable | None] = {  # expectations.MEASURES names them; a test checks both agree
    **{name: _metric(name) for name in ("ks", "jsd", "w1", "modes", "hq", "d_real", "d_fake", "parzen_ll",
                                        # images with labels (classifier.py): class coverage, readability
                                        "classes", "class_kl", "class_share_min", "class_share_max",
                                        "confident_ratio",
                                        # the Fréchet distance over its floor; a conditional G's hits
                                        "fd_ratio", "cond_acc")},
    "d_half_gap": d_half_gap, "d_star_gap": d_star_gap, "d_margin": d_margin, "spread": spread,
    "centre": centre, "mean_gap": mean_gap, "g_grad_ratio": g_grad_ratio,
    "travel": None,   # the Odometer's reading: check() looks while training
}


@dataclass
class Result:
    expectation: Expectation
    values: list[float]           # per seed, at the worst moment: the measure, the distance moved or
                                  # travelled, or for a bound relative to an earlier moment the ratio
    held: list[bool]

    @property
    def held_count(self) -> int:
        return sum(self.held)


def check(preset: Preset, seeds: list[int], device: str | None = None) -> tuple[list[Result], float]:
    """Train the preset at each seed (one population, in lockstep; on `device`, a setting, when given), hold it
    to its expectations. Returns the results and the seconds of training (evaluation excluded)."""
    expectations = preset.expect
    on = {} if device is None else {"device": device}
    pop = Population([preset.config().replace(seed=s, **on) for s in seeds])
    moments = sorted({m for e in expectations for m in e.when + ((e.times,) if e.times else ())},
                     key=_order)
    odometer = Odometer(pop) if any(e.measure == "travel" for e in expectations) else None
    seen: dict[tuple[str, str], list] = {}
    trained, played = 0.0, 0
    for moment in moments:
        t0 = time.perf_counter()
        played = _advance_to(pop, preset, moment, played, odometer)
        trained += time.perf_counter() - t0
        for e in expectations:
            if moment in e.when or moment == e.times:
                seen[(e.measure, moment)] = (list(odometer.travelled) if e.measure == "travel" else
                                             [MEASURES[e.measure](pop, i) for i in range(len(pop))])
    return [_judge(e, seen, len(seeds)) for e in expectations], trained


def _order(moment: str) -> tuple[int, int]:
    return (1, 0) if moment == "end" else (0, int(moment.split()[1]))


def _advance_to(pop: Population, preset: Preset, moment: str, played: int,
                progress: Callable[[Progress], None] | None = None) -> int:
    """Play the tour's stages after the first `played` up to `moment`. For "end": the rest of the
    tour when the check walks it (some expectation names a stage), then plain steps up to the
    preset's steps. Returns the stages played."""
    from .tour import run_stage
    if moment == "end":
        if played:
            for stage in preset.tour[played:]:
                run_stage(pop, stage, progress)
            played = len(preset.tour)
        driver = Driver(pop, until=preset.config().steps, progress=progress)
        if driver.run() is Stop.DIVERGED:
            raise driver.error
        return played
    n = int(moment.split()[1])
    for stage in preset.tour[played:n]:
        run_stage(pop, stage, progress)
    return n


def _judge(e: Expectation, seen: dict, n: int) -> Result:
    values, held = [], []
    for i in range(n):
        worst, ok = None, True
        for moment in e.when:
            v = seen[(e.measure, moment)][i]
            if e.measure == "centre":
                v = float(np.linalg.norm(np.asarray(v) - np.asarray(seen[(e.measure, e.times)][i])))
            elif e.measure == "travel":
                v = v - seen[(e.measure, e.times)][i]
            elif e.times and seen[(e.measure, e.times)][i] > 0:
                v = v / seen[(e.measure, e.times)][i]   # a relative bound: report the ratio it bounds
            elif e.times:   # a reference at or below zero: no ratio, bound the value itself by bound x it
                v = v - e.bound * seen[(e.measure, e.times)][i] + e.bound
            good = v >= e.bound if e.above else v <= e.bound
            if worst is None or not good or (v < worst if e.above else v > worst):
                worst = v
            ok = ok and good
        values.append(float(worst))
        held.append(ok)
    return Result(e, values, held)
