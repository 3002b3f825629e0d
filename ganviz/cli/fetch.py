"""`ganviz data`: the built-in data sets, and where MNIST's and Fashion-MNIST's files are;
`ganviz data get NAME...`: fetch those ahead of time (before a lecture, while there is a network).

Also the command line's download before training (fetch_missing): with a progress bar on stderr, where
the training process would download silently (core/datasets.py reports progress to a callback only).
"""
from __future__ import annotations

import difflib
import sys

from ..core import datasets
from ..core.data import BUILTINS
from ..core.errors import DataError


def main(args) -> int:
    if args.data_command == "get":
        return get(args.names)
    for name, (kind, desc) in BUILTINS.items():
        print(f"{name:18} {kind:5}  {desc}")
        if datasets.is_real(name):
            print(f"{'':26}{where(name)}")
    return 0


def where(name: str) -> str:
    """Where the split's files are, or how to fetch them."""
    size = megabytes(datasets.download_size(name))
    if not folders(name):
        return f"not on disk: `ganviz data get {name}` fetches it ({size})"
    if datasets.missing(name):
        return f"partly in {folders(name)}: `ganviz data get {name}` fetches the rest ({size})"
    return f"in {folders(name)}"


def folders(name: str) -> str:
    """The folders the split's files were found in ('' for none)."""
    return " and ".join(sorted({str(path.parent) for path in datasets.locate(name).values() if path is not None}))


def get(names: list[str]) -> int:
    for name in names:  # every name checked before anything is fetched
        if name.strip().lower() not in BUILTINS:
            close = difflib.get_close_matches(name.lower(), datasets.NAMES, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise DataError(f"unknown data set '{name}'; {hint}the ones to fetch are {', '.join(datasets.NAMES)}")
    for name in names:
        key = name.strip().lower()
        if not datasets.is_real(key):
            print(f"{key}: built in, nothing to fetch")
        elif not datasets.missing(key):
            print(f"{key}: already in {folders(key)}")
        else:
            size = megabytes(datasets.download_size(key))
            fetch(key)
            print(f"{key}: fetched into {datasets.download_folder(key)} ({size})")
        if datasets.is_real(key):
            prepare_classifier(key)
    return 0


def prepare_classifier(name: str) -> None:
    """Train the data set's classifier now (class coverage, the Fréchet distance), as the presets load it, so that
    the lecture's first run reads it from disk instead of spending its first minute on it."""
    from ..core import classifier
    from ..core.config import Config
    from ..core.data import load
    from ..core.device import training_process
    from ..core.presets import load_preset, preset_names
    training_process(1)
    made_for = [load_preset(p).settings for p in preset_names()]  # as the presets made for it load it
    n = next((int(s.get("n_data", Config.n_data)) for s in made_for if str(s.get("data", "")).lower() == name),
             Config.n_data)
    data = load(name, n=n)
    kept = classifier.kept_path(data)
    if not kept.is_file():
        sys.stderr.write(f"ganviz: {name}: training its classifier once (about a minute for 60,000 images)\n")
    clf = classifier.fit(data)
    print(f"{name}: classifier ready ({100 * clf.accuracy:.1f}% right on held-out images), kept in {kept.parent}")


def fetch_missing(source: str) -> None:
    """Before training on MNIST or Fashion-MNIST when its files are not on disk: download them now, with a
    progress bar, rather than in the training process without one."""
    key = source.strip().lower()
    if datasets.is_real(key) and datasets.missing(key):
        sys.stderr.write(f"ganviz: fetching {key} ({megabytes(datasets.download_size(key))}) into "
                         f"{datasets.download_folder(key)}\n")
        fetch(key)


def fetch(name: str) -> None:
    bars = Bars()
    try:
        datasets.fetch(name, bars)
    finally:
        bars.close()  # before the error's line, if there is one


class Bars:
    """datasets.fetch's progress callback: a tqdm bar on stderr per file; a file started again (the next
    mirror) starts its bar again."""

    def __init__(self):
        self.file, self.bar = None, None

    def __call__(self, file: str, done: int, total: int | None) -> None:
        from tqdm import tqdm
        if file != self.file or self.bar is None or done < self.bar.n:
            self.close()
            self.file = file
            self.bar = tqdm(total=total, desc=file, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                            mininterval=0.25)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e7 else f"{n / 1e6:.0f} MB"
