"""The window's curve columns: bounded memory over a run of any length, the curve's shape kept."""
import os

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from ganviz.app.views.curves import Series  # noqa: E402


def test_a_long_run_keeps_a_bounded_column_that_still_follows_the_curve():
    s = Series(limit=512)
    steps = np.arange(0, 200_000, 10, dtype=float)  # 20,000 logged rows
    values = np.sin(steps / 20_000) + 0.01 * np.cos(steps)  # a slow trend under fast noise
    for x, y in zip(steps, values):
        s.append(x, y)
    x, y = s.view()
    assert 256 <= len(x) <= 513 and len(s.x) <= 513       # memory stays at the limit
    assert np.all(np.diff(x) > 0) and x[0] < 1_000 and x[-1] > 199_000  # from the start to the newest rows
    assert np.allclose(y, np.sin(x / 20_000), atol=0.02)  # merged points are means: the trend survives


def test_the_newest_row_shows_at_once_even_while_rows_are_merged():
    s = Series(limit=8)
    for i in range(20):
        s.append(float(i), float(i))
    assert s.stride > 1
    x, y = s.view()
    # a provisional last point, the mean of the rows not yet merged: within one stride of the newest
    assert x[-1] >= 19 - s.stride and x[-1] == y[-1]
    before = x[-1]
    s.append(20.0, 20.0)
    assert s.view()[0][-1] > before


def test_cut_forgets_the_future_and_keeps_the_past():
    s = Series(limit=64)
    for i in range(1000):
        s.append(float(i), 1.0)
    s.cut(500.0)
    x, _ = s.view()
    assert x.max() <= 500 and x.max() > 400
    s.append(501.0, 2.0)
    x, y = s.view()
    assert x[-1] == 501.0 and y[-1] == 2.0


def test_clear_starts_afresh():
    s = Series(limit=8)
    for i in range(100):
        s.append(float(i), 0.0)
    s.clear()
    s.append(5.0, 1.0)
    x, y = s.view()
    assert x.tolist() == [5.0] and y.tolist() == [1.0] and s.stride == 1
