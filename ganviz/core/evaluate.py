"""The sample-based metrics of a run's current G and D, by kind of data (see metrics.py).

Samples come from a fixed evaluation seed, so metrics move only when the models do. G and D (and the
classifier) run on the population's device; the metrics themselves are computed on the host.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import torch

from . import classifier, metrics

N_EVAL_1D2D = 10_000   # samples of each side for 1D/2D metrics (and real.npy / samples.npy)
N_EVAL_IMAGES = 1_000  # for images, as the outputs and the NN check use
N_PARZEN = 10_000      # the 2014 paper's Parzen estimate uses 10,000 generated samples
# An evaluation of images must stay a second or so, whatever their size: the Parzen estimate and the
# nearest-neighbour check cost (samples x images x pixels) multiply-adds, so large data sets use fewer
# samples (28 x 28 with 58,000 training images: ~2,500 for Parzen, ~110 for the NN check; 8 x 8 digits: all).
PARZEN_BUDGET = 4e9
NN_BUDGET = 5e9
MIN_SAMPLES = 100
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


@dataclass(eq=False)
class ImageReference:
    """What an image data set's evaluation compares G's samples with, made once per data set: its images as
    flattened [0, 1] pixels, the held-out halves (Parzen's validation and test sets), how many samples each
    measure can afford, and the held-out images' own distance to their nearest training image."""
    train01: np.ndarray
    valid01: np.ndarray
    test01: np.ndarray
    n_parzen: int
    n_nn: int
    real_nn_dist: float


_REFERENCES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def image_reference(data) -> ImageReference:
    if data not in _REFERENCES:
        train01 = np.ascontiguousarray(to01(data.train), dtype=np.float32)  # the NN search runs in float32
        held = to01(data.held_out)
        half = len(held) // 2
        dim = train01.shape[1]
        n_parzen = int(min(N_PARZEN, max(MIN_SAMPLES, PARZEN_BUDGET // (len(held) * dim))))
        n_nn = int(min(metrics.NN_SAMPLES, max(MIN_SAMPLES, NN_BUDGET // (len(train01) * dim))))
        real = metrics.nearest_neighbour(held[:n_nn], train01)["nn_dist"]  # as many real as G's samples
        _REFERENCES[data] = ImageReference(train01, held[:half], held[half:], n_parzen, n_nn, real)
    return _REFERENCES[data]


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
        ref = image_reference(data)
        n = max(ref.n_parzen, ref.n_nn, N_CLASSIFIED)
        fake, asked = run.sample_with_classes(n)  # asked: the classes a conditional G was asked for
        fake_std = data.from_units(fake)
        fake01 = to01(fake_std)
        out = metrics.parzen_log_likelihood(fake01[:ref.n_parzen], ref.valid01, ref.test01)
        nn = metrics.nearest_neighbour(fake01[:ref.n_nn], ref.train01)
        out.update(nn_dist=nn["nn_dist"], nn_ratio=nn["nn_dist"] / ref.real_nn_dist if ref.real_nn_dist > 0
                   else float("inf"))
        clf = classifier.fit(data, device=run.trainer.device)
        if clf is not None:  # labelled data: which classes G draws, how readable, how far (classifier.py)
            p, features = clf.read(fake_std[:N_CLASSIFIED])
            out.update(classifier.coverage(clf, p))
            out.update(classifier.quality(clf, features))
            if asked is not None:  # the share of G's samples read as the class they were asked for
                out["cond_acc"] = float((p.argmax(1) == asked[:len(p)]).mean())
    return {k: float(v) for k, v in out.items() if np.isscalar(v)}
