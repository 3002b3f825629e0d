"""A sweep's runs grouped into populations: runs trained in lockstep, one set of kernel calls for all the
runs of an architecture (core/population.py).

A population holds runs that share the data and the clock (config.SHARED), at most vary.MAX_RUNS of
them; runs of the same architecture sit together so that they stack. Enough populations are made to
keep every worker busy: 32 runs on 2 workers are 2 populations of 16, 8 runs on 2 workers 2 of 4.
"""
from __future__ import annotations

import math

from ..core.config import ARCHITECTURE_KEYS, SHARED_KEYS, Config
from ..core.vary import MAX_RUNS
from .spec import Run


def populations(runs: list[Run], base: Config, workers: int) -> list[list[Run]]:
    """The runs in populations, in the order of the runs' first appearance."""
    cfgs = {r.folder: r.config(base) for r in runs}
    shared: dict[tuple, list[Run]] = {}
    for r in runs:
        shared.setdefault(tuple(getattr(cfgs[r.folder], k) for k in SHARED_KEYS), []).append(r)
    total, out = len(runs), []
    for group in shared.values():
        first: dict[tuple, int] = {}
        for r in group:
            first.setdefault(_architecture(cfgs[r.folder]), len(first))
        group = sorted(group, key=lambda r: first[_architecture(cfgs[r.folder])])  # stable: seeds stay in order
        # at least one population per worker's share of the runs, none larger than MAX_RUNS
        n = max(math.ceil(len(group) / MAX_RUNS), math.ceil(min(workers, total) * len(group) / total))
        out += split(group, n)
    return out


def split(items: list, n: int) -> list[list]:
    """n consecutive chunks whose sizes differ by at most one."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    chunks, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        chunks.append(items[start:end])
        start = end
    return chunks


def _architecture(cfg: Config) -> tuple:
    return tuple(getattr(cfg, k) for k in ARCHITECTURE_KEYS)
