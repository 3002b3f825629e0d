"""The teaching presets show what their descriptions promise, from their own settings and seed.

Each test runs the preset's tour headless (core/tour.py), as the window's walk-through does, and
checks the effect the narration points at. Seconds each on a 2-core laptop.
"""
import numpy as np
import pytest
import torch

from ganviz.core import losses, tour
from ganviz.core.config import load_preset
from ganviz.core.population import Population
from ganviz.core.trainer import noise


def walk(name: str, stages: int | None = None):
    """A population of the preset's one run, with its first `stages` tour stages played; yields after each."""
    preset = load_preset(name)
    t = Population(preset.config())
    for stage in preset.tour[:stages]:
        tour.run_stage(t, stage)
        yield stage, t


def g_grad_norm(pop: Population, loss: str) -> float:
    """|dL_G/dθ_G| for a fresh batch with the given G loss (no update)."""
    t = pop.trainers[0]
    z = noise(t.cfg, t.cfg.batch_size, torch.Generator().manual_seed(5))[None]
    grads = torch.autograd.grad(losses.g_loss(loss, t.D(t.G(z))).sum(), t.flat_g.params)
    return float(torch.linalg.vector_norm(t.flat_g.flatten(grads)))


def test_figure1_matches_the_data_and_d_ends_near_one_half():
    t = Population(load_preset("figure1").config())
    t.run(t.cfg.steps)
    m = t.evaluate_now()
    assert m["ks"] <= 0.05  # KS distance between 10,000 data and 10,000 generated samples
    assert abs(m["d_real"] - 0.5) < 0.05 and abs(m["d_fake"] - 0.5) < 0.05


def test_saturating_minimax_gradient_is_far_smaller_than_non_saturating_where_d_wins():
    _, t = next(walk("saturating", 1))  # stage 1: D alone learns to reject G
    assert t.runs[0].stats()["d_fake"] < 0.05
    assert g_grad_norm(t, "ns") > 10 * g_grad_norm(t, "minimax")


def test_saturating_tour_g_barely_moves_with_minimax_and_jumps_with_ns():
    spread = []
    for _, t in walk("saturating"):
        spread.append(t.sample(0, 4000)[:, 0].mean())
    d_minimax, d_ns = abs(spread[1] - spread[0]), abs(spread[2] - spread[1])
    assert d_ns > 1.0 and d_ns > 5 * d_minimax  # in data units; the modes are at -2 and 2


def test_helvetica_g_alone_collapses_onto_one_point_and_recovers_with_d():
    widths = [t.sample(0, 4000)[:, 0].std() for _, t in walk("helvetica")]
    d_lead, collapsed, recovered = widths[1], widths[2], widths[3]
    assert collapsed < 0.1 * d_lead  # stage 3: every z lands near D's favourite x
    assert recovered > 5 * collapsed  # stage 4: D punishes the spike, G spreads again


def test_noise_target_g_learns_only_once_d_sees_its_samples():
    ks = [t.evaluate_now()["ks"] for _, t in walk("noise-target")]
    assert ks[0] > 0.3 and ks[1] < 0.15


@pytest.mark.parametrize("name", ["d-strong", "d-weak"])
def test_unbalanced_d_leaves_g_far_from_the_data(name):
    t = Population(load_preset(name).config())
    t.run(1500)
    m = t.evaluate_now()
    assert m["ks"] > 0.3
    if name == "d-strong":
        assert m["d_real"] - m["d_fake"] > 0.2  # D wins
    else:
        assert abs(m["d_real"] - 0.5) < 0.1 and abs(m["d_fake"] - 0.5) < 0.1  # D cannot tell, yet p_g is wrong


def test_mode_collapse_keeps_g_on_few_modes_and_it_hops():
    t = Population(load_preset("mode-collapse").config())
    centres = []
    for _ in range(3):
        t.run(1000)
        x = t.sample(0, 2000)
        centres.append(x.mean(0))
        assert t.evaluate_now()["modes"] <= 2
    assert max(np.linalg.norm(a - b) for a in centres for b in centres) > 1.0  # the pile moved
