"""Memory of a long live run, per process: the window and its training process.

    .venv/bin/python tools/memory_run.py [SECONDS] [PRESET]      # default 600 s of ring8

Runs `ganviz --preset PRESET --steps 100000000 --run-for SECONDS` offscreen and prints each
process's RSS (psutil) every 15 s, then the run's own JSON line. docs/performance.md has a
10-minute run ("Memory over a long run"); `ganviz bench` measures only 50 s of it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    preset = sys.argv[2] if len(sys.argv) > 2 else "ring8"
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    proc = subprocess.Popen([sys.executable, "-m", "ganviz", "gui", "--preset", preset, "--steps", "100000000",
                             "--run-for", str(secs)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, text=True, cwd=ROOT)
    window, t0 = psutil.Process(proc.pid), time.time()
    print("seconds  window MB  training process MB", flush=True)
    while proc.poll() is None:
        try:
            trainers = [c for c in window.children(recursive=True) if "resource_tracker" not in " ".join(c.cmdline())]
            print(f"{time.time() - t0:7.0f}  {window.memory_info().rss / 2**20:9.1f}  "
                  f"{sum(c.memory_info().rss for c in trainers) / 2**20:18.1f}", flush=True)
        except psutil.Error:
            pass  # a process ended between the listing and the reading: the run is finishing
        time.sleep(15)
    print(proc.stdout.read().strip().splitlines()[-1:])


if __name__ == "__main__":
    main()
