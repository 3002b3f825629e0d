"""`ganviz bench [--json] [--quick]`: how fast ganviz trains and draws on this machine.
`ganviz bench --soak SECONDS [--json]`: the memory of the window's processes over a long run.

Three measurements in one run:
1. the yardstick: the GAN loop of pytorch/examples' DCGAN (separate forward passes for real
   and fake, zero_grad, backward, step; D then G, G's step on the D step's G(z); default
   optimiser options and thread count) on exactly the ring8 preset's models, batch, optimiser
   and loss;
2. ganviz's headless trainer (what `ganviz train` runs, one thread) on ring8, figure1, digits, and
   on images of each size (8x8, 16x16, 28x28, 32x32 RGB) with the settings sized for it;
   on ring8 interleaved with the yardstick in short rounds, so both see the same machine load;
3. the window attached (a scripted offscreen run in a subprocess) on ring8, figure1, four ring8 runs
   in compare mode, digits (with an empty classifier cache: a first launch, the classifier training
   beside the frames) and fashion (when Fashion-MNIST is on disk): training speed while drawing,
   frames/s, frame times (a snapshot applied and painted), the first frame (from launching the process
   to its paint), and the memory of its processes;
4. this machine's ceiling (cli/ceiling.py): one ring8 and one figure1 step's matrix products and
   activations timed alone, each trainer's speed as a share of it, the cost per number of each
   activation, and the CPU (model, torch's vector instructions).

Wall-clock rates throughout (what a user waits for). Ratios are medians over interleaved rounds.
`--device` trains everything (the yardstick too) on that device; the report names it.
Exit status 0 when everything was measured (the targets' verdicts are in the output), 1 when
a part could not be measured (e.g. the window failed to start).
"""
from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

# (key, comparison, bound, what it means) — checked here, never by timed tests.
TARGETS = (
    ("reference_ratio_best", ">=", 1.1, "headless ring8 / the tutorial loop at its faster thread count"),
    ("ceiling_fraction_ring8", ">=", 0.55, "headless ring8 / this machine's ceiling for its step (cli/ceiling.py)"),
    ("lockstep_ratio", ">=", 1.8, "run-steps/s of 4 figure1 runs in lockstep / the same runs one after another"),
    ("lockstep_ratio_ring8", ">=", 1.3, "the same for 4 ring8 runs (128-wide nets)"),
    ("gui_ratio", ">=", 0.85, "ring8 steps/s with the window attached / headless"),
    ("frames_per_s", ">=", 30.0, "ring8 frames drawn per second"),
    ("frame_ms_p95", "<=", 33.0, "ring8 95th percentile frame time: a snapshot applied and painted (ms)"),
    ("first_frame_s", "<=", 2.0, "seconds from launching the window to its first painted frame (ring8)"),
    ("rss_growth_mb", "<=", 50.0, "memory growth of the window's processes while playing ring8, after start-up (MB)"),
    ("compare_frames_per_s", ">=", 20.0, "compare mode, 4 ring8 runs: frames drawn per second"),
    ("compare_frame_ms_p95", "<=", 50.0, "compare mode, 4 ring8 runs: 95th percentile frame time (ms)"),
    ("compare_gui_ratio", ">=", 0.85, "compare mode, 4 ring8 runs: steps/s with the window / the same runs headless"),
    ("digits_frames_per_s", ">=", 30.0, "digits in the window, a first launch (the classifier trains): frames/s"),
    ("digits_first_frame_s", "<=", 2.0, "digits, a first launch: seconds from launching the window to its first frame"),
)
IMAGE_PRESETS = ("digits", "fashion")  # in the window; fashion when its data set is on disk
TIME_TO_RESULT = ("tools/time_to_result.py PRESET: the training seconds until a preset's expectations hold, per seed "
                  "(minutes a preset: not run by the bench); figures in docs/performance.md, 'Time to result'")
COMPARE = ("ring8", ["seed=0:4"])  # the compare-mode measurement: preset and --vary


@dataclass(frozen=True)
class Plan:
    rounds: int          # interleaved rounds of reference / headless on ring8
    block_s: float       # seconds per contender per round
    other_s: float       # seconds of headless training on figure1 and on digits
    gui_s: dict          # preset -> seconds of live play in the scripted window run
    warmup_s: float      # start-up ends this long after the first frame; RSS growth is counted from there


QUICK = Plan(rounds=6, block_s=0.5, other_s=1.5,
             gui_s={"ring8": 10.0, "figure1": 5.0, "compare": 8.0, "digits": 8.0, "fashion": 8.0}, warmup_s=4.0)
