"""Comparisons: `--vary KEY=SPEC` turned into the settings of each run, and each run's name.

    seed=0:4             a range of whole numbers, end excluded: 0, 1, 2, 3
    loss=minimax,ns      a list of values (any setting)

Several --vary make a grid (every combination), at most population.MAX_RUNS runs. A run is named
by what differs between the runs ("loss=ns, lr_d=0.0001"), which titles its panel, its folder
and its row in runs.csv.
"""
from __future__ import annotations

import itertools
import re
from typing import Any

from .config import FIELDS, SHARED_KEYS, Config, checked, unknown_key_message
from .errors import ConfigError

MAX_RUNS = 16  # runs in one population (core/population.py): a 2-core laptop still trains them live


def parse_one(item: str, option: str = "--vary", limit: int | None = MAX_RUNS) -> tuple[str, list[Any]]:
    """'seed=0:4' -> ('seed', [0, 1, 2, 3]); 'loss=minimax,ns' -> ('loss', ['minimax', 'ns']).
    option: the command-line option errors name; limit: the most values a range may make (None: any,
    as a sweep's --grid, whose runs go into several populations)."""
    key, sep, spec = item.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise ConfigError(f"{option} needs KEY=VALUES (e.g. seed=0:4 or loss=minimax,ns), got '{item}'")
    if key not in FIELDS:
        raise ConfigError(unknown_key_message(key))
    m = re.fullmatch(r"(-?\d+):(-?\d+)", spec)
    if m:
        if not isinstance(FIELDS[key].default, int) or isinstance(FIELDS[key].default, bool):
            raise ConfigError(f"{option} {key}: a range A:B is for whole-number settings; list values: {key}=a,b,c")
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi <= lo:
            raise ConfigError(f"{option} {key}={spec}: the range is empty (the end is excluded); e.g. {key}={lo}:{lo + 4}")
        if limit is not None and hi - lo > limit:
            raise ConfigError(f"{option} {key}={spec} makes {hi - lo} runs; at most {limit}")
        raw: list[Any] = list(range(lo, hi))
    else:
        raw = [v for v in (s.strip() for s in spec.split(",")) if v]
    values = []
    for v in raw:
        try:
            value = checked(key, v)
        except ConfigError as err:
            raise ConfigError(f"{option} {key}: {err}") from None
        if value not in values:
            values.append(value)
    if not values:
        raise ConfigError(f"{option} {key} has no values; e.g. {key}=a,b")
    return key, values


def grid(items: list[str], option: str = "--vary", limit: int | None = MAX_RUNS) -> list[dict[str, Any]]:
    """Every combination of the items (KEY=VALUES), as overrides per run ([{}] when there are none).
    At most `limit` runs (None: any number, as a sweep's --grid)."""
    axes = [parse_one(item, option, limit) for item in items]
    keys = [k for k, _ in axes]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        raise ConfigError(f"{option} names {dup} twice; give all its values in one {option} {dup}=a,b")
    n = 1
    for _, values in axes:
        n *= len(values)
    if limit is not None and n > limit:
        raise ConfigError(f"{option} makes {n} runs ({' x '.join(str(len(v)) for _, v in axes)}); at most {limit}")
    return [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in axes))]


def names(cfgs: list[Config]) -> list[str]:
    """Each run's name: the settings that differ between the runs, 'key=value, ...' (the preset's own
    settings for a single run)."""
    if len(cfgs) == 1:
        return [f"seed={cfgs[0].seed}"]
    keys = [k for k in FIELDS if len({getattr(c, k) for c in cfgs}) > 1]
    return [", ".join(f"{k}={short(getattr(c, k))}" for k in keys) or f"run {i + 1}" for i, c in enumerate(cfgs)]


def folder_names(run_names: list[str]) -> list[str]:
    """The runs' names made safe as folder names ('loss=ns, lr_d=0.0001' -> 'loss-ns_lr_d-0.0001'), unique."""
    out: list[str] = []
    for name in run_names:
        slug = re.sub(r"[^A-Za-z0-9.+-]+", "_", name.replace("=", "-").replace(", ", "_")).strip("_") or "run"
        while slug in out:
            slug += "_"
        out.append(slug)
    return out


def short(v: Any) -> str:
    """A setting's value as a run's name shows it."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def check_shared(cfgs: list[Config]) -> None:
    """Runs trained side by side share the data and the clock (config.SHARED): refuse runs that differ there."""
    if not 1 <= len(cfgs) <= MAX_RUNS:
        raise ConfigError(f"a comparison holds 1 to {MAX_RUNS} runs, not {len(cfgs)}; vary fewer values")
    for key in SHARED_KEYS:
        values = {getattr(c, key) for c in cfgs}
        if len(values) > 1:
            raise ConfigError(f"{key} must be the same for every run of a comparison (got "
                              f"{', '.join(map(str, sorted(values, key=str)))}); train those separately")
