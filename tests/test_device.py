"""The `device` setting on a machine without a GPU (every test here runs on the CPU):

- device=cpu and device=auto train the same bits as the default, and nothing changes in how a run trains;
- device=cuda or mps without one: one line and exit status 2 from the command line, an input error (a
  message box) in the window; no traceback;
- what names the device: the summary of `ganviz train`, a session's runs, `ganviz bench`, the status bar;
- `auto` resolves to CUDA (or MPS) when torch says there is one (resolution only: no tensor is made);
- the step asks the device for one number per update only (the divergence check), counted here on the CPU.
"""
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from ganviz import cli
from ganviz.core import checkpoint, device as devices
from ganviz.core.config import Config
from ganviz.core.errors import ConfigError
from ganviz.core.population import Population
from ganviz.core.vary import check_shared

HAS_GPU = devices.cuda_available() or devices.mps_available()
cpu_only = pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU: auto resolves to it")
VERSION = ".".join(torch.__version__.split("+")[0].split(".")[:2])

# a mix that takes every per-run path of the step: k_d differing (runs sit steps out), losses differing,
# a gradient penalty and R1 on some runs only, instance noise, lr_decay, averaging, label smoothing
MIX = [dict(data="ring8", steps=40, log_every=10, eval_every=20, g_hidden=32, d_hidden=32, batch_size=64,
            instance_noise=0.5, noise_anneal=30, lr_decay=0.5, seed=seed, loss=loss, k_d=k_d, r1=r1, ema=ema,
            label_smoothing=smoothing)
       for seed, loss, k_d, r1, ema, smoothing in ((0, "wgan-gp", 2, 0.0, 0.0, 0.0), (1, "ns", 1, 1.0, 0.99, 0.1),
                                                   (2, "hinge", 3, 0.0, 0.0, 0.0))]


def fingerprint(pop: Population) -> str:
    """A hash of every tensor of the population's state and of its logs."""
    h = hashlib.sha256()

    def walk(obj):
        if isinstance(obj, torch.Tensor):
            h.update(obj.contiguous().numpy().tobytes())
        elif isinstance(obj, dict):
            for k in sorted(obj):
                if k != "config":
                    walk(obj[k])
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)
        else:
            h.update(repr(obj).encode())
    walk(pop.state_dict())
    return h.hexdigest()


def trained(cfgs: list[dict], **changes) -> Population:
    pop = Population([Config(**c, **changes) for c in cfgs])
    pop.run(pop.cfg.steps)
    return pop


# ---------------------------------------------------------------------------------------------- resolving
def test_cpu_resolves_to_the_cpu():
    assert devices.resolve_device("cpu") == torch.device("cpu")


@cpu_only
def test_auto_on_a_machine_without_a_gpu_is_the_cpu():
    assert devices.resolve_device("auto") == torch.device("cpu")


def test_auto_resolves_to_cuda_when_torch_finds_one_then_mps_then_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert devices.resolve_device("auto") == torch.device("cuda")
    assert devices.resolve_device("cuda") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert devices.resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert devices.resolve_device("auto") == torch.device("cpu")


@cpu_only
@pytest.mark.parametrize("name, gpu", [("cuda", "CUDA GPU"), ("mps", "Apple GPU")])
def test_a_missing_gpu_is_one_line_that_says_what_to_use(name, gpu):
    with pytest.raises(ConfigError) as err:
        devices.resolve_device(name)
    msg = str(err.value)
    assert msg.startswith(f"device={name} was asked for but this machine has no {gpu} (torch {VERSION} ")
    assert msg.endswith("; use device=cpu or auto") and "\n" not in msg
    if name == "cuda" and torch.version.cuda is None:
        assert f"(torch {VERSION} built for CPU)" in msg


def test_a_population_shares_one_device_and_cannot_change_it_while_training():
    with pytest.raises(ConfigError, match="device must be the same for every run"):
        check_shared([Config(device="cpu"), Config(device="auto", seed=1)])
    pop = Population(Config(data="ring8", device="cpu", g_hidden=8, d_hidden=8))
    assert pop.device == torch.device("cpu") and pop.trainers[0].device == torch.device("cpu")
    with pytest.raises(ConfigError, match="device cannot change while training"):
        pop.set(device="auto")
    with pytest.raises(ConfigError, match="device must be one of auto, cpu, cuda, mps; got 'gpu'"):
        Config(device="gpu").replace()