FULL = Plan(rounds=10, block_s=1.2, other_s=5.0,
            gui_s={"ring8": 50.0, "figure1": 15.0, "compare": 20.0, "digits": 15.0, "fashion": 15.0}, warmup_s=10.0)


def log(msg: str) -> None:
    sys.stderr.write(f"bench: {msg}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------- the yardstick
ACTIVATION = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh, "elu": nn.ELU,
              "softplus": nn.Softplus}


def tutorial_models(cfg, shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    """G and D as a tutorial builds them (nn.Sequential of nn.Linear), the sizes of cfg's MLP."""
    dim = math.prod(shape)

    def mlp(n_in: int, hidden: int, depth: int, n_out: int) -> nn.Sequential:
        layers, width = [], n_in
        for _ in range(depth if cfg.model == "mlp" else 0):
            layers += [nn.Linear(width, hidden), ACTIVATION[cfg.activation]()]
            width = hidden
        return nn.Sequential(*layers, nn.Linear(width, n_out))
    return mlp(cfg.z_dim, cfg.g_hidden, cfg.g_depth, dim), mlp(dim, cfg.d_hidden, cfg.d_depth, 1)


def reference_loop(cfg, pool: torch.Tensor, device: torch.device = torch.device("cpu")):
    """One step of the textbook GAN loop (pytorch/examples dcgan/main.py) for cfg's models.

    Non-saturating BCE: D minimises BCE(D(x), 1) + BCE(D(G(z)), 0) on fake.detach(); then G
    minimises BCE(D(G(z)), 1) on the same fake, D updated in between (one G forward a step).
    Optimiser as the preset names it, torch's default implementation.
    """
    torch.manual_seed(cfg.seed)
    G, D = (net.to(device) for net in tutorial_models(cfg, tuple(pool.shape[1:])))
    pool = pool.to(device)
    criterion = nn.BCEWithLogitsLoss()  # D returns a logit
    if cfg.optimizer == "sgd":
        opt_d = torch.optim.SGD(D.parameters(), lr=cfg.lr_d, momentum=cfg.momentum)
        opt_g = torch.optim.SGD(G.parameters(), lr=cfg.lr_g, momentum=cfg.momentum)
    elif cfg.optimizer == "rmsprop":
        opt_d, opt_g = torch.optim.RMSprop(D.parameters(), lr=cfg.lr_d), torch.optim.RMSprop(G.parameters(), lr=cfg.lr_g)
    else:
        opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
        opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
    m, z_dim = cfg.batch_size, cfg.z_dim

    def noise():
        return torch.rand(m, z_dim, device=device) * 2 - 1 if cfg.prior == "uniform" else \
            torch.randn(m, z_dim, device=device)

    def step() -> None:
        real = pool[torch.randint(len(pool), (m,), device=device)]
        # (1) update D: maximise log D(x) + log(1 - D(G(z)))
        opt_d.zero_grad()
        label = torch.full((m,), 1.0, device=device)
        loss_real = criterion(D(real).reshape(-1), label)
        fake = G(noise())
        label = torch.full((m,), 0.0, device=device)
        loss_fake = criterion(D(fake.detach()).reshape(-1), label)
        (loss_real + loss_fake).backward()
        opt_d.step()
        # (2) update G: maximise log D(G(z)), the same G(z), through the updated D
        opt_g.zero_grad()
        label = torch.full((m,), 1.0, device=device)
        loss_g = criterion(D(fake).reshape(-1), label)
        loss_g.backward()
        opt_g.step()

    return step


def run_for(step, seconds: float, threads: int, device: torch.device | None = None) -> tuple[int, float, float]:
    """Call step() until `seconds` have passed; (steps, wall seconds, this thread's CPU seconds). On a GPU the
    clock starts and stops with its queue empty, so queued steps are not counted as done."""
    from ..core.device import synchronize
    torch.set_num_threads(threads)
    if device is not None:
        synchronize(device)
    n, t0, c0 = 0, time.perf_counter(), time.thread_time()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            if device is not None:
                synchronize(device)
                elapsed = time.perf_counter() - t0
            return n, elapsed, time.thread_time() - c0


def headless_vs_reference(plan: Plan, default_threads: int, device: str = "auto") -> dict:
    from ..core.population import Population
    from ..core.presets import load_preset
    cfg = load_preset("ring8").config().replace(device=device)
    pop = Population(cfg)
    dev = pop.device
    pool = torch.from_numpy(pop.data.train)
    contenders = {"headless": (pop.step, 1), "reference": (reference_loop(cfg, pool, dev), default_threads)}
    if default_threads != 1:
        contenders["reference_1t"] = (reference_loop(cfg, pool, dev), 1)
    for step, threads in contenders.values():  # warm-up: first calls allocate and initialise
        run_for(step, 0.2, threads, dev)
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    cpu_rates: dict[str, list[float]] = {k: [] for k in contenders}  # steps per CPU second (1 thread only)
    for r in range(plan.rounds):
        order = list(contenders) if r % 2 == 0 else list(contenders)[::-1]
        for name in order:
            step, threads = contenders[name]
            n, el, cpu = run_for(step, plan.block_s, threads, dev)
            rates[name].append(n / el)
            cpu_rates[name].append(n / cpu if threads == 1 and cpu > 0 else float("nan"))
    torch.set_num_threads(default_threads)

    def median_ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(rates[a], rates[b]))

    out = {"headless_steps_per_s": statistics.median(rates["headless"]),
           "headless_steps_per_cpu_s": statistics.median(cpu_rates["headless"]),
           "reference_steps_per_s": statistics.median(rates["reference"]),
           "reference_ratio": median_ratio("headless", "reference"),
           "rounds": rates}
    if "reference_1t" in rates:
        out["reference_1thread_steps_per_s"] = statistics.median(rates["reference_1t"])
        out["reference_ratio_1thread"] = median_ratio("headless", "reference_1t")
        # the yardstick at its faster thread count this run, round by round
        out["reference_ratio_best"] = statistics.median(
            h / max(a, b) for h, a, b in zip(rates["headless"], rates["reference"], rates["reference_1t"]))
        # Per CPU second of the one thread each uses: what the code costs, whatever else the machine runs.
        out["reference_ratio_1thread_cpu"] = statistics.median(
            h / r for h, r in zip(cpu_rates["headless"], cpu_rates["reference_1t"]))
    else:
        out["reference_ratio_best"] = out["reference_ratio"]
    return out


