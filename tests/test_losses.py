"""The objectives match the 2014 paper's formulas and their usual variants; one value per run."""
import math

import pytest
import torch

from ganviz.core import losses


def one(x):
    return torch.tensor(x)[None]  # a population of one run


def test_minimax_d_loss_is_minus_v():
    real, fake = one([0.3, -1.2, 2.0]), one([-0.5, 0.7])
    d = torch.sigmoid
    v = torch.log(d(real)).mean() + torch.log(1 - d(fake)).mean()
    assert losses.d_loss("minimax", real, fake).item() == pytest.approx(-v.item(), rel=1e-6)
    assert losses.value(real, fake).item() == pytest.approx(v.item(), rel=1e-6)


def test_at_equilibrium_d_loss_is_log4_and_ns_g_loss_is_log2():
    zero = torch.zeros(1, 8)  # D(x) = 1/2 everywhere
    assert losses.d_loss("ns", zero, zero).item() == pytest.approx(math.log(4))
    assert losses.g_loss("ns", zero).item() == pytest.approx(math.log(2))
    assert losses.value(zero, zero).item() == pytest.approx(-math.log(4))


def test_minimax_g_gradient_vanishes_when_d_rejects_fakes_but_ns_does_not():
    fake = one([-8.0]).requires_grad_(True)  # D(G(z)) ~ 3e-4: D confidently rejects
    (g_mm,) = torch.autograd.grad(losses.g_loss("minimax", fake).sum(), fake)
    (g_ns,) = torch.autograd.grad(losses.g_loss("ns", fake).sum(), fake)
    assert abs(g_mm.item()) < 1e-3 < 0.9 < abs(g_ns.item())


def test_label_smoothing_moves_real_target_per_run():
    real, fake = torch.tensor([[10.0], [10.0]]), torch.tensor([[-10.0], [-10.0]])  # D very sure
    smooth = torch.tensor([[0.0], [0.1]])
    loss = losses.d_loss("ns", real, fake, smoothing=smooth)
    assert loss[1] > loss[0]  # smoothing penalises over-confidence, in the run that has it only
    assert loss[0] == pytest.approx(losses.d_loss("ns", real[:1], fake[:1]).item())


def test_wgan_hinge_lsgan_formulas():
    real, fake = one([1.0, 3.0]), one([-1.0, 0.5])
    assert losses.d_loss("wgan", real, fake).item() == pytest.approx(fake.mean() - real.mean())
    assert losses.d_loss("hinge", real, fake).item() == pytest.approx(
        torch.relu(1 - real).mean() + torch.relu(1 + fake).mean())
    assert losses.d_loss("lsgan", real, fake).item() == pytest.approx(
        0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean())
    assert losses.g_loss("wgan", fake).item() == pytest.approx(-fake.mean())


def test_each_run_gets_its_own_loss():
    fake = torch.tensor([[0.5, -1.0], [0.5, -1.0]])
    mixed = losses.per_run(["ns", "wgan"], lambda k: losses.g_loss(k, fake))
    assert mixed[0] == pytest.approx(losses.g_loss("ns", fake)[0].item())
    assert mixed[1] == pytest.approx(losses.g_loss("wgan", fake)[1].item())


def test_gradient_penalty_is_zero_for_a_unit_slope_critic():
    w = torch.tensor([0.6, 0.8])  # |grad| = 1 everywhere
    gp = losses.gradient_penalty(lambda x: x @ w, torch.randn(1, 16, 2), torch.randn(1, 16, 2), torch.rand(1, 16))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
