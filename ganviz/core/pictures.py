"""What a view draws of one run: plain numpy arrays in typed pictures (made by snapshot.py).

Density1D (the 2014 paper's Figure 1), Scatter2D (points over D's map) or ImageGrid (samples on
fixed noise). Every array is float32 (uint8 for pixels), C-contiguous, in the data's own units.
numpy only: the window's process reads pictures without importing torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Picture:
    run: int                  # which run of the population
    step: int
    view_range: np.ndarray    # (dim, 2) lo/hi per axis in own units (images: pixel value range)
    kind = ""


@dataclass
class Density1D(Picture):
    """Figure 1: densities and D on the grid x; the z line joined to x = G(z)."""
    x: np.ndarray             # (g,) grid, own units
    p_data: np.ndarray        # (g,) exact or KDE density of the data
    p_g: np.ndarray           # (g,) KDE density of G's samples
    d: np.ndarray             # (g,) D(x) in [0, 1]
    d_star: np.ndarray        # (g,) the optimal D* = p_data / (p_data + p_g)
    hist_edges: np.ndarray    # (61,) a histogram of G's samples
    hist_density: np.ndarray  # (60,)
    z_line: np.ndarray        # (N_Z_LINE,) evenly spaced z (quantiles of the prior) along z's first axis
    z_x: np.ndarray           # (N_Z_LINE,) G(z) of each
    z_label: str
    fake: np.ndarray          # (<= 1000,) samples
    kind = "1d"


@dataclass
class Scatter2D(Picture):
    real: np.ndarray                  # (n, 2)
    fake: np.ndarray                  # (n, 2) G on the run's fixed noise
    d_grid: np.ndarray                # (ny, nx) D(x) on a grid over heat_range, rows = y
    heat_range: np.ndarray            # ((x0, x1), (y0, y1)): the plot's whole area when the view gave its aspect
    arrows: np.ndarray | None = None  # (n, 4): x, y, dx, dy -- where G's next update pushes each sample
    manifold: np.ndarray | None = None  # (g, g, 2): G's image of a regular grid of z
    kind = "2d"


@dataclass
class ImageGrid(Picture):
    fake_u8: np.ndarray       # (n, H, W, C) G on fixed noise
    d_fake: np.ndarray        # (n,) D's score of each
    real_u8: np.ndarray       # (k, H, W, C) a few training images
    nn_u8: np.ndarray         # (n, H, W, C) the nearest training image of each sample
    nn_dist: np.ndarray       # (n,) its RMS distance per pixel
    nn_of: int | None = None  # the training images searched for it when not all (a large data set's fixed draw)
    # Class coverage (core/classifier.py), for data with labels: classes is None without labels; the
    # numbers are None until the classifier is trained (the training process's first seconds) or when
    # a compact picture leaves them out.
    classes: tuple[str, ...] | None = None
    tile_class: np.ndarray | None = None    # (n,) int: the class the classifier reads in each tile
    tile_sure: np.ndarray | None = None     # (n,) its probability
    class_shares: np.ndarray | None = None  # (K,) the share of each class among G's samples on fixed noise
    real_shares: np.ndarray | None = None   # (K,) its share of the training images
    confident: float = float("nan")         # the share of those samples the classifier is sure of
    real_confident: float = float("nan")    # ... of the held-out real images
    classifier_acc: float = float("nan")    # its accuracy on the held-out images
    # A conditional G: the class each tile was asked for (its grid is a row per class), and of the samples
    # asked for each class, the share the classifier reads as that class.
    asked: np.ndarray | None = None         # (n,) int
    asked_hits: np.ndarray | None = None    # (K,)
    # Latent walk: G along the path between the z of two tiles (spherical for a Gaussian prior).
    walk: tuple[int, int] | None = None     # (from tile, to tile)
    walk_u8: np.ndarray | None = None       # (N_WALK, H, W, C), both ends included
    kind = "image"
