"""Helpers for the window tests: open a window on a preset with a real training process, and wait
for the frames that reflect what a test did. Every wait is on a condition with a timeout."""
from ganviz.app import make_app, new_window
from ganviz.app.tools import installed
from ganviz.app.window import MainWindow
from ganviz.core.presets import load_preset
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
    win = new_window(session)
    win.resize(1280, 800)
    win.show()
    return win


def opened(preset_name: str, **kw):
    """Body of a module-scoped fixture: one window on the preset for a test module, closed after."""
    win = open_window(preset_name, **kw)
    yield win
    win.shutdown()
    win.close()


def tools(win: MainWindow):
    """The lecture tools installed on the window (app/tools/): tools(win).slow_motion.caption, ..."""
    return installed(win)


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


# ------------------------------------------------------------------ reading what the window shows
def curve_values(curves, key: str):
    """The values a curve of the CurvesView holds now."""
    return curves.series[key].view()[1].copy() if key in curves.series else []


def run_curve_values(compare_curves, run: int, key: str):
    """The values of one run's curve in compare mode."""
    return compare_curves.series[(run, key)].view()[1].copy()


def marker_texts(curves) -> list[str]:
    """The labels of the change markers on the curves, oldest first."""
    return [lines[0].label.full_text for lines in curves.markers]


def ghost_data(curves, key: str):
    """The newest faint curve of `key` (empty if none): what the abandoned branch showed."""
    import numpy as np
    for layer in reversed(curves.ghosts):
        if key in layer:
            x, y = layer[key].getData()
            return np.asarray(x), np.asarray(y)
    return np.empty(0), np.empty(0)


def smallest_pen(win) -> int:
    """The thinnest visible curve or line pen in the window's views and curves (px)."""
    import pyqtgraph as pg
    from PySide6 import QtCore
    widths = []
    for glw in [v.glw for v in win.views.values()] + [win.curves.glw]:
        for item in glw.scene().items():
            if isinstance(item, pg.PlotDataItem) and item.isVisible():
                pen = pg.mkPen(item.opts["pen"])
                if pen.style() != QtCore.Qt.PenStyle.NoPen:
                    widths.append(pen.width())
    return min(widths) if widths else 0


def drop_events(path: str):
    """(drag-enter, drop, mime) events carrying `path`, as a file manager's drag sends them."""
    from PySide6 import QtCore, QtGui
    pos = QtCore.QPointF(50, 50)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    args = (QtCore.Qt.DropAction.CopyAction, mime, QtCore.Qt.MouseButton.NoButton,
            QtCore.Qt.KeyboardModifier.NoModifier)
    return QtGui.QDragEnterEvent(pos.toPoint(), *args), QtGui.QDropEvent(pos, *args), mime
