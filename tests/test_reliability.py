"""What a lecture relies on: a failed save never costs the previous one, a resumed run is the same
run (images and batch norm included), the window's training process computes exactly what
`ganviz train` computes (same seed, same numbers), and a killed window takes its trainer with it.
"""
import os
import queue
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ganviz.core import checkpoint
from ganviz.core.config import Config
from ganviz.core.errors import GanvizError
from ganviz.core.population import Population
from ganviz.core.snapshot import SnapshotMaker
from ganviz.process import protocol as p
from ganviz.process.handle import WorkerHandle

SMALL = dict(data="ring8", g_hidden=32, d_hidden=32, batch_size=64, n_data=2000, eval_every=20, log_every=5)
DIGITS_BN = dict(data="digits", model="dcgan", z_dim=8, g_hidden=8, d_hidden=8, batch_size=16, d_batchnorm=True,
                 dropout=0.2, eval_every=10_000, log_every=2)


def state_of(pop: Population) -> list[torch.Tensor]:
    """Weights and buffers (batch norm's running statistics too) of G and D."""
    return [v.detach().clone() for t in pop.trainers for m in (t.G, t.D) for v in m.state_dict().values()]


def same(a, b) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.fixture
def one_thread():
    """Compare runs at the thread count `ganviz train` and the window's worker use (1)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---------------------------------------------------------------------------- atomic saving
def test_session_save_failing_midway_keeps_the_previous_session(tmp_path, monkeypatch):
    t = Population(Config(**SMALL))
    t.run(5)
    path = tmp_path / "trainer.safetensors"
    checkpoint.save(path, t)
    previous = path.read_bytes()
    t.run(5)

    def disk_full_halfway(tensors, filename, metadata=None):
        Path(filename).write_bytes(previous[: len(previous) // 2])  # half a file on disk, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint, "save_file", disk_full_halfway)
    with pytest.raises(GanvizError, match="No space left"):
        checkpoint.save(path, t)
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ["trainer.safetensors"]  # the half-written temp file is gone
    assert checkpoint.load_population(path).step_count == 5


def test_process_killed_while_saving_leaves_the_previous_session_loadable(tmp_path):
    """SIGKILL in the middle of writing: no cleanup runs, and the old session still loads."""
    t = Population(Config(**SMALL))
    t.run(5)
    path = tmp_path / "trainer.safetensors"
    checkpoint.save(path, t)
    previous = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from ganviz.core import checkpoint
        def killed_halfway(tensors, filename, metadata=None):
            Path(filename).write_bytes(b"half a session")
            os.kill(os.getpid(), signal.SIGKILL)
        checkpoint.save_file = killed_halfway
        pop = checkpoint.load_population({str(path)!r})
        pop.run(3)
        checkpoint.save({str(path)!r}, pop)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    assert path.read_bytes() == previous
    assert checkpoint.load_population(path).step_count == 5


# ---------------------------------------------------------------------------- exact resume
def test_resume_is_exact_for_an_image_gan_with_batch_norm_and_dropout(tmp_path, one_thread):
    straight = Population(Config(**DIGITS_BN))
    straight.run(8)
    expected_state, expected_log, expected_samples = state_of(straight), straight.logs[0], straight.sample(0, 64)

    half = Population(Config(**DIGITS_BN))
    half.run(4)
    checkpoint.save(tmp_path / "s.safetensors", half)
    resumed = checkpoint.load_population(tmp_path / "s.safetensors")
    resumed.run(4)
    assert same(state_of(resumed), expected_state)
    assert resumed.logs[0] == expected_log
    assert np.array_equal(resumed.sample(0, 64), expected_samples)


# ---------------------------------------------------------------------------- GUI == CLI
def _frame_at(handle: WorkerHandle, step: int, timeout: float = 120.0) -> tuple[p.Frame, list]:
    """Frames until one shows `step`; returns it and every metrics row of run 0 the worker sent."""
    rows, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = handle.out_q.get(timeout=1.0)
        except queue.Empty:
            continue
        assert not isinstance(msg, p.Error), msg
        if not isinstance(msg, p.Frame):
            continue
        rows += msg.rows.get(0, [])
        if msg.step == step:
            return msg, rows
        handle.send(p.FrameDone())  # drawn: the worker may send the next one
    raise AssertionError(f"no frame of step {step} within {timeout:.0f} s")


def test_worker_process_trains_bit_for_bit_like_the_headless_trainer(one_thread):
    cfg = Config(**SMALL)
    n = 30
    handle = WorkerHandle([cfg.to_dict()])
    try:
        for _ in range(n):
            handle.send(p.Step())
        handle.send(p.FrameDone())
        frame, rows = _frame_at(handle, n)
    finally:
        handle.stop(10)
    headless = Population(cfg)
    headless.run(n)
    expected = SnapshotMaker(headless).make()[0]
    picture = frame.pictures[0]
    assert np.array_equal(picture.fake, expected.fake)      # G on the fixed noise
    assert np.array_equal(picture.d_grid, expected.d_grid)  # D on the heatmap grid
    assert frame.stats[0] == headless.runs[0].stats()
    assert rows == list(headless.logs[0])


def _ended(proc, within_s: float) -> bool:
    """The process has exited: gone, or a zombie (it has exited; this machine's init reaps
    orphans late, and psutil counts an unreaped zombie as alive)."""
    import time

    import psutil
    deadline = time.time() + within_s
    while time.time() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_a_killed_window_takes_its_trainer_with_it(tmp_path):
    """SIGKILL of the window's process (no chance to send quit): its training process must not
    go on playing for ever, holding a core; it notices within a second and exits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    gui = subprocess.Popen([sys.executable, "-m", "ganviz", "gui", "--preset", "ring8", "--steps", "100000000",
                            "--run-for", "120"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    trainer = None
    try:
        parent = psutil.Process(gui.pid)
        deadline = time.time() + 90
        while time.time() < deadline and trainer is None:
            for child in parent.children(recursive=True):
                cmd = " ".join(child.cmdline())
                if "spawn_main" in cmd and "resource_tracker" not in cmd and child.cpu_times().user > 1.0:
                    trainer = child  # started: a second of CPU (importing torch takes about that)
            time.sleep(0.2)
        assert trainer is not None, "the window's training process did not start"
        time.sleep(2.0)  # now it is playing
        os.kill(gui.pid, signal.SIGKILL)
        gui.wait(10)
        assert _ended(trainer, within_s=5.0), "the training process outlived its window by 5 s"
    finally:
        if gui.poll() is None:
            gui.kill()
        if trainer is not None and trainer.is_running():
            trainer.kill()  # a failure here must not leave a process training on the CI machine
