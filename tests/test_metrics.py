"""Metrics against values known in closed form or by direct computation."""
import math

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import ks_2samp, norm

from ganviz.core import metrics as M

LN2 = math.log(2)
GRID = np.linspace(-6, 10, 400)


def rng(seed=0):
    return np.random.default_rng(seed)


def ring8(n, r, std=0.02):
    ang = np.arange(8) * 2 * np.pi / 8
    modes = 2 * np.stack([np.cos(ang), np.sin(ang)], 1)
    return modes, modes[r.integers(0, 8, n)] + std * r.standard_normal((n, 2))


# ---------------------------------------------------------------------------------------------- 1D
def test_kde_matches_normal_density_and_integrates_to_one():
    x = rng().standard_normal(10_000)
    p = M.kde_1d(x, GRID)
    err = np.abs(p - norm.pdf(GRID))
    # at the peak (0.399): smoothing bias ~0.004, noise sd ~0.009 for n = 10k, h = 0.14 (max over 400 points ~3 sd)
    assert err.max() < 0.03 and err.mean() < 0.003
    assert np.trapezoid(p, GRID) == pytest.approx(1.0, abs=1e-3)


def test_kde_binned_path_equals_direct_sum():
    x = rng(1).normal(2, 0.7, 500)
    h = 0.3
    direct = norm.pdf((GRID[:, None] - x[None, :]) / h).sum(1) / (len(x) * h)
    assert np.max(np.abs(M.kde_1d(x, GRID, bandwidth=h) - direct)) < 1e-3 * direct.max()
    # a bandwidth far below the grid's range takes the direct path, which must be exact
    x = GRID[100:110] + 1e-5 * rng(1).standard_normal(10)  # within a few bandwidths of grid points
    tiny = M.kde_1d(x, GRID, bandwidth=1e-5)
    want = norm.pdf((GRID[:, None] - x) / 1e-5).sum(1) / (len(x) * 1e-5)
    assert want.max() > 1000 and np.allclose(tiny, want, rtol=1e-9)


def test_kde_of_collapsed_samples_keeps_its_mass_on_the_grid():
    p = M.kde_1d(np.full(1000, 1.234), GRID)  # mode collapse: every sample at one point
    assert np.isfinite(p).all() and np.trapezoid(p, GRID) == pytest.approx(1.0, abs=0.02)
    assert GRID[np.argmax(p)] == pytest.approx(1.234, abs=0.05)


def test_identical_distributions_give_zero_jsd_and_d_equal_to_half():
    r = rng(2)
    real, fake = r.normal(4, 0.5, 10_000), r.normal(4, 0.5, 10_000)
    p_data = norm.pdf(GRID, 4, 0.5)
    out = M.metrics_1d(real, fake, GRID, np.full_like(GRID, 0.5), p_data)
    assert out["jsd"] < 0.005
    assert out["ks"] < 0.03
    assert out["d_gap"] < 0.1   # D = 1/2 = D* up to KDE noise where data lives
    assert out["w1"] < 0.03


def test_jsd_weights_densities_by_grid_spacing():
    grid = np.concatenate([np.linspace(-5, 0, 300, endpoint=False), np.linspace(0, 5, 60)])  # uneven spacing
    r = rng(20)
    out = M.metrics_1d(r.normal(0, 1, 10_000), r.normal(0, 1, 10_000), grid, np.full_like(grid, 0.5),
                       norm.pdf(grid))
    assert out["jsd"] < 0.005


def test_d_gap_only_looks_where_data_has_at_least_one_percent_of_its_peak():
    r = rng(21)
    p_data, fake = norm.pdf(GRID), r.normal(0, 1, 10_000)
    d_star = M.optimal_d(p_data, M.kde_1d(fake, GRID))
    rel = p_data / p_data.max()
    off_tail, off_shoulder = d_star.copy(), d_star.copy()
    off_tail[rel < 0.008] = 0.0                  # wrong only where p_data < 1% of its peak: ignored
    off_shoulder[(rel > 0.02) & (rel < 0.03)] = 0.0  # wrong where data lives: counted
    assert M.metrics_1d(fake, fake, GRID, off_tail, p_data)["d_gap"] == pytest.approx(0, abs=1e-12)
    assert M.metrics_1d(fake, fake, GRID, off_shoulder, p_data)["d_gap"] > 0.3


