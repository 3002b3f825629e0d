"""GAN objectives on D's logits. Each returns a scalar to minimise.

With l = D's logit and D(x) = sigmoid(l): log D = -softplus(-l) and log(1 - D) = -softplus(l),
which stays finite where sigmoid would round to 0 or 1.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def d_loss(loss: str, real: torch.Tensor, fake: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """D's loss on real and fake logits. `smoothing` is one-sided: real targets are 1 - smoothing."""
    if loss in ("minimax", "ns"):
        # -[t log D(x) + (1-t) log(1 - D(x))] on real with t = 1 - s, and -log(1 - D(G(z))) on fake.
        if smoothing == 0:  # the common case, without a term multiplied by zero (same value, fewer ops)
            return F.softplus(-real).mean() + F.softplus(fake).mean()
        t = 1.0 - smoothing
        return (t * F.softplus(-real) + (1 - t) * F.softplus(real)).mean() + F.softplus(fake).mean()
    if loss == "lsgan":
        return 0.5 * ((real - (1.0 - smoothing)) ** 2).mean() + 0.5 * (fake ** 2).mean()
    if loss in ("wgan", "wgan-gp"):
        return fake.mean() - real.mean()
    if loss == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    raise ValueError(f"unknown loss {loss}")


def g_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    if loss == "minimax":
        return -F.softplus(fake).mean()          # minimise log(1 - D(G(z))): saturates when D wins
    if loss == "ns":
        return F.softplus(-fake).mean()          # maximise log D(G(z)): the paper's practical choice
    if loss == "lsgan":
        return 0.5 * ((fake - 1.0) ** 2).mean()
    if loss in ("wgan", "wgan-gp", "hinge"):
        return -fake.mean()
    raise ValueError(f"unknown loss {loss}")


def _mean_grad(x: torch.Tensor) -> torch.Tensor:
    """d mean(x) / dx as autograd computes it: a float32 one divided by the count, broadcast."""
    return (torch.ones((), dtype=x.dtype) / x.numel()).expand(x.shape)


def _softplus_grad(scale: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.ops.aten.softplus_backward(scale, x, 1.0, 20.0)  # F.softplus's beta and threshold


def _by_autograd(fn, *logits: torch.Tensor) -> tuple[torch.Tensor, ...]:
    leaves = [t.detach().requires_grad_() for t in logits]
    with torch.enable_grad():
        loss = fn(*leaves)
        grads = torch.autograd.grad(loss, leaves)
    return (loss.detach(), *grads)


# The two below give a loss and its gradient with respect to the logits without a graph, for
# core/backprop.py. For minimax and ns (every preset but the loss-* ones) the gradient is written
# out as the very calls autograd's backward makes (softplus_backward on the mean's 1/m, negated for
# softplus(-l)), so the bits are the same (tests/test_backprop.py) at a third of the cost; the other
# losses and smoothing differentiate the functions above with autograd.
@torch.no_grad()
def d_loss_and_grads(loss: str, real: torch.Tensor, fake: torch.Tensor,
                     smoothing: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(D's loss, d loss / d real logits, d loss / d fake logits)."""
    if loss in ("minimax", "ns") and smoothing == 0:
        return (d_loss(loss, real, fake), -_softplus_grad(_mean_grad(real), -real),
                _softplus_grad(_mean_grad(fake), fake))
    return _by_autograd(lambda r, f: d_loss(loss, r, f, smoothing), real, fake)


@torch.no_grad()
def g_loss_and_grad(loss: str, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(G's loss, d loss / d the fakes' logits)."""
    if loss == "ns":
        return g_loss(loss, fake), -_softplus_grad(_mean_grad(fake), -fake)
    if loss == "minimax":
        return g_loss(loss, fake), _softplus_grad(-_mean_grad(fake), fake)
    return _by_autograd(lambda f: g_loss(loss, f), fake)


def value(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], reading every D's logit through a sigmoid."""
    return -F.softplus(-real).mean() - F.softplus(fake).mean()


def probability(loss: str, logits: torch.Tensor) -> torch.Tensor:
    """D's output as a number in [0, 1] for plots: LSGAN's D is regressed to 0/1 directly;
    the others (including WGAN critics and hinge) are read through a sigmoid."""
    if loss == "lsgan":
        return logits.clamp(0.0, 1.0)
    return torch.sigmoid(logits)


def gradient_penalty(d, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): (||grad D(x_hat)|| - 1)^2 on random interpolates."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.reshape(grad.shape[0], -1).norm(dim=1) - 1.0) ** 2).mean()
