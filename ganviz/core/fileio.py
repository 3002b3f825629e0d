"""Atomic file writing: a reader (or a crash) never sees a half-written file.

Everything ganviz writes goes to a temporary file in the target's folder, is flushed to disk,
and then renamed over the target, which POSIX and Windows both do in one step.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import GanvizError


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it is removed."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The temp name keeps the suffix: writers such as imageio pick the format from it.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
        os.close(fd)
    except OSError as err:
        raise GanvizError(f"cannot write '{path}': {err.strerror or err}; choose another folder") from None
    tmp = Path(tmp)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp (and some writers) make owner-only files; results are shared
        os.replace(tmp, path)
    except OSError as err:
        raise GanvizError(f"cannot write '{path}': {err.strerror or err}; free space or choose another folder") \
            from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_with(path, writer: Callable[[Path], None]) -> None:
    """Call writer(tmp_path) and move the result into place: for libraries that write files themselves."""
    with atomic_path(path) as tmp:
        writer(tmp)


def check_folder(folder: str | os.PathLike, option: str) -> None:
    """Create `folder` if needed and write and remove a file in it, or raise GanvizError naming `option`.

    Before a long run: a folder that cannot take the results is then refused at once, not after
    training. Only a real write tells (root ignores permissions, /proc and read-only mounts refuse).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ganviz-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise GanvizError(f"{option} folder '{folder}' cannot be written to ({err.strerror or err}); "
                          "choose another folder") from None