# ---------------------------------------------------------------------------------------------- the same bits
def test_device_cpu_trains_the_same_bits_as_the_default():
    default, cpu = trained(MIX), trained(MIX, device="cpu")
    assert fingerprint(cpu) == fingerprint(default)
    assert [list(log) for log in cpu.logs] == [list(log) for log in default.logs]


@cpu_only
def test_device_auto_on_a_machine_without_a_gpu_trains_the_same_bits_as_cpu():
    assert fingerprint(trained(MIX, device="auto")) == fingerprint(trained(MIX, device="cpu"))


def test_images_and_their_pictures_are_the_same_on_cpu_and_by_default():
    from ganviz.core.snapshot import SnapshotMaker
    cfg = dict(data="digits", model="dcgan", g_hidden=8, d_hidden=8, z_dim=8, batch_size=16, steps=3,
               eval_every=1000, conditional=True)
    a, b = trained([cfg]), trained([cfg], device="cpu")
    assert fingerprint(a) == fingerprint(b)
    pa, pb = SnapshotMaker(a).make()[0], SnapshotMaker(b).make()[0]
    assert np.array_equal(pa.fake_u8, pb.fake_u8) and np.array_equal(pa.d_fake, pb.d_fake)
    assert np.array_equal(a.sample(0, 50), b.sample(0, 50))


# ---------------------------------------------------------------------------------------------- host syncs
def test_a_step_asks_the_device_for_one_number_per_update(monkeypatch):
    """Between two logged steps, the only tensor read on the host is the divergence check's bool (one per
    update of D or of G): every flag the step needs comes from the runs' settings, kept on the host."""
    pop = Population([Config(**{**c, "log_every": 1000, "eval_every": 1000}) for c in MIX])
    pop.step()  # the first step made what is kept (masks, columns)
    reads = {"bool": 0, "other": 0}
    real_bool = torch.Tensor.__bool__

    def counted_bool(self):
        reads["bool"] += 1
        return real_bool(self)

    def other(name):
        real = getattr(torch.Tensor, name)

        def read(self, *a, **kw):
            reads["other"] += 1
            return real(self, *a, **kw)
        return read
    monkeypatch.setattr(torch.Tensor, "__bool__", counted_bool)
    for name in ("item", "tolist", "numpy", "__float__", "__int__"):
        monkeypatch.setattr(torch.Tensor, name, other(name))
    updates = 0
    for _ in range(5):
        t = pop.trainers[0]
        updates += max(t.k_d) + max(t.k_g)
        pop.step()
    monkeypatch.undo()
    assert reads == {"bool": updates, "other": 0}


# ---------------------------------------------------------------------------------------------- what names it
def test_the_summary_of_ganviz_train_names_the_device(capsys, tmp_path):
    rc = cli.main(["train", "--quiet", "--out", str(tmp_path / "run"), "--preset", "ring8", "--steps", "20",
                   "--device", "cpu", "--set", "g_hidden=16", "--set", "d_hidden=16", "--set", "eval_every=10"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and summary["device"] == "cpu" and summary["steps"] == 20


def test_a_session_saved_and_resumed_keeps_its_bits_and_names_its_device(tmp_path):
    cfgs = [Config(**{**c, "steps": 20}) for c in MIX]
    whole = Population(cfgs)
    whole.run(20)
    half = Population(cfgs)
    half.run(10)
    checkpoint.save(tmp_path / "s.safetensors", half)
    state = checkpoint.read(tmp_path / "s.safetensors")
    assert [r["device"] for r in state["runs"]] == ["cpu"] * 3
    assert all(t.device.type == "cpu" for r in state["runs"] for t in (r["G"], r["D"], r["opt_d"]["m"]))
    again = checkpoint.load_population(tmp_path / "s.safetensors")
    assert again.device == torch.device("cpu")
    again.run(10)
    assert fingerprint(again) == fingerprint(whole)


def test_a_session_of_another_device_goes_on_here_from_a_generator_seeded_afresh(tmp_path):
    """A session saved on a GPU (simulated: its runs say cuda, and their config asks for it) loads onto the CPU
    with device=cpu: the weights and moments are the saved ones, the generator starts from the seed and step
    (a CUDA generator's state means nothing to a CPU one), and it goes on the same way every time."""
    pop = Population([Config(**c) for c in MIX])
    pop.run(10)
    state = pop.state_dict()
    for r in state["runs"]:
        r["device"] = "cuda"
        r["config"]["device"] = "cuda"
    if not devices.cuda_available():
        with pytest.raises(ConfigError, match="device=cuda was asked for"):
            Population.from_state(state)
    runs = []
    for _ in range(2):
        moved = Population.from_state(state, device="cpu")
        assert moved.device == torch.device("cpu") and moved.cfg.device == "cpu"
        assert torch.equal(moved.trainers[0].flat_g.data, pop.trainers[0].flat_g.data)
        moved.run(5)
        runs.append(fingerprint(moved))
    assert runs[0] == runs[1]


def test_bench_names_the_device():
    from ganviz.cli.bench import machine
    assert machine("cpu")["device"] == "cpu"


# ---------------------------------------------------------------------------------------------- refusals
@cpu_only
@pytest.mark.parametrize("args", [["--device", "cuda"], ["--set", "device=mps"]])
def test_train_on_a_missing_gpu_is_one_line_and_status_2(tmp_path, args):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "ganviz", "train", "--preset", "ring8", "--steps", "5",
                           "--out", str(out), "--quiet", *args], capture_output=True, text=True, timeout=300)
    name = "cuda" if "cuda" in args else "mps"
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"ganviz: device={name} was asked for but ")
    assert proc.stderr.rstrip().endswith("use device=cpu or auto")
    assert not out.exists()