def test_disjoint_distributions_give_ln2():
    r = rng(3)
    out = M.metrics_1d(r.normal(-3, 0.3, 5000), r.normal(7, 0.3, 5000), GRID, np.full_like(GRID, 0.5))
    assert out["jsd"] == pytest.approx(LN2, abs=1e-6)
    assert out["ks"] == pytest.approx(1.0)
    assert out["w1"] == pytest.approx(10, abs=0.05)


def test_fake_entirely_off_the_grid_is_disjoint():
    r = rng(4)
    out = M.metrics_1d(r.normal(0, 1, 2000), r.normal(100, 1, 2000), GRID, np.full_like(GRID, 0.5))
    assert out["jsd"] == pytest.approx(LN2)


def jsd_with_a_share_away(a: float) -> float:
    """JSD(p, (1 - a) p + a q_far) with q_far disjoint from p, in closed form: their mixture is (1 - a/2) p
    where p lives and (a/2) q_far far away, so JSD = (-ln(1 - a/2) + (1 - a) ln((1 - a)/(1 - a/2)) + a ln 2) / 2."""
    m = 1 - a / 2
    return 0.5 * (-math.log(m) + (1 - a) * math.log((1 - a) / m) + a * LN2)


@pytest.mark.parametrize("known_p_data", [True, False])
@pytest.mark.parametrize("share", [0.0, 0.1, 0.3, 0.6])
def test_generated_mass_far_off_the_grid_counts_as_matching_nothing(share, known_p_data):
    """A G that sprays part of its samples far away is penalised for that part, not renormalised to a match;
    a perfect G (share 0) still scores ~0."""
    r = rng(6)
    n = 20_000
    away = int(share * n)
    fake = np.concatenate([r.normal(0, 1, n - away), r.normal(100, 1, away)])
    p_data = norm.pdf(GRID) if known_p_data else None
    out = M.metrics_1d(r.normal(0, 1, n), fake, GRID, np.full_like(GRID, 0.5), p_data)
    assert out["jsd"] == pytest.approx(jsd_with_a_share_away(share), abs=0.01)  # KDE noise is ~0.002


def test_w1_between_shifted_normals_is_the_shift():
    r = rng(5)
    out = M.metrics_1d(r.normal(0, 1, 10_000), r.normal(3, 1, 10_000), GRID, np.full_like(GRID, 0.5))
    assert out["w1"] == pytest.approx(3, abs=0.05)


def test_constant_half_d_is_far_from_optimal_when_distributions_differ():
    r = rng(6)
    p_data = norm.pdf(GRID, 0, 1)
    out = M.metrics_1d(r.normal(0, 1, 10_000), r.normal(3, 1, 10_000), GRID, np.full_like(GRID, 0.5), p_data)
    assert out["d_gap"] > 0.45  # where p_data >= 1% of its peak and p_g ~ 0, D* ~ 1
    d_star = M.optimal_d(p_data, M.kde_1d(r.normal(3, 1, 10_000), GRID))
    assert M.metrics_1d(r.normal(0, 1, 10_000), r.normal(3, 1, 10_000), GRID, d_star, p_data)["d_gap"] < 0.1


def test_ks_matches_scipy():
    r = rng(7)
    a, b = r.normal(0, 1, 700), r.normal(0.2, 1.3, 900)
    assert M.ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)
    a, b = r.integers(0, 5, 300).astype(float), r.integers(1, 6, 400).astype(float)  # ties: CDFs jump together
    assert M.ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


