"""The run's log keeps every row exactly (NaN and key order included) in a fraction of the memory."""
import math
import sys

import pytest

from ganviz.core.metriclog import MetricLog


def rows(n: int) -> list[dict]:
    out = []
    for i in range(n):
        row = {"step": float(i * 10), "loss_d": 1.0 / (i + 1), "grad_g": float("nan") if i == 0 else 0.5 * i}
        if i % 5 == 4:
            row.update(jsd=0.1 * i, modes=8.0)  # an evaluation row has more keys
        out.append(row)
    return out


def test_rows_read_back_as_appended_with_their_keys_in_order():
    log = MetricLog(rows(12))
    assert len(log) == 12
    for got, want in zip(log, rows(12)):
        assert list(got) == list(want)
        assert all(got[k] == want[k] or (math.isnan(got[k]) and math.isnan(want[k])) for k in want)
    assert log[-1] == rows(12)[-1] and log[4]["modes"] == 8.0 and "modes" not in log[5]
    assert log[10:] == rows(12)[10:] and log[100:] == []


def test_the_last_row_can_be_replaced_and_popped_but_no_other():
    log = MetricLog(rows(3))
    log[-1] = {"step": 20.0, "loss_d": 9.0, "jsd": 0.2}
    assert log[-1] == {"step": 20.0, "loss_d": 9.0, "jsd": 0.2} and len(log) == 3
    with pytest.raises(IndexError):
        log[0] = {"step": 0.0}
    assert log.pop()["loss_d"] == 9.0 and len(log) == 2
    with pytest.raises(IndexError):
        log[5]


def test_equal_logs_compare_equal_even_with_nan():
    assert MetricLog(rows(6)) == MetricLog(rows(6))
    assert MetricLog(rows(6)) != MetricLog(rows(5))


def test_a_long_run_costs_about_a_tenth_of_a_list_of_dicts():
    n = 20_000
    log = MetricLog(rows(n))
    compact = log.nbytes
    as_dicts = sum(sys.getsizeof(r) + sum(sys.getsizeof(v) for v in r.values()) for r in rows(n))
    assert compact < as_dicts / 5
