"""What a sweep runs: the base settings, times a grid (--grid) or sampled settings (--sample, --trials),
times seeds (--seeds); the metric that judges the runs; and each run's name and folder.

    --grid lr_d=1e-4,3e-4,1e-3     values, as --vary takes them (ranges A:B for whole numbers)
    --sample lr_d=log:1e-5:1e-2    a log-uniform draw; lin:LO:HI uniform; choice:a,b,c (or a,b,c) one of
    --seeds 0:5                    every grid point or trial once per seed

Torch-free: the command line checks a sweep with it before anything runs, and the window reads a
sweep's folder with it. The spec is saved as sweep.json, so a rerun knows it resumes the same sweep.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core import vary
from ..core.config import FIELDS, Config, check, coerce, from_dict, unknown_key_message
from ..core.errors import ConfigError, GanvizError
from ..core.fileio import write_text

FORMAT = "ganviz-sweep/1"
SPEC_FILE = "sweep.json"
SAMPLE_SEED = 0      # the random search's own generator: the same command draws the same trials
SIGNIFICANT = 3      # sampled numbers are rounded to 3 significant digits: readable names, same search

# Metrics that judge a run (core/metrics.py): whether higher is better, the score of a run that diverged
# (None where the metric has no worst value; such a run then only counts as failed), the data it is for.
METRICS: dict[str, tuple[bool, float | None, str]] = {
    "modes": (True, 0.0, "2d"),           # modes captured (2D data with known modes)
    "hq": (True, 0.0, "2d"),              # share of high-quality samples (within 3 std of a mode)
    "jsd": (False, math.log(2), "1d 2d"),  # Jensen-Shannon divergence, nats: at most ln 2
    "ks": (False, 1.0, "1d"),             # Kolmogorov-Smirnov statistic
    "w1": (False, None, "1d"),            # Wasserstein-1 distance
    "d_gap": (False, 1.0, "1d"),          # max |D - D*| where the data is
    "parzen_ll": (True, None, "image"),   # Parzen log-likelihood
}
ALIASES = {"modes_captured": "modes"}
MAIN_METRIC = {"1d": "ks", "2d": "modes", "image": "parzen_ll"}  # 2D data without known modes: jsd


def metric_name(name: str, kind: str, has_modes: bool = True, option: str = "--metric") -> str:
    """The metric's key, checked against the data (`kind`: 1d, 2d or image)."""
    key = ALIASES.get(name.strip(), name.strip())
    usable = [k for k, (_, _, kinds) in METRICS.items()
              if kind in kinds.split() and (has_modes or k not in ("modes", "hq"))]
    if key not in METRICS:
        raise ConfigError(f"{option} must be one of {', '.join(usable)} for this data; got '{name}'")
    if key not in usable:
        raise ConfigError(f"{option} {key} is not measured on this data ({kind}"
                          f"{'' if has_modes or kind != '2d' else ', without known modes'}); use one of "
                          f"{', '.join(usable)}")
    return key


def worst(metric: str) -> float | None:
    return METRICS[metric][1]


def higher_is_better(metric: str) -> bool:
    return METRICS[metric][0]


def main_metric(kind: str, has_modes: bool) -> str:
    return "jsd" if kind == "2d" and not has_modes else MAIN_METRIC[kind]


# ---------------------------------------------------------------------------------------- sampled settings
@dataclass(frozen=True)
class Space:
    """Where --sample draws a setting from: kind "log" or "lin" between lo and hi, or "choice"."""
    key: str
    kind: str
    lo: float = 0.0
    hi: float = 0.0
    choices: tuple = ()

    def text(self) -> str:
        if self.kind == "choice":
            return f"{self.key}=choice:{','.join(vary.short(c) for c in self.choices)}"
        return f"{self.key}={self.kind}:{self.lo}:{self.hi}"  # str(float) reads back exactly

    @property
    def whole(self) -> bool:
        return _is_int(self.key)

    def draw(self, rng: np.random.Generator) -> Any:
        if self.kind == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        u = rng.uniform()
        return self.clip(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
                         if self.kind == "log" else self.lo + u * (self.hi - self.lo))

    def clip(self, value: Any) -> Any:
        """A drawn number as the runs use it: rounded (whole or to SIGNIFICANT digits), inside [lo, hi]."""
        if self.kind == "choice":
            return value
        v = round(value) if self.whole else float(f"{value:.{SIGNIFICANT}g}")
        return min(max(v, self.lo), self.hi)


def _is_int(key: str) -> bool:
    d = FIELDS[key].default
    return isinstance(d, int) and not isinstance(d, bool)


