"""Slow motion, the worker's side: one iteration run phase by phase, a snapshot after each phase.

Qt-free (it runs in the training process). `Trainer.phases()` is a generator that pauses after
each phase of Algorithm 1; it is run to its end at once, and the snapshot made at each pause
shows the models as they were then. The GUI steps through the five snapshots with the arrow keys.

Each snapshot carries, besides the usual keys (core/snapshot.py):
    phase      "sample" | "generate" | "discriminate" | "update_d" | "update_g"
    caption    the phase's sentence from trainer.PHASES
    index, n_phases
    batch      the phase's minibatch, at most MAX_BATCH points, in the data's own units:
               real, fake, fake_after (n, dim) for 1D/2D data, z (n, z_dim), d_real, d_fake (n,)
               (image data: d_real and d_fake only; the caption tells the story there)
"""
from __future__ import annotations

import numpy as np

MAX_BATCH = 256


def _units(trainer, x) -> np.ndarray:
    return np.ascontiguousarray(trainer.data.to_units(x.detach().numpy()), np.float32)


def batch_arrays(trainer, tensors: dict, keep: np.ndarray) -> dict:
    import torch
    keep = torch.as_tensor(keep)
    out = {}
    points = trainer.data.kind in ("1d", "2d")
    for key, value in tensors.items():
        a = value.detach()[keep]
        if key in ("d_real", "d_fake"):
            out[key] = np.ascontiguousarray(a.numpy().reshape(-1), np.float32)
        elif key == "z":
            out[key] = np.ascontiguousarray(a.numpy(), np.float32)
        elif points:
            out[key] = _units(trainer, a)
    return out


def phase_snapshots(trainer, maker, view: dict) -> list[dict]:
    """Run one iteration in phases; return one snapshot per phase (the models change as they go)."""
    from .core.trainer import PHASES
    keep = None
    snaps = []
    for i, (phase, tensors) in enumerate(trainer.phases()):
        if keep is None:
            m = len(tensors["real"])
            keep = np.sort(np.random.default_rng(trainer.step_count).choice(m, min(m, MAX_BATCH), replace=False))
        snap = maker.make(**view)
        snap.update(phase=phase, caption=PHASES[phase], index=i, n_phases=len(PHASES),
                    batch=batch_arrays(trainer, tensors, keep))
        snaps.append(snap)
    return snaps
