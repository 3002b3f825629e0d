"""The lecture tools, fitted to the main window: slow motion, tours, presentation mode, export, data
drop, hover readouts; install() is the one place that adds them. (Drawing data, draw_data.py, is a
dialog the window opens from its File menu.)

Each tool lives in its own module and uses no private names, but the tools are not yet apart: they
reach into the window's widgets (the views' plot items: slow motion, presentation, hover, export;
the narration panel's tour button: the walkthrough) and into one another (the walkthrough turns slow
motion off; drawn data is opened through the data drop; export records slow motion's phases, wired
below). A boundary for them is a later step.
"""
from __future__ import annotations

from PySide6 import QtWidgets

from .data_drop import DataDrop
from .export import Exporter
from .hover import HoverReadout
from .presentation import Presenter
from .slow_motion import SlowMotion
from .walkthrough import Tour


def install(win) -> None:
    win.slowmo = SlowMotion(win)
    win.presenter = Presenter(win)
    win.exporter = Exporter(win)
    win.dropper = DataDrop(win)
    win.hover = HoverReadout(win)
    win.tour = Tour(win)
    win.slowmo.install_ui(win.menu("Run"), win.findChild(QtWidgets.QToolBar, "run"))
    win.tour.install_ui(win.menu("Run"))
    win.presenter.install_ui(win.menu("View"))
    win.exporter.install_ui(win.menu("File"))
    win.slowmo.shown.connect(win.exporter.on_phase)
