"""The hand-written backward pass (core/backprop.py) trains exactly as autograd does, bit for bit.

The trainer takes it for MLP and linear nets because it is faster; nothing a user sees may change
with it: same weights, same curves, same samples, for every loss and option it covers.
"""
import copy

import pytest
import torch

from ganviz.core import losses
from ganviz.core.config import load_preset
from ganviz.core.trainer import Trainer

CASES = [
    ("ring8", {}),                                                   # ns, instance noise, reuse G(z)
    ("figure1", {}),                                                 # 1D, tanh
    ("ring8", {"activation": "leaky_relu", "loss": "lsgan"}),
    ("ring8", {"activation": "tanh", "loss": "minimax", "label_smoothing": 0.1, "k_d": 3}),
    ("ring8", {"loss": "hinge", "reuse_fake": False, "optimizer": "sgd"}),
    ("ring8", {"loss": "wgan", "optimizer": "rmsprop"}),
    ("ring8", {"model": "linear"}),
    ("digits", {"model": "mlp", "g_hidden": 32, "d_hidden": 32}),  # images: flatten, tanh on G's output
    ("noise-target", {}),                                            # D's fakes are blurred data
]


def _weights(t: Trainer) -> list[torch.Tensor]:
    return list(t.G.parameters()) + list(t.D.parameters())


def _run(t: Trainer) -> None:
    t.run(40)
    t.single("d")   # the GUI's Step D and Step G buttons
    t.single("g")
    t.run(20)


@pytest.mark.parametrize("preset,over", CASES, ids=[f"{p}-{'-'.join(map(str, o.values()))}" for p, o in CASES])
def test_hand_backprop_trains_bit_for_bit_as_autograd(preset, over):
    cfg = load_preset(preset).config().replace(**over, log_every=5, eval_every=1000)
    hand, auto = Trainer(cfg), Trainer(cfg, hand_backprop=False)
    assert hand._hand_nets() is not None and auto._hand_nets() is None
    _run(hand)
    _run(auto)
    assert all(torch.equal(a, b) for a, b in zip(_weights(hand), _weights(auto)))
    assert list(hand.log) == list(auto.log)  # losses, D(real), D(fake), gradient norms
    assert (hand.sample(200) == auto.sample(200)).all()


def test_autograd_is_used_where_hand_backprop_does_not_apply():
    digits = Trainer(load_preset("digits").config())                         # convolutions, batch norm
    assert digits._hand_nets() is None
    dropout = Trainer(load_preset("ring8").config().replace(dropout=0.3))    # dropout layers in D
    assert dropout._hand_nets() is None
    gp = Trainer(load_preset("loss-wgan-gp").config())                       # D's gradient differentiated
    assert gp.cfg.gp_weight > 0 and gp._hand_nets() is None
    gp.set(gp_weight=0.0)
    assert gp._hand_nets() is not None


def test_switching_paths_mid_run_changes_nothing():
    """A live change that moves the trainer between the two paths (the penalty switched on and off,
    between a D step and the G step that reuses its G(z)) trains as autograd alone would."""
    cfg = load_preset("loss-wgan-gp").config().replace(gp_weight=0.0, steps=100)
    hand, auto = Trainer(cfg), Trainer(cfg, hand_backprop=False)
    for t in (hand, auto):
        t.run(10)
        t.single("d")
        t.set(gp_weight=0.1)
        t.single("g")
        t.run(5)
        t.single("d")
        t.set(gp_weight=0.0)
        t.single("g")
        t.run(5)
    assert all(torch.equal(a, b) for a, b in zip(_weights(hand), _weights(auto)))


def test_resumed_run_matches_with_hand_backprop():
    cfg = load_preset("ring8").config()
    a = Trainer(cfg)
    a.run(30)
    state = copy.deepcopy(a.state_dict())  # state_dict() holds the live tensors
    a.run(30)
    b = Trainer(cfg)
    b.load_state_dict(state)
    b.run(30)
    assert all(torch.equal(x, y) for x, y in zip(_weights(a), _weights(b)))


@pytest.mark.parametrize("loss", ["minimax", "ns", "lsgan", "wgan", "hinge"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_written_out_loss_gradients_are_autograds(loss, smoothing):
    gen = torch.Generator().manual_seed(3)
    real, fake = torch.randn(300, generator=gen) * 4, torch.randn(300, generator=gen) * 4
    r, f = real.clone().requires_grad_(), fake.clone().requires_grad_()
    d = losses.d_loss(loss, r, f, smoothing)
    want_r, want_f = torch.autograd.grad(d, (r, f))
    value, got_r, got_f = losses.d_loss_and_grads(loss, real, fake, smoothing)
    assert torch.equal(value, d.detach()) and torch.equal(got_r, want_r) and torch.equal(got_f, want_f)
    f = fake.clone().requires_grad_()
    g = losses.g_loss(loss, f)
    (want,) = torch.autograd.grad(g, f)
    value, got = losses.g_loss_and_grad(loss, fake)
    assert torch.equal(value, g.detach()) and torch.equal(got, want)
