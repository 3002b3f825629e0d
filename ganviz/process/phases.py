"""Slow motion, the training process's side: one iteration run phase by phase, pictures after each.

`Population.phases()` pauses after each phase of Algorithm 1; it is run to its end at once, and
the pictures made at each pause show the models as they were then. The window steps through the
five frames with the arrow keys. Each carries a protocol.Phase with the phase's name, caption
(trainer.phase_caption: what Play does there, for the shown run's settings) and its minibatch, at most MAX_BATCH points, in the data's own units:
    real, fake, fake_after (n, dim) for 1D/2D data, z (n, z_dim), d_real, d_fake (n,)
(image data: d_real and d_fake only; the caption tells the story there).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from ..core.trainer import PHASES, phase_caption
from .protocol import Phase

MAX_BATCH = 256


def batch_arrays(data, tensors: dict, keep: np.ndarray) -> dict:
    """One run's phase tensors as numpy, the points in the data's own units."""
    keep = torch.as_tensor(keep)
    out = {}
    points = data.kind in ("1d", "2d")
    for key, value in tensors.items():
        a = value.detach().cpu()[keep]
        if key in ("d_real", "d_fake"):
            out[key] = np.ascontiguousarray(a.numpy().reshape(-1), np.float32)
        elif key == "z":
            out[key] = np.ascontiguousarray(a.numpy(), np.float32)
        elif points:
            out[key] = np.ascontiguousarray(data.to_units(a.numpy()), np.float32)
    return out


def phase_pictures(pop, maker, runs: list[int], overlays: dict) -> Iterator[tuple[Phase, dict]]:
    """Run one iteration of every run in phases; yield (Phase of runs[0], pictures of `runs`) per phase."""
    keep = None
    shown = runs[0]
    for i, (name, tensors) in enumerate(pop.phases()):
        batch = tensors[shown]
        if keep is None:
            m = len(batch["real"])
            keep = np.sort(np.random.default_rng(pop.step_count).choice(m, min(m, MAX_BATCH), replace=False))
        pictures = maker.make(runs, **overlays)
        yield (Phase(name, phase_caption(name, pop.cfgs[shown]), i, len(PHASES), batch_arrays(pop.data, batch, keep)),
               pictures)
