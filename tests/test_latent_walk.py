"""The latent walk's path: from one tile's z to another's, along the prior's sphere for a Gaussian prior
(a straight line's middle would be atypically short), straight for a uniform one (it stays in the cube)."""
import numpy as np
import pytest
import torch

from ganviz.core.config import Config
from ganviz.core.population import Population
from ganviz.core.snapshot import N_WALK, SnapshotMaker, latent_walk


def test_a_gaussian_walk_keeps_the_length_of_typical_z_and_a_uniform_one_is_straight():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 64, generator=g), torch.randn(3, 64, generator=g)
    path = latent_walk(a, b, "gaussian")
    assert torch.allclose(path[:, 0], a, atol=1e-5) and torch.allclose(path[:, -1], b, atol=1e-5)
    norms = torch.linalg.vector_norm(path, dim=-1)
    line = torch.linalg.vector_norm((a + b) / 2, dim=-1)
    assert (norms.min(1).values > 0.9 * torch.minimum(norms[:, 0], norms[:, -1])).all()
    assert (line < 0.85 * norms[:, N_WALK // 2]).all()  # the straight line's middle is the short one
    u = latent_walk(a.clamp(-1, 1), b.clamp(-1, 1), "uniform")
    assert torch.allclose(u[:, 1] - u[:, 0], u[:, -1] - u[:, -2], atol=1e-6) and u.abs().max() <= 1


def test_the_walk_starts_and_ends_at_its_tiles_and_leaves_the_grid_as_it_was():
    pop = Population(Config(data="digits", model="dcgan", z_dim=8, g_hidden=8, d_hidden=8, eval_every=10_000))
    pop.run(3)
    maker = SnapshotMaker(pop)
    plain = maker.make()[0]
    walked = maker.make(walk=(4, 9))[0]
    assert walked.walk == (4, 9) and len(walked.walk_u8) == N_WALK
    assert np.array_equal(walked.walk_u8[0], walked.fake_u8[4]) and np.array_equal(walked.walk_u8[-1],
                                                                                   walked.fake_u8[9])
    # drawn in the grid's batch: batch norm sees almost the same statistics, the grid hardly moves
    assert np.abs(walked.fake_u8.astype(int) - plain.fake_u8.astype(int)).mean() < 2
    assert maker.make(walk=(4, 99))[0].walk is None and maker.make(compact=True, walk=(1, 2))[0].walk is None


@pytest.mark.parametrize("prior", ["gaussian", "uniform"])
def test_parallel_z_walk_along_the_line(prior):
    a = torch.ones(1, 5)
    path = latent_walk(a, 2 * a, prior)
    assert torch.allclose(path[0, -1], 2 * a[0]) and torch.isfinite(path).all()
