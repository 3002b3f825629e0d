"""The lecture tools' state without a window (lecture/): slow motion's phases, the walk-through's stages,
presentation mode, the hover readouts and which dropped files can be trained on. A session with a stand-in
training process (it counts what it is sent) stands behind each; frames are made by hand."""
from types import SimpleNamespace

import numpy as np
import pytest

from ganviz.core.presets import load_preset
from ganviz.lecture import Lecture
from ganviz.lecture.data_file import problem
from ganviz.lecture.presentation import Presentation, scales
from ganviz.lecture.readout import readout
from ganviz.lecture.slow_motion import caption
from ganviz.process import protocol as p
from ganviz.session import Session
from fakes import FakeHandle

PHASES = ("sample", "generate", "discriminate", "update_d", "update_g")


def lecture(preset: str = "ring8") -> tuple[Lecture, list]:
    sent: list = []
    pre = load_preset(preset)
    session = Session(pre, pre.config(), start=lambda configs: FakeHandle(sent))
    session.start()
    return Lecture(session), sent


def frame(step=0, gen=1, playing=False, handled=0, stage=None, phase=None) -> p.Frame:
    return p.Frame(generation=gen, step=step, target_steps=100, playing=playing, steps_per_s=0.0, handled=handled,
                   pictures={0: SimpleNamespace(kind="2d")}, stats={}, stage=stage, phase=phase)


def phase_frames(step: int, handled: int) -> list[p.Frame]:
    """One iteration from `step`, phase by phase: the last phase (G's update) is of the next step."""
    return [frame(step + (name == "update_g"), handled=handled,
                  phase=p.Phase(name, f"caption of {name}", i, len(PHASES), {}))
            for i, name in enumerate(PHASES)]


def events(signal) -> list:
    got: list = []
    signal.connect(lambda *args: got.append(args[0] if len(args) == 1 else args))
    return got


# ---------------------------------------------------------------------- slow motion
def test_step_with_slow_motion_asks_once_for_an_iteration_and_walks_its_phases():
    lec, sent = lecture()
    slow = lec.slow_motion
    shown, plain = events(slow.shown), events(slow.plain)
    lec.step("both")
    assert sent[-1] == p.Step("both")                  # off: Step is a step
    slow.set_active(True)
    assert slow.active and sent[-1] == p.Pause()       # on: training pauses
    lec.step("both")
    lec.step("both")                                   # the iteration is on its way: not asked for twice
    assert sent.count(p.Phases()) == 1
    lec.session.receive(p.PhaseFrames(phase_frames(0, len(sent))))
    assert [f.phase.name for f in shown] == ["sample"]
    for _ in range(4):
        lec.step("both")
    assert [f.phase.name for f in shown] == list(PHASES) and sent.count(p.Phases()) == 1
    slow.back()
    assert slow.current().phase.name == "update_d"
    lec.step("both")
    lec.step("both")                                   # past the last phase: the next iteration
    assert sent.count(p.Phases()) == 2
    lec.step("d")                                      # Step D is never a phase
    assert sent[-1] == p.Step("d")
    last = slow.frames[-1]
    slow.set_active(False)                             # off: the last phase's state, unmarked
    assert plain == [last] and last.phase.name == "update_g"
    assert slow.current() is None and not slow.active


def test_a_frame_of_another_state_ends_the_walk_through_the_phases():
    lec, sent = lecture()
    slow = lec.slow_motion
    forgotten, shown = events(slow.forgotten), events(slow.shown)
    slow.set_active(True)
    lec.step("both")
    lec.session.receive(p.PhaseFrames(phase_frames(0, len(sent))))
    slow.on_frame(frame(step=1, handled=len(sent)))    # the same state (paused after the iteration): kept
    assert slow.current().phase.name == "sample" and len(shown) == 2 and forgotten == []
    slow.on_frame(frame(step=5, playing=True, handled=len(sent)))  # played on
    assert slow.current() is None and len(forgotten) == 1 and slow.active


def test_phases_that_arrive_after_slow_motion_went_off_are_shown_plainly():
    lec, sent = lecture()
    slow = lec.slow_motion
    plain = events(slow.plain)
    slow.set_active(True)
    lec.step("both")
    slow.set_active(False)
    lec.session.receive(p.PhaseFrames(phase_frames(0, len(sent))))
    assert [f.phase.name for f in plain] == ["update_g"] and slow.current() is None
    assert not slow.waiting


def test_a_phase_caption_names_the_phase_and_the_iteration():
    frames = phase_frames(41, 0)
    head, text = caption(frames[0])
    assert "phase 1 of 5: sample" in head and "iteration 42" in head and text == "caption of sample"
    head, _ = caption(frames[-1])                      # G's update: the frame is of the step it made
    assert "phase 5 of 5: update G" in head and "iteration 42" in head


