"""Helpers for the window tests: open a window on a preset with a real trainer process, and wait
for the snapshots that reflect what a test did. Every wait is on a condition with a timeout."""
from ganviz.app import make_app
from ganviz.app.bridge import WorkerHandle
from ganviz.app.window import MainWindow
from ganviz.core.config import load_preset

FIRST_FRAME_MS = 60_000  # the first frame needs torch imported in a fresh process
STEP_MS = 20_000         # generous: the 2-core test machine is often shared


def open_window(preset_name: str, **changes) -> MainWindow:
    make_app()
    preset = load_preset(preset_name)
    cfg = preset.config().replace(**changes)
    win = MainWindow(preset, cfg, WorkerHandle(cfg.to_dict()))
    win.resize(1280, 800)
    win.show()
    return win


def opened(preset_name: str):
    """Body of a module-scoped fixture: one window on the preset for a test module, closed after."""
    win = open_window(preset_name)
    yield win
    win.shutdown()
    win.close()


def wait_frame(qtbot, win, pred=lambda s: True, timeout=STEP_MS) -> dict:
    qtbot.waitUntil(lambda: win.last_snap is not None and pred(win.last_snap), timeout=timeout)
    return win.last_snap


def settle(qtbot, win, pred=lambda s: True, timeout=STEP_MS) -> dict:
    """Right after a command that changes what is drawn: wait for a snapshot that reflects it."""
    n = win.handle.sent
    return wait_frame(qtbot, win, lambda s: s.get("handled", 0) >= n and pred(s), timeout)


def fresh(qtbot, win, **changes) -> dict:
    """Back to step 0 with the preset's settings (plus changes): a new run in the same trainer."""
    run = win.run_id
    win.controls.set_config(win.preset.config().replace(**changes), applied=False)
    win.reset()
    return wait_frame(qtbot, win, lambda s: s["run"] != run and s["step"] == 0, FIRST_FRAME_MS)
