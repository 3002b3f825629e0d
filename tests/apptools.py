"""Helpers for the window tests: open a window on a preset with a real training process, and wait
for the frames that reflect what a test did. Every wait is on a condition with a timeout."""
from ganviz.app import make_app
from ganviz.app.window import MainWindow
from ganviz.core.config import load_preset
from ganviz.session import Session

FIRST_FRAME_MS = 60_000  # the first frame needs torch imported in a fresh process
STEP_MS = 20_000         # generous: the 2-core test machine is often shared


def open_window(preset_name: str, variants: list[dict] | None = None, **changes) -> MainWindow:
    """A window on the preset (with changes), one run, or one run per variant (a comparison)."""
    make_app()
    preset = load_preset(preset_name)
    cfg = preset.config().replace(**changes)
    session = Session(preset, [cfg.replace(**v) for v in variants or [{}]])
    session.start()
    win = MainWindow(session)
    win.resize(1280, 800)
    win.show()
    return win


def opened(preset_name: str, **kw):
    """Body of a module-scoped fixture: one window on the preset for a test module, closed after."""
    win = open_window(preset_name, **kw)
    yield win
    win.shutdown()
    win.close()


def pic(frame, run: int | None = None):
    """The picture of a run (the first one in the frame by default)."""
    return frame.pictures[run] if run is not None else next(iter(frame.pictures.values()))


def wait_frame(qtbot, win, pred=lambda f: True, timeout=STEP_MS):
    qtbot.waitUntil(lambda: win.session.last is not None and pred(win.session.last), timeout=timeout)
    return win.session.last


def settle(qtbot, win, pred=lambda f: True, timeout=STEP_MS):
    """Right after a command that changes what is drawn: wait for a frame that reflects it."""
    n = win.session.handle.sent
    return wait_frame(qtbot, win, lambda f: f.handled >= n and pred(f), timeout)


def fresh(qtbot, win, **changes):
    """Back to step 0 with the preset's settings (plus changes): a new run in the same trainer."""
    gen = win.session.generation
    if not win.session.reset([win.session.preset.config().replace(**changes)]):
        raise AssertionError("the settings were refused")
    return wait_frame(qtbot, win, lambda f: f.generation != gen and f.step == 0, FIRST_FRAME_MS)
