"""`ganviz bench --sweep [--quick] [--rounds N] [--json]`: what a sweep saves on this machine.

The same runs three ways, each as a user types it (a fresh interpreter, every output written):
    sequential  `ganviz train --preset ring8 --steps S --seed i` for each seed, one after another
    local       `ganviz sweep --preset ring8 --steps S --seeds 0:N` (populations on this machine's cores)
    ray         the same with `--backend ray` (a local Ray started and stopped by the sweep)
Wall-clock seconds, from launch to exit. Rounds alternate the order, so a neighbour's load falls on
each in turn; the ratios are of the medians.
"""
from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL = (32, 2000)   # runs, steps: the figure
QUICK = (4, 200)
TARGETS = (("speedup_local", ">=", 1.5, "sequential `ganviz train` / the local backend's sweep"),
           ("ray_vs_local", "<=", 1.2, "the sweep on a local Ray / on the local backend"))


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:6])} ... failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return time.perf_counter() - t0


def sequential(tmp: Path, runs: int, steps: int, device: str = "auto") -> float:
    return sum(_run([sys.executable, "-m", "ganviz", "train", "--preset", "ring8", "--steps", str(steps), "--seed",
                     str(i), "--out", str(tmp / f"seed-{i}"), "--quiet", "--device", device]) for i in range(runs))


def sweep(tmp: Path, runs: int, steps: int, backend: str, device: str = "auto") -> float:
    return _run([sys.executable, "-m", "ganviz", "sweep", "--preset", "ring8", "--steps", str(steps), "--seeds",
                 f"0:{runs}", "--backend", backend, "--out", str(tmp / backend), "--quiet", "--device", device])


def measure(runs: int, steps: int, rounds: int, log, device: str = "auto") -> dict:
    ways = ["sequential", "local"] + (["ray"] if importlib.util.find_spec("ray") else [])
    seconds: dict[str, list[float]] = {w: [] for w in ways}
    for r in range(rounds):
        for way in ways if r % 2 == 0 else ways[::-1]:
            log(f"round {r + 1}/{rounds}: {way}, {runs} ring8 runs of {steps:,} steps")
            with tempfile.TemporaryDirectory(prefix="ganviz-bench-") as tmp:
                fn = sequential if way == "sequential" else lambda t, n, s, d: sweep(t, n, s, way, d)
                seconds[way].append(fn(Path(tmp), runs, steps, device))
    med = {w: statistics.median(v) for w, v in seconds.items()}
    res = {"runs": runs, "steps": steps, "rounds": rounds, "seconds": seconds,
           **{f"{w}_s": med[w] for w in ways}, "speedup_local": med["sequential"] / med["local"]}
    if "ray" in med:
        res["ray_vs_local"] = med["ray"] / med["local"]
    return res


def main(quick: bool = False, as_json: bool = False, rounds: int = 1, device: str = "auto") -> int:
    from .bench import mark, rounded, log, machine, verdicts
    runs, steps = QUICK if quick else FULL
    res = {"machine": machine(device), **measure(runs, steps, rounds, log, device)}
    res["load_avg_1min_after"] = machine().get("load_avg_1min")
    res["targets"] = {k: v for k, v in verdicts(res, TARGETS).items()}
    m = res["machine"]
    lines = [f"ganviz bench --sweep: {runs} ring8 runs of {steps:,} steps on {m['device']}; {m['cpu']}, "
             f"{m['cpus']} cores, load {m.get('load_avg_1min', '?')} before, {res['load_avg_1min_after']} after", "",
             f"  {'way':34} {'seconds (median)':>17}  rounds"]
    for way, what in (("sequential", "ganviz train, one run after another"), ("local", "ganviz sweep (local)"),
                      ("ray", "ganviz sweep --backend ray")):
        if f"{way}_s" in res:
            lines.append(f"  {what:34} {res[f'{way}_s']:17.1f}  " + ", ".join(f"{s:.1f}" for s in res["seconds"][way]))
    lines += ["", "targets"] + [f"  {mark(v['pass'])}  {k} = {v['value']:.2f} (target {v['target']}): {v['means']}"
                                for k, v in res["targets"].items() if v["value"] is not None]
    print("\n".join(lines))
    if as_json:
        print(json.dumps(rounded(res), allow_nan=False))
    return 0
