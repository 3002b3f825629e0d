"""The protocol between the window and the training process, and the session model that keeps the
window's copy of each run's history: Qt-free, so these run without a window or a process."""
import pytest

from ganviz.core.config import Config
from ganviz.core.presets import load_preset
from ganviz.process import protocol as p
from ganviz.process.worker import Worker
from ganviz.session import Session
from fakes import FakeHandle


def frame(gen=1, rows=None, rows_from=None, handled=0, **kw) -> p.Frame:
    rows = rows or {}
    return p.Frame(generation=gen, step=kw.pop("step", 0), target_steps=100, playing=kw.pop("playing", False),
                   steps_per_s=0.0, handled=handled, pictures={}, stats={}, rows=rows,
                   rows_from=rows_from if rows_from is not None else {r: 0 for r in rows},
                   changes={r: [] for r in rows}, changes_from={r: 0 for r in rows}, **kw)


def row(step: int) -> dict:
    return {"step": float(step), "loss_d": 1.0}


def test_every_command_has_one_handler_in_the_training_process():
    assert set(Worker.HANDLERS) == set(p.COMMANDS)


def test_a_dropped_frame_hands_its_rows_and_news_to_the_next():
    older = frame(rows={0: [row(1), row(2)]}, timeline=[0], stage=(3, 10))
    newer = frame(rows={0: [row(3)]}, rows_from={0: 2})
    newer.merge_older(older)
    assert [r["step"] for r in newer.rows[0]] == [1, 2, 3] and newer.rows_from[0] == 0
    assert newer.timeline == [0] and newer.stage == (3, 10) and newer.dropped == 1


def test_a_merged_frame_keeps_a_branch_cut():
    older = frame(rows={0: [row(5), row(6), row(7)]}, rows_from={0: 4})
    newer = frame(rows={0: [row(6)]}, rows_from={0: 5})  # the trainer went back to step 5 in between
    newer.merge_older(older)
    assert [r["step"] for r in newer.rows[0]] == [5, 6] and newer.rows_from[0] == 4


def session(n=1) -> tuple[Session, list]:
    sent = []
    s = Session(load_preset("ring8"), [Config(seed=i) for i in range(n)], start=lambda configs: FakeHandle(sent))
    s.start()
    return s, sent


def test_the_history_follows_the_trainers_log_through_a_branch():
    s, sent = session()
    s.receive(frame(rows={0: [row(i) for i in range(1, 6)]}))
    s.receive(frame(rows={0: [row(3), row(4)]}, rows_from={0: 2}, branch_from=2))  # back to step 2, on again
    assert [r["step"] for r in s.history[0]] == [1, 2, 3, 4]
    assert sent.count(p.FrameDone()) == 2  # every frame is answered, so the trainer may send the next


def test_frames_of_runs_replaced_by_a_reset_are_ignored():
    s, sent = session(4)
    s.receive(frame(rows={r: [row(1)] for r in range(4)}))
    assert s.reset([Config()]) and s.n_runs == 1     # one run now, as the panel shows at once
    reset_at = len(sent)
    s.receive(frame(rows={r: [row(2)] for r in range(4)}, handled=reset_at - 1))  # an old frame, on its way
    assert [len(h) for h in s.history] == [1, 1, 1, 1]  # untouched: the trainer has not started the run yet
    s.receive(p.Started(2, [Config().to_dict()]))
    s.receive(frame(gen=2, rows={0: [row(1)]}, handled=reset_at))
    assert len(s.history) == 1 and len(s.history[0]) == 1


def test_a_reset_the_trainer_refuses_keeps_the_runs_and_the_edits():
    s, sent = session(2)
    s.receive(p.Started(1, [c.to_dict() for c in s.applied]))
    s.select(1)
    s.set_edit_all(False)
    assert s.edit("data", "missing.npy") and s.pending() == ["data"]
    s.reset()
    s.receive(p.Started(1, [c.to_dict() for c in s.applied]))  # the same generation: refused, runs kept
    assert s.n_runs == 2 and s.values["data"] == "missing.npy" and s.pending() == ["data"]


def test_a_loaded_session_brings_its_own_runs_and_settings():
    s, sent = session(1)
    s.receive(p.Started(1, [Config().to_dict()]))
    s.load("run.safetensors")
    s.receive(p.Started(2, [Config(seed=s_).to_dict() for s_ in (7, 8)]))
    assert s.n_runs == 2 and [v["seed"] for v in s.runs_edited] == [7, 8] and s.pending() == []


@pytest.mark.parametrize("edit_all, runs", [(True, None), (False, (2,))])
def test_a_live_edit_goes_to_every_run_or_to_the_selected_one(edit_all, runs):
    s, sent = session(3)
    s.select(2)
    s.set_edit_all(edit_all)
    assert s.edit("lr_d", 2e-4)
    assert sent[-1] == p.Set({"lr_d": 2e-4}, runs)
    edited = [v["lr_d"] for v in s.runs_edited]
    assert edited == ([2e-4] * 3 if edit_all else [1e-3, 1e-3, 2e-4])


def test_a_shared_setting_edited_for_one_run_goes_to_every_run_and_the_next_reset_is_accepted():
    """'Edits go to: this run only' and `steps` (config.SHARED): the trainer changes every run, and so
    does the session; the next Reset is not refused for runs that disagree on the clock."""
    from ganviz.core.population import Population
    s, sent = session(3)
    trainer = Population([c.replace(n_data=500) for c in s.applied])
    s.select(1)
    s.set_edit_all(False)
    assert s.edit("steps", 1234)
    cmd = sent[-1]
    s.receive(p.Changed(trainer.set(None if cmd.runs is None else list(cmd.runs), **cmd.values), 0))
    assert [v["steps"] for v in s.runs_edited] == [c.steps for c in s.applied] == [c.steps for c in trainer.cfgs] \
        == [1234] * 3
    problems = []
    s.problem.connect(lambda kind, message: problems.append(message))
    assert s.reset() and problems == []
    assert sent[-1] == p.Reset(tuple(c.to_dict() for c in s.edited_configs()))
    assert cmd == p.Set({"steps": 1234}, None)  # said to the trainer as it is meant: for every run
    assert s.edit("lr_d", 2e-4) and sent[-1] == p.Set({"lr_d": 2e-4}, (1,))  # a run's own setting: its alone


def test_an_architecture_edit_waits_for_reset_and_a_bad_value_is_refused():
    s, sent = session()
    assert s.edit("g_hidden", 64) and s.pending() == ["g_hidden"] and sent == []
    assert not s.edit("batch_size", 0) and s.values["batch_size"] == 256