def test_optimal_d():
    p = np.array([0.0, 0.2, 0.3, 0.0, 1.0])
    q = np.array([0.0, 0.2, 0.1, 0.5, 0.0])
    assert np.allclose(M.optimal_d(p, q), [0.5, 0.5, 0.75, 0.0, 1.0])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="d_on_grid"):
        M.metrics_1d(np.zeros(10), np.zeros(10), GRID, np.zeros(5))
    with pytest.raises(ValueError, match="real"):
        M.metrics_2d(np.zeros((10, 3)), np.zeros((10, 2)), None, None)
    with pytest.raises(ValueError, match="mode_std"):
        M.metrics_2d(np.zeros((10, 2)), np.zeros((10, 2)), np.zeros((8, 2)), None)
    with pytest.raises(ValueError, match="NaN"):
        M.kde_1d(np.array([0.0, np.nan]), GRID)


# ---------------------------------------------------------------------------------------------- 2D
def test_perfect_ring_samples_capture_all_modes():
    r = rng(8)
    modes, real = ring8(10_000, r)
    _, fake = ring8(10_000, r)
    out = M.metrics_2d(real, fake, modes, 0.02)
    assert out["modes"] == 8 and out["n_modes"] == 8
    assert out["hq"] == pytest.approx(1 - math.exp(-4.5), abs=0.005)  # P(|N2(0, s^2 I)| < 3s) = 0.989
    assert out["jsd"] < 0.05
    assert isinstance(out["modes"], int) and isinstance(out["hq"], float)


def test_collapse_onto_one_mode_counts_one():
    r = rng(9)
    modes, real = ring8(5000, r)
    fake = modes[3] + 0.02 * r.standard_normal((5000, 2))
    out = M.metrics_2d(real, fake, modes, 0.02)
    assert out["modes"] == 1
    assert out["jsd"] > 0.5 * LN2


def test_uniform_noise_is_low_quality():
    r = rng(10)
    modes, real = ring8(5000, r)
    out = M.metrics_2d(real, r.uniform(-2.5, 2.5, (10_000, 2)), modes, 0.02)
    assert out["hq"] < 0.01  # 8 discs of radius 0.06 cover 0.36% of the square


def test_mode_below_a_fifth_of_fair_share_is_not_counted():
    modes = np.array([[0.0, 0.0], [10.0, 0.0]])
    # 100 samples on mode 0 and x on mode 1: threshold 0.2 * (100 + x) / 2, so x = 11 -> 11.1 (missed), 12 -> 11.2
    for x, want in [(11, 1), (12, 2)]:
        fake = np.concatenate([np.repeat(modes[:1], 100, 0), np.repeat(modes[1:], x, 0), [[5.0, 5.0]] * 50])
        out = M.metrics_2d(modes, fake, modes, 0.1)
        assert out["modes"] == want
        assert out["hq"] == pytest.approx((100 + x) / (150 + x))


# ---------------------------------------------------------------------------------------------- images
def naive_parzen(samples, x, sigma):
    d2 = ((x[:, None, :] - samples[None, :, :]) ** 2).sum(-1)
    dim = samples.shape[1]
    return logsumexp(-d2 / (2 * sigma ** 2), axis=1) - np.log(len(samples)) - dim / 2 * np.log(2 * np.pi * sigma ** 2)


def test_parzen_matches_naive_implementation():
    r = rng(11)
    s, v, t = r.random((40, 5)), r.random((13, 5)), r.random((17, 5))
    out = M.parzen_log_likelihood(s, v, t, batch=4)
    sigmas = np.logspace(-1, 0, 10)
    best = sigmas[np.argmax([naive_parzen(s, v, sg).mean() for sg in sigmas])]
    ll = naive_parzen(s, t, best)
    assert out["parzen_sigma"] == pytest.approx(best)
    assert out["parzen_ll"] == pytest.approx(ll.mean(), rel=1e-10)
    assert out["parzen_se"] == pytest.approx(ll.std() / np.sqrt(len(ll)), rel=1e-8)


