"""Seconds of headless training until a preset shows what it promises at the end.

    .venv/bin/python tools/time_to_result.py PRESET [--seeds 0:5] [--every 500] [--preset-file FILE]

Trains each seed alone (one thread, as `ganviz train`), and after every `--every` steps checks the
preset's "end" expectations (core/expectations.py); prints, per seed, the training seconds (clock
time of the steps only, evaluation excluded) when they first all held, and whether they hold at
the preset's last step. For docs/presets.md and the notes: the time a lecture waits for a result.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.core.check import MEASURES  # noqa: E402
from ganviz.core.device import training_process  # noqa: E402
from ganviz.core.driver import Driver, Stop  # noqa: E402
from ganviz.core.population import Population  # noqa: E402
from ganviz.core.presets import load_preset  # noqa: E402
from ganviz.core.vary import parse_one  # noqa: E402


def held(pop: Population, expectations) -> bool:
    for e in expectations:
        v = MEASURES[e.measure](pop, 0)
        if not (v >= e.bound if e.above else v <= e.bound):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("preset")
    ap.add_argument("--seeds", default="0:5")
    ap.add_argument("--every", type=int, default=500)
    args = ap.parse_args()
    training_process(1)  # as `ganviz train`: one thread, freed memory kept for the next step
    preset = load_preset(args.preset)
    ends = [e for e in preset.expect if e.when == ("end",) and e.times is None]
    out = []
    for seed in parse_one(f"seed={args.seeds}")[1]:
        cfg = preset.config().replace(seed=seed)
        pop = Population(cfg)
        driver, first = Driver(pop), None  # to the preset's steps, --every steps at a time
        while True:
            stop = driver.advance(max_updates=args.every)
            if stop is Stop.DIVERGED:
                raise driver.error
            ok = held(pop, ends)  # between slices: the driver's seconds are the steps' alone
            if ok and first is None:
                first = (pop.step_count, round(driver.seconds, 1))
            elif not ok:
                first = None  # it must hold from there on: a passing glimpse is not a result
            if stop is not None:
                break
        trained = driver.seconds
        row = {"seed": seed, "first_held_from": first, "held_at_end": held(pop, ends),
               "steps": cfg.steps, "seconds": round(trained, 1), "steps_per_s": round(cfg.steps / trained, 1)}
        out.append(row)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
