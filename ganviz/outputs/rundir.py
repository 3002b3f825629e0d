"""A run's folder: the files `ganviz train` writes for a run, and a sweep's worker for each of its runs.

    config.toml          the effective settings (a preset file that reproduces the run)
    metrics.csv          one row per logged step; no wall-clock columns, so equal runs give equal files
    real.npy, samples.npy    data and generated samples, both in the data's own units
    model.safetensors    G's and D's weights; trainer.safetensors the whole state for --resume
    final.png            the final picture (for 1D: the Figure 1 view; images: the grid and the class bars)
    grid.png             image data: the fixed-noise grid at the end, each tile scaled up pixel for pixel

A run that diverged keeps only its settings and curves (write_curves); core/runtable.py names both sets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import tomli_w

from ..core import checkpoint
from ..core.config import Config
from ..core.evaluate import N_EVAL_1D2D, N_EVAL_IMAGES, real_samples
from ..core.fileio import write_bytes, write_text, write_with
from ..core.metriclog import metrics_csv
from ..core.population import Population


def config_toml(cfg: Config) -> bytes:
    """The effective settings as a preset file: `--preset DIR/config.toml` repeats the run.

    Presets keep their settings in a [settings] table (presets.load_preset reads only that), so a
    flat file of keys would load as the defaults without a word; hence the preset's own form.
    """
    doc = {"title": f"{cfg.data}, seed {cfg.seed}, {cfg.steps} steps",
           "description": "The settings of a 'ganviz train' run; give this file to --preset to repeat it.",
           "settings": cfg.to_dict()}
    return tomli_w.dumps(doc).encode()


def _save_npy(path: Path, array: np.ndarray) -> None:
    write_with(path, lambda tmp: np.save(open(tmp, "wb"), np.ascontiguousarray(array), allow_pickle=False))


def write_outputs(pop: Population, i: int, out: Path) -> None:
    """Run i's files (runtable.RUN_FILES) into out."""
    run, data = pop.runs[i], pop.data
    n = N_EVAL_IMAGES if data.kind == "image" else N_EVAL_1D2D
    write_bytes(out / "config.toml", config_toml(run.cfg))
    write_text(out / "metrics.csv", metrics_csv(run.log))
    real = real_samples(data, n) if data.kind != "image" else data.to_units(data.train[:n])
    _save_npy(out / "real.npy", real.astype(np.float32))
    _save_npy(out / "samples.npy", run.sample(n).astype(np.float32))
    checkpoint.save_weights(out / "model.safetensors", pop, i)
    checkpoint.save(out / "trainer.safetensors", pop, [i])
    from .figures import save_figure, save_grid
    save_figure(run, out / "final.png")
    if data.kind == "image":
        save_grid(run, out / "grid.png")


def write_curves(pop: Population, i: int, out: Path) -> None:
    """After divergence: keep the settings and the curves up to it (the weights are not worth keeping)."""
    write_bytes(out / "config.toml", config_toml(pop.cfgs[i]))
    write_text(out / "metrics.csv", metrics_csv(pop.logs[i]))
