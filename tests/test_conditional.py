"""A conditional GAN (Mirza & Osindero 2014): G and D are told the class, G draws the class it is asked for,
the grid shows a row per class, and evaluation logs how often G's samples read as the class asked for."""
import numpy as np
import pytest
import torch

from ganviz.cli import main
from ganviz.core.config import Config
from ganviz.core.data import from_array
from ganviz.core.errors import ConfigError
from ganviz.core.population import Population
from ganviz.core.snapshot import MAX_CLASS_ROWS, TILE_COLS, SnapshotMaker
from synthetic import NAMES, labelled_images

SMALL = dict(model="mlp", z_dim=4, g_hidden=64, d_hidden=64, activation="leaky_relu", batch_size=64,
             lr_d=1e-3, lr_g=1e-3, r1=1.0, eval_every=10_000, conditional=True)


@pytest.fixture(scope="module")
def bars():
    """Four classes, each a bright bar on its own side (synthetic.py): easy to tell apart."""
    x, labels = labelled_images(800, 8)
    return from_array("bars", x[..., 0], labels=labels, classes=NAMES)


@pytest.fixture(scope="module")
def trained(bars):
    pop = Population(Config(data="bars", **SMALL), bars)
    before = pop.runs[0].evaluate()["cond_acc"]
    pop.run(400)
    return pop, before


def test_g_draws_the_class_it_is_asked_for(bars, trained):
    pop, before = trained
    row = pop.runs[0].evaluate()
    assert before < 0.6 and row["cond_acc"] >= 0.9, (before, row["cond_acc"])
    asked = np.repeat(np.arange(4), 50)
    samples = pop.sample(0, 200, classes=asked)
    x = torch.from_numpy(bars.from_units(samples).astype(np.float32))
    from ganviz.core import classifier
    read = classifier.fit(bars).probabilities(x).argmax(1)
    assert (read == asked).mean() >= 0.9


def test_the_grid_has_a_row_per_class_and_each_column_one_noise(trained):
    pop, _ = trained
    maker = SnapshotMaker(pop)
    maker.prepare_classes()
    pic = maker.make()[0]
    rows = min(4, MAX_CLASS_ROWS)
    assert len(pic.fake_u8) == rows * TILE_COLS
    assert pic.asked.tolist() == [k for k in range(rows) for _ in range(TILE_COLS)]
    assert pic.asked_hits.shape == (4,) and (pic.asked_hits >= 0.8).all()
    # one z per column: the rows differ only by the class asked for, so a column's tiles differ
    assert not np.array_equal(pic.fake_u8[0], pic.fake_u8[TILE_COLS])


def test_a_conditional_run_resumes_to_the_same_bits(bars):
    a = Population(Config(data="bars", **SMALL), bars)
    a.run(20)
    b = Population.from_state(a.state_dict(), bars)
    a.run(5)
    b.run(5)
    assert torch.equal(a.trainers[0].flat_g.data, b.trainers[0].flat_g.data)
    assert torch.equal(a.trainers[0].flat_d.data, b.trainers[0].flat_d.data)


@pytest.mark.parametrize("data", ["ring8", "gauss"])
def test_conditional_needs_data_that_says_each_image_s_class(data):
    with pytest.raises(ConfigError, match="conditional=true needs data that says the class"):
        Population(Config(data=data, conditional=True))


def test_the_command_line_refuses_conditional_points_in_one_line(tmp_path, capsys):
    rc = main(["train", "--preset", "ring8", "--set", "conditional=true", "--steps", "5", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "conditional" in err
