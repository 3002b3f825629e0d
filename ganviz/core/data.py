"""Data sets: built-in 1D/2D distributions and image sets, and a user's own files (via loaders.py).

Every Dataset carries its training pool in the form the models use (1D/2D standardised, images in
[-1, 1]) and the affine map back to the data's own units, which is what every view and metric shows:
    own units = train * scale + shift
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from . import datasets, loaders
from .errors import DataError

KINDS = ("1d", "2d", "image")
MIN_POINTS = 10        # fewer 1D/2D points than this cannot show a distribution
MIN_IMAGES = 2         # one to train on, one held out
MAX_HELD_OUT = 2000    # held-out images: Parzen validation + test halves and nearest-neighbour checks
MAX_SHAPES = 5000      # the procedural shapes set is drawn, not stored: keep it quick to build
SQRT_2PI = np.sqrt(2 * np.pi)
# A built-in data set is drawn once, the same whatever a run's seed: the seed decides a run's weights
# and batches, not its data, so runs compared side by side share their data and a run's course never
# depends on the runs beside it.
DATA_SEED = 0


@dataclass(eq=False)
class Dataset:
    name: str                   # built-in name or file path as given
    kind: str                   # "1d" | "2d" | "image"
    train: np.ndarray           # float32, C-contiguous: (N, dim) standardised, or (N, C, H, W) in [-1, 1]
    held_out: np.ndarray | None  # images only: kept out of train (Parzen validation/test, NN checks)
    shift: np.ndarray           # own units = train * scale + shift; (dim,) for 1d/2d, 0-d for images
    scale: np.ndarray
    density: Callable[[np.ndarray], np.ndarray] | None  # 1d built-ins: exact p_data in own units
    modes: np.ndarray | None    # ring8/grid25: (K, 2) mode centres in own units
    mode_std: float | None      # std of each mode in own units
    view_range: np.ndarray      # (dim, 2) lo/hi per axis in own units; images: [[lo, hi]] of pixel values
    description: str            # one sentence for the UI
    # Images whose data says what each shows (digits, shapes, IDX with its labels file, folders of
    # class folders): the class of each training and held-out image, and the classes' names.
    labels: np.ndarray | None = None       # (N,) int64 class of each train image
    held_labels: np.ndarray | None = None  # (n_held,) of each held-out image
    classes: tuple[str, ...] | None = None

    @property
    def dim(self) -> int:
        return int(np.prod(self.train.shape[1:]))

    @property
    def image_shape(self) -> tuple | None:
        return tuple(self.train.shape[1:]) if self.kind == "image" else None

    def to_units(self, x: np.ndarray) -> np.ndarray:
        """Standardised (the models' space) -> own units; (M, dim) or (M, C, H, W)."""
        return x * self.scale + self.shift

    def from_units(self, x: np.ndarray) -> np.ndarray:
        """Own units -> standardised; the inverse of to_units."""
        return (x - self.shift) / self.scale

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, {self.kind}, train {self.train.shape}, {self.description!r})"


# ---------------------------------------------------------------------------- exact 1D densities
# Module-level functions bound with partial (not lambdas), so a Dataset pickles into a worker process.
def _mixture_pdf(x, means, sds):
    """Equal-weight mixture of normals."""
    z = (np.asarray(x, np.float64)[..., None] - means) / sds
    return (np.exp(-0.5 * z * z) / (sds * SQRT_2PI)).mean(axis=-1)


def _uniform_pdf(x, lo, hi):
    x = np.asarray(x, np.float64)
    return np.where((x >= lo) & (x <= hi), 1.0 / (hi - lo), 0.0)


def _lognormal_pdf(x, sigma):
    x = np.asarray(x, np.float64)
    safe = np.where(x > 0, x, 1.0)  # log of x <= 0 is masked out below, not evaluated
    p = np.exp(-0.5 * (np.log(safe) / sigma) ** 2) / (safe * sigma * SQRT_2PI)
    return np.where(x > 0, p, 0.0)