def test_parzen_approaches_true_log_likelihood_as_samples_grow():
    r = rng(12)
    dim, scale = 2, 0.3
    truth = -dim / 2 * math.log(2 * math.pi * math.e * scale ** 2)  # E[log p] of N(0, scale^2 I)
    valid, test = scale * r.standard_normal((500, dim)), scale * r.standard_normal((2000, dim))
    errs = []
    for n in (100, 10_000):
        out = M.parzen_log_likelihood(scale * r.standard_normal((n, dim)), valid, test)
        assert np.isclose(out["parzen_sigma"], np.logspace(-1, 0, 10)).any()
        assert out["parzen_se"] > 0
        errs.append(abs(out["parzen_ll"] - truth))
    assert errs[1] < errs[0] and errs[1] < 0.1


def test_exact_copies_have_zero_nn_distance_and_the_right_index():
    r = rng(13)
    train = r.random((300, 64))
    pick = r.integers(0, 300, 50)
    out = M.nearest_neighbour(train[pick], train)
    assert out["nn_dist"] == 0.0
    assert np.array_equal(out["nn_index"], pick)


def test_nn_ratio_is_one_for_fresh_samples_and_small_for_copies():
    r = rng(14)
    train, fresh, ref = r.random((1000, 16)), r.random((300, 16)), r.random((300, 16))
    assert M.nearest_neighbour(fresh, train, ref)["nn_ratio"] == pytest.approx(1.0, abs=0.05)
    noisy_copies = train[:300] + 0.01 * r.standard_normal((300, 16))
    assert M.nearest_neighbour(noisy_copies, train, ref)["nn_ratio"] < 0.1


def test_image_evaluation_returns_plain_numbers_within_its_budget():
    from ganviz.core.config import Config
    from ganviz.core.evaluate import NN_BUDGET, PARZEN_BUDGET, evaluate, image_reference
    from ganviz.core.population import Population
    pop = Population(Config(data="shapes", model="mlp", z_dim=8, g_hidden=32, d_hidden=32, eval_every=10_000))
    out = evaluate(pop.runs[0])
    assert {"parzen_ll", "parzen_se", "parzen_sigma", "nn_dist", "nn_ratio"} <= set(out)
    assert all(isinstance(v, float) for v in out.values())
    ref = image_reference(pop.data)
    dim = ref.train01.shape[1]
    assert ref.n_parzen * (len(ref.valid01) + len(ref.test01)) * dim <= PARZEN_BUDGET
    assert ref.n_nn * len(ref.train01) * dim <= NN_BUDGET and image_reference(pop.data) is ref  # made once


def test_w1_is_scipys_wasserstein_distance():
    from scipy.stats import wasserstein_distance
    rng = np.random.default_rng(4)
    for a, b in [(rng.normal(size=1000), rng.normal(1, 2, size=700)), (rng.exponential(size=5), rng.uniform(size=9)),
                 (np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0]))]:
        assert M.wasserstein_1d(a, b) == pytest.approx(wasserstein_distance(a, b), rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------------------------------- Fréchet distance
def test_frechet_distance_of_gaussians_is_the_closed_form():
    from ganviz.core.metrics import frechet_distance
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    cov = a @ a.T + np.eye(6)
    mean = rng.standard_normal(6)
    assert frechet_distance(mean, cov, mean, cov) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(mean, cov, mean + 2.0, cov) == pytest.approx(6 * 4.0, rel=1e-9)  # |shift|^2
    # diagonal covariances: sum over axes of (sigma1 - sigma2)^2
    s1, s2 = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    assert frechet_distance(np.zeros(3), np.diag(s1 ** 2), np.zeros(3), np.diag(s2 ** 2)) == \
        pytest.approx(float(((s1 - s2) ** 2).sum()), rel=1e-9)
    # symmetric, and never negative for singular covariances
    low = np.diag([1.0, 0.0, 0.0])
    assert frechet_distance(np.zeros(3), low, np.ones(3), cov[:3, :3]) == \
        pytest.approx(frechet_distance(np.ones(3), cov[:3, :3], np.zeros(3), low), rel=1e-6)
    assert frechet_distance(np.zeros(3), low, np.zeros(3), low) >= 0


def test_frechet_distance_refuses_shapes_that_do_not_match():
    from ganviz.core.metrics import frechet_distance
    with pytest.raises(ValueError, match="do not match"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
