"""Algorithm 1 step by step: what each step changes, live settings, exact state, divergence."""
import math

import numpy as np
import pytest
import torch

from ganviz.core import checkpoint
from ganviz.core.config import LOSSES, OPTIMIZERS, Config
from ganviz.core.errors import CheckpointError, ConfigError, DivergedError
from ganviz.core.trainer import Trainer

SMALL = dict(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000, eval_every=10_000, log_every=5)


def small(**kw) -> Trainer:
    return Trainer(Config(**{**SMALL, **kw}))


def params(m):
    return [p.detach().clone() for p in m.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_step_d_changes_only_d_and_step_g_only_g():
    t = small()
    g0, d0 = params(t.G), params(t.D)
    t.step_d()
    assert same(params(t.G), g0) and not same(params(t.D), d0)
    d1 = params(t.D)
    t.step_g()
    assert same(params(t.D), d1) and not same(params(t.G), g0)


@pytest.mark.parametrize("reuse", [True, False])
def test_k_d_and_k_g_count_updates(reuse):
    t = small(k_d=3, k_g=2, reuse_fake=reuse)
    t.step()
    assert t.opt_d.state[next(iter(t.D.parameters()))]["step"].item() == 3
    assert t.opt_g.state[next(iter(t.G.parameters()))]["step"].item() == 2
    assert t.step_count == 1


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_loss_and_optimizer_trains_finite(loss, optimizer):
    t = small(loss=loss, optimizer=optimizer, lr_d=1e-3, lr_g=1e-3)
    t.run(20)
    row = t.log[-1]
    assert row["step"] == 20
    assert all(math.isfinite(row[k]) for k in ("loss_d", "loss_g", "d_real", "d_fake", "grad_d", "grad_g"))


def test_wgan_clips_d_weights():
    t = small(loss="wgan", clip=0.01)
    t.run(3)
    assert max(p.abs().max().item() for p in t.D.parameters()) <= 0.01 + 1e-9


@pytest.mark.parametrize("kw", [dict(update="simultaneous"), dict(d_batch="mixed", d_batchnorm=True),
                                dict(d_batchnorm=True), dict(d_target="noise"), dict(instance_noise=0.5),
                                dict(label_smoothing=0.1), dict(prior="uniform", z_dim=4), dict(dropout=0.3)])
def test_variants_run(kw):
    t = small(**kw)
    t.run(10)
    assert math.isfinite(t.log[-1]["loss_d"])


def test_same_seed_same_run_and_other_seed_differs():
    a, b, c = small(seed=3), small(seed=3), small(seed=4)
    for t in (a, b, c):
        t.run(30)
    assert np.array_equal(a.sample(500), b.sample(500))
    assert not np.array_equal(a.sample(500), c.sample(500))
    assert a.log == b.log


def test_watching_does_not_change_the_run():
    a, b = small(seed=1), small(seed=1)
    for _ in range(10):
        a.step()
        a.sample(100)             # what the views and metrics do between steps
        a.discriminate(torch.randn(50, 2))
    b.run(10)
    assert same(params(a.G), params(b.G)) and same(params(a.D), params(b.D))


def test_live_learning_rate_change_reaches_the_optimizer_and_is_marked():
    t = small()
    t.run(5)
    changed = t.set(lr_d=1e-4, k_d=2)
    assert changed == {"lr_d": (1e-3, 1e-4), "k_d": (1, 2)}
    assert t.opt_d.param_groups[0]["lr"] == 1e-4
    assert t.changes[-2][0] == 5 and "lr_d" in t.changes[-2][1]


def test_structural_settings_cannot_change_live():
    with pytest.raises(ConfigError, match="reset"):
        small().set(g_hidden=64)


def test_switching_optimizer_live_makes_a_new_one():
    t = small()
    t.run(2)
    t.set(optimizer="sgd", momentum=0.7)
    assert isinstance(t.opt_d, torch.optim.SGD) and t.opt_d.param_groups[0]["momentum"] == 0.7
    t.run(2)


def test_resume_is_exact(tmp_path):
    straight = small(seed=7, dropout=0.2)
    straight.run(40)
    half = small(seed=7, dropout=0.2)
    half.run(20)
    checkpoint.save(tmp_path / "s.safetensors", half)
    resumed = checkpoint.load_trainer(tmp_path / "s.safetensors")
    resumed.run(20)
    assert same(params(resumed.G), params(straight.G)) and same(params(resumed.D), params(straight.D))
    assert resumed.log == straight.log
    assert np.array_equal(resumed.sample(300), straight.sample(300))


def test_divergence_raises_with_the_step():
    t = small(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="lsgan", momentum=0.9)
    with pytest.raises(DivergedError, match=r"diverged at step \d+"):
        t.run(500)


def test_pickle_is_refused_without_running_it(tmp_path):
    import pickle
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "session.safetensors"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError, match="pickle"):
        checkpoint.read(path)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"garbage that is not safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{}"])
def test_corrupt_session_files_are_refused(tmp_path, content):
    path = tmp_path / "s.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError):
        checkpoint.read(path)


def test_truncated_session_is_refused(tmp_path):
    t = small()
    t.run(2)
    path = tmp_path / "s.safetensors"
    checkpoint.save(path, t)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        checkpoint.load_trainer(path)


def test_slow_motion_phases_are_one_ordinary_iteration():
    from ganviz.core.trainer import PHASES
    a, b = small(seed=5), small(seed=5)
    names = []
    for name, tensors in a.phases():
        names.append(name)
        if name in ("sample", "generate", "discriminate"):
            assert same(params(a.D), params(b.D)) and same(params(a.G), params(b.G))
    assert names == list(PHASES)
    b.step()
    assert same(params(a.D), params(b.D)) and same(params(a.G), params(b.G))
    assert a.step_count == 1


def test_step_d_leaves_the_drawn_samples_of_a_batchnorm_generator_unchanged():
    t = Trainer(Config(data="digits", model="dcgan", g_hidden=8, d_hidden=8, z_dim=8, batch_size=16,
                       eval_every=10**6))
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    before = t.generate(z)
    t.step_d()
    assert torch.equal(t.generate(z), before)
    t.step_g()
    assert not torch.equal(t.generate(z), before)
