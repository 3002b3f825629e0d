"""Model shapes for every architecture and kind of data, for one run and for several stacked."""
import pytest
import torch

from ganviz.core.config import Config
from ganviz.core.errors import ConfigError
from ganviz.core.models import FlatParameters, build


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("model, shape", [("linear", (1,)), ("mlp", (2,)), ("mlp", (1, 8, 8)),
                                          ("dcgan", (1, 8, 8)), ("dcgan", (3, 16, 16))])
def test_g_and_d_shapes(model, shape, n):
    cfg = Config(model=model, z_dim=5, g_hidden=16, d_hidden=16)
    g, d = build(cfg, shape, n)
    x = g(torch.randn(n, 7, 5))
    assert x.shape == (n, 7, *shape)
    assert d(x).shape == (n, 7)
    if len(shape) == 3:
        assert x.abs().max() <= 1.0  # images are generated in [-1, 1]


@pytest.mark.parametrize("model, shape", [("mlp", (2,)), ("dcgan", (1, 8, 8))])
def test_each_run_of_a_stack_computes_what_it_would_alone(model, shape):
    cfg = Config(model=model, z_dim=5, g_hidden=16, d_hidden=16, d_batchnorm=True)
    stack_g, stack_d = build(cfg, shape, 3, seeds=[0, 1, 2])
    alone_g, alone_d = build(cfg, shape, 1, seeds=[2])
    z = torch.randn(3, 6, 5)
    x = stack_g(z)
    assert torch.allclose(x[2], alone_g(z[2:])[0], atol=1e-5)
    assert torch.allclose(stack_d(x)[2], alone_d(x[2:])[0], atol=1e-5)
    assert torch.allclose(stack_g(z[1:], runs=slice(1, 3), track=False)[1], x[2], atol=1e-5)  # a subset, by its own weights


def test_a_run_is_initialised_as_torch_nn_initialises_a_layer():
    g, _ = build(Config(model="linear", z_dim=300), (2,), 1)
    w = g.body.linears[0].weight
    bound = 1 / 300 ** 0.5
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound  # uniform in +-1/sqrt(fan_in)


def test_flat_parameters_are_the_weights():
    g, _ = build(Config(g_hidden=8), (2,), 2)
    flat = FlatParameters(g, 2)
    with torch.no_grad():
        flat.data[1] = 0.0
    assert all(p[1].abs().sum() == 0 and p[0].abs().sum() > 0 for p in g.parameters() if p.shape[-1] > 1)
    assert flat.data.shape == (2, sum(p[0].numel() for p in g.parameters()))


def test_linear_pair_is_the_papers_simplest():
    g, d = build(Config(model="linear", z_dim=1), (1,))
    assert sum(p.numel() for p in g.parameters()) == 2  # w, b
    assert sum(p.numel() for p in d.parameters()) == 2


def test_dcgan_needs_images_with_sides_divisible_by_4():
    with pytest.raises(ConfigError, match="divisible by 4"):
        build(Config(model="dcgan"), (1, 10, 10))
    with pytest.raises(ConfigError, match="for image data"):
        build(Config(model="dcgan"), (2,))


def test_too_large_models_are_refused_without_allocating():
    from ganviz.core.models import check_size
    with pytest.raises(ConfigError, match="too many"):
        check_size(Config(model="dcgan", g_hidden=2048, d_hidden=2048, z_dim=32), (1, 8, 8))
    check_size(Config(model="dcgan", g_hidden=32, d_hidden=32, z_dim=32), (1, 8, 8))
