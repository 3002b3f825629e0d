"""Algorithm 1 step by step, for one run and for runs in lockstep: what each step changes, live
settings, exact state, divergence, and that a run's course does not depend on the runs beside it."""
import math

import numpy as np
import pytest
import torch

from ganviz.core import checkpoint
from ganviz.core.config import LOSSES, OPTIMIZERS, Config
from ganviz.core.errors import CheckpointError, ConfigError, DivergedError
from ganviz.core.population import Population
from ganviz.core.trainer import PHASES

SMALL = dict(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000, eval_every=10_000, log_every=5)


def small(**kw) -> Population:
    return Population(Config(**{**SMALL, **kw}))


def pop_of(*changes: dict, **kw) -> Population:
    return Population([Config(**{**SMALL, **kw, **c}) for c in changes])


def weights(p: Population, i: int = 0, net: str = "G") -> torch.Tensor:
    t, j = p.where[i]
    return (t.flat_g if net == "G" else t.flat_d).data[j].clone()


def test_step_d_changes_only_d_and_step_g_only_g():
    p = small()
    g0, d0 = weights(p, net="G"), weights(p, net="D")
    p.single("d")
    assert torch.equal(weights(p, net="G"), g0) and not torch.equal(weights(p, net="D"), d0)
    d1 = weights(p, net="D")
    p.single("g")
    assert torch.equal(weights(p, net="D"), d1) and not torch.equal(weights(p, net="G"), g0)


@pytest.mark.parametrize("reuse", [True, False])
def test_k_d_and_k_g_count_updates_per_run(reuse):
    p = pop_of(dict(k_d=3, k_g=2), dict(k_d=1, k_g=1, seed=1), reuse_fake=reuse)
    p.step()
    t = p.trainers[0]
    assert t.opt_d.t.reshape(-1).tolist() == [3, 1] and t.opt_g.t.reshape(-1).tolist() == [2, 1]
    assert p.step_count == 1


