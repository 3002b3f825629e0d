"""What a preset promises is stated in its file and checked by training it: `ganviz presets --check`."""
import json

import numpy as np
import pytest

from ganviz.cli import main
from ganviz.core import check as checking
from ganviz.core import expectations
from ganviz.core.errors import ConfigError
from ganviz.core.presets import load_preset

TINY = '''title = "tiny"
[settings]
data = "gauss"
z_dim = 1
g_hidden = 16
d_hidden = 16
batch_size = 128
n_data = 2000
steps = 60
eval_every = 1000
[[tour]]
title = "one"
caption = "G and D"
steps = 30
'''


def tiny(tmp_path, expect: str):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY + expect)
    return load_preset(str(path))


def test_every_measure_named_is_computed():
    assert set(expectations.MEASURES) == set(checking.MEASURES)


@pytest.mark.parametrize("expect, words", [
    ('[[expect]]\nmeasure = "kss"\nat_most = 1\n', "measure must be one of"),
    ('[[expect]]\nmeasure = "ks"\n', "one of at_most or at_least"),
    ('[[expect]]\nmeasure = "ks"\nat_most = 1\nat_least = 0\n', "one of at_most or at_least"),
    ('[[expect]]\nmeasure = "ks"\nat_most = "small"\n', "must be a number"),
    ('[[expect]]\nmeasure = "ks"\nat_most = 1\nwhen = "stage 2"\n', "N from 1 to 1"),
    ('[[expect]]\nmeasure = "ks"\nat_most = 1\nhow = 2\n', "unknown key 'how'"),
    ('[[expect]]\nmeasure = "centre"\nat_least = 1\n', "name it with times"),
    ('[[expect]]\nmeasure = "travel"\nat_least = 1\n', "travel is a distance from a moment"),
])
def test_a_bad_expectation_is_refused_naming_the_preset(tmp_path, expect, words):
    with pytest.raises(ConfigError, match=words) as err:
        tiny(tmp_path, expect)
    assert "preset 'tiny', expectation 1" in str(err.value)


def test_the_check_holds_what_holds_and_marks_what_does_not(tmp_path):
    preset = tiny(tmp_path, '''
[[expect]]
measure = "spread"
at_least = 0.0001
when = ["stage 1", "end"]
says = "G's samples are not all one point"
[[expect]]
measure = "ks"
at_most = 0.0001
says = "an impossible match, after 60 steps"
[[expect]]
measure = "spread"
at_most = 10
times = "stage 1"
[[expect]]
measure = "centre"
at_least = 1e-6
times = "stage 1"
''')
    results, seconds = checking.check(preset, [0, 1])
    assert [r.held for r in results] == [[True, True], [False, False], [True, True], [True, True]]
    assert all(len(r.values) == 2 and all(np.isfinite(r.values)) for r in results)
    assert results[0].expectation.text() == "spread \u2265 0.0001 at stage 1, end" and seconds > 0


def test_travel_is_the_path_of_gs_centre_never_shorter_than_its_move(tmp_path, monkeypatch):
    monkeypatch.setattr(checking, "TRAVEL_EVERY", 10)
    preset = tiny(tmp_path, '''
[[expect]]
measure = "travel"
at_least = 0
times = "stage 1"
[[expect]]
measure = "centre"
at_least = 0
times = "stage 1"
''')
    (travel, moved), _ = checking.check(preset, [0, 1, 2])
    assert travel.expectation.text() == "centre travelled \u2265 0 from stage 1 to end"
    assert all(t > 0 for t in travel.values)
    assert all(t >= m - 1e-6 for t, m in zip(travel.values, moved.values))   # a path is never shorter


def test_the_command_prints_a_table_and_exits_1_when_an_expectation_fails(tmp_path, capsys):
    preset = tiny(tmp_path, '[[expect]]\nmeasure = "ks"\nat_most = 0.0001\n')
    assert main(["presets", "--check", str(preset.path), "--seeds", "0:2", "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["seeds"] == [0, 1] and report["results"][0]["held"] == [False, False]
    assert "ks \u2264 0.0001 at end" in out and "0/2" in out


def test_checking_a_preset_without_expectations_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "none.toml"
    path.write_text(TINY)
    assert main(["presets", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "states no expectations" in err and len(err.strip().splitlines()) == 1


def test_every_built_in_preset_states_what_it_promises():
    from ganviz.core.presets import preset_names
    missing = [n for n in preset_names() if not load_preset(n).expect]
    assert missing == []
