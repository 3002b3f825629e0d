"""Built-in real data sets, MNIST and Fashion-MNIST: where their files are found and how they are fetched.

Each set is four gzipped IDX files (yann.lecun.com/exdb/mnist's format), two per split: the data name
`fashion-mnist` is the training split (60,000 images), `fashion-mnist:test` the test split (10,000). A file
is looked for, one folder after the other, in
    $GANVIZ_DATA/<set>/          (default: the user's cache folder, ~/.cache/ganviz/<set>/ on Linux)
    /usr/share/datasets/<set>/   (where Debian's dataset-fashion-mnist package puts Fashion-MNIST)
and one found in neither is downloaded into the first, once, from the set's mirrors in turn. A download
goes to a temporary file beside its target and is renamed into place only when its SHA-256 is the
official one and it starts as the IDX file it should: an interrupted, truncated or wrong download leaves
nothing behind. Files already on disk are not hashed: Debian's are recompressed (the same images in a
gzip without its name field, so another SHA-256); reading them checks what they hold instead.

Qt-free and silent like all of core: progress goes to a callback (the command line draws a tqdm bar).
Environment, for a lab's own mirror, unusual installs and tests:
    GANVIZ_DATA         the folder of downloads, looked in first
    GANVIZ_SYSTEM_DATA  the system's folder of data sets (default /usr/share/datasets)
    GANVIZ_MIRRORS      base URLs tried in order instead of the sets' own, separated by spaces;
                        {name} in one becomes the set's name (http://lab.example/data/{name}/)
"""
from __future__ import annotations

import gzip
import hashlib
import os
import queue
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import numpy as np

from . import loaders
from .errors import DataError, DownloadError
from .fileio import atomic_path, check_folder

SIDE = 28
SYSTEM_DATA = "/usr/share/datasets"
CONNECT_TIMEOUT = 5.0   # s for a mirror to answer (name lookup included): offline is told in seconds, not minutes
READ_TIMEOUT = 30.0     # s a download may stall before the next mirror is tried
CHUNK = 1 << 16
# IDX magic numbers (00 00, type 08 = unsigned bytes, number of dimensions): images N x 28 x 28, labels N.
MAGIC = {"images": bytes([0, 0, 8, 3]), "labels": bytes([0, 0, 8, 1])}
SPLITS = {"": "train", ":test": "t10k"}  # data name suffix -> the files' prefix

Progress = Callable[[str, int, int | None], None]  # (file, bytes so far, bytes in all if the server says)


@dataclass(frozen=True)
class RealSet:
    name: str                        # the data name of its training split, and its folder
    title: str                       # as its authors write it
    credit: str                      # who made it, and its licence where it states one
    what: str                        # what its images show
    classes: tuple[str, ...]
    mirrors: tuple[str, ...]         # base URLs, tried in order
    sha256: dict[str, str]           # file -> the official file's SHA-256
    size: dict[str, int]             # file -> its size in bytes (for "N MB" before a download)
    home: str                        # where a person finds the files by hand
    debian: str | None = None        # the Debian package that installs the files in /usr/share/datasets/<name>/


FASHION = RealSet(
    "fashion-mnist", "Fashion-MNIST", "Zalando, MIT licence", "pictures of clothes, shoes and bags",
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
     "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"),
    # The official files' SHA-256 and sizes, as tensorflow-datasets lists them
    # (tensorflow_datasets/url_checksums/fashion_mnist.txt); the sizes are those of Zalando's README.
    # Debian's copies in dataset-fashion-mnist differ (recompressed, 24 bytes shorter), hence not used here.
    {"train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
     "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
     "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
     "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"},
    {"train-images-idx3-ubyte.gz": 26_421_880, "train-labels-idx1-ubyte.gz": 29_515,
     "t10k-images-idx3-ubyte.gz": 4_422_102, "t10k-labels-idx1-ubyte.gz": 5_148},
    "https://github.com/zalandoresearch/fashion-mnist", debian="dataset-fashion-mnist")