def ceiling_of(preset: str) -> dict:
    """cli/ceiling.py's ceiling for one run of the preset on the CPU, one thread."""
    from ..core.population import Population
    from ..core.presets import load_preset
    from . import ceiling
    torch.set_num_threads(1)
    pop = Population(load_preset(preset).config().replace(device="cpu"))
    return ceiling.step_ceiling(pop.step)


def headless_rate(preset: str, seconds: float, runs: int = 1, device: str = "auto") -> float:
    """Steps/s of the preset trained headless: `runs` seeds as one population (steps of all at once)."""
    from ..core.population import Population
    from ..core.presets import load_preset
    cfg = load_preset(preset).config().replace(device=device)
    pop = Population([cfg.replace(seed=s) for s in range(runs)])
    run_for(pop.step, min(0.5, seconds / 3), 1, pop.device)
    n, el, _ = run_for(pop.step, seconds, 1, pop.device)
    return n / el


def on_disk(preset: str) -> bool:
    """Whether the preset's data is here without a download (built-in, or a real set found on disk)."""
    from ..core import datasets
    return not datasets.absent(load_data_name(preset))


def preset_rate(preset: str, seconds: float, device: str = "auto") -> tuple[float, str]:
    """(steps/s of one run of the preset, headless, evaluation included when due; what it trained on): its own
    data when on disk, else random pixels of the data's shape (the speed does not depend on what they show)."""
    import numpy as np

    from ..core import datasets
    from ..core.data import from_array
    from ..core.population import Population
    from ..core.presets import load_preset
    cfg = load_preset(preset).config().replace(device=device)
    data, what = None, cfg.data
    if not on_disk(preset):
        side = 28
        pixels = np.random.default_rng(0).integers(0, 256, (2000, side, side), dtype=np.uint8)
        labels = np.arange(2000) % len(datasets.classes(cfg.data.lower()))
        data = from_array(cfg.data, pixels, labels=labels, classes=datasets.classes(cfg.data.lower()))
        what = f"random 28x28 pixels ({cfg.data} is not on disk)"
    pop = Population(cfg, data=data)
    run_for(pop.step, min(0.5, seconds / 3), 1, pop.device)
    n, el, _ = run_for(pop.step, seconds, 1, pop.device)
    return n / el, what


IMAGE_SIZES = (("8x8", "digits", 0, 1), ("16x16", "shapes", 0, 1), ("28x28", "digits", 28, 1), ("32x32 RGB", None, 32, 3))


