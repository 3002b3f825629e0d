"""The desktop window (Qt lives here and only here). Entry point: run(); new_window() makes a window with
its lecture tools."""
from __future__ import annotations

import os
import signal
import sys
import time

NO_DISPLAY = ("ganviz: no display found; use 'ganviz train ...' for headless runs "
              "or 'xvfb-run make run'")


def has_display() -> bool:
    """False on a Linux machine without X11/Wayland, unless Qt was told a platform (e.g. offscreen)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(preset, cfgs: list, run_for: float | None = None, screenshot: str | None = None,
        fullscreen: bool = False, walk: int | None = None, names: list[str] | None = None) -> int:
    """Open the window on `preset` with the runs' settings `cfgs` (one: a single run; several: a
    comparison); return the exit status.

    With run_for: play for that many seconds, save `screenshot`, print one JSON line, exit.
    """
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    from . import qtprobe
    probe = qtprobe.start()  # runs while we import the session (and Qt with the window, later)
    from ..session import Session
    problem = qtprobe.problem(probe)
    if problem:  # before the trainer: Qt would abort this process and leave the trainer's semaphores behind
        print(problem, file=sys.stderr)
        return 2
    session = Session(preset, cfgs, names=names)
    # The training process first: its interpreter imports torch and builds the models while we build widgets.
    session.start()
    try:
        return _run_window(session, t0, run_for, screenshot, fullscreen, walk)
    finally:
        session.stop()  # a no-op when the window already stopped it


def _quiet_qt(mode, context, message) -> None:
    # The offscreen platform warns once per window that it cannot resize to size hints: noise.
    if "propagateSizeHints" not in message:
        sys.stderr.write(f"qt: {message}\n")


def make_app():
    from PySide6 import QtCore, QtGui, QtWidgets

    from . import theme
    app = QtWidgets.QApplication.instance()
    if app is None:
        QtCore.qInstallMessageHandler(_quiet_qt)
        app = QtWidgets.QApplication([sys.argv[0]])
        app.setApplicationName("ganviz")
        app.setStyle("Fusion")
        font = app.font()
        font.setPointSize(theme.FONT_PT)
        app.setFont(font)
        pal = app.style().standardPalette()  # light, whatever the desktop's dark mode says
        app.setPalette(pal)
        app.setWindowIcon(QtGui.QIcon())
    theme.setup()
    return app


def free_screen_area(app):
    """The primary screen's area free of task bars. Qt's offscreen platform (scripted pictures, tests)
    has no real screen, only an 800 x 800 stand-in unless a configfile names one: there, a 1920 x 1080
    screen, the size the README's pictures claim."""
    from PySide6 import QtCore
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if app.platformName() == "offscreen" and "configfile" not in platform:
        return QtCore.QRect(0, 0, 1920, 1080)
    return app.primaryScreen().availableGeometry()


def new_window(session, t0: float | None = None):
    """The main window on a session, with the lecture tools installed on its surface (app/tools/)."""
    from .tools import install
    from .window import MainWindow
    win = MainWindow(session, t0=t0)
    install(win.surface)
    return win


def _run_window(session, t0, run_for, screenshot, fullscreen, walk=None) -> int:
    from PySide6 import QtCore

    app = make_app()
    win = new_window(session, t0=t0)
    scripted = None
    small = win.fit_to_screen(free_screen_area(app))
    if run_for is not None:
        from .scripted import ScriptedRun
        scripted = ScriptedRun(win, run_for, screenshot, walk)
    if fullscreen:
        win.showFullScreen()
    elif small and scripted is None:
        win.showMaximized()
    else:
        win.show()
    # Ctrl+C in the terminal closes the window cleanly (Qt's loop would otherwise swallow it).
    signal.signal(signal.SIGINT, lambda *_: win.close())
    tick = QtCore.QTimer(interval=250)
    tick.timeout.connect(lambda: None)  # let Python run its signal handlers
    tick.start()
    rc = app.exec()
    tick.stop()
    win.shutdown()
    if scripted is not None:
        return scripted.rc
    return rc
