"""The sample-based metrics of a run's current G and D, by kind of data (see metrics.py).

Samples come from a fixed evaluation seed, so metrics move only when the models do. G and D (and the
classifier) run on the population's device; the metrics themselves are computed on the host.
"""
from __future__ import annotations

import numpy as np
import torch

from . import classifier, metrics

N_EVAL_1D2D = 10_000   # samples of each side for 1D/2D metrics (and real.npy / samples.npy)
N_EVAL_IMAGES = 1_000  # for images, as the outputs and the NN check use
N_PARZEN = 10_000      # the 2014 paper's Parzen estimate uses 10,000 generated samples
N_CLASSIFIED = classifier.N_FD  # of those, the classifier reads this many (its Fréchet distance's n): a share within ~1 point
GRID_1D = 400


def grid_1d(data) -> np.ndarray:
    lo, hi = data.view_range[0]
    return np.linspace(lo, hi, GRID_1D)


def real_samples(data, n: int) -> np.ndarray:
    """n training points in own units (the pool's first n: the pool is already a random draw)."""
    return data.to_units(data.train[:n])


def to01(x: np.ndarray) -> np.ndarray:
    """Standardised images in [-1, 1] -> flattened [0, 1] pixels, the scale of the Parzen estimate."""
    return ((np.clip(x, -1, 1) + 1) / 2).reshape(len(x), -1).astype(np.float64)


def evaluate(run) -> dict[str, float]:
    """Metrics of one run of a population (population.Run)."""
    data = run.data
    if data.kind == "1d":
        grid = grid_1d(data)
        d = run.discriminate(torch.from_numpy(data.from_units(grid[:, None]).astype(np.float32))).numpy()
        p_data = data.density(grid) if data.density is not None else None
        out = metrics.metrics_1d(real_samples(data, N_EVAL_1D2D)[:, 0], run.sample(N_EVAL_1D2D)[:, 0],
                                 grid, d, p_data)
    elif data.kind == "2d":
        out = metrics.metrics_2d(real_samples(data, N_EVAL_1D2D), run.sample(N_EVAL_1D2D),
                                 data.modes, data.mode_std)
    else:
        fake, asked = run.sample_with_classes(N_PARZEN)  # asked: the classes a conditional G was asked for
        fake_std = data.from_units(fake)
        held = to01(data.held_out)
        half = len(held) // 2
        out = metrics.metrics_image(to01(fake_std), to01(data.train), held[:half], held[half:])
        clf = classifier.fit(data, device=run.trainer.device)
        if clf is not None:  # labelled data: which classes G draws, how readable, how far (classifier.py)
            p, features = clf.read(fake_std[:N_CLASSIFIED])
            out.update(classifier.coverage(clf, p))
            out.update(classifier.quality(clf, features))
            if asked is not None:  # the share of G's samples read as the class they were asked for
                out["cond_acc"] = float((p.argmax(1) == asked[:len(p)]).mean())
    return {k: float(v) for k, v in out.items() if np.isscalar(v)}
