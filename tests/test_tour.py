"""Tours: the stages a preset walks a lecture through (core/tour.py) and `ganviz tour`."""
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.cli import main
from ganviz.core import tour
from ganviz.core.errors import ConfigError
from ganviz.core.population import Population
from ganviz.core.presets import load_preset


def params(pop: Population, net: str) -> torch.Tensor:
    t = pop.trainers[0]
    return (t.flat_g if net == "G" else t.flat_d).data.clone()


def same(a, b) -> bool:
    return torch.equal(a, b)


@pytest.mark.parametrize("raw, words", [
    ([{"run": "both", "stepz": 3}], "unknown key 'stepz'"),
    ([{"run": "x"}], "run must be one of both, d, g"),
    ([{"steps": -1}], "steps must be a whole number"),
    ([{"steps": 1.5}], "steps must be a whole number"),
    ([{"set": {"z_dim": 3}}], "'z_dim' cannot change during a run"),
    ([{"set": {"lr_d": -1.0}}], "lr_d"),
    ({"run": "d"}, "must be a list of [[tour]] tables"),
])
def test_a_bad_stage_is_refused_naming_the_preset_and_the_stage(raw, words):
    with pytest.raises(ConfigError) as err:
        tour.parse(raw, "mine")
    assert "preset 'mine'" in str(err.value) and words in str(err.value)


def test_a_stage_of_d_alone_leaves_g_and_of_g_alone_leaves_d():
    t = Population(load_preset("figure1").config())
    g0, d0 = params(t, "G"), params(t, "D")
    tour.run_stage(t, tour.Stage("b", "", run="d", steps=5))
    assert t.step_count == 5 and same(params(t, "G"), g0) and not same(params(t, "D"), d0)
    d1 = params(t, "D")
    tour.run_stage(t, tour.Stage("c", "", run="g", steps=3, settings={"lr_g": 1e-3}))
    assert t.step_count == 8 and same(params(t, "D"), d1) and not same(params(t, "G"), g0)
    assert t.cfg.lr_g == 1e-3 and t.changes[0][-1][0] == 5 and t.changes[0][-1][1].startswith("lr_g ")


def test_tour_writes_one_picture_per_stage_and_a_json_summary(tmp_path, capsys, monkeypatch):
    short = tmp_path / "short.toml"  # figure1's tour with fewer updates: the same code, faster
    text = load_preset("figure1").path.read_text()
    short.write_text(re.sub(r"(?m)^steps = \d+$", "steps = 20", text))
    assert main(["tour", "--preset", str(short), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    stages = load_preset(str(short)).tour
    assert [s["title"] for s in summary["stages"]] == [s.title for s in stages]
    assert [s["step"] for s in summary["stages"]] == list(np.cumsum([s.steps for s in stages]))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [s["file"] for s in summary["stages"]] and files[0].startswith("01-")
    assert all(Image.open(tmp_path / "out" / f).size[0] > 600 for f in files)


def test_tour_of_a_preset_without_one_is_exit_2_and_writes_nothing(tmp_path, capsys):
    assert main(["tour", "--preset", "ring8", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "has no tour" in err and "figure1" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_stage_travels_to_the_training_process_and_back_unchanged():
    from ganviz.core.tour import Stage
    stage = Stage(title="(b)", caption="D alone", run="d", steps=300, settings={"lr_d": 0.01})
    assert Stage.from_dict(stage.to_dict()) == stage
