"""Readers for a user's data files: each turns a path into a plain numpy array in the file's own units.

CSV/TXT give (N, columns) float64; NPY/NPZ and MNIST IDX give the stored array as it is; a folder
of images gives uint8 (N, H, W, C). Deciding what the array *is* (1D, 2D or images) is data.py's job.
Nothing here unpickles: np.load always runs with allow_pickle=False.

Labels, where a file brings them (`read_labelled`): MNIST's labels file beside its images
(`train-images-idx3-ubyte` -> `train-labels-idx1-ubyte`, either gzipped), and an image folder
whose images sit in sub-folders, one per class (`shapes/circle/1.png`: class "circle").
"""
from __future__ import annotations

import gzip
import io
import re
import warnings
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from .errors import DataError

FORMATS = "CSV/TXT, NPY/NPZ, MNIST IDX (-ubyte, .idx, optionally .gz) or a folder of images"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}
MAX_SIDE = 64  # folders of large photos are shrunk to this: the models are small
NPZ_KEYS = ("x", "data", "arr_0")
# IDX type codes (yann.lecun.com/exdb/mnist): all multi-byte values are big-endian.
IDX_NAME = re.compile(r"(ubyte|\.idx\d?)(\.gz)?$")
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


Labelled = tuple[np.ndarray, np.ndarray | None, tuple[str, ...] | None]  # array, labels (N,), class names


def read(path: Path, image_size: int | None = None) -> np.ndarray:
    """The array stored at `path` (a file or a folder of images), dispatched on its type."""
    return read_labelled(path, image_size)[0]


def read_labelled(path: Path, image_size: int | None = None) -> Labelled:
    """The array at `path` with its labels and class names where the data brings them (else None, None)."""
    if path.is_dir():
        return read_image_folder(path, image_size)
    x = _read_file(path)
    labels = idx_labels(path, len(x)) if x.ndim >= 3 and IDX_NAME.search(path.name.lower()) else None
    return x, labels, None if labels is None else tuple(str(k) for k in range(int(labels.max()) + 1))


def _read_file(path: Path) -> np.ndarray:
    if not path.exists():
        raise DataError(f"data file '{path}' not found; check the path, or use a built-in data set "
                        "(see 'ganviz presets --data')")
    raw = read_bytes(path)
    name = path.name.lower()
    if name.endswith(".gz"):
        raw, name = gunzip(raw, path), name[:-3]
    suffix = Path(name).suffix
    if suffix in (".csv", ".txt", ".tsv", ".dat"):
        return read_csv(raw, path)
    if suffix == ".npy" or raw.startswith(b"\x93NUMPY"):
        return read_npy(raw, path)
    if suffix == ".npz" or raw.startswith(b"PK\x03\x04"):
        return read_npz(raw, path)
    if IDX_NAME.search(name) or looks_like_idx(raw):
        return read_idx(raw, path)
    if suffix in IMAGE_SUFFIXES:
        raise DataError(f"'{path}' is a single image; put the images in a folder and give the folder")
    raise DataError(f"don't know how to read '{path}'; give {FORMATS}")


def read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise DataError(f"cannot read '{path}': permission denied; fix its permissions or copy it "
                        "somewhere readable") from None
    except OSError as err:
        raise DataError(f"cannot read '{path}': {err.strerror or err}; check the file") from None
    if not raw:
        raise DataError(f"data file '{path}' is empty; give a file with data in it")
    return raw


def gunzip(raw: bytes, path: Path) -> bytes:
    try:
        out = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error):
        raise DataError(f"'{path}' is not a valid gzip file (truncated or corrupt); "
                        "download it again or give the unpacked file") from None
    if not out:
        raise DataError(f"data file '{path}' is empty once unpacked; give a file with data in it")
    return out


