"""results.csv: one row per finished run of a sweep (its settings, seed, status, steps, seconds and final
metrics), which runs of a folder are complete, and the settings ranked by a metric over their seeds.

Torch-free: the window's sweep table reads the same rows. The file is rewritten whole (atomically)
each time runs finish, so an interrupted sweep keeps every row it had written.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..core import runtable, vary
from ..core.config import coerce
from ..core.errors import GanvizError
from ..core.fileio import write_text
from .spec import Run, Spec, higher_is_better, worst

RESULTS_FILE = "results.csv"
FIXED = ("run", "folder", "trial")
AFTER = ("seed", "status", "steps", "seconds")


@dataclass
class Result:
    """A finished run: diverged or done, with its final metrics. `seconds`: the wall time of its population
    (its runs trained together)."""
    run: Run
    status: str
    steps: int
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        return self.status != runtable.DONE

    def complete(self, out: Path) -> bool:
        """Its row and its folder's files: a row whose files are missing is run again."""
        files = runtable.CURVE_FILES if self.diverged else runtable.RUN_FILES
        return all((Path(out) / self.run.folder / f).is_file() for f in files)


def to_csv(spec: Spec, results: list[Result]) -> str:
    metric_keys = [spec.metric] if any(spec.metric in r.metrics for r in results) else []
    for r in results:
        metric_keys += [k for k in r.metrics if k not in metric_keys]
    header = [*FIXED, *spec.keys, *AFTER, *metric_keys]
    rows = [[r.run.name, r.run.folder, r.run.trial, *(r.run.values[k] for k in spec.keys), r.run.seed, r.status,
             r.steps, f"{r.seconds:.2f}", *(runtable.cell(r.metrics.get(k)) for k in metric_keys)] for r in results]
    return runtable.to_csv(header, rows)


def write(out: Path, spec: Spec, results: list[Result]) -> None:
    write_text(Path(out) / RESULTS_FILE, to_csv(spec, results))


def read(out: Path, spec: Spec) -> list[Result]:
    """The rows of out/results.csv ([] when there is none yet)."""
    path = Path(out) / RESULTS_FILE
    if not path.exists():
        return []
    results = []
    for i, row in enumerate(runtable.read_csv(path), start=2):
        try:
            values = {k: coerce(k, row[k]) for k in spec.keys}
            run = Run(int(row["trial"]), values, int(row["seed"]), row["run"], row["folder"])
            metrics = {k: runtable.number(v) for k, v in row.items() if k not in (*FIXED, *spec.keys, *AFTER)}
            results.append(Result(run, row["status"], int(row["steps"]), float(row["seconds"]), metrics))
        except (KeyError, ValueError, TypeError, GanvizError) as err:
            raise GanvizError(f"'{path}' line {i} cannot be read ({err}); move the file away to run those runs "
                              "again") from None
    return results


# ---------------------------------------------------------------------------------------- ranking
@dataclass
class Setting:
    """A grid point or a trial over its seeds: the metric's values (a diverged run scored as the metric's worst
    value where it has one) and how many of its runs diverged."""
    trial: int
    values: dict
    scores: list[float]
    seeds: list[int]
    diverged: int

    @property
    def failed(self) -> bool:
        """No score stands for it: every run diverged, or one did and the metric has no worst value."""
        return not self.scores or len(self.scores) < len(self.seeds)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else math.nan

    @property
    def sd(self) -> float:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0

    def label(self) -> str:
        return ", ".join(f"{k}={vary.short(v)}" for k, v in self.values.items()) or "the preset's settings"


def settings(results: list[Result], metric: str) -> list[Setting]:
    """Each grid point or trial over its seeds, best first (on a tie, the one with fewer diverged runs); failed
    ones (see Setting.failed) last."""
    by_trial: dict[int, Setting] = {}
    for r in results:
        s = by_trial.setdefault(r.run.trial, Setting(r.run.trial, r.run.values, [], [], 0))
        s.seeds.append(r.run.seed)
        value = worst(metric) if r.diverged else r.metrics.get(metric, math.nan)
        s.diverged += r.diverged
        if value is not None and math.isfinite(value):
            s.scores.append(value)
    sign = -1.0 if higher_is_better(metric) else 1.0
    return sorted(by_trial.values(),
                  key=lambda s: (s.failed, sign * s.mean if s.scores else 0.0, s.diverged, s.trial))


def report(spec: Spec, results: list[Result], metric: str | None = None, top: int = 10) -> str:
    """The best settings by the metric, each with its mean, spread and range over its seeds."""
    metric = metric or spec.metric
    ranked = settings(results, metric)
    done = len(results)
    diverged = sum(r.diverged for r in results)
    better = "higher" if higher_is_better(metric) else "lower"
    head = (f"{spec.preset or spec.base['data']}: {done} of {spec.n_runs()} runs finished, {diverged} diverged; "
            f"{metric} ({better} is better), mean \u00b1 sd over seeds")
    if worst(metric) is not None:
        head += f"; a diverged run counts as {metric} = {worst(metric):.4g}"
    if not ranked:
        return head + "\n  no run has finished yet"
    width = max(len(s.label()) for s in ranked[:top])
    lines = [head, f"  {'rank':>4}  {'settings':{width}}  {metric:>18}  {'min':>9}  {'max':>9}  seeds"]
    for i, s in enumerate(ranked[:top], 1):
        lo, hi = (min(s.scores), max(s.scores)) if s.scores else (math.nan, math.nan)
        note = f"  ({s.diverged} diverged)" if s.diverged else ""
        lines.append(f"  {i:4d}  {s.label():{width}}  {s.mean:9.4g} \u00b1 {s.sd:<6.3g}  {lo:9.4g}  {hi:9.4g}  "
                     f"{len(s.seeds)}{note}")
    best = ranked[0]
    if best.failed:
        lines.append("best: none (every setting had a run that diverged)")
    else:
        lines.append(f"best: {best.label()}: {metric} {best.mean:.4g} \u00b1 {best.sd:.3g} over {len(best.seeds)} "
                     f"seed{'s' if len(best.seeds) > 1 else ''}")
    return "\n".join(lines)