# ---------------------------------------------------------------------------- samplers: rng, n -> own units
def _mixture(rng, n, means, sds):
    k = rng.integers(len(means), size=n)
    return (np.asarray(means)[k] + np.asarray(sds)[k] * rng.standard_normal(n))[:, None]


def _uniform(rng, n, lo, hi):
    return rng.uniform(lo, hi, (n, 1))


def _lognormal(rng, n, sigma):
    return np.exp(sigma * rng.standard_normal((n, 1)))


RING8 = 2.0 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], axis=1)
GRID25 = np.array([(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=np.float64)


def _gaussian_modes(rng, n, centres, std):
    return centres[rng.integers(len(centres), size=n)] + std * rng.standard_normal((n, 2))


def _spiral(rng, n):
    # sqrt spreads points evenly along the arm, whose length grows as the square of the angle.
    t = 3 * np.pi * np.sqrt(rng.uniform(0.05, 1.0, n))
    arm = (t / np.pi)[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)
    return arm + 0.05 * rng.standard_normal((n, 2))


def _moons(rng, n):
    from sklearn.datasets import make_moons  # imported only when asked for: sklearn is slow to import

    return make_moons(n_samples=n, noise=0.05, random_state=int(rng.integers(2**31)))[0]


def _checkerboard(rng, n):
    # The FFJORD toy: 8 of the 16 squares of side 2 on [-4, 4]^2, alternating.
    x1 = rng.uniform(-2, 2, n)
    x2 = rng.uniform(0, 1, n) - 2 * rng.integers(0, 2, n) + np.floor(x1) % 2
    return 2 * np.stack([x1, x2], axis=1)


def _gauss2d(rng, n):
    chol = np.array([[1.0, 0.0], [0.8, 0.6]])  # covariance [[1, .8], [.8, 1]]
    return np.array([1.0, 1.0]) + rng.standard_normal((n, 2)) @ chol.T


DIGIT_CLASSES = tuple("0123456789")
# The shapes' four kinds; a bar is one kind whether it lies or stands (drawn as two of the five
# equally likely forms, so bars are 2/5 of the data and each other kind 1/5).
SHAPE_CLASSES = ("circle", "square", "bar", "triangle")
SHAPE_KIND = np.array([0, 1, 2, 2, 3])  # form drawn -> its kind


def _digits(rng, n):
    """(1797, 1, 8, 8), values 0..16, and the digit each shows: scikit-learn's digits (no download). Read from the
    file scikit-learn ships, as its load_digits reads it: importing sklearn.datasets alone takes ~0.8 s, which
    the window's first picture of the digits would wait for."""
    import importlib.util
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is None or not path.is_file():
        from sklearn.datasets import load_digits
        digits = load_digits()
        return digits.images[:, None], digits.target
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1].reshape(-1, 1, 8, 8), table[:, -1].astype(int)


def _shapes(rng, n, side=16, sub=4):
    """Filled circles, squares, bars and triangles in [0, 1], anti-aliased by sub x sub supersampling;
    with the kind of each (SHAPE_CLASSES)."""
    n = min(n, MAX_SHAPES)
    kind = rng.integers(5, size=n)            # circle, square, horizontal bar, vertical bar, triangle
    r = rng.uniform(2.5, 6.0, n)              # half-extent in pixels
    centre = r[:, None] + 0.5 + rng.uniform(0, 1, (n, 2)) * (side - 1 - 2 * r[:, None])  # stays inside
    half_width = rng.uniform(1.0, 2.0, n)     # of the bars
    u = (np.arange(side * sub) + 0.5) / sub   # sub-pixel centres
    out = np.empty((n, 1, side, side), np.float32)
    for s in range(0, n, 500):                # chunks bound the memory of the masks
        sl = slice(s, s + 500)
        dx = u[None, None, :] - centre[sl, 0, None, None]
        dy = u[None, :, None] - centre[sl, 1, None, None]
        k, rr, w = kind[sl, None, None], r[sl, None, None], half_width[sl, None, None]
        ax, ay = np.abs(dx), np.abs(dy)
        inside = np.select(
            [k == 0, k == 1, k == 2, k == 3],
            [dx * dx + dy * dy <= rr * rr, np.maximum(ax, ay) <= 0.8 * rr, (ay <= w) & (ax <= rr),
             (ax <= w) & (ay <= rr)],
            default=(dy <= rr) & (2 * ax <= dy + rr))  # apex up, base of width 2r at the bottom
        m = len(inside)
        out[sl, 0] = inside.reshape(m, side, sub, side, sub).mean(axis=(2, 4))
    return out, SHAPE_KIND[kind]


def _real(rng, n, name):
    """MNIST or Fashion-MNIST from their IDX files (core/datasets.py: found on disk, or downloaded once)."""
    return datasets.read(name)  # uint8 (N, 1, 28, 28) and the labels, as an IDX file with its labels file


@dataclass(frozen=True)
class _Builtin:
    kind: str
    description: str
    sample: Callable                    # (rng, n) -> array in own units
    view_range: tuple | None = None     # fixed frame for 1d/2d, so a generator far from the data shows
    density: Callable | None = None
    modes: np.ndarray | None = None
    mode_std: float | None = None
    classes: tuple[str, ...] | None = None  # images: sample returns (images, labels) of these classes


def _mog(means, sds, desc, view):
    means, sds = np.array(means, float), np.array(sds, float)
    return _Builtin("1d", desc, partial(_mixture, means=means, sds=sds), (view,),
                    density=partial(_mixture_pdf, means=means, sds=sds))


_BUILTINS = {
    "gauss": _mog([4.0], [0.5], "one Gaussian, mean 4, std 0.5 (the data of the 2014 paper's Figure 1)",
                  (1.0, 7.0)),
    "mog2": _mog([-2.0, 2.0], [0.5, 0.5], "two equal Gaussians at -2 and 2, std 0.5", (-5.0, 5.0)),
    "mog3": _mog([-3.0, 0.0, 3.0], [0.4] * 3, "three equal Gaussians at -3, 0 and 3, std 0.4", (-5.0, 5.0)),
    "uniform": _Builtin("1d", "uniform on [-1, 3]", partial(_uniform, lo=-1.0, hi=3.0), ((-3.0, 5.0),),
                        density=partial(_uniform_pdf, lo=-1.0, hi=3.0)),
    "lognormal": _Builtin("1d", "log-normal: exp of N(0, 0.5), skewed to the right",
                          partial(_lognormal, sigma=0.5), ((-1.0, 5.0),),
                          density=partial(_lognormal_pdf, sigma=0.5)),
    "ring8": _Builtin("2d", "8 Gaussians on a circle of radius 2 (std 0.02)",
                      partial(_gaussian_modes, centres=RING8, std=0.02), ((-3.0, 3.0),) * 2,
                      modes=RING8, mode_std=0.02),
    "grid25": _Builtin("2d", "5×5 Gaussians at {-4, -2, 0, 2, 4}² (std 0.05)",
                       partial(_gaussian_modes, centres=GRID25, std=0.05), ((-6.0, 6.0),) * 2,
                       modes=GRID25, mode_std=0.05),
    "spiral": _Builtin("2d", "one spiral arm of 1.5 turns out to radius 3 (noise std 0.05)", _spiral,
                       ((-4.0, 4.0),) * 2),
    "moons": _Builtin("2d", "two interleaved half circles of radius 1 (scikit-learn's make_moons, noise 0.05)",
                      _moons, ((-1.5, 2.5), (-1.0, 1.5))),
    "checkerboard": _Builtin("2d", "8 uniform squares of side 2 in a checkerboard on [-4, 4]²", _checkerboard,
                             ((-5.0, 5.0),) * 2),
    "gauss2d": _Builtin("2d", "one correlated Gaussian, mean (1, 1), unit variances, correlation 0.8",
                        _gauss2d, ((-3.0, 5.0),) * 2),
    "digits": _Builtin("image", "1,797 handwritten digits, 8×8 pixels with values 0..16 (scikit-learn)",
                       _digits, classes=DIGIT_CLASSES),
    "shapes": _Builtin("image", "16×16 grayscale shapes (circles, squares, bars, triangles) of random "
                       "size and position", _shapes, classes=SHAPE_CLASSES),
    **{name: _Builtin("image", datasets.describe(name), partial(_real, name=name), classes=datasets.classes(name))
       for name in datasets.NAMES},
}

BUILTINS: dict[str, tuple[str, str]] = {name: (b.kind, b.description) for name, b in _BUILTINS.items()}


# ---------------------------------------------------------------------------- entry point
def load(source: str, *, seed: int = DATA_SEED, n: int = 20000, image_size: int | None = None) -> Dataset:
    """A built-in by name, else a file or folder. n: points drawn for 1d/2d built-ins, images kept at most."""
    name = source.strip()
    if name.lower() in _BUILTINS:
        return _load_builtin(name.lower(), seed, n, image_size)
    path = Path(os.path.expanduser(name)) if name else None
    if path is not None and (any(c in name for c in "/\\.~") or path.exists()):
        x, labels, classes = loaders.read_labelled(path, image_size)
        return from_array(source, x, seed=seed, n=n, image_size=image_size, labels=labels, classes=classes)
    raise DataError(_unknown_name_message(name))


def _unknown_name_message(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(_BUILTINS), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    what = f"unknown data set '{name}'" if name else "no data set given"
    return (f"{what}; {hint}built-ins: {', '.join(_BUILTINS)}; "
            f"or give a path to {loaders.FORMATS}")


def _load_builtin(name: str, seed: int, n: int, image_size: int | None) -> Dataset:
    b = _BUILTINS[name]
    rng = np.random.default_rng(seed)
    x = b.sample(rng, n)
    if b.kind == "image":
        x, labels = x
        return _image_dataset(name, x, seed=seed, n=n, image_size=image_size, description=b.description,
                              labels=labels, classes=b.classes)
    return _point_dataset(name, x, view_range=np.array(b.view_range), density=b.density,
                          modes=None if b.modes is None else b.modes.copy(), mode_std=b.mode_std,
                          description=b.description)


def from_array(name: str, arr: np.ndarray, *, seed: int = 0, n: int = 20000,
               image_size: int | None = None, labels: np.ndarray | None = None,
               classes: tuple[str, ...] | None = None) -> Dataset:
    """A Dataset from an array in its own units, its kind told by its shape (as a file's is); images may
    come with their labels (N,) and class names."""
    images = partial(_image_dataset, seed=seed, n=n, image_size=image_size, labels=labels, classes=classes)
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise DataError(f"data '{name}' holds {arr.dtype} values; save plain numbers (int or float)")
    if arr.ndim == 0:
        raise DataError(_shape_message(name, arr.shape))
    _check_finite(name, arr)
    shape = arr.shape
    if arr.ndim == 1 or (arr.ndim == 2 and shape[1] == 1):
        x, kind = arr.reshape(-1, 1), "1D points"
    elif arr.ndim == 2 and shape[1] == 2:
        x, kind = arr, "2D points"
    elif arr.ndim == 3:
        return images(name, arr[:, None])
    elif arr.ndim == 4 and shape[3] in (1, 3, 4):   # N, H, W, C (images as saved by most tools)
        return images(name, np.moveaxis(arr[..., :3], 3, 1))  # an alpha channel is dropped
    elif arr.ndim == 4 and shape[1] in (1, 3):       # N, C, H, W (as torch keeps them)
        return images(name, arr)
    else:
        raise DataError(_shape_message(name, shape))
    return _point_dataset(name, x.astype(np.float64), description=f"{len(x):,} {kind} from '{name}'")


def _shape_message(name: str, shape: tuple) -> str:
    hint = ""
    if len(shape) == 2 and shape[1] > 2 and int(np.sqrt(shape[1])) ** 2 == shape[1]:
        s = int(np.sqrt(shape[1]))
        hint = f" (for rows of {shape[1]} pixels, reshape to (N, {s}, {s}))"
    return (f"data '{name}' has shape {shape}; give (N,) or (N, 1) for 1D, (N, 2) for 2D, "
            f"or (N, H, W) / (N, H, W, C) for images{hint}")


def _check_finite(name: str, arr: np.ndarray) -> None:
    if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
        row = int(np.argmax(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)))
        raise DataError(f"data '{name}' has NaN or Inf values (first in sample {row}); remove or replace them")


# ---------------------------------------------------------------------------- 1D / 2D
def _point_dataset(name, x, *, view_range=None, density=None, modes=None, mode_std=None,
                   description="") -> Dataset:
    if len(x) < MIN_POINTS:
        raise DataError(f"data '{name}' has only {len(x)} points; give at least {MIN_POINTS}")
    mean, std = x.mean(axis=0), x.std(axis=0)
    if (std == 0).any():
        col = f" in column {int(np.argmax(std == 0)) + 1}" if x.shape[1] > 1 else ""
        raise DataError(f"data '{name}': all values are equal{col}; give data that varies")
    if view_range is None:  # a user's data: its extent with a 10% margin each side
        lo, hi = x.min(axis=0), x.max(axis=0)
        view_range = np.stack([lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)], axis=1)
    train = np.ascontiguousarray((x - mean) / std, dtype=np.float32)
    return Dataset(name, "1d" if x.shape[1] == 1 else "2d", train, None, mean.astype(np.float32),
                   std.astype(np.float32), density, modes, mode_std, np.asarray(view_range, np.float64),
                   description)


