"""`ganviz train`: train a preset without a window and write the results to a folder.

One run writes its files into DIR (settings, metrics, samples, weights, final picture: outputs/rundir.py
lists and writes them). A comparison (`--vary`) trains its runs in lockstep and writes those files for
each run into DIR/<what differs>/, plus DIR/runs.csv (one row per run: what varied, final metrics,
steps/s, status) and DIR/compare.png (the runs' final pictures side by side).
"""
from __future__ import annotations

import json
import math
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from ..core import checkpoint, runtable, vary
from ..core.config import LIVE_KEYS, Config, diff
from ..core.driver import Driver, Progress, Stop
from ..core.errors import ConfigError, GanvizError, Interrupted
from ..core.fileio import check_folder, write_text
from ..core.population import Population
from ..outputs.rundir import write_curves, write_outputs

RECORD_FRAMES = 150


def check_out_dir(out: Path, resume: Path | None, force: bool) -> None:
    """Refuse to mix a new run into a folder that holds another: that would lose work."""
    try:
        if out.exists() and not out.is_dir():
            raise GanvizError(f"--out '{out}' is a file; give a folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            if resume is None or resume.resolve() != out.resolve():
                raise GanvizError(f"--out '{out}' already holds files; choose a new folder, or add --force to "
                                  "overwrite")
    except OSError as err:  # a folder we may not look into
        raise GanvizError(f"--out folder '{out}' cannot be read ({err.strerror or err}); choose another folder") from None


def check_destinations(out: Path, figure: str | None, record: str | None) -> None:
    """Every folder the run will write to takes a file now: a refusal after training would lose it."""
    check_folder(out, "--out")
    for option, path in (("--figure", figure), ("--record", record)):
        if path is not None:
            check_folder(Path(path).parent, option)


def resumed_settings(resume: Path) -> dict:
    """The settings of the run saved in `resume` (of its first run, for a comparison's folder)."""
    if not (resume / "trainer.safetensors").exists() and (resume / "runs.csv").exists():
        saved = sorted(d for d in resume.iterdir() if (d / "trainer.safetensors").exists())
        if saved:
            resume = saved[0]
    return checkpoint.read(resume)["runs"][0]["config"]


def _resumed_state(resume: Path, folders: list[str] | None) -> dict:
    """The saved state to continue: one run's trainer.safetensors, or each run's of a comparison."""
    if folders is None:
        return checkpoint.read(resume)
    states = [checkpoint.read(resume / name) for name in folders]
    steps = {s["step"] for s in states}
    if len(steps) > 1:
        raise GanvizError(f"the runs saved in '{resume}' stopped at different steps ({sorted(steps)}); "
                          "they cannot continue in lockstep")
    return {"step": steps.pop(), "runs": [r for s in states for r in s["runs"]]}


def build(cfgs: list[Config], resume: Path | None, folders: list[str] | None = None) -> Population:
    if resume is None:
        return Population(cfgs)
    # on this command's device (the saved one unless --device or --set says otherwise): a run saved on a GPU
    # goes on on a laptop, and the other way round
    pop = Population.from_state(_resumed_state(resume, folders), device=cfgs[0].device)
    if len(pop) != len(cfgs):
        raise ConfigError(f"'{resume}' holds {len(pop)} run(s), this command makes {len(cfgs)}; "
                          "give the same --vary as the run you resume")
    # The resumed runs keep their own data and models; live settings and the step target may change.
    for i, cfg in enumerate(cfgs):
        changes = diff(pop.cfgs[i], cfg)
        frozen = [k for k in changes if k not in LIVE_KEYS]
        if frozen:
            raise ConfigError(f"{', '.join(frozen)} cannot change when resuming (the saved run's data and models "
                              "depend on them); leave them out, or start a new run without --resume")
        pop.set([i], **{k: new for k, (_, new) in changes.items()})
    return pop


@contextmanager
def stop_between_steps():
    """Ctrl+C (or SIGTERM) asks the loop to stop after the step under way: a step cut in half would leave
    G, D and their optimisers out of step, and the run could not be saved. A second Ctrl+C stops at once.
    Yields a callable that says whether a stop was asked for."""
    asked = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield asked.is_set
        return
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def ask(signum, frame):
        asked.set()
        signal.signal(signal.SIGINT, before[signal.SIGINT])  # the second Ctrl+C is the usual one

    for sig in before:
        signal.signal(sig, ask)
    try:
        yield asked.is_set
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@contextmanager
def held_warnings(notes: Sequence[str] = ()):
    """Warnings about the input (skipped files; `notes`, such as ignored settings) wait until the block has
    accepted it: next to a refusal they would only blur its one line, so a refusal drops them."""
    with warnings.catch_warnings(record=True) as held:
        for note in notes:
            warnings.warn(note)
        yield
    for w in held:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def runs_csv(pop: Population, names: list[str], varied: list[str], final: list[dict], steps_per_s: float) -> str:
    """One row per run: its name, the settings that vary, status, steps, steps/s and final metrics."""
    metric_keys: list[str] = []
    for m in final:
        metric_keys += [k for k in m if k not in metric_keys]
    header = ["run", *varied, "status", "steps", "steps_per_s", *metric_keys]
    rows = [[name, *(getattr(pop.cfgs[i], k) for k in varied), runtable.status(pop.diverged(i)), pop.step_count,
             f"{steps_per_s:.1f}", *(runtable.cell(m.get(k)) for k in metric_keys)]
            for i, (name, m) in enumerate(zip(names, final))]
    return runtable.to_csv(header, rows)


def train(cfgs: list[Config] | Config, out: Path, resume: Path | None = None, force: bool = False,
          progress: bool = True, figure: str | None = None, record: str | None = None,
          notes: Sequence[str] = (), names: list[str] | None = None) -> dict:
    """Train to the runs' steps (total, counting resumed steps) and write the outputs. Returns the summary.
    `notes`: warnings about the settings, shown once every input is accepted; `names`: the runs' names
    (else what differs between them)."""
    cfgs = [cfgs] if isinstance(cfgs, Config) else list(cfgs)
    compare = len(cfgs) > 1
    names = list(names) if names else vary.names(cfgs)
    folders = vary.folder_names(vary.names(cfgs)) if compare else None  # named by what differs: predictable
    out = Path(out)
    check_out_dir(out, resume, force)
    if figure is not None:
        from ..outputs.figures import check_suffix
        check_suffix(figure)
    recorder = None
    if record is not None:
        from ..outputs.recording import Recorder
        recorder = Recorder(record)
    # Every input is checked before anything is written.
    with held_warnings(notes):
        pop = build(cfgs, resume, folders)
        check_destinations(out, figure, record)
    from tqdm import tqdm
    driver = Driver(pop)  # to the runs' steps
    todo = driver.left
    frame_every = max(1, todo // RECORD_FRAMES)
    bar = tqdm(total=todo, disable=not progress, file=sys.stderr, unit="step", mininterval=0.5,
               desc=f"{pop.data.name}" + (f", {len(pop)} runs" if compare else ""))

    def tell(p: Progress) -> None:  # the bar moves every 50 steps (tqdm redraws at most twice a second)
        if p.done % 50 == 0:
            bar.update(50)
        if recorder is not None and (p.done % frame_every == 0 or p.done == 1):
            _record_frame(recorder, pop, names)
    driver.progress = tell
    t0 = time.perf_counter()
    with stop_between_steps() as stop_asked:
        driver.interrupted = stop_asked
        stop = driver.run()
    if stop is Stop.DIVERGED:
        bar.close()
        for i in range(len(pop)):
            write_curves(pop, i, out / folders[i] if compare else out)
        raise driver.error
    seconds, done = time.perf_counter() - t0, driver.done
    bar.update(done - bar.n)
    bar.close()
    interrupted = stop is Stop.INTERRUPTED
    final = [_finite(pop.evaluate_now(i)) for i in range(len(pop))]
    for i in range(len(pop)):
        if pop.diverged(i) is None:
            write_outputs(pop, i, out / folders[i] if compare else out)
        else:
            write_curves(pop, i, out / folders[i])
    steps_per_s = round(done / seconds, 1) if seconds > 0 else None
    if compare:
        varied = [k for k in Config.__dataclass_fields__ if len({getattr(c, k) for c in pop.cfgs}) > 1]
        write_text(out / "runs.csv", runs_csv(pop, names, varied, final, steps_per_s or 0.0))
        from ..outputs.figures import save_compare
        save_compare(pop, out / "compare.png", names, _compare_title(pop))
    if figure is not None:
        from ..outputs.figures import save_compare, save_figure
        if compare:
            save_compare(pop, figure, names, _compare_title(pop))
        else:
            save_figure(pop.runs[0], figure)
    if recorder is not None:
        recorder.save()
    if interrupted:
        raise Interrupted(f"interrupted at step {pop.step_count} of {pop.cfg.steps}; the run so far is in "
                          f"'{out}': the same command with --resume {out} --out {out} continues it")
    summary = {"steps": pop.step_count, "seconds": round(seconds, 3), "steps_per_s": steps_per_s,
               "device": pop.device.type}
    if not compare:
        return {**summary, "metrics": final[0]}
    runs = [{"run": name, "folder": folder, "diverged_at": None if pop.diverged(i) is None else pop.diverged(i)[0],
             "metrics": final[i]} for i, (name, folder) in enumerate(zip(names, folders))]
    return {**summary, "runs": runs}


def _finite(metrics: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in metrics.items()}


def _compare_title(pop: Population) -> str:
    return f"{pop.data.name} \u2014 step {pop.step_count}"


def tour(preset, cfg: Config, out: Path, force: bool = False, fmt: str = "png",
         notes: Sequence[str] = ()) -> dict:
    """Walk the preset's tour headless: DIR/NN-title.FMT, the picture after each stage, for slides.

    Returns the summary: per stage its title, the step reached and the metrics there.
    `notes`: warnings about the settings, shown once every input is accepted.
    """
    import re

    from ..core.tour import run_stage
    from ..outputs.figures import save_figure
    if not preset.tour:
        raise ConfigError(f"preset '{preset.name}' has no tour; presets with one: "
                          f"{', '.join(tour_presets()) or 'none'}")
    if fmt not in ("png", "svg"):
        raise GanvizError(f"--format must be png or svg, not '{fmt}'")
    out = Path(out)
    check_out_dir(out, None, force)
    with held_warnings(notes):
        pop = Population(cfg)
        check_folder(out, "--out")
    stages = []
    for i, stage in enumerate(preset.tour, 1):
        run_stage(pop, stage)
        slug = re.sub(r"[^a-z0-9]+", "-", stage.title.lower()).strip("-")[:40] or "stage"
        path = out / f"{i:02d}-{slug}.{fmt}"
        save_figure(pop.runs[0], path, title=f"{stage.title} (step {pop.step_count})")
        metrics = pop.evaluate_now()
        stages.append({"title": stage.title, "step": pop.step_count, "file": path.name,
                       "metrics": {k: (None if not math.isfinite(v) else round(v, 4)) for k, v in metrics.items()}})
    return {"preset": preset.name, "stages": stages}


def tour_presets() -> list[str]:
    from ..core.presets import load_preset, preset_names
    return [n for n in preset_names() if load_preset(n).tour]


def _record_frame(recorder, pop: Population, names: list[str]) -> None:
    import matplotlib.pyplot as plt

    from ..core.snapshot import SnapshotMaker
    from ..outputs.figures import frame_rgb, render, render_compare, title_of
    if not hasattr(recorder, "maker"):
        recorder.maker = SnapshotMaker(pop)  # fixed noise: frames differ only because G does
    pics = list(recorder.maker.make().values())
    if len(pics) == 1:
        fig = render(pics[0], title_of(pop.runs[0]), size=(7.2, 4.8))
    else:
        fig = render_compare(pics, names, _compare_title(pop))
    recorder.add(frame_rgb(fig))
    plt.close(fig)


def summary_line(summary: dict) -> str:
    return json.dumps(summary, allow_nan=False)
