"""`ganviz presets --check [NAME...] [--seeds A:B]`: do the presets hold what they promise, here?

A lecturer runs it on their own laptop the day before class: each preset trains at each seed (one
population, in lockstep) and a table says, per expectation, its value at every seed and whether it
held. Exit 0 when every expectation held at every seed asked for, 1 otherwise.
"""
from __future__ import annotations

import json
import sys

from ..core import datasets, vary
from ..core.errors import ConfigError
from ..core.presets import load_preset, preset_names
from .fetch import fetch_missing


def parse_seeds(spec: str) -> list[int]:
    key, values = vary.parse_one(f"seed={spec}")
    return list(values)


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def run_check(names: list[str], seeds_spec: str, as_json: bool = False, device: str | None = None) -> int:
    from ..core.check import check
    from ..core.device import training_process
    training_process(1)
    seeds = parse_seeds(seeds_spec)
    presets = [load_preset(n) for n in names] if names else \
        [p for p in (load_preset(n) for n in preset_names()) if p.expect]
    without = [p.name for p in presets if not p.expect]
    if without:
        raise ConfigError(f"preset '{without[0]}' states no expectations ([[expect]]) to check")
    if names:  # asked for by name: a data set not on disk is fetched now, with a progress bar
        for preset in presets:
            fetch_missing(str(preset.settings.get("data", "")))
    else:  # every preset: those whose data set is not on disk are left out, and said so
        absent = [p for p in presets if datasets.absent(str(p.settings.get("data", "")))]
        for p in absent:
            print(f"{p.name}: not checked, {p.settings['data']} is not on disk (ganviz data get {p.settings['data']})")
        presets = [p for p in presets if p not in absent]
    report, all_held = [], True
    print(f"{'preset':16} {'expectation':44} {'per seed ' + seeds_spec:>34} held   time")
    for preset in presets:
        results, seconds = check(preset, seeds, device)
        for k, r in enumerate(results):
            marks = " ".join(f"{_fmt(v)}{'' if ok else '!'}" for v, ok in zip(r.values, r.held))
            print(f"{preset.name if k == 0 else '':16} {r.expectation.text()[:44]:44} {marks:>34} "
                  f"{r.held_count}/{len(seeds)}  {f'{seconds:.0f} s' if k == 0 else ''}", flush=True)
            all_held &= all(r.held)
            report.append({"preset": preset.name, "expectation": r.expectation.text(), "says": r.expectation.says,
                           "values": r.values, "held": r.held, "seconds": round(seconds, 1)})
    print("every expectation held at every seed" if all_held else "some expectations did not hold (marked !)")
    if as_json:
        print(json.dumps({"seeds": seeds, "results": report, "all_held": all_held}))
    sys.stdout.flush()
    return 0 if all_held else 1
