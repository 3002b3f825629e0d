"""The one loop that steps a population (core/driver.py): each stop, slices that add up to the whole,
progress, and the training process playing through it (Qt-free: the worker without its process)."""
import gc
import queue

import pytest
import torch

from ganviz.core.config import Config
from ganviz.core.driver import Driver, Stop
from ganviz.core.errors import DivergedError
from ganviz.core.population import Population
from ganviz.core.tour import Stage
from ganviz.process import protocol as p
from ganviz.process.worker import Worker

SMALL = dict(data="ring8", g_hidden=16, d_hidden=16, batch_size=32, n_data=500, eval_every=10_000, log_every=5,
             steps=40)
BOOM = dict(optimizer="sgd", lr_d=10.0, lr_g=10.0, loss="lsgan", momentum=0.9)


def pop(*changes: dict, **kw) -> Population:
    return Population([Config(**{**SMALL, **kw, **c}) for c in changes or ({},)])


def state(pop: Population) -> list[torch.Tensor]:
    return [x.data.clone() for t in pop.trainers for x in (t.flat_g, t.flat_d)]


def same(a: Population, b: Population) -> bool:
    return a.step_count == b.step_count and a.logs == b.logs and all(
        torch.equal(x, y) for x, y in zip(state(a), state(b)))


def test_a_driver_steps_to_the_populations_steps_as_plain_steps_would_bit_for_bit():
    driven, plain = pop({}, dict(seed=1)), pop({}, dict(seed=1))
    assert Driver(driven).run() is Stop.STEPS
    plain.run(40)
    assert driven.step_count == 40 and same(driven, plain)
    assert Driver(driven).run() is Stop.STEPS and driven.step_count == 40  # there already: no step


def test_slices_add_up_to_the_uninterrupted_run():
    whole, sliced = pop(), pop()
    Driver(whole).run()
    driver, seen = Driver(sliced), []
    while (stop := driver.advance(max_updates=7)) is None:
        seen.append(sliced.step_count)
    assert stop is Stop.STEPS and seen == [7, 14, 21, 28, 35] and same(whole, sliced)
    assert driver.advance(max_updates=7) is Stop.STEPS  # a stopped driver stays stopped


def test_a_slice_of_time_makes_at_least_one_update_and_hold_hands_control_back_before_one():
    driver = Driver(pop())
    assert driver.advance(max_seconds=0) is None and driver.done == 1
    assert driver.advance(hold=lambda: True) is None and driver.done == 1


def test_progress_is_told_after_every_update():
    told = []
    Driver(pop(), until=12, progress=told.append).run()
    assert [t.step for t in told] == list(range(1, 13)) and [t.done for t in told] == list(range(1, 13))
    assert [t.left for t in told] == list(range(11, -1, -1))
    assert all(a.seconds <= b.seconds for a, b in zip(told, told[1:]))


def test_a_number_of_updates_counts_from_now_and_replaces_the_step_target():
    p_ = pop()
    Driver(p_, until=30).run()
    assert Driver(p_, updates=25).run() is Stop.STEPS and p_.step_count == 55  # past the population's 40


def test_the_populations_steps_are_read_live():
    p_ = pop()
    driver = Driver(p_, progress=lambda t: p_.set(steps=10) if t.step == 5 else None)
    assert driver.run() is Stop.STEPS and p_.step_count == 10


def test_a_d_update_leaves_g_and_a_g_update_leaves_d():
    p_ = pop()
    g0, d0 = (x.data.clone() for x in (p_.trainers[0].flat_g, p_.trainers[0].flat_d))
    Driver(p_, updates=3, update="d").run()
    assert torch.equal(p_.trainers[0].flat_g.data, g0) and not torch.equal(p_.trainers[0].flat_d.data, d0)
    with pytest.raises(ValueError, match="both, d, g"):
        Driver(p_, update="x")


def test_an_interruption_stops_after_the_update_under_way():
    p_ = pop()
    asked = []
    driver = Driver(p_, interrupted=lambda: bool(asked), progress=lambda t: asked.append(1) if t.step == 9 else None)
    assert driver.run() is Stop.INTERRUPTED and p_.step_count == 9


def test_reaching_the_steps_wins_over_an_interruption_at_the_last_step():
    p_ = pop()
    assert Driver(p_, until=3, interrupted=lambda: p_.step_count == 3).run() is Stop.STEPS


