"""The protocol between the window and the training process, and the session model that keeps the
window's copy of each run's history: Qt-free, so these run without a window or a process."""
import pytest

from ganviz import protocol as p
from ganviz.core.config import Config, load_preset
from ganviz.session import Session
from ganviz.worker import Worker


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
    s = Session(load_preset("ring8"), [Config(seed=i) for i in range(n)], start=lambda configs: None)
    s.send = sent.append
    return s, sent


def test_the_history_follows_the_trainers_log_through_a_branch():
    s, sent = session()
    s.receive(frame(rows={0: [row(i) for i in range(1, 6)]}))
    s.receive(frame(rows={0: [row(3), row(4)]}, rows_from={0: 2}, branch_from=2))  # back to step 2, on again
    assert [r["step"] for r in s.history[0]] == [1, 2, 3, 4]
    assert sent.count(p.FrameDone()) == 2  # every frame is answered, so the trainer may send the next


def test_frames_of_runs_replaced_by_a_reset_are_ignored():
    s, sent = session(4)
    s.handle = type("H", (), {"sent": 0, "alive": lambda self: True, "send": lambda self, c: None})()
    s.receive(frame(rows={r: [row(1)] for r in range(4)}))
    s.handle.sent = 7
    assert s.reset([Config()])                       # one run now
    s.receive(frame(rows={r: [row(2)] for r in range(4)}, handled=6))  # an old frame, still on its way
    assert len(s.history) == 1 and len(s.history[0]) == 0
    s.receive(frame(gen=2, rows={0: [row(1)]}, handled=7))
    assert len(s.history[0]) == 1


@pytest.mark.parametrize("edit_all, runs", [(True, None), (False, (2,))])
def test_a_live_edit_goes_to_every_run_or_to_the_selected_one(edit_all, runs):
    s, sent = session(3)
    s.select(2)
    s.set_edit_all(edit_all)
    assert s.edit("lr_d", 2e-4)
    assert sent[-1] == p.Set({"lr_d": 2e-4}, runs)
    edited = [v["lr_d"] for v in s.runs_edited]
    assert edited == ([2e-4] * 3 if edit_all else [1e-3, 1e-3, 2e-4])


def test_an_architecture_edit_waits_for_reset_and_a_bad_value_is_refused():
    s, sent = session()
    assert s.edit("g_hidden", 64) and s.pending() == ["g_hidden"] and sent == []
    assert not s.edit("batch_size", 0) and s.values["batch_size"] == 256
