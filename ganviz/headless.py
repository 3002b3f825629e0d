"""`ganviz train`: train a preset without a window and write the run's results to a folder.

DIR/config.toml      the effective settings (a preset file that reproduces the run)
DIR/metrics.csv      one row per logged step; no wall-clock columns, so equal runs give equal files
DIR/real.npy         data samples, DIR/samples.npy generated samples, both in the data's own units
DIR/model.safetensors     G's and D's weights; DIR/trainer.safetensors the whole state for --resume
DIR/final.png        the final picture (for 1D: the Figure 1 view)
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy as np
import tomli_w

from .core import checkpoint
from .core.config import LIVE_KEYS, Config, diff
from .core.errors import ConfigError, DivergedError, GanvizError
from .core.evaluate import N_EVAL_1D2D, N_EVAL_IMAGES, real_samples
from .core.fileio import check_folder, write_bytes, write_text, write_with
from .core.trainer import Trainer

OUTPUTS = ("config.toml", "metrics.csv", "real.npy", "samples.npy", "model.safetensors",
           "trainer.safetensors", "final.png")


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


def build(cfg: Config, resume: Path | None) -> Trainer:
    if resume is None:
        return Trainer(cfg)
    trainer = checkpoint.load_trainer(resume)
    # The resumed run keeps its own data and models; live settings and the step target may change.
    changes = diff(trainer.cfg, cfg)
    frozen = [k for k in changes if k not in LIVE_KEYS]
    if frozen:
        raise ConfigError(f"{', '.join(frozen)} cannot change when resuming (the saved run's data and models "
                          "depend on them); leave them out, or start a new run without --resume")
    trainer.set(**{k: new for k, (_, new) in changes.items()})
    return trainer


def metrics_csv(rows: list[dict]) -> str:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow(["" if k not in row or (isinstance(row[k], float) and math.isnan(row[k]))
                         else _fmt(k, row[k]) for k in keys])
    return buf.getvalue()


def _fmt(key: str, v) -> str:
    if key == "step" or (isinstance(v, float) and v.is_integer() and key in ("modes", "n_modes")):
        return str(int(v))
    return repr(float(v))


def config_toml(cfg: Config) -> bytes:
    """The effective settings as a preset file: `--preset DIR/config.toml` repeats the run.

    Presets keep their settings in a [settings] table (config.load_preset reads only that), so a
    flat file of keys would load as the defaults without a word; hence the preset's own form.
    """
    doc = {"title": f"{cfg.data}, seed {cfg.seed}, {cfg.steps} steps",
           "description": "The settings of a 'ganviz train' run; give this file to --preset to repeat it.",
           "settings": cfg.to_dict()}
    return tomli_w.dumps(doc).encode()


def _save_npy(path: Path, array: np.ndarray) -> None:
    write_with(path, lambda tmp: np.save(open(tmp, "wb"), np.ascontiguousarray(array), allow_pickle=False))


def write_outputs(trainer: Trainer, out: Path) -> None:
    data = trainer.data
    n = N_EVAL_IMAGES if data.kind == "image" else N_EVAL_1D2D
    write_bytes(out / "config.toml", config_toml(trainer.cfg))
    write_text(out / "metrics.csv", metrics_csv(trainer.log))
    real = real_samples(data, n) if data.kind != "image" else data.to_units(data.train[:n])
    _save_npy(out / "real.npy", real.astype(np.float32))
    _save_npy(out / "samples.npy", trainer.sample(n).astype(np.float32))
    checkpoint.save_weights(out / "model.safetensors", trainer)
    checkpoint.save(out / "trainer.safetensors", trainer)
    from .figures import save_figure
    save_figure(trainer, out / "final.png")


RECORD_FRAMES = 150


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


def train(cfg: Config, out: Path, resume: Path | None = None, force: bool = False,
          progress: bool = True, figure: str | None = None, record: str | None = None,
          notes: Sequence[str] = ()) -> dict:
    """Train to cfg.steps (total, counting resumed steps) and write the outputs. Returns the summary.
    `notes`: warnings about the settings, shown once every input is accepted."""
    out = Path(out)
    check_out_dir(out, resume, force)
    if figure is not None and Path(figure).suffix.lower() not in (".png", ".svg"):
        raise GanvizError(f"--figure '{figure}' must end in .png or .svg")
    recorder = None
    if record is not None:
        from .recording import Recorder
        recorder = Recorder(record)
    # Every input is checked before anything is written.
    with held_warnings(notes):
        trainer = build(cfg, resume)
        check_destinations(out, figure, record)
    todo = max(0, trainer.cfg.steps - trainer.step_count)
    frame_every = max(1, todo // RECORD_FRAMES)
    from tqdm import tqdm
    bar = tqdm(total=todo, disable=not progress, file=sys.stderr, unit="step", mininterval=0.5,
               desc=f"{trainer.data.name}")
    t0 = time.perf_counter()
    done = 0
    try:
        for done in range(1, todo + 1):
            trainer.step()
            if done % 50 == 0:
                bar.update(50)
            if recorder is not None and (done % frame_every == 0 or done == 1):
                _record_frame(recorder, trainer)
    except DivergedError:
        bar.close()
        write_text_safe(out, trainer)
        raise
    seconds = time.perf_counter() - t0
    bar.update(todo - bar.n)
    bar.close()
    final = trainer.evaluate_now()
    write_outputs(trainer, out)
    if figure is not None:
        from .figures import save_figure
        save_figure(trainer, figure)
    if recorder is not None:
        recorder.save()
    return {"steps": trainer.step_count, "seconds": round(seconds, 3),
            "steps_per_s": round(todo / seconds, 1) if seconds > 0 else None,
            "metrics": {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in final.items()}}


def tour(preset, cfg: Config, out: Path, force: bool = False, fmt: str = "png",
         notes: Sequence[str] = ()) -> dict:
    """Walk the preset's tour headless: DIR/NN-title.FMT, the picture after each stage, for slides.

    Returns the summary: per stage its title, the step reached and the metrics there.
    `notes`: warnings about the settings, shown once every input is accepted.
    """
    import re

    from .core.tour import run_stage
    from .figures import save_figure
    if not preset.tour:
        raise ConfigError(f"preset '{preset.name}' has no tour; presets with one: "
                          f"{', '.join(tour_presets()) or 'none'}")
    if fmt not in ("png", "svg"):
        raise GanvizError(f"--format must be png or svg, not '{fmt}'")
    out = Path(out)
    check_out_dir(out, None, force)
    with held_warnings(notes):
        trainer = Trainer(cfg)
        check_folder(out, "--out")
    stages = []
    for i, stage in enumerate(preset.tour, 1):
        run_stage(trainer, stage)
        slug = re.sub(r"[^a-z0-9]+", "-", stage.title.lower()).strip("-")[:40] or "stage"
        path = out / f"{i:02d}-{slug}.{fmt}"
        save_figure(trainer, path, title=f"{stage.title} (step {trainer.step_count})")
        metrics = trainer.evaluate_now()
        stages.append({"title": stage.title, "step": trainer.step_count, "file": path.name,
                       "metrics": {k: (None if not math.isfinite(v) else round(v, 4)) for k, v in metrics.items()}})
    return {"preset": preset.name, "stages": stages}


def tour_presets() -> list[str]:
    from .core.config import load_preset, preset_names
    return [n for n in preset_names() if load_preset(n).tour]


def _record_frame(recorder, trainer: Trainer) -> None:
    import matplotlib.pyplot as plt

    from .core.snapshot import SnapshotMaker
    from .figures import frame_rgb, render, title_of
    if not hasattr(recorder, "maker"):
        recorder.maker = SnapshotMaker(trainer)  # fixed noise: frames differ only because G does
    fig = render(recorder.maker.make(), title_of(trainer), size=(7.2, 4.8))
    recorder.add(frame_rgb(fig))
    plt.close(fig)


def write_text_safe(out: Path, trainer: Trainer) -> None:
    """After divergence: keep the settings and the curves up to it (the weights hold NaN, so not those)."""
    write_bytes(out / "config.toml", config_toml(trainer.cfg))
    write_text(out / "metrics.csv", metrics_csv(trainer.log))


def summary_line(summary: dict) -> str:
    return json.dumps(summary, allow_nan=False)
