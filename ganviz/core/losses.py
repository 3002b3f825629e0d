"""GAN objectives on D's logits, one value per run: logits are (N, B), every loss is (N,) to minimise.

With l = D's logit and D(x) = sigmoid(l): log D = -softplus(-l) and log(1 - D) = -softplus(l),
which stays finite where sigmoid would round to 0 or 1. Runs of a population may use different
losses: `per_run` computes each loss the runs use and gives every run its own.
"""
from __future__ import annotations

import functools
from typing import Callable

import torch
import torch.nn.functional as F

from .device import upload


def _mean(x: torch.Tensor) -> torch.Tensor:
    return x.mean(1)  # over the batch, per run


def d_loss(loss: str, real: torch.Tensor, fake: torch.Tensor, smoothing: torch.Tensor | float = 0.0) -> torch.Tensor:
    """D's loss on real and fake logits. `smoothing` is one-sided: real targets are 1 - smoothing
    (a number, or one per run as an (N, 1) column)."""
    if loss in ("minimax", "ns"):
        # -[t log D(x) + (1-t) log(1 - D(x))] on real with t = 1 - s, and -log(1 - D(G(z))) on fake.
        if isinstance(smoothing, float) and smoothing == 0:  # the usual case, without a term times zero
            return _mean(F.softplus(-real)) + _mean(F.softplus(fake))
        t = 1.0 - smoothing
        return _mean(t * F.softplus(-real) + (1 - t) * F.softplus(real)) + _mean(F.softplus(fake))
    if loss == "lsgan":
        return 0.5 * _mean((real - (1.0 - smoothing)) ** 2) + 0.5 * _mean(fake ** 2)
    if loss in ("wgan", "wgan-gp"):
        return _mean(fake) - _mean(real)
    if loss == "hinge":
        return _mean(F.relu(1.0 - real)) + _mean(F.relu(1.0 + fake))
    raise ValueError(f"unknown loss {loss}")


def g_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    if loss == "minimax":
        return -_mean(F.softplus(fake))          # minimise log(1 - D(G(z))): saturates when D wins
    if loss == "ns":
        return _mean(F.softplus(-fake))          # maximise log D(G(z)): the paper's practical choice
    if loss == "lsgan":
        return 0.5 * _mean((fake - 1.0) ** 2)
    if loss in ("wgan", "wgan-gp", "hinge"):
        return -_mean(fake)
    raise ValueError(f"unknown loss {loss}")


def value(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], reading every D's logit through a sigmoid."""
    return -_mean(F.softplus(-real)) - _mean(F.softplus(fake))


def probability(loss: str, logits: torch.Tensor) -> torch.Tensor:
    """D's output as a number in [0, 1] for plots: LSGAN's D is regressed to 0/1 directly;
    the others (including WGAN critics and hinge) are read through a sigmoid."""
    if loss == "lsgan":
        return logits.clamp(0.0, 1.0)
    return torch.sigmoid(logits)


def per_run(kinds: list[str], fn: Callable[[str], torch.Tensor]) -> torch.Tensor:
    """fn(kind) for the loss kind of each run: kinds[i] is run i's loss; fn's results have runs on axis 0."""
    first = kinds[0]
    if all(k == first for k in kinds):
        return fn(first)
    out = fn(first)
    for kind in dict.fromkeys(kinds[1:]):
        if kind != first:
            mine = _runs_of(tuple(kinds), kind, out.device).reshape(-1, *[1] * (out.dim() - 1))
            out = torch.where(mine, fn(kind), out)
    return out


@functools.lru_cache(maxsize=64)
def _runs_of(kinds: tuple[str, ...], kind: str, device: torch.device) -> torch.Tensor:
    """(N,) which runs use `kind`, on the device: made once per population's mix of losses, not once a step."""
    return upload([k == kind for k in kinds], device)


def gradient_penalty(d, real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): (||grad D(x_hat)|| - 1)^2 on interpolates x_hat = eps real +
    (1 - eps) fake, per run. eps: (N, B) uniform draws."""
    eps = eps.reshape(*eps.shape, *[1] * (real.dim() - 2))
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x_hat).sum(), x_hat, create_graph=True)
    return _mean((grad.reshape(*grad.shape[:2], -1).norm(dim=2) - 1.0) ** 2)


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): 1/2 E ||grad_x D(x)||^2 on the data, per run (real requires grad)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return 0.5 * _mean(grad.reshape(*grad.shape[:2], -1).pow(2).sum(2))