@cpu_only
@pytest.mark.parametrize("command", [["bench", "--quick", "--device", "cuda"],
                                     ["presets", "--check", "ring8", "--device", "cuda"],
                                     ["sweep", "--preset", "ring8", "--seeds", "0:2", "--device", "cuda", "--out"]])
def test_the_other_commands_refuse_a_missing_gpu_before_they_start(capsys, tmp_path, command):
    if command[-1] == "--out":
        command = [*command, str(tmp_path / "sweep")]
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ganviz: device=cuda was asked for but ")


def test_a_device_that_is_not_one_is_told_in_one_line(capsys, tmp_path):
    assert cli.main(["train", "--quiet", "--out", str(tmp_path / "r"), "--device", "gpu"]) == 2
    err = capsys.readouterr().err
    assert err == "ganviz: device must be one of auto, cpu, cuda, mps; got 'gpu' (did you mean 'cpu'?)\n"


# ---------------------------------------------------------------------------------------------- the window
@cpu_only
def test_the_window_names_the_device_and_refuses_a_missing_gpu_in_a_message_box(qtbot):
    pytest.importorskip("pytestqt")
    from PySide6 import QtWidgets

    from apptools import FIRST_FRAME_MS, STEP_MS, open_window, wait_frame
    win = open_window("ring8", g_hidden=32, d_hidden=32)
    qtbot.addWidget(win)
    try:
        frame = wait_frame(qtbot, win, timeout=FIRST_FRAME_MS)
        assert frame.device == "cpu"
        qtbot.waitUntil(lambda: win.lbl_device.text() == "on cpu", timeout=STEP_MS)
        with qtbot.waitSignal(win.session.problem, timeout=STEP_MS) as got:
            win.controls.set_value("device", "cuda")
            win.reset()
        assert got.args[0] == "input" and got.args[1].startswith("device=cuda was asked for but ")
        box = next(w for w in win.findChildren(QtWidgets.QMessageBox) if w.isVisible())
        assert "use device=cpu or auto" in box.text()
        box.close()
        assert win.session.alive()
    finally:
        win.shutdown()


def test_a_sweep_goes_on_on_another_device():
    """The device is where a sweep trains, as the machine is: the same sweep resumes on another, and a sweep saved
    before the setting existed is the same sweep."""
    from ganviz.sweep import spec as specs
    here = specs.build(Config(device="cpu"), "ring8", "2d", True, seeds="0:2")
    there = specs.build(Config(device="cuda"), "ring8", "2d", True, seeds="0:2")
    assert here.differs_from(there) is None
    before = specs.Spec.from_json({**there.to_json(), "base": {k: v for k, v in there.base.items() if k != "device"}})
    assert here.differs_from(before) is None
    other = specs.build(Config(device="cpu", lr_d=1e-4), "ring8", "2d", True, seeds="0:2")
    assert other.differs_from(there) == "lr_d is 0.001 there, 0.0001 here"
