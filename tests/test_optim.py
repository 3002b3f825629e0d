"""The per-run optimisers follow torch.optim's formulas, each run with its own hyperparameters."""
import pytest
import torch

from ganviz.core import optim


def torch_optimizer(kind: str, p: torch.Tensor, lr: float, beta1: float, beta2: float, momentum: float):
    if kind == "adam":
        return torch.optim.Adam([p], lr=lr, betas=(beta1, beta2))
    if kind == "sgd":
        return torch.optim.SGD([p], lr=lr, momentum=momentum)
    return torch.optim.RMSprop([p], lr=lr)


@pytest.mark.parametrize("kind", ["adam", "sgd", "rmsprop"])
def test_each_run_follows_torch_optim_with_its_own_hyperparameters(kind):
    hyper = [(1e-2, 0.5, 0.999, 0.0), (3e-3, 0.9, 0.99, 0.9)]  # lr, beta1, beta2, momentum per run
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(2, 5, generator=gen)
    grads = [torch.randn(2, 5, generator=gen) for _ in range(20)]
    flat = start.clone()
    cols = [optim.column(h[k] for h in hyper) for k in range(4)]
    ours = optim.make(kind, flat, *cols)
    for g in grads:
        ours.step(g)
    for run, (lr, b1, b2, mom) in enumerate(hyper):
        p = start[run].clone().requires_grad_()
        ref = torch_optimizer(kind, p, lr, b1, b2, mom)
        for g in grads:
            p.grad = g[run].clone()
            ref.step()
        assert torch.allclose(flat[run], p.detach(), rtol=1e-5, atol=1e-6)


def test_inactive_runs_keep_their_weights_and_moments():
    flat = torch.ones(3, 4)
    opt = optim.make("adam", flat, optim.column([0.1] * 3), optim.column([0.5] * 3), optim.column([0.9] * 3),
                     optim.column([0] * 3))
    opt.step(torch.ones(3, 4), torch.tensor([[True], [False], [True]]))
    assert torch.equal(flat[1], torch.ones(4)) and opt.t.reshape(-1).tolist() == [1, 0, 1]
    assert torch.equal(opt.m[1], torch.zeros(4)) and not torch.equal(flat[0], torch.ones(4))


def test_a_run_state_of_another_optimiser_starts_the_run_afresh():
    flat = torch.zeros(1, 3)
    adam = optim.make("adam", flat, *[optim.column([0.1])] * 4)
    adam.step(torch.ones(1, 3))
    sgd = optim.make("sgd", flat, *[optim.column([0.1])] * 4)
    sgd.load_run_state(0, adam.run_state(0))
    assert torch.equal(sgd.buf, torch.zeros(1, 3))
