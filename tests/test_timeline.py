"""Timeline: scrub back, branch from an earlier state, stay within the memory bound."""
import numpy as np

from ganviz.core.config import Config
from ganviz.core.population import Population
from ganviz.core.timeline import Timeline


def small(**kw):
    return Population(Config(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000,
                             eval_every=10**6, log_every=5, **kw))


def test_restoring_a_kept_state_replays_the_same_future():
    t, tl = small(seed=2), Timeline()
    t.run(10)
    tl.keep(t)
    t.run(10)
    after = t.sample(0, 300)
    assert tl.restore(t, 10) == 10
    assert t.step_count == 10 and all(r["step"] <= 10 for r in t.logs[0])
    t.run(10)
    assert np.array_equal(t.sample(0, 300), after)


def test_a_kept_state_survives_training_from_it_and_replays_again():
    """Restoring hands the trainer its own copy: training on from there leaves the kept state as
    it was, so the same moment can be replayed as often as a lecturer likes."""
    t, tl = small(seed=4), Timeline()
    t.run(10)
    tl.keep(t)
    t.run(20)
    after = t.sample(0, 300)
    for _ in range(2):
        tl.restore(t, 10)
        t.run(20)
        assert np.array_equal(t.sample(0, 300), after)


def test_branching_with_new_settings_diverges_from_the_old_future():
    t, tl = small(seed=2), Timeline()
    t.run(5)
    tl.keep(t)
    t.run(10)
    old = t.sample(0, 300)
    tl.restore(t, 5)
    t.set(lr_g=1e-2)
    t.run(10)
    assert not np.array_equal(t.sample(0, 300), old)


def test_memory_stays_within_its_bound_and_keeps_the_newest():
    t = small()
    t.run(1)  # with the optimiser's moments, as every later state
    one = Timeline()
    one.keep(t)
    bound = one.nbytes * 10
    tl = Timeline(max_bytes=bound)
    for _ in range(60):
        t.run(1)
        tl.keep(t)
        assert tl.nbytes <= bound
    assert tl.steps()[-1] == t.step_count
    assert tl.steps()[0] <= 5  # far history is thinned, not forgotten
    assert 5 <= len(tl.steps()) <= 10


def test_kept_states_are_copies_not_views_of_live_weights():
    t, tl = small(), Timeline()
    tl.keep(t)
    w0 = tl.kept[0].state["runs"][0]["G"].clone()
    t.run(5)
    assert np.array_equal(tl.kept[0].state["runs"][0]["G"].numpy(), w0.numpy())


def test_a_comparison_goes_back_in_time_as_a_whole():
    runs = [Config(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000, eval_every=10**6,
                   log_every=5, seed=s) for s in (0, 1)]
    t, tl = Population(runs), Timeline()
    t.run(10)
    tl.keep(t)
    t.run(10)
    after = [t.sample(i, 300) for i in range(2)]
    tl.restore(t, 10)
    assert all(r["step"] <= 10 for log in t.logs for r in log)
    t.run(10)
    assert all(np.array_equal(t.sample(i, 300), a) for i, a in enumerate(after))
