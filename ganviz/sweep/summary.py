"""summary.png: the sweep's metric against each setting it varies, seeds as spread.

One panel per varied setting. A grid draws each run as a dot (its seed's value), the mean over seeds
as a line, one line per combination of the other settings (pooled when there are more than
MAX_LINES); a sampled sweep draws each trial's mean with its seeds' range. Runs that diverged are red
crosses along the bottom. An optimisation adds the metric by trial, with the best so far.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..core import vary
from ..core.config import meta
from ..core.fileio import write_with
from .results import Result
from .spec import Spec, higher_is_better, worst

MAX_LINES = 6
COLOURS = ["#2b6cb0", "#1a9641", "#e66101", "#7b3294", "#555555", "#d01c8b"]
DIVERGED = "#c0392b"
NAMES = {"modes": "modes captured", "hq": "high-quality share", "jsd": "JSD(p_data, p_g)", "ks": "KS statistic",
         "w1": "Wasserstein-1", "d_gap": "max |D \u2212 D*|", "parzen_ll": "Parzen log-likelihood (nats)"}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _log_axis(spec: Spec, key: str, values: list) -> bool:
    space = next((s for s in spec.sample if s.key == key), None)
    if space is not None and space.kind != "choice":
        return space.kind == "log"
    return meta(key)["log"] and all(_is_number(v) and v > 0 for v in values) and max(values) / min(values) >= 10


def _order(v):
    return (not _is_number(v), v if _is_number(v) else str(v))


def _panel(ax, spec: Spec, key: str | None, runs: list[Result]) -> None:
    """The metric against one setting (or against the seed, for a sweep of seeds alone)."""
    metric = spec.metric

    def x_of(r: Result):
        return r.run.values[key] if key else r.run.seed

    levels = sorted({x_of(r) for r in runs}, key=_order)
    numeric = key is not None and all(_is_number(v) for v in levels) and (spec.sampled or len(levels) > 2)
    if numeric:
        pos = {v: float(v) for v in levels}
        if _log_axis(spec, key, levels):
            ax.set_xscale("log")
        if not spec.sampled:  # a grid's values, each labelled (a log axis would label only the decades)
            ax.set_xticks([pos[v] for v in levels], [vary.short(v) for v in levels])
            ax.minorticks_off()
    else:  # categories (or two values): evenly spaced, labelled
        pos = {v: float(i) for i, v in enumerate(levels)}
        ax.set_xticks(list(pos.values()), [vary.short(v) for v in levels])
        ax.set_xlim(-0.6, len(levels) - 0.4)
    others = [] if spec.sampled else [k for k in spec.keys if k != key]
    combos = sorted({tuple(r.run.values[k] for k in others) for r in runs}, key=str)
    if len(combos) > MAX_LINES:
        others, combos = [], [()]
    band = 0.0 if numeric else 0.6 / len(combos)  # categories: each line's runs side by side
    for c, combo in enumerate(combos):
        colour = COLOURS[c % len(COLOURS)]
        mine = [r for r in runs if not r.diverged and math.isfinite(r.metrics.get(metric, math.nan))
                and tuple(r.run.values[k] for k in others) == combo]
        label = ", ".join(f"{k}={vary.short(v)}" for k, v in zip(others, combo)) or None
        offset = (c - (len(combos) - 1) / 2) * band
        seeds = sorted({r.run.seed for r in mine})
        jitter = {s: (j - (len(seeds) - 1) / 2) * band * 0.5 / max(1, len(seeds)) for j, s in enumerate(seeds)}
        ax.scatter([pos[x_of(r)] + offset + jitter[r.run.seed] for r in mine], [r.metrics[metric] for r in mine],
                   s=14, color=colour, alpha=0.45, lw=0)
        if spec.sampled:  # each trial: its seeds' range and their mean
            for t in sorted({r.run.trial for r in mine}):
                ys = [r.metrics[metric] for r in mine if r.run.trial == t]
                x = pos[next(x_of(r) for r in mine if r.run.trial == t)]
                ax.plot([x, x], [min(ys), max(ys)], color=colour, lw=1, alpha=0.6)
                ax.plot([x], [np.mean(ys)], "o", color=colour, ms=4)
            continue
        at = sorted({x_of(r) for r in mine}, key=lambda v: pos[v])
        means = [np.mean([r.metrics[metric] for r in mine if x_of(r) == v]) for v in at]
        xs = [pos[v] + offset for v in at]
        if numeric:
            ax.plot(xs, means, "-o", color=colour, lw=2, ms=5, label=label)
        else:  # no line between categories: they have no order
            ax.scatter(xs, means, marker="_", s=400, lw=2.5, color=colour, label=label, zorder=4)
    bad = [r for r in runs if r.diverged]
    if bad:
        ax.scatter([pos[x_of(r)] for r in bad], [0.03] * len(bad), transform=ax.get_xaxis_transform(), marker="x",
                   s=40, color=DIVERGED, label=f"diverged ({len(bad)})", zorder=5)
    ax.set_xlabel(key or "seed")
    if any(ax.get_legend_handles_labels()[1]):
        ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)


def _history(ax, spec: Spec, runs: list[Result]) -> None:
    """An optimisation's trials in order, each its mean over seeds, and the best so far."""
    from .results import settings
    trials = sorted(settings(runs, spec.metric), key=lambda s: s.trial)
    xs = [s.trial for s in trials if s.scores]
    ys = [s.mean for s in trials if s.scores]
    ax.plot(xs, ys, "o", color="#2b6cb0", ms=4, label="trial (mean over seeds)")
    best = np.maximum.accumulate(ys) if higher_is_better(spec.metric) else np.minimum.accumulate(ys)
    ax.step(xs, best, where="post", color="#1a9641", lw=2, label="best so far")
    ax.set_xlabel("trial (in the order TPE asked)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)


def render(spec: Spec, runs: list[Result]):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = spec.keys or [None]
    panels = len(keys) + bool(spec.optimize)
    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    metric = spec.metric
    n_modes = next((r.metrics.get("n_modes") for r in runs if r.metrics.get("n_modes")), None)
    with plt.rc_context({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False}):
        fig, axes = plt.subplots(rows, cols, figsize=(max(7.0, 4.6 * cols), 3.8 * rows + 0.5), squeeze=False,
                                 layout="constrained", sharey=True)
        flat = list(axes.flat)
        for ax, key in zip(flat, keys):
            _panel(ax, spec, key, runs)
        if spec.optimize:
            _history(flat[len(keys)], spec, runs)
        for ax in flat[panels:]:
            ax.set_visible(False)
        arrow = "\u2191 better" if higher_is_better(metric) else "\u2193 better"
        for r in range(rows):
            axes[r][0].set_ylabel(f"{NAMES.get(metric, metric)} ({arrow})")
        if metric == "modes" and n_modes:
            axes[0][0].set_ylim(-0.5, n_modes + 0.5)
        elif worst(metric) is not None and metric in ("hq", "jsd", "ks", "d_gap"):
            axes[0][0].set_ylim(bottom=0)
        after = "" if "steps" in spec.keys else f" after {spec.base['steps']:,} steps"
        fig.suptitle(f"{spec.preset or spec.base['data']}: {NAMES.get(metric, metric)}{after}, {len(runs)} runs, "
                     f"{len(spec.seeds)} seed{'s' if len(spec.seeds) > 1 else ''} per setting", fontsize=11)
    return fig


def save_summary(spec: Spec, runs: list[Result], path: Path) -> None:
    import matplotlib.pyplot as plt
    fig = render(spec, runs)
    try:
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    finally:
        plt.close(fig)