def test_a_run_sits_out_the_extra_d_steps_of_its_neighbour():
    alone = small(seed=1)
    among = pop_of(dict(k_d=4), dict(seed=1))
    for _ in range(5):
        alone.step()
        among.step()
    assert torch.allclose(weights(alone), weights(among, 1), atol=1e-5)
    assert torch.allclose(weights(alone, net="D"), weights(among, 1, net="D"), atol=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_loss_and_optimizer_trains_finite(loss, optimizer):
    p = small(loss=loss, optimizer=optimizer, lr_d=1e-3, lr_g=1e-3)
    p.run(20)
    row = p.logs[0][-1]
    assert row["step"] == 20
    assert all(math.isfinite(row[k]) for k in ("loss_d", "loss_g", "d_real", "d_fake", "grad_d", "grad_g"))


def test_every_loss_in_one_population_trains_each_run_by_its_own():
    p = pop_of(*[dict(loss=loss) for loss in LOSSES])
    p.run(10)
    for loss in LOSSES:
        alone = small(loss=loss)
        alone.run(10)
        i = LOSSES.index(loss)
        assert p.logs[i][-1]["loss_g"] == pytest.approx(alone.logs[0][-1]["loss_g"], rel=1e-3, abs=1e-4)


def test_wgan_clips_only_the_critics_that_use_it():
    p = pop_of(dict(loss="wgan", clip=0.01), dict(loss="ns"))
    p.run(3)
    assert weights(p, 0, "D").abs().max() <= 0.01 + 1e-9
    assert weights(p, 1, "D").abs().max() > 0.05


@pytest.mark.parametrize("kw", [dict(update="simultaneous"), dict(d_batch="mixed", d_batchnorm=True),
                                dict(d_batchnorm=True), dict(d_target="noise"), dict(instance_noise=0.5),
                                dict(label_smoothing=0.1), dict(prior="uniform", z_dim=4), dict(dropout=0.3),
                                dict(model="linear"), dict(loss="wgan-gp")])
def test_variants_run(kw):
    p = pop_of({}, dict(seed=1), **kw)
    p.run(10)
    assert all(math.isfinite(log[-1]["loss_d"]) for log in p.logs)


def test_dcgan_trains_a_population_of_images():
    p = Population([Config(data="digits", model="dcgan", g_hidden=8, d_hidden=8, z_dim=8, batch_size=16,
                           eval_every=10**6, log_every=1, d_batchnorm=True, dropout=0.2, seed=s) for s in (0, 1)])
    p.run(3)
    assert all(math.isfinite(log[-1]["loss_d"]) for log in p.logs)
    assert p.sample(1, 5).shape == (5, 1, 8, 8)


def test_same_seed_same_run_and_other_seed_differs():
    a, b, c = small(seed=3), small(seed=3), small(seed=4)
    for p in (a, b, c):
        p.run(30)
    assert np.array_equal(a.sample(0, 500), b.sample(0, 500))
    assert not np.array_equal(a.sample(0, 500), c.sample(0, 500))
    assert a.logs[0] == b.logs[0]


def test_watching_does_not_change_the_run():
    a, b = small(seed=1), small(seed=1)
    run = a.runs[0]
    for _ in range(10):
        a.step()
        a.sample(0, 100)             # what the views and metrics do between steps
        run.discriminate(torch.randn(50, 2))
        run.loss_gradient_at(torch.randn(50, 2))
    b.run(10)
    assert torch.equal(weights(a), weights(b)) and torch.equal(weights(a, net="D"), weights(b, net="D"))


def test_live_learning_rate_change_reaches_the_optimizer_of_that_run_and_is_marked():
    p = pop_of({}, dict(seed=1))
    p.run(5)
    changed = p.set([1], lr_d=1e-4, k_d=2)
    assert changed == {1: {"lr_d": (1e-3, 1e-4), "k_d": (1, 2)}}
    assert p.trainers[0].opt_d.lr.reshape(-1).tolist() == pytest.approx([1e-3, 1e-4])
    assert p.changes[1][-2][0] == 5 and "lr_d" in p.changes[1][-2][1] and p.changes[0] == []


def test_a_shared_setting_goes_to_every_run_and_a_runs_own_setting_beside_it_to_that_run_alone():
    p = pop_of({}, dict(seed=1), dict(seed=2))
    changed = p.set([1], steps=77, lr_d=1e-4)
    assert [c.steps for c in p.cfgs] == [77] * 3 and [c.lr_d for c in p.cfgs] == [1e-3, 1e-4, 1e-3]
    assert changed == {0: {"steps": (5000, 77)}, 1: {"steps": (5000, 77), "lr_d": (1e-3, 1e-4)},
                       2: {"steps": (5000, 77)}}


def test_a_run_with_learning_rate_zero_stands_still_beside_one_that_learns():
    p = pop_of(dict(lr_g=1e-7, lr_d=1e-7), dict(seed=1))
    g0, g1 = weights(p, 0), weights(p, 1)
    p.run(5)
    assert torch.allclose(weights(p, 0), g0, atol=1e-6) and not torch.allclose(weights(p, 1), g1, atol=1e-3)


def test_structural_settings_cannot_change_live():
    with pytest.raises(ConfigError, match="reset"):
        small().set(g_hidden=64)


def test_shared_settings_must_agree_across_runs():
    with pytest.raises(ConfigError, match="steps must be the same"):
        pop_of({}, dict(steps=10))


def test_switching_optimizer_live_makes_a_new_one():
    p = small()
    p.run(2)
    p.set(optimizer="sgd", momentum=0.7)
    assert p.trainers[0].opt_d.kind == "sgd"
    p.run(2)


def test_an_architecture_change_for_one_run_regroups_and_keeps_its_weights():
    p = pop_of({}, dict(seed=1), dict(seed=2))
    p.run(3)
    before = [weights(p, i) for i in range(3)]
    p.set([1], batch_size=32)
    assert p.groups == [[0, 2], [1]]
    assert all(torch.equal(weights(p, i), w) for i, w in enumerate(before))
    assert p.cfgs[1].batch_size == 32 and p.cfgs[0].batch_size == 64
    p.run(3)
    assert p.step_count == 6 and all(math.isfinite(log[-1]["loss_d"]) for log in p.logs)


def test_resume_is_exact(tmp_path):
    straight = pop_of(dict(seed=7), dict(seed=8, lr_g=3e-4), dropout=0.2)
    straight.run(40)
    half = pop_of(dict(seed=7), dict(seed=8, lr_g=3e-4), dropout=0.2)
    half.run(20)
    checkpoint.save(tmp_path / "s.safetensors", half)
    resumed = checkpoint.load_population(tmp_path / "s.safetensors")
    resumed.run(20)
    for i in range(2):
        assert torch.equal(weights(resumed, i), weights(straight, i))
        assert torch.equal(weights(resumed, i, "D"), weights(straight, i, "D"))
        assert resumed.logs[i] == straight.logs[i]
        assert np.array_equal(resumed.sample(i, 300), straight.sample(i, 300))


def test_divergence_of_a_single_run_raises_with_the_step():
    p = small(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="lsgan", momentum=0.9)
    with pytest.raises(DivergedError, match=r"diverged at step \d+"):
        p.run(500)


def test_a_diverging_run_is_marked_and_the_others_go_on():
    p = pop_of(dict(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="lsgan", momentum=0.9), dict(seed=1),
               optimizer="sgd")
    p.run(300)
    step, what = p.diverged(0)
    assert 0 < step <= 300 and "loss" in what
    assert p.diverged(1) is None and math.isfinite(p.logs[1][-1]["loss_d"])
    assert all(row["step"] < step for row in p.logs[0])  # its curves end where it diverged
    assert torch.isfinite(weights(p, 0)).all()  # the last finite weights are kept


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
    p = small()
    p.run(2)
    path = tmp_path / "s.safetensors"
    checkpoint.save(path, p)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        checkpoint.load_population(path)


def test_slow_motion_phases_are_one_ordinary_iteration():
    a, b = small(seed=5), small(seed=5)
    names = []
    for name, runs in a.phases():
        names.append(name)
        assert set(runs[0]) >= {"real", "z"}
        if name in ("sample", "generate", "discriminate"):
            assert torch.equal(weights(a), weights(b)) and torch.equal(weights(a, net="D"), weights(b, net="D"))
    assert names == list(PHASES)
    b.step()
    assert torch.equal(weights(a), weights(b)) and torch.equal(weights(a, net="D"), weights(b, net="D"))
    assert a.step_count == 1


@pytest.mark.parametrize("changes", [dict(k_d=3), dict(k_g=2), dict(update="simultaneous")])
def test_slow_motion_shows_what_play_does_with_k_steps_and_simultaneous_updates(changes):
    from ganviz.core.trainer import phase_caption
    a, b = small(seed=5, **changes), small(seed=5, **changes)
    for _ in a.phases():
        pass
    b.step()
    assert torch.equal(weights(a), weights(b)) and torch.equal(weights(a, net="D"), weights(b, net="D"))
    captions = {name: phase_caption(name, a.cfg) for name in PHASES}
    if "k_d" in changes:
        assert "2 more" in captions["update_d"] and "k_d = 3" in captions["update_d"]
    elif "k_g" in changes:
        assert "1 more" in captions["update_g"] and "k_g = 2" in captions["update_g"]
    else:
        assert "same state" in captions["update_d"] and captions["update_d"] != PHASES["update_d"]


def test_runs_with_different_k_in_one_population_end_slow_motion_where_play_ends():
    a = pop_of(dict(k_d=1), dict(k_d=3), seed=2)
    b = pop_of(dict(k_d=1), dict(k_d=3), seed=2)
    for _ in a.phases():
        pass
    b.step()
    for i in range(2):
        assert torch.equal(weights(a, i, "D"), weights(b, i, "D")) and torch.equal(weights(a, i), weights(b, i))


def test_step_d_leaves_the_drawn_samples_of_a_batchnorm_generator_unchanged():
    p = Population(Config(data="digits", model="dcgan", g_hidden=8, d_hidden=8, z_dim=8, batch_size=16,
                          eval_every=10**6))
    z = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    run = p.runs[0]
    before = run.generate(z)
    p.single("d")
    assert torch.equal(run.generate(z), before)
    p.single("g")
    assert not torch.equal(run.generate(z), before)


def test_lr_decay_lowers_each_runs_rates_over_the_last_share_of_the_steps():
    from ganviz.core.trainer import LR_FLOOR, lr_factor
    assert lr_factor(50, 100, 0.3) == 1.0 and lr_factor(100, 100, 0.3) == pytest.approx(LR_FLOOR)
    assert lr_factor(85, 100, 0.3) == pytest.approx(1 - (1 - LR_FLOOR) * 15 / 30)
    assert lr_factor(500, 100, 0.3) == LR_FLOOR  # Play after the end trains on, slowly
    p = pop_of(dict(lr_decay=0.5), {}, steps=20)
    p.run(19)
    lr = p.trainers[0].opt_d.lr.reshape(-1).tolist()  # as set for the 19th step, taken at step 18
    assert lr[0] == pytest.approx(1e-3 * lr_factor(18, 20, 0.5)) and lr[1] == pytest.approx(1e-3)


def test_r1_keeps_ds_slope_on_the_data_small():
    def slope(r1: float) -> float:
        p = small(r1=r1, seed=2)
        p.run(150)
        x = p.trainers[0].pool[:256][None].clone().requires_grad_()
        (g,) = torch.autograd.grad(p.trainers[0].D(x).sum(), x)
        return float(g.norm(dim=-1).mean())
    assert slope(10.0) < 0.5 * slope(0.0)


def test_each_runs_draws_are_the_numbers_its_own_generator_gives():
    """Trainer._draw fills each run's row in place: the numbers of a draw of its own, run by run (uniform and
    Gaussian z, batch indices, instance noise; a run sitting out draws nothing)."""
    from ganviz.core.trainer import noise as draw_z
    for prior in ("uniform", "gaussian"):
        cfg = Config(data="ring8", prior=prior, z_dim=3, batch_size=17, instance_noise=0.5)
        p = Population([cfg.replace(seed=s) for s in range(3)])
        t = p.trainers[0]
        gens = [torch.Generator().manual_seed(c.seed + 1) for c in t.cfgs]
        z = t.noise(17).x
        assert all(torch.equal(z[i], draw_z(cfg, 17, g)) for i, g in enumerate(gens))
        rows = t.real_batch(9, [True, False, True])
        expect = [torch.randint(len(t.pool), (9,), generator=g) for g in (gens[0], gens[2])]
        assert torch.equal(rows.x[0], t.pool[expect[0]]) and torch.equal(rows.x[2], t.pool[expect[1]])
        assert torch.equal(rows.x[1], t.pool[torch.zeros(9, dtype=torch.int64)])  # zeros stand in


def test_with_r1_ds_pass_on_the_data_is_its_own_and_gives_the_joint_passes_logits():
    p = Population(Config(data="ring8", r1=1.0, batch_size=32))
    t = p.trainers[0]
    real, fake = t.real_batch(32), t.noise(32)
    fake = type(real)(t.G(fake.x).detach())
    joint = t.D(torch.cat([real.x, fake.x], 1))
    noisy = type(real)(real.x.clone().requires_grad_())
    l_real, l_fake = t._d_logits(noisy, fake)
    assert torch.allclose(l_real, joint[:, :32], atol=1e-6) and torch.allclose(l_fake, joint[:, 32:], atol=1e-6)