def image_rates(seconds: float, device: str = "auto") -> dict[str, float]:
    """Training steps/s (no evaluation) of one run at each image size, with the settings sized for it
    (core/sizing.py): the digits and shapes presets, digits resized to 28 x 28, and 32 x 32 colour images
    (random pixels: the speed does not depend on what they show)."""
    import numpy as np

    from ..core import sizing
    from ..core.config import from_dict
    from ..core.data import from_array, load
    from ..core.population import Population
    out = {}
    for name, builtin, side, channels in IMAGE_SIZES:
        if builtin is not None:
            data = load(builtin, image_size=side or None)
        else:
            pixels = np.random.default_rng(0).integers(0, 256, (2000, side, side, channels), dtype=np.uint8)
            data = from_array("rgb", pixels)
        settings = sizing.for_side(max(data.image_shape[1:]))[1]
        pop = Population(from_dict({**settings, "data": "digits", "eval_every": 10**6, "device": device}), data=data)
        run_for(pop.step, min(0.5, seconds / 3), 1, pop.device)
        n, el, _ = run_for(pop.step, seconds, 1, pop.device)
        out[name] = n / el
    return out


def lockstep(preset: str, plan: Plan, runs: int = 4, device: str = "auto") -> dict:
    """Run-steps/s of `runs` seeds of the preset in lockstep (one population) and one after another
    (a population each, stepped in turn), one thread each way, in interleaved rounds."""
    from ..core.population import Population
    from ..core.presets import load_preset
    cfg = load_preset(preset).config().replace(device=device)
    together = Population([cfg.replace(seed=s) for s in range(runs)])
    dev = together.device
    apart = [Population(cfg.replace(seed=s)) for s in range(runs)]

    def one_after_another() -> None:
        for pop in apart:
            pop.step()
    rates: dict[str, list[float]] = {"lockstep": [], "sequential": []}
    for step in (together.step, one_after_another):
        run_for(step, 0.3, 1, dev)  # warm-up
    for r in range(plan.rounds):
        for name, step in (("lockstep", together.step), ("sequential", one_after_another))[::1 if r % 2 else -1]:
            n, el, _ = run_for(step, plan.block_s, 1, dev)
            rates[name].append(runs * n / el)
    return {"lockstep_run_steps_per_s": statistics.median(rates["lockstep"]),
            "sequential_run_steps_per_s": statistics.median(rates["sequential"]),
            "ratio": statistics.median(a / b for a, b in zip(rates["lockstep"], rates["sequential"]))}


# ---------------------------------------------------------------------------- the window attached
def _rss_mb(window) -> tuple[float, float, float]:
    """RSS in MB of (the window's process, its training process, the whole tree); NaN if unreadable."""
    import psutil
    try:
        own, children = window.memory_info().rss, window.children(recursive=True)
    except psutil.Error:
        return float("nan"), float("nan"), float("nan")
    trainer = other = 0
    for p in children:
        try:
            rss = p.memory_info().rss
            if "resource_tracker" in " ".join(p.cmdline()):  # multiprocessing's helper, not the trainer
                other += rss
            else:
                trainer += rss
        except psutil.Error:
            pass
    return own / 2**20, trainer / 2**20, (own + trainer + other) / 2**20


@dataclass
class WindowRun:
    result: dict    # the scripted run's JSON line
    samples: list   # (seconds since launch, window MB, training process MB, total MB)
    t_play: float   # seconds from launch to the first frame: play starts there
    t_end: float    # seconds from launch to the JSON line: play has ended

    def live(self) -> list:
        return [s for s in self.samples if self.t_play <= s[0] <= self.t_end and s[3] == s[3]]

    def at(self, t: float) -> tuple:
        """The first sample at or after t seconds of play (the last one if none is)."""
        live = self.live()
        return next((s for s in live if s[0] >= self.t_play + t), live[-1])


