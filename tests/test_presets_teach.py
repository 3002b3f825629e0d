"""The presets hold what they promise: the expectations in their own files ([[expect]]), checked by
training them as `ganviz presets --check` does (core/check.py), so the README, docs/presets.md, the
narration and these tests read the same numbers.

The fast suite checks the teaching presets at seed 0; `pytest -m presets_full` (and the command
`ganviz presets --check --seeds 0:5`) checks every preset at five seeds, each held at four at least.
"""
import pytest

from ganviz.core.check import check
from ganviz.core.presets import load_preset, preset_names

TEACHING = ["figure1", "linear1d", "saturating", "d-strong", "d-weak", "mode-collapse", "mixed-batches",
            "noise-target", "helvetica"]


def failures(results, seed_index: int) -> list:
    return [(r.expectation.text(), r.values[seed_index]) for r in results if not r.held[seed_index]]


@pytest.mark.slow
@pytest.mark.parametrize("name", TEACHING)
def test_a_teaching_preset_shows_what_it_promises(name):
    results, _ = check(load_preset(name), [0])
    assert failures(results, 0) == []


@pytest.mark.presets_full
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_holds_its_promises_at_four_seeds_of_five(name):
    results, _ = check(load_preset(name), list(range(5)))
    assert [(r.expectation.text(), r.values) for r in results if r.held_count < 4] == []