# ---------------------------------------------------------------------- walk-through
def test_a_walkthrough_restarts_the_preset_and_plays_its_stages_one_by_one():
    lec, sent = lecture("figure1")
    walk, slow = lec.walkthrough, lec.slow_motion
    done = events(walk.stage_done)
    stages = walk.stages
    assert walk.available and not walk.active
    slow.set_active(True)
    walk.start()
    assert not slow.active                             # a walk-through turns slow motion off
    resets = [c for c in sent if isinstance(c, p.Reset)]
    assert resets and resets[-1].configs == (lec.session.preset.config().to_dict(),)
    assert sent[-1] == p.PlayStage(1, stages[0].to_dict()) and walk.active
    assert walk.head.startswith(f"Walk through \u2014 1 of {len(stages)}: {stages[0].title}")
    assert walk.caption == stages[0].caption and walk.next_label == "Next \u25b6"
    walk.on_frame(frame(stage=(1, 100), handled=len(sent)))
    assert f"{stages[0].steps - 100:,} of {stages[0].steps:,}" in walk.head
    walk.on_frame(frame(stage=(1, 0), handled=len(sent)))
    assert done == [0] and walk.done and "done" in walk.head
    walk.next()
    assert sent[-1] == p.PlayStage(2, stages[1].to_dict()) and walk.index == 1 and not walk.done
    walk.on_frame(frame(handled=len(sent)))            # the trainer no longer plays our stage: taken over
    assert "taken over" in walk.head and walk.done
    while walk.index + 1 < len(stages):                # Next goes on from there
        walk.next()
    walk.on_frame(frame(stage=(walk.serial, 0), handled=len(sent)))
    assert walk.next_label == "Finish \u2713"           # the last stage done
    walk.next()
    assert not walk.active


def test_a_preset_without_a_tour_ends_the_walkthrough_and_offers_none():
    lec, sent = lecture("figure1")
    walk = lec.walkthrough
    walk.start()
    assert walk.active
    lec.session.choose_preset("ring8")
    assert not walk.active and not walk.available
    n = len(sent)
    walk.start()
    assert len(sent) == n                              # nothing to walk through


def test_a_refused_restart_plays_no_stage():
    lec, sent = lecture("figure1")
    walk = Lecture(lec.session, restart=lambda configs: False).walkthrough
    walk.start()
    assert not walk.active and not any(isinstance(c, p.PlayStage) for c in sent)


# ---------------------------------------------------------------------- presentation
def test_presentation_scales_text_by_the_screens_height_while_presenting():
    pres = Presentation()
    changed = events(pres.changed)
    assert pres.scales() == (1.0, 1.0)
    pres.set_presenting(True, screen_lines=720)
    assert pres.scales() == scales(720) and pres.scales()[0] == pytest.approx(1.7 * 720 / 1080)
    pres.set_presenting(True, screen_lines=1080)      # already presenting: nothing changes
    pres.set_dark(True)
    pres.set_presenting(False)
    assert pres.scales() == (1.0, 1.0) and pres.dark and len(changed) == 3


# ---------------------------------------------------------------------- hover readouts
def test_readouts_say_what_the_picture_shows_where_the_mouse_is():
    x = np.linspace(-1, 1, 5)
    one = SimpleNamespace(kind="1d", x=x, p_data=np.ones(5), p_g=np.zeros(5), d=np.full(5, 0.25))
    assert readout(one, {"x": 0.5}) == "x = 0.5   p_data(x) = 1.000   p_g(x) = 0.000   D(x) = 0.250"
    assert readout(one, None) == "" and readout(None, {"x": 0.5}) == ""
    two = SimpleNamespace(kind="2d", heat_range=((0, 1), (0, 1)), d_grid=np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert readout(two, {"x": 0.5, "y": 0.5}).endswith("D(x) = 0.500")
    assert "D(x)" not in readout(two, {"x": 3.0, "y": 0.5})  # outside D's grid: where, without a value
    images = SimpleNamespace(kind="image", d_fake=np.array([0.2, 0.9]), nn_dist=np.array([0.1, 0.3]),
                             classes=("a", "b"), tile_class=np.array([1, 0]), tile_sure=np.array([0.8, 0.6]),
                             walk=(0, 1), walk_u8=np.zeros((8, 2, 2, 1)))
    assert readout(images, {"tile": 1}).startswith("tile 2:   D(G(z)) = 0.900   class a (p = 0.60)")
    assert readout(images, {"walk": 2}) == "latent walk from tile 1 to tile 2: image 3 of 8"


# ---------------------------------------------------------------------- dropped files
def test_a_file_that_cannot_be_trained_on_is_one_line_and_a_good_one_none(tmp_path):
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"not an array\nat all")
    message = problem(str(bad), 1000)
    assert message is not None and "broken.npy" in message and "\n" not in message
    assert "does not exist" in problem(str(tmp_path / "missing.csv"), 1000)
    good = tmp_path / "blob.npy"
    np.save(good, np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32))
    assert problem(str(good), 1000) is None