def launch_window(preset: str, seconds: float, sample_s: float, vary: list[str] = (), device: str = "auto",
                  env_extra: dict | None = None) -> WindowRun | str:
    """`ganviz gui --preset P --run-for S` (offscreen unless QT_QPA_PLATFORM says otherwise), RSS
    sampled every sample_s; a WindowRun, or why it failed. env_extra: more environment (GANVIZ_CACHE)."""
    import psutil
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(env_extra or {})
    # A step target far away: a preset's run that completes pauses, and the frames would stop with it.
    cmd = [sys.executable, "-m", "ganviz", "gui", "--preset", preset, "--steps", "100000000",
           "--run-for", str(seconds), "--device", device, *(a for v in vary for a in ("--vary", v))]
    launched, t0 = time.time(), time.perf_counter()  # the first frame is reported by the wall clock
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    samples: list[tuple[float, float, float, float]] = []
    ps = psutil.Process(proc.pid)
    stderr_tail: list[str] = []
    drain = threading.Thread(target=lambda: stderr_tail.extend(proc.stderr.readlines()[-5:]), daemon=True)
    drain.start()
    out_lines: list[tuple[float, str]] = []  # (seconds since launch, line): the JSON line marks the run's end

    def read_stdout() -> None:
        for line in proc.stdout:
            out_lines.append((time.perf_counter() - t0, line))

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    deadline = t0 + seconds + 120
    while proc.poll() is None and time.perf_counter() < deadline:
        samples.append((time.perf_counter() - t0, *_rss_mb(ps)))
        time.sleep(sample_s)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        return f"the window run did not finish within {seconds + 120:.0f} s"
    reader.join(5)
    drain.join(5)
    result, t_end = None, None
    for t, line in reversed(out_lines):
        if line.strip().startswith("{"):
            try:
                result, t_end = json.loads(line), t
                break
            except ValueError:
                pass
    if proc.returncode != 0 or result is None or not result.get("first_frame_at"):
        why = stderr_tail[-1].strip() if stderr_tail else f"exit status {proc.returncode}"
        return f"the window run failed: {why}"
    result["wall_s"] = round(time.perf_counter() - t0, 2)
    # What a user waits for: from launching the command to the first painted frame.
    result["window_first_frame_s"] = result.pop("first_frame_s")
    result["first_frame_s"] = round(result["first_frame_at"] - launched, 3)
    run = WindowRun(result, samples, t_play=result["first_frame_s"], t_end=t_end)
    return run if run.live() else "the window run ended before its memory could be read"


def gui_run(preset: str, seconds: float, warmup_s: float, vary: list[str] = (), device: str = "auto",
            env_extra: dict | None = None) -> dict:
    """The window attached: its JSON line, and the RSS of its process tree while it played."""
    run = launch_window(preset, seconds, sample_s=0.25, vary=vary, device=device, env_extra=env_extra)
    if isinstance(run, str):
        return {"error": run}
    result, live = run.result, run.live()
    # Start-up does not end at the first frame: what the first picture does not need comes right
    # after it, once (torch.optim's first use imports torch._dynamo, ~70 MB; the first
    # evaluation; allocator pools). rss_startup_mb is that one-time cost, first frame to
    # warmup_s later; rss_growth_mb (the target) is what playing adds after it, the part that a
    # longer run keeps adding to until the timeline's and the curves' bounds are reached.
    start, warm, end = live[0][3], run.at(warmup_s)[3], live[-1][3]
    result.update(rss_start_mb=round(start, 1), rss_warm_mb=round(warm, 1), rss_end_mb=round(end, 1),
                  rss_peak_mb=round(max(s[3] for s in live), 1), rss_warmup_s=warmup_s,
                  rss_source="bench: psutil, sum over the window's process tree",
                  rss_startup_mb=round(warm - start, 1), rss_growth_mb=round(end - warm, 1),
                  rss_growth_from_first_frame_mb=round(end - start, 1))
    return result


# ---------------------------------------------------------------------------- memory over a long run
SOAK_PRESET = "ring8"
SOAK_ROWS = 8  # table rows after start-up


def soak(seconds: float, device: str = "auto") -> dict:
    """ring8 playing in the window for `seconds`: the RSS of the window and of its training process."""
    warmup_s = min(FULL.warmup_s, seconds / 4)  # start-up ends as in the bench, or sooner in a short soak
    run = launch_window(SOAK_PRESET, seconds, sample_s=1.0, device=device)
    if isinstance(run, str):
        return {"error": run}
    g, live = run.result, run.live()
    res = {"soak_s": seconds, "preset": SOAK_PRESET, "steps": g["steps"], "steps_per_s": g["steps_per_s"],
           "frames_per_s": g["frames_per_s"], "first_frame_s": g["first_frame_s"], "warmup_s": warmup_s,
           "machine": machine(device)}
    start, warm, end = live[0], run.at(warmup_s), live[-1]
    for i, name in enumerate(("window", "trainer", "total"), start=1):
        res.update({f"{name}_start_mb": start[i], f"{name}_warm_mb": warm[i], f"{name}_end_mb": end[i],
                    f"{name}_peak_mb": max(s[i] for s in live), f"{name}_growth_mb": end[i] - warm[i],
                    f"{name}_startup_mb": warm[i] - start[i]})
    times = [0.0, warmup_s] + [warmup_s + (seconds - warmup_s) * k / SOAK_ROWS for k in range(1, SOAK_ROWS + 1)]
    rows = list(dict.fromkeys(run.at(t) for t in times))
    res["table"] = [{"s": s[0] - run.t_play, "window_mb": s[1], "trainer_mb": s[2], "total_mb": s[3]} for s in rows]
    res["rss_growth_mb"] = res["total_growth_mb"]
    res["targets"] = {k: v for k, v in verdicts(res).items() if k == "rss_growth_mb"}
    return res