def parse_space(item: str) -> Space:
    """'lr_d=log:1e-5:1e-2', 'g_hidden=lin:32:256', 'loss=choice:ns,hinge' or 'loss=ns,hinge'."""
    key, sep, spec = (s.strip() for s in item.partition("="))
    if not sep or not key or not spec:
        raise ConfigError(f"--sample needs KEY=SPACE (e.g. lr_d=log:1e-5:1e-2, loss=choice:ns,hinge), got '{item}'")
    if key not in FIELDS:
        raise ConfigError(unknown_key_message(key))
    if key == "seed":
        raise ConfigError("--sample seed: give the seeds with --seeds (e.g. --seeds 0:5)")
    kind, colon, rest = spec.partition(":")
    if kind in ("log", "lin"):
        if not (isinstance(FIELDS[key].default, (int, float)) and not isinstance(FIELDS[key].default, bool)):
            raise ConfigError(f"--sample {key}: {kind}:LO:HI is for numeric settings; list values: {key}=choice:a,b")
        lo_hi = rest.split(":")
        try:
            lo, hi = (coerce(key, v) if _is_int(key) else float(v) for v in lo_hi)
            if len(lo_hi) != 2:
                raise ValueError
        except (ValueError, ConfigError):
            raise ConfigError(f"--sample {key}={spec}: give {kind}:LO:HI with two numbers, e.g. "
                              f"{key}={kind}:1e-4:1e-2") from None
        if not lo < hi:
            raise ConfigError(f"--sample {key}={spec}: LO must be below HI")
        if kind == "log" and lo <= 0:
            raise ConfigError(f"--sample {key}={spec}: a log space needs LO > 0 (or use lin:{vary.short(lo)}:"
                              f"{vary.short(hi)})")
        for v in (lo, hi):
            try:
                check(key, v)
            except ConfigError as err:
                raise ConfigError(f"--sample {key}: {err}") from None
        return Space(key, kind, lo, hi)
    values = rest if kind == "choice" and colon else spec
    _, choices = vary.parse_one(f"{key}={values}", "--sample", None)
    return Space(key, "choice", choices=tuple(choices))


# ---------------------------------------------------------------------------------------- runs
@dataclass
class Run:
    """One run of a sweep: the settings its grid point or trial sets, its seed, its name and folder."""
    trial: int
    values: dict
    seed: int = 0
    name: str = ""
    folder: str = ""

    def config(self, base: Config) -> Config:
        return base.replace(**self.values, seed=self.seed)


@dataclass
class Spec:
    """A sweep as its command line asked for it (everything that decides its runs and their results)."""
    base: dict                              # every setting: the preset, then --data/--steps/--seed/--set
    grid: list[tuple[str, list]] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    sample: list[Space] = field(default_factory=list)
    trials: int = 0
    optimize: str | None = None             # a metric: Optuna's TPE chooses the trials' settings
    metric: str = ""
    preset: str = ""
    kind: str = "2d"                        # the data's kind and whether it has known modes: the usable metrics
    has_modes: bool = True

    @property
    def keys(self) -> list[str]:
        """The settings that vary between a sweep's trials (not the seed)."""
        return [k for k, _ in self.grid] or [s.key for s in self.sample]

    @property
    def sampled(self) -> bool:
        return bool(self.sample)

    def base_config(self) -> Config:
        return from_dict(self.base)

    def check_configs(self) -> list[Config]:
        """The settings of every run (a grid, a random search), or of each end of the spaces (an optimisation),
        validated: ConfigError for an impossible combination."""
        base = self.base_config()
        if self.optimize:
            return [base] + [base.replace(**{s.key: v}) for s in self.sample for v in (s.choices or (s.lo, s.hi))]
        return [r.config(base) for r in self.runs()]

    def n_runs(self) -> int:
        points = self.trials if self.sampled else math.prod(len(v) for _, v in self.grid)
        return points * len(self.seeds)

    def runs(self) -> list[Run]:
        """Every run of a grid or a random search (an optimisation chooses its trials as it goes)."""
        if self.sampled:
            rng = np.random.default_rng(SAMPLE_SEED)
            draws = [{s.key: s.draw(rng) for s in self.sample} for _ in range(self.trials)]
            return [r for t, values in enumerate(draws) for r in self.trial_runs(t, values)]
        keys = [k for k, _ in self.grid]
        points = [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in self.grid))]
        runs = [r for t, values in enumerate(points) for r in self.trial_runs(t, values)]
        folders = vary.folder_names([r.name for r in runs])  # what varies, as `ganviz train --vary` names them
        return [Run(r.trial, r.values, r.seed, r.name, f) for r, f in zip(runs, folders)]

    def trial_runs(self, trial: int, values: dict) -> list[Run]:
        """A grid point's or a trial's runs, one per seed."""
        out = []
        for seed in self.seeds:
            name = ", ".join([*(f"{k}={vary.short(values[k])}" for k in self.keys), f"seed={seed}"])
            folder = f"trial-{trial:03d}_seed-{seed}" if self.sampled else ""
            out.append(Run(trial, dict(values), seed, name, folder))
        return out

    # ------------------------------------------------------------------ sweep.json
    def to_json(self) -> dict:
        return {"format": FORMAT, "preset": self.preset, "base": self.base,
                "grid": [[k, list(v)] for k, v in self.grid], "seeds": list(self.seeds),
                "sample": [s.text() for s in self.sample], "trials": self.trials, "optimize": self.optimize,
                "metric": self.metric, "kind": self.kind, "has_modes": self.has_modes}

    @classmethod
    def from_json(cls, doc: dict) -> "Spec":
        return cls(base=dict(doc["base"]), grid=[(k, list(v)) for k, v in doc["grid"]], seeds=list(doc["seeds"]),
                   sample=[parse_space(s) for s in doc["sample"]], trials=int(doc["trials"]),
                   optimize=doc.get("optimize"), metric=str(doc["metric"]), preset=str(doc.get("preset", "")),
                   kind=str(doc.get("kind", "2d")), has_modes=bool(doc.get("has_modes", True)))

    def save(self, out: Path) -> None:
        write_text(out / SPEC_FILE, json.dumps(self.to_json(), indent=1) + "\n")

    def differs_from(self, other: "Spec") -> str | None:
        """What makes `other` (a sweep saved in the folder) another sweep than this one, or None. The device is
        where the sweep trains, as the machine is, not what it trains: a sweep goes on on another (and one saved
        before the setting existed is the same sweep)."""
        a, b = self.to_json(), other.to_json()
        for doc in (a, b):
            doc["base"] = {k: v for k, v in doc["base"].items() if k != "device"}
        for key in ("base", "grid", "seeds", "sample", "trials", "optimize", "metric"):
            if a[key] == b[key]:
                continue
            if key == "base":
                k = next(k for k in a["base"] if a["base"][k] != b["base"].get(k))
                return f"{k} is {vary.short(b['base'].get(k))} there, {vary.short(a['base'][k])} here"
            return f"its {key} differs"
        return None


