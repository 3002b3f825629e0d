"""Soak: the window plays each data kind in turn, with overlays toggled, for many frames.

It runs in a child process, so a fatal Qt error fails the test instead of killing pytest.
Fails on a crash, on any error the window reports, and on memory that keeps growing.
`pytest -m soak` runs the short one (15 s); `make soak` the long one (10 minutes).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RSS_GROWTH_MB = 60  # per process, between the end of the second round and the end of the last
# (the first round pays one-time costs: torch's optimiser imports, the digits classifier, ~75 MB)


def soak(seconds: float) -> dict:
    """Child process: rounds of figure1 -> ring8 (arrows, manifold) -> digits, each with lone D and G
    steps, play, a live learning-rate change and overlay toggles; then a JSON line."""
    import psutil
    from PySide6 import QtCore

    from apptools import open_window
    from ganviz.app import make_app

    app = make_app()
    presets = ["figure1", "ring8", "digits"]
    per = max(1.5, seconds / 9)
    rounds = max(3, round(seconds / (per * len(presets))))
    win = open_window(presets[0])
    out = {"problems": [], "rss_mb": [], "frames": 0}
    win.session.problem.connect(lambda kind, msg: out["problems"].append(f"{kind}: {msg.splitlines()[0]}"))
    me = psutil.Process()

    def rss() -> tuple[float, float]:
        alive = win.session.alive()
        worker = psutil.Process(win.session.handle.pid).memory_info().rss if alive else 0
        return me.memory_info().rss / 2**20, worker / 2**20

    plan = [(r, p) for r in range(rounds) for p in presets]

    def next_phase():
        if not plan:
            out["frames"] = win.frames
            app.quit()
            return
        r, name = plan.pop(0)
        if name != win.session.preset.name or r:
            win.choose_preset(name)
        view = win.views["2d"]
        view.a_arrows.setChecked(r % 2 == 0)
        view.a_manifold.setChecked(True)
        QtCore.QTimer.singleShot(300, win.act_step_d.trigger)
        QtCore.QTimer.singleShot(400, win.act_step_g.trigger)
        QtCore.QTimer.singleShot(600, lambda: win.session.set_playing(True))
        # a live change while playing, and a redraw-only toggle
        QtCore.QTimer.singleShot(int(per * 500), lambda: win.controls.set_value("lr_g", 5e-4 if r % 2 else 1e-3))
        QtCore.QTimer.singleShot(int(per * 600), lambda: win.views["1d"].a_hist.toggle())
        if name == presets[-1]:
            QtCore.QTimer.singleShot(int(per * 1000) - 100, lambda: out["rss_mb"].append(rss()))
        QtCore.QTimer.singleShot(int(per * 1000), next_phase)

    QtCore.QTimer.singleShot(3000, next_phase)  # the trainer's first frame
    app.exec()
    win.close()
    print(json.dumps(out), flush=True)
    return out


def run_child(seconds: float) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, __file__, str(seconds)], capture_output=True, text=True, env=env,
                          timeout=seconds * 3 + 120, cwd=ROOT)
    assert done.returncode == 0, f"soak child died ({done.returncode}): {done.stderr[-3000:]}"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["problems"] == []
    assert out["frames"] > seconds  # it kept drawing (the frame rate is the bench's to measure, not a test's)
    first, last = out["rss_mb"][1], out["rss_mb"][-1]
    assert last[0] - first[0] < RSS_GROWTH_MB, out["rss_mb"]
    assert last[1] - first[1] < RSS_GROWTH_MB, out["rss_mb"]
    return out


@pytest.mark.slow
@pytest.mark.soak
def test_soak_short_across_the_three_kinds():
    run_child(15)


@pytest.mark.soak_long
def test_soak_long():
    run_child(600)


if __name__ == "__main__":
    soak(float(sys.argv[1]))
