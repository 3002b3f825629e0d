"""Model shapes for every architecture and kind of data."""
import pytest
import torch

from ganviz.core.config import Config
from ganviz.core.errors import ConfigError
from ganviz.core.models import build


@pytest.mark.parametrize("model, shape", [("linear", (1,)), ("mlp", (2,)), ("mlp", (1, 8, 8)),
                                          ("dcgan", (1, 8, 8)), ("dcgan", (3, 16, 16))])
def test_g_and_d_shapes(model, shape):
    cfg = Config(model=model, z_dim=5, g_hidden=16, d_hidden=16)
    g, d = build(cfg, shape)
    x = g(torch.randn(7, 5))
    assert x.shape == (7, *shape)
    assert d(x).shape == (7,)
    if len(shape) == 3:
        assert x.abs().max() <= 1.0  # images are generated in [-1, 1]


def test_linear_pair_is_the_papers_simplest():
    g, d = build(Config(model="linear", z_dim=1), (1,))
    assert sum(p.numel() for p in g.parameters()) == 2  # w, b
    assert sum(p.numel() for p in d.parameters()) == 2


def test_dcgan_needs_images_with_sides_divisible_by_4():
    with pytest.raises(ConfigError, match="divisible by 4"):
        build(Config(model="dcgan"), (1, 10, 10))
    with pytest.raises(ConfigError, match="for image data"):
        build(Config(model="dcgan"), (2,))


def test_dropout_rate_changes_live():
    _, d = build(Config(dropout=0.2), (2,))
    d.set_dropout(0.5)
    assert {m.p for m in d.modules() if isinstance(m, torch.nn.Dropout)} == {0.5}


def test_too_large_models_are_refused_without_allocating():
    from ganviz.core.models import check_size
    with pytest.raises(ConfigError, match="too many"):
        check_size(Config(model="dcgan", g_hidden=2048, d_hidden=2048, z_dim=32), (1, 8, 8))
    check_size(Config(model="dcgan", g_hidden=32, d_hidden=32, z_dim=32), (1, 8, 8))
