"""Small labelled image sets written as a user brings them: MNIST IDX files with their labels file,
and folders of class folders. Each class is a bright bar in its own place, on noise: easy to tell apart."""
import gzip
import struct
from pathlib import Path

import numpy as np

NAMES = ("top", "bottom", "left", "right")


def labelled_images(n: int, side: int, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, side, side, channels) uint8 images and their labels (n,) in 0..3."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    x = rng.integers(0, 60, (n, side, side, channels)).astype(np.uint8)
    q = side // 4
    for k, (rows, cols) in enumerate(((slice(0, q), slice(None)), (slice(-q, None), slice(None)),
                                      (slice(None), slice(0, q)), (slice(None), slice(-q, None)))):
        x[labels == k, rows, cols] = 230
    return x, labels


def write_idx(path: Path, arr: np.ndarray, compress: bool = False) -> Path:
    raw = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(">u1").tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def mnist_pair(folder: Path, n: int = 200, side: int = 28, compress: bool = False) -> Path:
    """train-images-idx3-ubyte and train-labels-idx1-ubyte (.gz) in folder; returns the images' path."""
    x, labels = labelled_images(n, side)
    gz = ".gz" if compress else ""
    write_idx(folder / f"train-labels-idx1-ubyte{gz}", labels.astype(np.uint8), compress)
    return write_idx(folder / f"train-images-idx3-ubyte{gz}", x[..., 0], compress)


def class_folders(folder: Path, n: int = 80, side: int = 32, channels: int = 3) -> Path:
    """folder/<class>/<i>.png, one sub-folder per class."""
    from PIL import Image
    x, labels = labelled_images(n, side, channels)
    for name in NAMES:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for i, (img, k) in enumerate(zip(x, labels)):
        Image.fromarray(img[..., 0] if channels == 1 else img).save(folder / NAMES[k] / f"{i}.png")
    return folder