# ---------------------------------------------------------------------------- CSV / TXT
def read_csv(raw: bytes, path: Path) -> np.ndarray:
    """1 or 2 numeric columns split by commas, semicolons or whitespace; an optional header row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"'{path}' is not a text file; give CSV text, or use the right extension "
                        "(.npy, .npz, -ubyte)") from None
    rows, header_seen = [], False
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):  # np.savetxt writes its header as a '#' comment
            continue
        cells = split_cells(line)
        values = parse_numbers(cells)
        if values is None:
            if not rows and not header_seen:  # a non-numeric first row is a header
                header_seen = True
                continue
            bad = next(c for c in cells if parse_numbers([c]) is None)
            what = f"'{bad}' is not a number" if bad else "a cell is empty"
            raise DataError(f"'{path}' line {lineno}: {what}; "
                            "fix that cell (every row needs numbers only, a header row is allowed)")
        if rows and len(values) != len(rows[0]):
            raise DataError(f"'{path}' line {lineno} has {len(values)} columns but earlier rows have "
                            f"{len(rows[0])}; give every row the same number of columns")
        if not all(np.isfinite(values)):
            raise DataError(f"'{path}' line {lineno} has a NaN or Inf value; remove or replace it")
        rows.append(values)
    if not rows:
        raise DataError(f"'{path}' has no rows of numbers; give 1 column (1D) or 2 columns (2D)")
    if len(rows[0]) not in (1, 2):
        raise DataError(f"data file '{path}' has {len(rows[0])} columns; "
                        "give 1 column (1D) or 2 columns (2D)")
    return np.array(rows, dtype=np.float64)


def split_cells(line: str) -> list[str]:
    # Split on the explicit delimiter when there is one, so an empty cell ("1,,2") is seen, not merged.
    for sep in (",", ";", "\t"):
        if sep in line:
            return [c.strip() for c in line.split(sep)]
    return line.split()


def parse_numbers(cells: list[str]) -> list[float] | None:
    try:
        return [float(c) for c in cells]
    except ValueError:
        return None


# ---------------------------------------------------------------------------- NPY / NPZ
def read_npy(raw: bytes, path: Path) -> np.ndarray:
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(f"'{path}' holds Python objects, which ganviz never unpickles; "
                            "save a plain numeric array (np.save(path, x.astype(float)))") from None
        raise DataError(f"'{path}' is not a readable .npy file ({err}); save it again with np.save") from None
    except (OSError, EOFError):
        raise DataError(f"'{path}' is not a readable .npy file (truncated or corrupt); "
                        "save it again with np.save") from None


def read_npz(raw: bytes, path: Path) -> np.ndarray:
    """The array named x, data or arr_0, else the first one in the archive."""
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            keys = list(archive.files)
            if not keys:
                raise DataError(f"'{path}' holds no arrays; save one with np.savez(path, x=data)")
            key = next((k for k in NPZ_KEYS if k in keys), keys[0])
            return archive[key]
    except DataError:
        raise
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(f"'{path}' holds Python objects, which ganviz never unpickles; "
                            "save a plain numeric array with np.savez(path, x=data)") from None
        raise DataError(f"'{path}' is not a readable .npz file ({err}); save it again with np.savez") from None
    except (OSError, EOFError, zlib.error, KeyError) as err:
        raise DataError(f"'{path}' is not a readable .npz file ({err}); save it again with np.savez") from None


# ---------------------------------------------------------------------------- MNIST IDX
def looks_like_idx(raw: bytes) -> bool:
    return len(raw) >= 4 and raw[0] == raw[1] == 0 and raw[2] in IDX_DTYPES and 1 <= raw[3] <= 4


def read_idx(raw: bytes, path: Path) -> np.ndarray:
    """Magic (0, 0, type code, ndim), ndim big-endian uint32 sizes, then the values, big-endian."""
    if not looks_like_idx(raw):
        raise DataError(f"'{path}' is not an IDX file (its first bytes are {raw[:4].hex(' ')}, an IDX file "
                        "starts 00 00 <type> <ndim>); give the unpacked MNIST file or its .gz")
    ndim, dtype = raw[3], np.dtype(IDX_DTYPES[raw[2]])
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"'{path}' is truncated (its header is cut short); download it again")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    need, have = int(np.prod(dims)) * dtype.itemsize, len(raw) - header
    if have != need:
        what = "is truncated" if have < need else "has extra bytes"
        raise DataError(f"'{path}' {what}: its header says {'x'.join(map(str, dims))} values "
                        f"({need:,} bytes) but {have:,} bytes follow; download it again")
    return np.frombuffer(raw, dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def labels_path(images: Path) -> Path | None:
    """MNIST's labels file beside an images file (its name with images/idx3 -> labels/idx1), if there is one."""
    name = images.name
    if "images" not in name:
        return None
    base = name.replace("images", "labels").replace("idx3", "idx1")
    for candidate in (base, base.removesuffix(".gz"), base + ".gz"):
        if candidate != name and (images.parent / candidate).is_file():
            return images.parent / candidate
    return None


