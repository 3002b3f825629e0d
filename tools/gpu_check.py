"""Training steps/s on a CUDA GPU beside the same training on the CPU.

    python tools/gpu_check.py [--seconds 10] [--json]

From the repository root, with the project installed. Three trainings, each on the CPU (one thread, as
`ganviz train` runs) and on CUDA, every step as `ganviz train` takes it (logging and evaluation included):

    ring8       the 2D ring of 8 Gaussians, one run (MLPs 128 wide)
    fashion     the `fashion` preset, two MLPs on Fashion-MNIST's 28 x 28 images (the `digits` preset where
                Fashion-MNIST's files are not on disk: this machine may have no network)
    ring8 x4    ring8 --vary seed=0:4, four runs in lockstep (steps of all four at once)

Each side is warmed up first (CUDA's first steps load its kernels), then timed for --seconds with the GPU's
queue empty at both ends. Prints a table, steps/s side by side and their ratio; exits 0, with one line and
nothing measured, on a machine without CUDA. docs/performance.md says what it found.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.core.config import from_dict  # noqa: E402
from ganviz.core.device import cuda_available, describe, synchronize  # noqa: E402
from ganviz.core.errors import GanvizError  # noqa: E402
from ganviz.core.population import Population  # noqa: E402
from ganviz.core.presets import PRESET_DIR, load_preset  # noqa: E402

WARMUP_S = 2.0


def cases() -> list[tuple[str, str, int]]:
    """(name, preset, runs): fashion falls back to digits without its preset."""
    fashion = "fashion" if (PRESET_DIR / "fashion.toml").is_file() else "digits"
    return [("ring8", "ring8", 1), (f"{fashion}", fashion, 1), ("ring8 x4 (--vary seed=0:4)", "ring8", 4)]


def population(preset: str, runs: int, device: str) -> Population:
    cfg = load_preset(preset).config()
    return Population([from_dict({**cfg.to_dict(), "seed": s, "device": device}) for s in range(runs)])


def steps_per_s(pop: Population, seconds: float) -> float:
    """Population steps per second over `seconds` of training, after WARMUP_S of it."""
    for deadline in (WARMUP_S, seconds):
        synchronize(pop.device)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < deadline:
            pop.step()
            n += 1
        synchronize(pop.device)
    return n / (time.perf_counter() - t0)


def measure(preset: str, runs: int, device: str, seconds: float) -> float | str:
    try:
        return steps_per_s(population(preset, runs, device), seconds)
    except GanvizError as err:  # e.g. Fashion-MNIST's files not on disk and no network to fetch them
        return str(err).splitlines()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds timed on each side (after warm-up)")
    ap.add_argument("--json", action="store_true", help="also print one JSON object last")
    args = ap.parse_args()
    if not cuda_available():
        built = "built for CPU" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        print(f"gpu_check: no CUDA GPU on this machine (torch {torch.__version__} {built}); nothing to measure")
        return 0
    torch.set_num_threads(1)  # the CPU side as `ganviz train` runs it
    gpu = describe(torch.device("cuda"))
    print(f"gpu_check: {gpu} against the CPU (1 thread), torch {torch.__version__}, {args.seconds:g} s each")
    print(f"\n  {'training':30} {'cpu steps/s':>12} {'cuda steps/s':>13} {'cuda/cpu':>9}")
    rows = []
    for name, preset, runs in cases():
        cpu = measure(preset, runs, "cpu", args.seconds)
        cuda = measure(preset, runs, "cuda", args.seconds)
        row = {"training": name, "preset": preset, "runs": runs, "cpu_steps_per_s": cpu, "cuda_steps_per_s": cuda}
        rows.append(row)
        if isinstance(cpu, str) or isinstance(cuda, str):
            print(f"  {name:30} not measured: {cpu if isinstance(cpu, str) else cuda}")
            continue
        row["ratio"] = cuda / cpu
        print(f"  {name:30} {cpu:12.1f} {cuda:13.1f} {cuda / cpu:8.2f}x")
    if args.json:
        print(json.dumps({"gpu": gpu, "torch": torch.__version__, "seconds": args.seconds, "results": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
