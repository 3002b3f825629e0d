"""G's averaged weights (ema) and D's spectral normalisation: what each changes, what each leaves alone,
and that a run's state carries them."""
import numpy as np
import pytest
import torch

from ganviz.core import checkpoint
from ganviz.core.config import Config, ignored
from ganviz.core.models import build
from ganviz.core.population import Population

SMALL = dict(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000, eval_every=10_000, log_every=5)


def pop_of(*changes: dict, **kw) -> Population:
    return Population([Config(**{**SMALL, **kw, **c}) for c in changes])


def weights(p: Population, i: int = 0, net: str = "G") -> torch.Tensor:
    t, j = p.where[i]
    return (t.flat_g if net == "G" else t.flat_d).data[j].clone()


def test_ema_changes_what_is_drawn_not_how_g_trains():
    p = pop_of({}, dict(ema=0.99))  # the same seed: two copies of one run, one of them averaged
    p.run(60)
    assert torch.equal(weights(p, 0), weights(p, 1)) and torch.equal(weights(p, 0, "D"), weights(p, 1, "D"))
    own, averaged = p.sample(0, 500), p.sample(1, 500)
    assert not np.allclose(own, averaged)


def test_a_run_without_ema_beside_one_with_it_draws_its_own_weights_exactly():
    alone = pop_of({})
    beside = pop_of({}, dict(seed=1, ema=0.999))
    alone.run(30)
    beside.run(30)
    assert np.allclose(alone.sample(0, 400), beside.sample(0, 400), atol=1e-5)  # stacked: another float order


def test_drawing_between_d_and_g_steps_leaves_g_s_step_alone():
    """Slow motion draws G's averaged samples between D's step and G's, whose step reuses the D step's G(z):
    drawing must not write G's weights, or autograd refuses G's step (it did, for the digits preset)."""
    from ganviz.core.snapshot import SnapshotMaker
    from ganviz.process.phases import phase_pictures
    p, q = pop_of(dict(ema=0.99)), pop_of(dict(ema=0.99))
    p.run(5)
    q.run(5)
    maker = SnapshotMaker(p)
    phases = list(phase_pictures(p, maker, [0], {"arrows": True, "manifold": False, "aspect": None,
                                                 "compact": False, "walk": None}))
    assert len(phases) > 3 and p.step_count == 6
    q.step()  # the same step without pictures in between
    assert torch.equal(weights(p), weights(q)) and torch.equal(weights(p, 0, "D"), weights(q, 0, "D"))


def test_the_average_follows_g_and_forgets_its_start():
    p = pop_of(dict(ema=0.9))
    t = p.trainers[0]
    start = t.ema.clone()
    p.run(200)
    gap = torch.linalg.vector_norm(t.ema - t.flat_g.data)
    moved = torch.linalg.vector_norm(t.flat_g.data - start)
    assert gap < 0.2 * moved  # near the recent weights, far from where it began


def test_ema_can_start_and_stop_live():
    p = pop_of({})
    p.run(10)
    p.set(ema=0.99)
    assert torch.equal(p.trainers[0].ema, p.trainers[0].flat_g.data)  # it starts from the weights as they are
    p.run(10)
    p.set(ema=0.0)
    assert p.trainers[0].ema is None


def test_resume_with_ema_is_exact(tmp_path):
    straight = pop_of(dict(ema=0.95))
    straight.run(40)
    half = pop_of(dict(ema=0.95))
    half.run(20)
    checkpoint.save(tmp_path / "s.safetensors", half)
    resumed = checkpoint.load_population(tmp_path / "s.safetensors")
    resumed.run(20)
    assert np.array_equal(resumed.sample(0, 300), straight.sample(0, 300))


def test_a_run_that_sits_out_g_steps_keeps_its_average():
    """k_g differs: the run with fewer G steps must not average extra copies of its weights."""
    alone = pop_of(dict(ema=0.9, k_g=1))
    beside = pop_of(dict(ema=0.9, k_g=1), dict(ema=0.9, k_g=3, seed=1))
    alone.run(20)
    beside.run(20)
    assert np.allclose(alone.sample(0, 300), beside.sample(0, 300), atol=1e-5)


@pytest.mark.parametrize("model, shape", [("mlp", (2,)), ("dcgan", (1, 8, 8))])
def test_spectral_norm_holds_each_layer_of_d_to_a_largest_singular_value_of_one(model, shape):
    cfg = Config(model=model, z_dim=4, g_hidden=16, d_hidden=16, spectral_norm=True)
    _, d = build(cfg, shape, 2, seeds=[0, 1])
    for _ in range(30):  # training passes: one power step each
        d(torch.randn(2, 8, *shape))
    layers = [m for m in d.modules() if getattr(m, "spectral", False)]
    assert len(layers) >= 2
    for layer in layers:
        w = layer.weight_of().detach()
        sigma = torch.linalg.matrix_norm(w.reshape(len(w), *layer.sn_shape), ord=2)
        assert torch.allclose(sigma, torch.ones(2), atol=0.05)


def test_spectral_norm_trains_and_a_run_computes_what_it_would_alone():
    alone = pop_of(dict(seed=2), spectral_norm=True)
    beside = pop_of({}, dict(seed=2), spectral_norm=True)
    alone.run(20)
    beside.run(20)
    assert torch.allclose(weights(alone, 0, "D"), weights(beside, 1, "D"), atol=1e-5)
    assert np.isfinite(beside.logs[1][-1]["loss_d"])


def test_looking_at_d_does_not_move_its_power_iteration():
    p = pop_of({}, spectral_norm=True)
    p.run(5)
    u = [b.clone() for name, b in p.trainers[0].D.named_buffers() if name.endswith(".u")]
    p.runs[0].discriminate(torch.randn(50, 2))
    after = [b for name, b in p.trainers[0].D.named_buffers() if name.endswith(".u")]
    assert u and all(torch.equal(a, b) for a, b in zip(u, after))


def test_the_new_settings_are_read_by_every_model_and_loss():
    assert not {"ema", "spectral_norm"} & set(ignored(Config(model="dcgan", loss="hinge")))