def load(out: Path) -> Spec:
    """The sweep saved in folder `out`, or GanvizError saying why there is none."""
    path = Path(out) / SPEC_FILE
    if not path.is_file():
        raise GanvizError(f"'{out}' holds no sweep ({SPEC_FILE} is missing); give the --out folder of a "
                          "'ganviz sweep'")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {doc.get('format')!r}")
        return Spec.from_json(doc)
    except (OSError, ValueError, KeyError, TypeError, ConfigError) as err:
        raise GanvizError(f"'{path}' cannot be read as a sweep ({err}); run the sweep into a new folder") from None


MAX_SWEEP_RUNS = 10_000  # a guard against a typo that would make a million runs


def build(base: Config, preset: str, kind: str, has_modes: bool, grid: list[str] = (), seeds: str | None = None,
          sample: list[str] = (), trials: int | None = None, optimize: str | None = None,
          metric: str | None = None) -> Spec:
    """A sweep from its command line's options, every one checked (ConfigError: one line naming the fix)."""
    if grid and sample:
        raise ConfigError("give --grid (every combination) or --sample (drawn settings), not both; "
                          "--sample also takes lists: loss=choice:ns,hinge")
    axes = [vary.parse_one(item, "--grid", None) for item in grid]
    vary.grid(list(grid), "--grid", None)  # the same checks as --vary: a key named twice
    if any(k == "seed" for k, _ in axes):
        raise ConfigError("--grid seed: give the seeds with --seeds (e.g. --seeds 0:5)")
    spaces = [parse_space(item) for item in sample]
    keys = [s.key for s in spaces]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        raise ConfigError(f"--sample names {dup} twice; give it once")
    if sample and trials is None:
        raise ConfigError("--sample needs --trials N: how many settings to draw (e.g. --trials 40)")
    if trials is not None and not sample:
        raise ConfigError("--trials counts drawn settings; give the space to draw from with --sample "
                          "(e.g. --sample lr_d=log:1e-5:1e-2)")
    if trials is not None and trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {trials}")
    if optimize is not None and not sample:
        raise ConfigError("--optimize searches the --sample spaces: add e.g. --sample lr_d=log:1e-5:1e-2 --trials 40")
    seed_list = vary.parse_one(f"seed={seeds}", "--seeds", None)[1] if seeds is not None else [base.seed]
    if optimize is not None:
        chosen = metric_name(optimize, kind, has_modes, "--optimize")
        if metric is not None and metric_name(metric, kind, has_modes) != chosen:
            raise ConfigError(f"--optimize {optimize} judges the runs by {chosen}; leave out --metric {metric}")
    else:
        chosen = metric_name(metric, kind, has_modes) if metric is not None else main_metric(kind, has_modes)
    spec = Spec(base=base.to_dict(), grid=[(k, v) for k, v in axes], seeds=list(seed_list), sample=spaces,
                trials=trials or 0, optimize=None if optimize is None else chosen, metric=chosen, preset=preset,
                kind=kind, has_modes=has_modes)
    if spec.n_runs() > MAX_SWEEP_RUNS:
        raise ConfigError(f"the sweep makes {spec.n_runs():,} runs; at most {MAX_SWEEP_RUNS:,}: fewer values or seeds")
    return spec