MNIST = RealSet(
    "mnist", "MNIST", "LeCun, Cortes and Burges", "handwritten digits", tuple("0123456789"),
    ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    # The official files' SHA-256 and sizes, as tensorflow-datasets lists them
    # (tensorflow_datasets/url_checksums/mnist.txt, for its copy at storage.googleapis.com/cvdf-datasets/mnist/);
    # the same sums are pinned for yann.lecun.com's files elsewhere (e.g. guild.ai's mnist package).
    {"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
     "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
     "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
     "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
    {"train-images-idx3-ubyte.gz": 9_912_422, "train-labels-idx1-ubyte.gz": 28_881,
     "t10k-images-idx3-ubyte.gz": 1_648_877, "t10k-labels-idx1-ubyte.gz": 4_542},
    "https://ossci-datasets.s3.amazonaws.com/mnist/")

SETS = {s.name: s for s in (FASHION, MNIST)}
NAMES = tuple(s.name + suffix for s in SETS.values() for suffix in SPLITS)  # every data name, training split first


# ---------------------------------------------------------------------------- names
def is_real(name: str) -> bool:
    """Whether `name` is one of these data sets (a split of MNIST or Fashion-MNIST)."""
    return name.strip().lower() in NAMES


def real_set(name: str) -> RealSet:
    return SETS[_key(name).partition(":")[0]]


def files(name: str) -> tuple[str, str]:
    """The images file and the labels file of the split `name`."""
    _, colon, split = _key(name).partition(":")
    prefix = SPLITS[colon + split]
    return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"


def classes(name: str) -> tuple[str, ...]:
    return real_set(name).classes


def describe(name: str) -> str:
    """One sentence for the UI: what the data set is, whose, and how large."""
    s, test = real_set(name), _key(name).endswith(":test")
    title = f"{s.title}'s test split" if test else s.title
    return (f"{title} ({s.credit}): {10_000 if test else 60_000:,} {SIDE}×{SIDE} grayscale {s.what} "
            f"in {len(s.classes)} classes")


def _key(name: str) -> str:
    key = name.strip().lower()
    if key not in NAMES:
        raise DataError(f"'{name}' is not a downloadable data set; those are {', '.join(NAMES)}")
    return key


# ---------------------------------------------------------------------------- where the files are
def download_folder(name: str) -> Path:
    """Where the set's files are downloaded to (and looked for first): $GANVIZ_DATA/<set>/, else the
    user's cache folder (platformdirs: ~/.cache/ganviz on Linux, ~/Library/Caches/ganviz on macOS)."""
    root = os.environ.get("GANVIZ_DATA")
    if not root:
        from platformdirs import user_cache_dir
        root = user_cache_dir("ganviz", appauthor=False)
    return Path(root).expanduser() / real_set(name).name


def folders(name: str) -> list[Path]:
    """The folders the set's files are looked for in, in order."""
    system = Path(os.environ.get("GANVIZ_SYSTEM_DATA") or SYSTEM_DATA).expanduser()
    return [download_folder(name), system / real_set(name).name]


def locate(name: str) -> dict[str, Path | None]:
    """Each file of the split `name` -> where it is (the first folder that has it), or None."""
    places = folders(name)
    return {f: next((d / f for d in places if (d / f).is_file()), None) for f in files(name)}


def missing(name: str) -> list[str]:
    return [f for f, path in locate(name).items() if path is None]


def absent(name: str) -> bool:
    """Whether a data name (as a preset or --data gives it) is one of these sets with files not on disk: what a run
    of it would download first. Built-in toys and the user's own files are never absent."""
    return is_real(name) and bool(missing(name.strip().lower()))


def download_size(name: str) -> int:
    """Bytes to download before `name` can be read (0 when it is on disk)."""
    size = real_set(name).size
    return sum(size[f] for f in missing(name))


def mirrors(name: str) -> list[str]:
    """The base URLs a file of `name` is downloaded from, in order ($GANVIZ_MIRRORS instead, when set)."""
    s = real_set(name)
    bases = os.environ.get("GANVIZ_MIRRORS", "").split() or list(s.mirrors)
    return [b.replace("{name}", s.name).rstrip("/") + "/" for b in bases]


# ---------------------------------------------------------------------------- reading
def read(name: str, progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The split's images, uint8 (N, 1, 28, 28), and their labels (N,) int64; its missing files are
    downloaded first (fetch)."""
    images_path, labels_path = fetch(name, progress)
    images, labels = _read_idx(images_path, name, "images"), _read_idx(labels_path, name, "labels")
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise DataError(f"'{images_path}' holds images of shape {images.shape[1:]}, not {name}'s {SIDE}×{SIDE}; "
                        f"{_fix(images_path, name)}")
    n_classes = len(classes(name))
    if labels.ndim != 1 or len(labels) != len(images) or int(labels.max(initial=0)) >= n_classes:
        raise DataError(f"'{labels_path}' does not label the {len(images):,} images beside it with {n_classes} "
                        f"classes (it holds {labels.shape[0]:,} values up to {int(labels.max(initial=0))}); "
                        f"{_fix(labels_path, name)}")
    return images[:, None], labels.astype(np.int64)


def _read_idx(path: Path, name: str, kind: str) -> np.ndarray:
    raw = loaders.read_bytes(path)
    try:
        raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error):
        raise DataError(f"'{path}' is not a valid gzip file (truncated or corrupt); {_fix(path, name)}") from None
    if raw[:4] != MAGIC[kind]:
        raise DataError(f"'{path}' is not an IDX file of {kind} (it starts {raw[:4].hex(' ')}, not "
                        f"{MAGIC[kind].hex(' ')}); {_fix(path, name)}")
    return loaders.read_idx(raw, path)


def _fix(path: Path, name: str) -> str:
    """How to replace a bad file: ganviz's own download again, else the official one."""
    if path.parent == download_folder(name):
        return f"delete it and ganviz downloads {real_set(name).title} again"
    s = real_set(name)
    hint = f" (sudo apt-get install --reinstall {s.debian})" if s.debian and path.parent == folders(name)[1] else ""
    return f"replace it with the official file from {s.home}{hint}"


# ---------------------------------------------------------------------------- fetching
class _MirrorFailed(Exception):
    """A mirror that could not give a file; the next one is tried. Not an OSError: atomic_path would take
    one for a failure to write."""


class _Unreachable(_MirrorFailed):
    """No answer at all: the mirror is not asked again for the split's other file."""


def fetch(name: str, progress: Progress | None = None) -> tuple[Path, Path]:
    """The paths of the split's images and labels files, downloading those not on disk into
    download_folder(name). DownloadError (one line: why, the files, the folder to put them in) when one
    cannot be had; nothing half-downloaded or unverified is ever left behind."""
    found = locate(name)
    todo = [f for f, path in found.items() if path is None]
    dead: set[str] = set()
    folder = download_folder(name)
    made = todo and not folder.exists()
    try:
        if todo:  # a folder that cannot take the files is told before anything is downloaded
            check_folder(folder, "GANVIZ_DATA's")
        for file in todo:
            found[file] = _download(name, file, todo, dead, progress)
    except BaseException:
        if made and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # the folder made for the download goes with it
        raise
    images, labels = found.values()
    return images, labels


def _download(name: str, file: str, todo: list[str], dead: set[str], progress: Progress | None) -> Path:
    s, target = real_set(name), download_folder(name) / file
    reasons = []
    for base in mirrors(name):
        host = urlsplit(base).netloc or base
        if base in dead:
            continue
        try:
            with atomic_path(target) as tmp:
                _get(base + file, tmp, file, s.sha256[file], progress)
            return target
        except _Unreachable as err:
            dead.add(base)
            reasons.append(f"{host}: {err}")
        except _MirrorFailed as err:
            reasons.append(f"{host}: {err}")
    where = f"put {' and '.join(todo)} in {download_folder(name)}{os.sep} (from {s.home})"
    if s.debian:
        where += f", or install Debian's package: sudo apt-get install {s.debian}"
    raise DownloadError(f"{name} is not on disk and could not be downloaded ({'; '.join(reasons)}); "
                        f"nothing was kept: {where}")


def _get(url: str, tmp: Path, file: str, sha256: str, progress: Progress | None) -> None:
    """Download url into tmp, then refuse it unless it is the official file (its SHA-256) and starts as the
    IDX file it is named for."""
    from http.client import HTTPException
    response = _open(url)
    with response, open(tmp, "wb") as out:
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        digest, done = hashlib.sha256(), 0
        if progress:
            progress(file, 0, total)
        while True:
            try:
                chunk = response.read(CHUNK)
            except (OSError, HTTPException) as err:
                raise _MirrorFailed(f"the download of {file} broke off after {done:,} bytes ({_why(err)})") from None
            if not chunk:
                break
            out.write(chunk)  # an OSError here is a failure to write: atomic_path says so
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(file, done, total)
    if total is not None and done != total:
        raise _MirrorFailed(f"the download of {file} broke off after {done:,} of {total:,} bytes")
    if digest.hexdigest() != sha256:
        raise _MirrorFailed(f"{file} is not the official file (its SHA-256 is {digest.hexdigest()[:16]}…, "
                            f"not {sha256[:16]}…)")
    kind = "images" if "-images-" in file else "labels"
    try:
        with gzip.open(tmp, "rb") as fh:
            head = fh.read(4)
    except (OSError, EOFError, zlib.error):
        head = b""
    if head != MAGIC[kind]:
        raise _MirrorFailed(f"{file} is not a gzipped IDX file of {kind} (it starts {head.hex(' ') or 'with no IDX'}, "
                            f"not {MAGIC[kind].hex(' ')})")


def _open(url: str):
    """urlopen, given CONNECT_TIMEOUT in all to answer. urlopen's own timeout bounds each socket operation,
    not the name lookup, which can hang for tens of seconds without a network; so it runs in a thread that
    is left behind (a daemon, ended by its own READ_TIMEOUT) when it does not answer in time."""
    from http.client import HTTPException
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen  # here: it costs the window's start-up 70 ms
    answer: queue.SimpleQueue = queue.SimpleQueue()

    def ask() -> None:
        try:
            answer.put(urlopen(Request(url, headers={"User-Agent": "ganviz"}), timeout=READ_TIMEOUT))
        except BaseException as err:  # handed over and raised in the caller's thread
            answer.put(err)

    threading.Thread(target=ask, name="ganviz-download", daemon=True).start()
    try:
        got = answer.get(timeout=CONNECT_TIMEOUT)
    except queue.Empty:
        raise _Unreachable(f"no answer within {CONNECT_TIMEOUT:g} s") from None
    if isinstance(got, HTTPError):
        got.close()
        raise _MirrorFailed(f"HTTP {got.code} {got.reason} for {urlsplit(url).path.rsplit('/', 1)[-1]}")
    if isinstance(got, (OSError, HTTPException)):
        raise _Unreachable(_why(got))
    if isinstance(got, BaseException):
        raise got
    return got


def _why(err: BaseException) -> str:
    """A network error in a few words: 'Connection refused', 'Name or service not known', 'timed out'."""
    from urllib.error import URLError
    if isinstance(err, URLError) and not isinstance(err.reason, str):
        err = err.reason
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(getattr(err, "reason", "") or err) or type(err).__name__