def soak_table(res: dict) -> str:
    m, t = res["machine"], res["targets"]["rss_growth_mb"]
    lines = [f"ganviz bench --soak {res['soak_s']:g}: {res['preset']} playing in the window on {m['device']}; "
             f"{m['cpu']}, {m['cpus']} cores, load {m.get('load_avg_1min', '?')}",
             f"  {res['steps']:,} steps ({res['steps_per_s']:.0f}/s), {res['frames_per_s']:.1f} frames/s, "
             f"first frame {res['first_frame_s']:.2f} s after launch", "",
             f"  {'seconds':>8} {'window MB':>10} {'training MB':>12} {'total MB':>9}"]
    for row in res["table"]:
        lines.append(f"  {row['s']:8.0f} {row['window_mb']:10.1f} {row['trainer_mb']:12.1f} {row['total_mb']:9.1f}")
    grow = {k: res[f"{k}_growth_mb"] for k in ("window", "trainer", "total")}
    lines += ["", f"growth after start-up ({res['warmup_s']:g} s after the first frame to the end): window "
              f"{grow['window']:+.1f} MB, training process {grow['trainer']:+.1f} MB, total {grow['total']:+.1f} MB",
              f"start-up after the first frame (once): total {res['total_startup_mb']:+.1f} MB",
              f"  {mark(t['pass'])}  rss_growth_mb = {_fmt(t['value'], 1)} (target {t['target']}): {t['means']}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- report
def machine(device: str = "auto") -> dict:
    """The machine, and the device `device` (a setting) resolves to here, as the report names it."""
    from ..core.device import describe, resolve_device
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"device": describe(resolve_device(device)), "cpu": model, "cpus": os.cpu_count(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
            "default_threads": torch.get_num_threads(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}
    if hasattr(os, "getloadavg"):
        info["load_avg_1min"] = round(os.getloadavg()[0], 2)  # other work on the machine skews every number
    return info


def verdicts(res: dict, targets=TARGETS) -> dict:
    out = {}
    for key, op, bound, what in targets:
        v = res.get(key)
        ok = None if v is None else (v >= bound if op == ">=" else v <= bound)
        out[key] = {"target": f"{op} {bound:g}", "value": v, "pass": ok, "means": what}
    return out


def _fmt(v, nd=1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def table(res: dict) -> str:
    m = res["machine"]
    lines = [f"ganviz bench{' --quick' if res['quick'] else ''} on {m['device']}; {m['cpu']} "
             f"({m.get('cpu_capability', '?')}), {m['cpus']} cores, "
             f"torch {m['torch']} (default {m['default_threads']} threads), load {m.get('load_avg_1min', '?')}",
             "", f"{'training, steps/s (wall clock)':44} {'steps/s':>9}  ratio"]
    lines.append(f"{'  reference loop, ring8, default threads':44} {_fmt(res['reference_steps_per_s']):>9}")
    if "reference_1thread_steps_per_s" in res:
        lines.append(f"{'  reference loop, ring8, 1 thread':44} {_fmt(res['reference_1thread_steps_per_s']):>9}")
    lines.append(f"{'  ganviz headless, ring8 (1 thread)':44} {_fmt(res['headless_steps_per_s']):>9}  "
                 f"x{_fmt(res['reference_ratio'], 2)} vs default"
                 + (f", x{_fmt(res['reference_ratio_1thread'], 2)} vs 1 thread "
                    f"(x{_fmt(res['reference_ratio_1thread_cpu'], 2)} per CPU second)"
                    if "reference_ratio_1thread" in res else ""))
    for p in ("figure1", "digits", *res.get("presets_28", {})):
        what = res.get("presets_28", {}).get(p)
        note = f"  on {what}" if what and what != load_data_name(p) else ""
        lines.append(f"{'  ganviz headless, ' + p:44} {_fmt(res['headless'][p]):>9}{note}")
    for name, rate in res.get("images", {}).items():
        lines.append(f"{'  images ' + name + ', sized settings, no evaluation':44} {_fmt(rate):>9}")
    lines.append(f"{'  4 ' + COMPARE[0] + ' runs in lockstep (population steps)':44} "
                 f"{_fmt(res['headless']['compare']):>9}")
    if res.get("ceiling"):
        lines += ["", f"this machine's ceiling (one thread; a step's products and activations timed alone)"]
        for p, c in res["ceiling"].items():
            rate = res["headless_steps_per_s"] if p == "ring8" else res["headless"][p]
            lines.append(f"  {p:10} {c['mflop']:6.1f} MFLOP of products at {c['gflops']:5.1f} GFLOPS = "
                         f"{c['products_ms']:.3f} ms, activations {c['activations_ms']:.3f} ms: "
                         f"{c['steps_per_s']:7.1f} steps/s; ganviz {rate:6.1f} = {rate / c['steps_per_s']:.2f} of it")
        ew = res["elementwise_ns"]
        lines.append(f"  ns per number ({ELEMENTWISE_SIZE}): " + ", ".join(f"{k} {v:.2f}" for k, v in ew.items()))
        lines.append(f"  a 256 x 256 product: {res['matmul_peak_gflops']:.0f} GFLOPS")
    lines += ["", f"{'4 runs, run-steps/s':44} {'lockstep':>9} {'one by one':>11}  ratio"]
    for p, r in res.get("lockstep", {}).items():
        lines.append(f"{'  ' + p:44} {_fmt(r['lockstep_run_steps_per_s']):>9} {_fmt(r['sequential_run_steps_per_s']):>11}"
                     f"  x{_fmt(r['ratio'], 2)}")
    lines += ["", f"{'window attached (offscreen)':28} {'steps/s':>8} {'xheadl.':>8} {'frames/s':>9} {'p50 ms':>7} "
              f"{'p95 ms':>7} {'draw p95':>8} {'first s':>8} {'RSS MB first frame/warm/end':>28}"]
    for p, g in res["gui"].items():
        if "error" in g:
            lines.append(f"  {p:26} {g['error']}")
            continue
        ratio = g["steps_per_s"] / res["headless"][p] if res["headless"].get(p) else None
        rss = f"{_fmt(g.get('rss_start_mb'), 0)}/{_fmt(g.get('rss_warm_mb'), 0)}/{_fmt(g.get('rss_end_mb'), 0)}"
        lines.append(f"  {p:26} {_fmt(g['steps_per_s']):>8} {_fmt(ratio, 2):>8} {_fmt(g['frames_per_s']):>9} "
                     f"{_fmt(g['frame_ms_p50'], 2):>7} {_fmt(g['frame_ms_p95'], 2):>7} {_fmt(g['draw_ms_p95'], 2):>8} "
                     f"{_fmt(g['first_frame_s'], 2):>8} "
                     f"{rss:>28}")
    lines.append("  frame: a snapshot applied and painted; draw: applied only; first: from launch to the first "
                 "painted frame")
    if res.get("gui_ratio_cpu") is not None:
        lines.append(f"  ring8 steps per CPU second of the training process, x headless: {res['gui_ratio_cpu']:.2f}")
    if res.get("rss_growth_mb") is not None:
        lines.append(f"  ring8 RSS: start-up after the first frame {res['rss_startup_mb']:.1f} MB (once), "
                     f"then {res['rss_growth_mb']:.1f} MB while playing")
    lines += ["", f"time to result: {res.get('time_to_result', TIME_TO_RESULT)}", "", "targets"]
    for key, v in res["targets"].items():
        lines.append(f"  {mark(v['pass'])}  {key} = {_fmt(v['value'], 2)} (target {v['target']}): {v['means']}")
    return "\n".join(lines)


ELEMENTWISE_SIZE = "256 x 128, in the cache"


def load_data_name(preset: str) -> str:
    from ..core.presets import load_preset
    return str(load_preset(preset).settings.get("data", ""))


def mark(ok: bool | None) -> str:
    return {True: "pass", False: "MISS", None: "n/a "}[ok]


def main(quick: bool = False, as_json: bool = False, soak_s: float | None = None, device: str = "auto") -> int:
    if soak_s is not None:
        log(f"{SOAK_PRESET}: window attached, {soak_s:g} s of live play, memory sampled every second")
        res = soak(soak_s, device)
        if "error" in res:
            sys.stderr.write(f"ganviz: {res['error']}\n")
            return 1
        print(soak_table(res))
        if as_json:
            print(json.dumps(rounded(res), allow_nan=False))
        return 0
    plan = QUICK if quick else FULL
    from ..core.device import training_process
    training_process(torch.get_num_threads())  # the allocator every training process has (threads: run_for's)
    t_start = time.perf_counter()
    res: dict = {"quick": quick, "machine": machine(device), "device": device}
    default_threads = res["machine"]["default_threads"]
    log(f"on {res['machine']['device']}")
    log(f"ring8: tutorial loop vs headless trainer, {plan.rounds} interleaved rounds")
    res.update(headless_vs_reference(plan, default_threads, device))
    res["headless"] = {"ring8": res["headless_steps_per_s"]}
    for p in ("figure1", "digits"):
        log(f"{p}: headless trainer")
        res["headless"][p] = headless_rate(p, plan.other_s, device=device)
    res["presets_28"] = {}
    for p in ("fashion", "mnist"):  # the 28 x 28 presets; mnist only when on disk
        if p == "mnist" and not on_disk(p):
            continue
        log(f"{p}: headless trainer")
        res["headless"][p], res["presets_28"][p] = preset_rate(p, plan.other_s, device)
    if res["machine"]["device"] == "cpu":
        from . import ceiling
        log("this machine's ceiling: a ring8 and a figure1 step's products and activations, each timed alone")
        res["ceiling"] = {}
        for p, rate in (("ring8", res["headless_steps_per_s"]), ("figure1", res["headless"]["figure1"])):
            res["ceiling"][p] = c = ceiling_of(p)
            res[f"ceiling_fraction_{p}"] = rate / c["steps_per_s"]
        res["elementwise_ns"] = ceiling.elementwise_costs()
        res["matmul_peak_gflops"] = ceiling.matmul_peak()
        torch.set_num_threads(default_threads)
    log("images: 8x8, 16x16, 28x28, 32x32 RGB, the settings sized for each (core/sizing.py)")
    res["images"] = image_rates(plan.other_s, device)
    for p, key in (("figure1", "lockstep_ratio"), ("ring8", "lockstep_ratio_ring8")):
        log(f"{p}: 4 runs in lockstep vs one after another, {plan.rounds} interleaved rounds")
        res["lockstep"] = res.get("lockstep", {})
        res["lockstep"][p] = lockstep(p, plan, device=device)
        res[key] = res["lockstep"][p]["ratio"]
    preset, vary = COMPARE
    log(f"compare: {preset} {' '.join(vary)} headless")
    res["headless"]["compare"] = headless_rate(preset, plan.other_s, runs=4, device=device)
    res["gui"] = {}
    for p, secs in plan.gui_s.items():
        if p in IMAGE_PRESETS and not on_disk(p):
            log(f"{p}: not in the window, its data set is not on disk (ganviz data get)")
            continue
        if p == "compare":
            log(f"{p}: window attached, {secs:g} s of live play (offscreen)")
            res["gui"][p] = gui_run(preset, secs, plan.warmup_s, vary, device)
            continue
        # digits as on a first launch: an empty classifier cache, so the classifier trains while the frames come
        fresh = tempfile.mkdtemp(prefix="ganviz-bench-cache-") if p == "digits" else None
        log(f"{p}: window attached, {secs:g} s of live play (offscreen)" + (", empty classifier cache" if fresh else ""))
        try:
            res["gui"][p] = gui_run(p, secs, plan.warmup_s, device=device,
                                    env_extra={"GANVIZ_CACHE": fresh} if fresh else None)
        finally:
            if fresh:
                shutil.rmtree(fresh, ignore_errors=True)
    g = res["gui"].get("ring8", {})
    ok = "error" not in g
    res["gui_steps_per_s"] = g.get("steps_per_s") if ok else None
    res["gui_ratio"] = g["steps_per_s"] / res["headless_steps_per_s"] if ok else None
    if ok and g.get("steps_per_trainer_cpu_s"):  # per CPU second of the training process: load-proof
        res["gui_ratio_cpu"] = g["steps_per_trainer_cpu_s"] / res["headless_steps_per_cpu_s"]
    for key in ("frames_per_s", "frame_ms_p50", "frame_ms_p95", "draw_ms_p50", "draw_ms_p95", "first_frame_s",
                "window_first_frame_s", "rss_start_mb", "rss_warm_mb",
                "rss_end_mb", "rss_startup_mb", "rss_growth_mb", "rss_growth_from_first_frame_mb"):
        res[key] = g.get(key) if ok else None
    c = res["gui"].get("compare", {})
    if "error" not in c:
        res.update(compare_frames_per_s=c.get("frames_per_s"), compare_frame_ms_p95=c.get("frame_ms_p95"),
                   compare_gui_ratio=c["steps_per_s"] / res["headless"]["compare"])
    d = res["gui"].get("digits", {})
    if "error" not in d:
        res.update(digits_frames_per_s=d.get("frames_per_s"), digits_first_frame_s=d.get("first_frame_s"))
    res["time_to_result"] = TIME_TO_RESULT
    res["targets"] = verdicts(res)
    res["all_targets_met"] = all(v["pass"] for v in res["targets"].values())
    res["bench_seconds"] = round(time.perf_counter() - t_start, 1)
    print(table(res))
    print(f"\n({res['bench_seconds']:.0f} s)")
    if as_json:
        print(json.dumps(rounded(res), allow_nan=False))
    return 0 if all("error" not in v for v in res["gui"].values()) else 1


def rounded(obj):
    if isinstance(obj, float):
        return round(obj, 3) if obj == obj else None
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj
