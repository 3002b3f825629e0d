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


# ---------------------------------------------------------------------------------- how the layers compute
def _reference(mlp, x, act):
    """The MLP as torch.nn would write it: baddbmm, then the activation out of place."""
    for k, lin in enumerate(mlp.linears):
        x = torch.baddbmm(lin.bias, x, lin.weight)
        if k < len(mlp.linears) - 1:
            if mlp.norms is not None:
                x = mlp.norms[k](x)
            x = act(x)
    return x


@pytest.mark.parametrize("sizes, batchnorm", [([1, 32, 32, 1], False), ([2, 16, 16, 3], True), ([5, 8, 1], False)])
@pytest.mark.parametrize("from_numbers", [0, 10**9])
def test_tanh_runs_as_a_sigmoid_with_the_same_function_and_gradients(sizes, batchnorm, from_numbers, monkeypatch):
    """Large layers (from_numbers=0: every layer) compute tanh(u) = 2 sigmoid(2u) - 1, its factors folded into the
    linear layers; small ones ATen's tanh: the same numbers up to rounding, the same gradients of the weights and
    of the input, and R1's second-order ones."""
    from ganviz.core import models
    from ganviz.core.models import MLP, initialise
    monkeypatch.setattr(models, "TANH_AS_SIGMOID_FROM", from_numbers)
    mlp = MLP(3, sizes, "tanh", batchnorm=batchnorm)
    assert mlp.sigmoid_tanh
    for i in range(3):
        initialise(mlp, i, torch.Generator().manual_seed(i))
    x = torch.randn(3, 50, sizes[0], requires_grad=True)
    params = [x, *mlp.parameters()]
    y, ref = mlp(x), _reference(mlp, x, torch.tanh)
    assert torch.allclose(y, ref, atol=1e-6)
    g1, g2 = (torch.autograd.grad(out.sum(), params, create_graph=True) for out in (y, ref))
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g1, g2))
    r1 = [torch.autograd.grad(g[0].pow(2).sum(), list(mlp.parameters())[:2]) for g in (g1, g2)]
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(*r1))


def test_with_dropout_between_tanh_stays_tanh():
    from ganviz.core.models import MLP
    mlp = MLP(2, [2, 8, 8, 1], "tanh", dropout=0.3, generators=[torch.Generator(), torch.Generator()])
    assert not mlp.sigmoid_tanh and mlp.act is torch.tanh_


def test_tanh_runs_as_a_sigmoid_on_a_vectorising_cpu_from_a_layer_size():
    from ganviz.core import models
    cpu = torch.device("cpu")
    assert not models.tanh_as_sigmoid(models.TANH_AS_SIGMOID_FROM - 1, cpu)
    assert models.tanh_as_sigmoid(models.TANH_AS_SIGMOID_FROM, cpu) == (
        torch.backends.cpu.get_cpu_capability() != "DEFAULT")
    assert not models.tanh_as_sigmoid(10**9, torch.device("meta"))


@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_activations_in_place_give_the_same_bits(act):
    from ganviz.core.models import ACTIVATIONS, MLP, initialise
    mlp = MLP(2, [3, 16, 16, 5], act)
    for i in range(2):
        initialise(mlp, i, torch.Generator().manual_seed(i))
    x = torch.randn(2, 40, 3)
    assert torch.equal(mlp(x), _reference(mlp, x, ACTIVATIONS[act]))


@pytest.mark.parametrize("n, n_in, n_out", [(1, 1, 32), (4, 1, 32), (1, 128, 1), (4, 128, 1), (1, 128, 2), (4, 128, 2),
                                            (4, 64, 64)])
def test_each_layer_shape_computes_the_same_sums_as_baddbmm(n, n_in, n_out):
    """models.product picks the form a CPU computes fastest for a layer's shape: the same values and gradients."""
    from ganviz.core.models import product
    b, x, w = (torch.randn(*s, requires_grad=True) for s in ((n, 1, n_out), (n, 100, n_in), (n, n_in, n_out)))
    y, ref = product(b, x, w), torch.baddbmm(b, x, w)
    assert y.shape == ref.shape and torch.allclose(y, ref, atol=1e-5)
    g = torch.randn_like(ref)
    assert all(torch.allclose(a, c, atol=1e-4) for a, c in zip(torch.autograd.grad(y, (b, x, w), g),
                                                               torch.autograd.grad(ref, (b, x, w), g)))