def test_a_time_limit_stops():
    driver = Driver(pop(), until=None, seconds=0.05)
    assert driver.run() is Stop.TIME and driver.seconds >= 0.05 and driver.done > 0


def test_held_is_asked_when_the_population_evaluates():
    asked_at = []

    def held(p_):
        asked_at.append(p_.step_count)
        return p_.step_count >= 20
    p_ = pop(eval_every=4)
    assert Driver(p_, held=held).run() is Stop.HELD and p_.step_count == 20
    assert asked_at == [4, 8, 12, 16, 20]
    assert "modes" in p_.logs[0][-1]  # the row it could read: the population evaluated at that step


def test_every_run_diverged_stops_with_the_error_and_one_run_diverging_does_not():
    driver = Driver(pop(BOOM), until=None)
    assert driver.run() is Stop.DIVERGED
    assert isinstance(driver.error, DivergedError) and "diverged at step" in str(driver.error)
    mixed = pop(BOOM, dict(seed=1, optimizer="sgd"), steps=300)
    assert Driver(mixed).run() is Stop.STEPS and mixed.diverged(0) is not None and mixed.diverged(1) is None


# ---------------------------------------------------------------------------------- the training process
@pytest.fixture
def worker():
    w = Worker(queue.Queue(), queue.Queue(), (Config(**SMALL).to_dict(),))
    yield w
    gc.unfreeze()  # the worker freezes start-up's objects (its process's own business, not the tests')


def messages(w: Worker, kind: type) -> list:
    out = []
    while not w.out_q.empty():
        out.append(w.out_q.get_nowait())
    return [m for m in out if isinstance(m, kind)]


def play(w: Worker) -> None:
    while w.playing:
        w.train_chunk()
        w.credit = 1  # the window drew the frame: keep the trainer's pace as a window would


def test_play_pauses_at_the_runs_steps_bit_for_bit_and_play_again_goes_on(worker):
    worker.handle(p.Play())
    play_until = worker.pop.cfg.steps
    play(worker)
    plain = pop()
    plain.run(play_until)
    assert worker.pop.step_count == play_until and same(worker.pop, plain)
    worker.handle(p.Play())
    worker.train_chunk()
    assert worker.playing and worker.pop.step_count > play_until


def test_a_tour_stage_plays_its_updates_and_its_end_is_told_once(worker):
    g0 = worker.pop.trainers[0].flat_g.data.clone()
    worker.handle(p.PlayStage(3, Stage("D alone", "", run="d", steps=6).to_dict()))
    play(worker)
    assert worker.pop.step_count == 6 and torch.equal(worker.pop.trainers[0].flat_g.data, g0)
    worker.last_snap = 0.0
    worker.maybe_send_frame()
    assert [m.stage for m in messages(worker, p.Frame)][-1] == (3, 0) and worker.stage is None


def test_the_training_process_tells_a_divergence_and_pauses():
    w = Worker(queue.Queue(), queue.Queue(), (Config(**{**SMALL, **BOOM, "steps": 5000}).to_dict(),))
    try:
        w.handle(p.Play())
        play(w)
        errors = messages(w, p.Error)
        assert [e.kind for e in errors] == ["diverged"] and "diverged at step" in errors[0].message
        assert not w.playing and w.pop.step_count < 5000
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------------------------- a sweep's population
def test_a_sweeps_population_trains_to_its_steps_or_stops_when_the_sweep_stops(monkeypatch):
    from ganviz.sweep import backends
    task = {"id": 7, "cfgs": [Config(**SMALL).to_dict(), Config(**{**SMALL, **BOOM}).to_dict()],
            "folders": ["fine", "boom"]}
    reported = []
    done = backends.train_population(task, reported.append)
    assert done["steps"] == 40 and done["runs"][0]["status"] == "done"
    assert done["runs"][1]["status"].startswith("diverged at step") and done["runs"][1]["metrics"] == {}
    assert {"samples.npy", "metrics.csv"} <= set(done["runs"][0]["files"])
    monkeypatch.setattr(backends, "PROGRESS_S", 0.0)  # look for a stop after every step
    looks = []
    assert backends.train_population(task, reported.append, lambda: looks.append(1) or len(looks) == 3) == \
        {"id": 7, "stopped": True}
    assert reported[-2:] == [1, 2]  # told before each look that found no stop
