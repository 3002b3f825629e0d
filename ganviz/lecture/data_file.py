"""Whether a file a user hands the window (dropped on it, or drawn and saved) can be trained on.

The file is read here first, as training reads it (numpy only, nothing unpickled): a file that cannot be
used is a one-line message and the current run goes on untouched.
"""
from __future__ import annotations

from pathlib import Path

from ..core.errors import GanvizError


def check(path: str, n_data: int) -> None:
    """Raise a GanvizError with a user's message when the file cannot be trained on."""
    from ..core.data import load
    if not Path(path).exists():
        raise GanvizError(f"'{path}' does not exist")
    load(path, n=n_data)  # read as training reads it (resizing cannot fail)


def problem(path: str, n_data: int) -> str | None:
    """Why the file cannot be trained on, in one line; None when it can."""
    try:
        check(path, n_data)
    except GanvizError as err:
        message = f"cannot train on '{Path(path).name}': {err}"
    except Exception as err:  # an unreadable file of any other sort: still the user's file, not a bug
        message = f"cannot train on '{Path(path).name}': {type(err).__name__}: {err}"
    else:
        return None
    return " ".join(message.split())  # one line
