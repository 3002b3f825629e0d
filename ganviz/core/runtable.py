"""Tables of runs, one row per run: a comparison's runs.csv and a sweep's results.csv.

Torch-free, so the window reads them too. Numbers are written with 6 significant digits and a
missing or non-finite value as an empty cell; a run's status is "done" or "diverged at step N".
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

from .errors import GanvizError

# What `ganviz train` writes for a run (outputs/rundir.py: write_outputs), and for one that diverged (write_curves).
RUN_FILES = ("config.toml", "metrics.csv", "real.npy", "samples.npy", "model.safetensors", "trainer.safetensors",
             "final.png")
CURVE_FILES = ("config.toml", "metrics.csv")
DONE = "done"
_DIVERGED = re.compile(r"diverged at step (\d+)")


def status(diverged: tuple[int, str] | None) -> str:
    return DONE if diverged is None else f"diverged at step {diverged[0]}"


def diverged_at(text: str) -> int | None:
    """The step of a "diverged at step N" status, else None."""
    m = _DIVERGED.fullmatch(text.strip())
    return int(m.group(1)) if m else None


def cell(value: Any) -> str:
    """A metric as a table shows it: 6 significant digits, empty when missing, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:.6g}" if math.isfinite(value) else ""


def number(text: str) -> float:
    """A cell read back as a number (NaN when empty or not a number)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a table of runs, or GanvizError saying why it cannot be read."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise GanvizError(f"'{path}' does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise GanvizError(f"'{path}' cannot be read ({getattr(err, 'strerror', None) or err})") from None