# ---------------------------------------------------------------------------- images
def _pixel_range(name: str, x: np.ndarray) -> tuple[float, float]:
    """The own-units range that maps to [-1, 1]: 0..255 for bytes, 0..1 for [0, 1] floats, else min..max."""
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        raise DataError(f"data '{name}': all pixel values are equal ({lo:g}); give images that vary")
    if x.dtype == np.uint8:
        return 0.0, 255.0
    if x.dtype.kind in "bf" and lo >= 0 and hi <= 1:
        return 0.0, 1.0
    return lo, hi


def _image_dataset(name, x, *, seed, n, image_size=None, description=None, labels=None, classes=None) -> Dataset:
    """x: (N, C, H, W) in own units. Keeps at most n images, seeded; holds some out; scales to [-1, 1].
    labels (N,), with the classes' names: kept with their images (dropped when fewer than two classes)."""
    if len(x) < MIN_IMAGES:
        raise DataError(f"data '{name}' has only {len(x)} image(s); give at least {MIN_IMAGES}")
    lo, hi = _pixel_range(name, x)
    keep = np.random.default_rng(seed).permutation(len(x))[:min(n, len(x))]
    x = (x[keep].astype(np.float32) - lo) * (2 / (hi - lo)) - 1
    if labels is not None:
        labels = np.asarray(labels, np.int64)[keep]
        if len(np.unique(labels)) < 2:
            labels = classes = None
    if image_size and x.shape[2:] != (image_size, image_size):
        x = _resize(x, image_size)
    n_held = max(1, min(MAX_HELD_OUT, len(x) // 5))
    held, train = np.ascontiguousarray(x[:n_held]), np.ascontiguousarray(x[n_held:])
    if description is None:
        c, h, w = train.shape[1:]
        colour = "grayscale" if c == 1 else "colour"
        description = f"{len(x):,} {h}×{w} {colour} images from '{name}'"
    f32 = partial(np.array, dtype=np.float32)
    if labels is not None and classes is None:
        classes = tuple(str(k) for k in range(int(labels.max()) + 1))
    return Dataset(name, "image", train, held, f32((hi + lo) / 2), f32((hi - lo) / 2), None, None, None,
                   np.array([[lo, hi]]), description, labels=None if labels is None else labels[n_held:],
                   held_labels=None if labels is None else labels[:n_held], classes=classes)


def _resize(x: np.ndarray, side: int) -> np.ndarray:
    import torch  # antialiased bilinear resizing of the whole batch at once
    from torch.nn.functional import interpolate

    with torch.no_grad():
        y = interpolate(torch.from_numpy(x), size=(side, side), mode="bilinear", antialias=True,
                        align_corners=False)
    return np.clip(y.numpy(), -1, 1)
