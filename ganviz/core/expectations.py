"""What a preset promises, as expectations a check can hold it to (torch-free: presets load anywhere).

A preset's TOML states them, one [[expect]] table each:

    [[expect]]
    measure = "ks"        # one of MEASURES (core/check.py computes them)
    at_most = 0.05        # or at_least; a bound may be relative: times = "stage 1" makes it
                          # at_most x (the same measure at the end of stage 1)
    when = "end"          # "end" (the preset's steps), "stage N" (after the tour's Nth stage), or a list
                          # of those: the expectation must hold at each. When any expectation names a
                          # stage the check walks the tour, and "end" comes after its last stage
    says = "G's samples match the data"   # what it shows, in words (docs, the check's table)

For `centre` (where G's mass sits, a point), `times` is required and the bound is on how far it
moved since then. For `travel`, `times` is required too: the bound is on the length of the path
G's centre took since then, sampled every few hundred updates (a pile that hops from mode to mode
travels far even when it happens to land near where it started). The README, docs/presets.md, the
check and the tests read the same numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError
from .tables import tables

KEYS = {"measure", "at_most", "at_least", "times", "when", "says"}
MEASURES = ("ks", "jsd", "w1", "modes", "hq", "d_real", "d_fake", "parzen_ll", "d_half_gap", "d_star_gap",
            "d_margin", "spread", "centre", "travel", "mean_gap", "g_grad_ratio",
            "classes", "class_kl", "class_share_min", "class_share_max", "confident_ratio", "fd_ratio", "cond_acc")
DISTANCES = ("centre", "travel")   # bounded on how far G's centre went since `times`, not relative to it


@dataclass(frozen=True)
class Expectation:
    measure: str
    bound: float
    above: bool                   # at_least (True) or at_most (False)
    when: tuple[str, ...]         # "end" or "stage N", each a moment it must hold at
    times: str | None = None      # the bound is relative to the measure at this moment
    says: str = ""

    def text(self) -> str:
        """'ks <= 0.05 at the end' (for tables and docs)."""
        op = "\u2265" if self.above else "\u2264"
        rel = f" \u00d7 its value at {self.times}" if self.times and self.measure not in DISTANCES else ""
        what = {"centre": "centre moved", "travel": "centre travelled"}.get(self.measure, self.measure)
        if self.measure == "travel":
            return f"{what} {op} {self.bound:g} from {self.times} to {', '.join(self.when)}"
        return f"{what} {op} {self.bound:g}{rel} at {', '.join(self.when)}"


def parse(raw: Any, where: str, stages: int) -> list[Expectation]:
    """The preset's [[expect]] tables, or ConfigError naming the preset and the expectation."""
    out = []
    for name, e in tables(raw, where, "expect", "expectation", KEYS):
        measure = e.get("measure")
        if measure not in MEASURES:
            raise ConfigError(f"{name}: measure must be one of {', '.join(MEASURES)}; got {measure!r}")
        if ("at_most" in e) == ("at_least" in e):
            raise ConfigError(f"{name}: give one of at_most or at_least")
        bound = e.get("at_most", e.get("at_least"))
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise ConfigError(f"{name}: the bound must be a number, got {bound!r}")
        when = e.get("when", "end")
        when = tuple([when] if isinstance(when, str) else when)
        for moment in when + ((e["times"],) if "times" in e else ()):
            _check_moment(moment, stages, name)
        if measure in DISTANCES and "times" not in e:
            raise ConfigError(f"{name}: {measure} is a distance from a moment; name it with times = \"stage N\"")
        out.append(Expectation(measure, float(bound), "at_least" in e, when, e.get("times"), str(e.get("says", ""))))
    return out


def _check_moment(moment: Any, stages: int, name: str) -> None:
    if moment == "end":
        return
    parts = str(moment).split()
    if len(parts) == 2 and parts[0] == "stage" and parts[1].isdigit() and 1 <= int(parts[1]) <= stages:
        return
    raise ConfigError(f"{name}: when must be \"end\" or \"stage N\" (N from 1 to {stages}); got {moment!r}")