def idx_labels(images: Path, n: int) -> np.ndarray | None:
    """The labels of n images from the IDX labels file beside them; None without one (a warning when it
    does not fit: training goes on, without class coverage)."""
    path = labels_path(images)
    if path is None:
        return None
    try:
        raw = read_bytes(path)
        labels = read_idx(gunzip(raw, path) if path.name.lower().endswith(".gz") else raw, path)
    except DataError as err:
        warnings.warn(f"labels file not used: {err}", stacklevel=3)
        return None
    if labels.ndim != 1 or len(labels) != n or labels.dtype.kind not in "iu" or labels.min() < 0:
        warnings.warn(f"labels file '{path.name}' does not fit the {n:,} images (it holds {labels.shape} values); "
                      "training without class coverage", stacklevel=3)
        return None
    return labels.astype(np.int64)


# ---------------------------------------------------------------------------- image folders
def read_image_folder(folder: Path, image_size: int | None = None) -> Labelled:
    """Every PNG/JPEG/BMP/GIF under `folder` as uint8 (N, H, W, C), C = 1 if all are grayscale else 3; with
    labels when every image sits in a sub-folder and there are at least two (the sub-folders' names)."""
    from PIL import Image, UnidentifiedImageError  # only folders need Pillow

    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    except PermissionError:
        raise DataError(f"cannot read folder '{folder}': permission denied; fix its permissions") from None
    opened, skipped = [], []
    for f in files:
        try:
            if f.suffix.lower() not in IMAGE_SUFFIXES:
                raise UnidentifiedImageError
            with Image.open(f) as img:
                opened.append((f, img.size))
        except (UnidentifiedImageError, OSError):
            skipped.append(f.name)
    if skipped:
        warnings.warn(f"skipped {len(skipped)} file(s) in '{folder}' that are not PNG/JPEG/BMP/GIF images "
                      f"(e.g. '{skipped[0]}')", stacklevel=3)
    if not opened:
        raise DataError(f"folder '{folder}' has no PNG/JPEG/BMP/GIF images; "
                        "put images in it or give another folder")
    w, h = target_size([size for _, size in opened], image_size)
    pixels = []
    for f, _ in opened:
        try:
            with Image.open(f) as img:
                pixels.append(np.asarray(img.convert("RGB").resize((w, h), Image.BILINEAR)))
        except OSError:
            raise DataError(f"cannot read image '{f}' (truncated or corrupt); remove or replace it") from None
    x = np.stack(pixels)
    gray = bool((x[..., 0] == x[..., 1]).all() and (x[..., 1] == x[..., 2]).all())
    return (x[..., :1] if gray else x), *folder_labels(folder, [f for f, _ in opened])


def folder_labels(folder: Path, files: list[Path]) -> tuple[np.ndarray | None, tuple[str, ...] | None]:
    """Class labels from the sub-folder each image sits in (sorted names), when all do and there are >= 2."""
    parts = [f.relative_to(folder).parts for f in files]
    if any(len(p) < 2 for p in parts):
        return None, None
    names = tuple(sorted({p[0] for p in parts}))
    if len(names) < 2:
        return None, None
    index = {name: k for k, name in enumerate(names)}
    return np.array([index[p[0]] for p in parts], np.int64), names


def image_side(path: Path) -> int | None:
    """The side (the larger of height and width) of the images stored at `path`, reading only what tells it
    (the IDX or NPY header, the sizes of a folder's images); None for points, or when it cannot tell (training
    reads the data and says why)."""
    try:
        if path.is_dir():
            from PIL import Image
            sizes = []
            for f in sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
                with Image.open(f) as img:
                    sizes.append(img.size)
            return max(target_size(sizes, None)) if sizes else None
        name = path.name.lower()
        if name.endswith(".npy"):
            with open(path, "rb") as fh:
                version = np.lib.format.read_magic(fh)  # the header only: no array is read, nothing unpickled
                header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape = header(fh)[0]
        else:
            shape = _read_file(path).shape
    except (DataError, OSError, ValueError):
        return None
    if len(shape) == 3:
        return max(shape[1:])
    if len(shape) == 4:
        return max(shape[1:3]) if shape[3] in (1, 3, 4) else max(shape[2:])
    return None


def target_size(sizes: list[tuple[int, int]], image_size: int | None) -> tuple[int, int]:
    """(w, h): image_size if given, else the most common size, shrunk to MAX_SIDE, sides multiples of 4."""
    if image_size:
        return image_size, image_size
    w, h = Counter(sizes).most_common(1)[0][0]
    shrink = min(1.0, MAX_SIDE / max(w, h))
    # The DCGAN halves the side twice, so sides that are multiples of 4 keep its layers exact.
    # (Nearest multiple, halves rounded up: Python's round() would send 10 to 8.)
    return tuple(max(4, int(s * shrink / 4 + 0.5) * 4) for s in (w, h))
