"""The run's log: one row of numbers per logged step, stored compactly.

A row is a dict {key: float} (step, losses, D's outputs, and the sample-based metrics on the
steps they are due). A long live run logs tens of thousands of rows; as dicts of Python floats
they cost ~1 KB each, here ~110 bytes: the values of all rows sit in one float64 array, and each
row keeps only which set of keys it has (there are a handful) and where its values start.
Reading gives back dicts equal to what was appended, NaN values and key order included.
"""
from __future__ import annotations

import csv
import io
import math
import sys
from array import array
from collections.abc import Iterable, Iterator


class MetricLog:
    def __init__(self, rows: Iterable[dict] = ()):
        self._schemas: list[tuple[str, ...]] = []   # the distinct key tuples, in order of first use
        self._schema_id: dict[tuple[str, ...], int] = {}
        self._row_schema = array("H")                # per row: index into _schemas
        self._row_start = array("q")                 # per row: where its values start in _values
        self._values = array("d")
        for row in rows:
            self.append(row)

    def __len__(self) -> int:
        return len(self._row_schema)

    @property
    def nbytes(self) -> int:
        """The memory its rows take (the arrays that hold them; the schemas are shared by many rows)."""
        return sum(sys.getsizeof(a) for a in (self._values, self._row_schema, self._row_start))

    def append(self, row: dict) -> None:
        keys = tuple(row)
        sid = self._schema_id.get(keys)
        if sid is None:
            sid = self._schema_id[keys] = len(self._schemas)
            self._schemas.append(keys)
        self._row_schema.append(sid)
        self._row_start.append(len(self._values))
        self._values.extend(float(row[k]) for k in keys)

    def _row(self, i: int) -> dict[str, float]:
        keys, start = self._schemas[self._row_schema[i]], self._row_start[i]
        return dict(zip(keys, self._values[start:start + len(keys)]))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if not -n <= index < n:
            raise IndexError("log row out of range")
        return self._row(index % n)

    def __setitem__(self, index: int, row: dict) -> None:
        """Only the last row can be replaced (an evaluation of the step just logged)."""
        if index % len(self) != len(self) - 1:
            raise IndexError("only the last log row can be replaced")
        self.pop()
        self.append(row)

    def pop(self) -> dict[str, float]:
        row = self[-1]
        start = self._row_start.pop()
        self._row_schema.pop()
        del self._values[start:]
        return row

    def truncate(self, n: int) -> None:
        """Keep the first n rows (the timeline went back to an earlier step)."""
        if n < len(self):
            del self._values[self._row_start[n]:]
            del self._row_start[n:]
            del self._row_schema[n:]

    def __iter__(self) -> Iterator[dict[str, float]]:
        return (self._row(i) for i in range(len(self)))

    def __eq__(self, other) -> bool:
        if isinstance(other, MetricLog):  # bit for bit, so equal runs compare equal with NaN in them
            keys = [self._schemas[s] for s in self._row_schema]
            return keys == [other._schemas[s] for s in other._row_schema] and \
                self._values.tobytes() == other._values.tobytes()
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"MetricLog({len(self)} rows)"


COUNTS = ("step", "modes", "n_modes")  # written as whole numbers


def metrics_csv(rows: Iterable[dict]) -> str:
    """metrics.csv: one line per row, a column per key in order of first appearance, empty for NaN or missing."""
    rows = list(rows)
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow(["" if k not in row or math.isnan(row[k]) else _fmt(k, row[k]) for k in keys])
    return buf.getvalue()


def _fmt(key: str, v: float) -> str:
    if key in COUNTS and float(v).is_integer():
        return str(int(v))
    return repr(float(v))
