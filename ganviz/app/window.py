"""The main window: the view of the data kind, curves under it, the story on the left,
settings on the right, transport on top, and the step counter, rates and device in the status bar.

The window shows a Session (session.py) and acts through it; it never waits for the training
process. The lecture tools' state (lecture/) lives beside the session: the window makes it and asks it
what Step means (slow motion turns Step into the next phase). The tools themselves are installed onto
the window's surface (surface.py: what they may use of the window) by app/tools/; the window knows none.
"""
from __future__ import annotations

import collections
import time
import traceback
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ..core import presets
from ..core.errors import GanvizError
from ..core.fileio import write_with
from ..lecture import Lecture
from ..process import protocol as p
from ..session import Session
from .bridge import Bridge
from .chrome import WindowChrome
from .panels.controls import ControlsPanel
from .panels.narration import Banner, NarrationPanel, SpeedControl
from .panels.timeline_bar import TimelineBar
from .surface import WindowSurface
from .views.compare import CompareCurves, CompareDialog, CompareGrid
from .views.curves import REFRESH_S, CurvesView, metric_kind
from .views.density1d import Density1DView
from .views.image_grid import ImageGridView
from .views.scatter2d import Scatter2DView

DIED = "The trainer stopped unexpectedly. Reset starts a fresh one (your settings are kept)."


class MainWindow(WindowChrome, QtWidgets.QMainWindow):
    frame_drawn = QtCore.Signal(object)        # a protocol.Frame, after it has been drawn (tools, tests)
    comparing_changed = QtCore.Signal(bool)    # compare mode went on or off

    def __init__(self, session: Session, t0: float | None = None):
        super().__init__()
        self.session = session
        self.lecture = Lecture(session, restart=self.restart)  # the lecture tools' state (lecture/)
        self.t0 = time.perf_counter() if t0 is None else t0
        self.bridge: Bridge | None = None
        self.frames = 0
        self.frame_ms: collections.deque = collections.deque(maxlen=10_000)  # ms to draw a frame
        self.first_frame_s: float | None = None
        self._frame_clock: collections.deque = collections.deque(maxlen=120)
        self._closing = False
        self._draw_failed = False
        self._curves_drawn = 0.0
        self._box: QtWidgets.QMessageBox | None = None

        self.views = {v.kind: v for v in (Density1DView(), Scatter2DView(), ImageGridView())}
        self.compare = CompareGrid()            # the runs side by side (compare mode)
        self.curves = CurvesView()
        self.compare_curves = CompareCurves()
        self.controls = ControlsPanel(session)
        self.narration = NarrationPanel()
        self.banner = Banner()
        self.speed = SpeedControl()
        self._build_layout()
        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self._build_status()
        for view in (*self.views.values(), self.compare):
            view.request.connect(self._view_request)
        self.compare.run_clicked.connect(self.open_run)
        self.narration.compare_button.clicked.connect(lambda: self.session.choose_preset(
            self.session.preset.name, compare=True))
        self.banner.reset_clicked.connect(self.reset)
        self.speed.speed_changed.connect(session.speed)
        self._fps_timer = QtCore.QTimer(self, interval=500, timeout=self._update_rates)
        self._fps_timer.start()
        s = session
        s.frame.connect(self._draw)  # first: the tools that listen to frames find them drawn
        s.preset_changed.connect(self._show_preset)
        s.playing_changed.connect(self._show_play_state)
        s.pending_changed.connect(self._pending_changed)
        s.process_started.connect(self._attach)
        s.new_generation.connect(self._new_generation)
        s.history_changed.connect(self._history_changed)
        s.branched.connect(self.curves.branch)
        s.changed.connect(self._on_changed)
        s.problem.connect(self._on_problem)
        s.saved.connect(lambda path: self.statusBar().showMessage(f"session saved to {path}", 6000))
        s.loaded.connect(self._on_loaded)
        s.selected_changed.connect(lambda _: self._redraw_selected())
        s.runs_changed.connect(self._runs_changed)
        self._show_preset(session.preset)
        self.show_view(guess_kind(session.values["data"]))
        self.surface = WindowSurface(self)  # what the lecture tools may use (app/tools/ installs them on it)
        self.timeline_bar = TimelineBar(self)  # kept states: scrub back, branch from there
        self._runs_changed()
        if session.handle is not None:
            self._attach(session.handle)

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        self.stack = QtWidgets.QStackedWidget()
        for view in (*self.views.values(), self.compare):
            self.stack.addWidget(view)
        self.curves_stack = QtWidgets.QStackedWidget()  # one run's curves, or every run's overlaid
        self.curves_stack.addWidget(self.curves)
        self.curves_stack.addWidget(self.compare_curves)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.stack)
        split.addWidget(self.curves_stack)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([750, 250])  # proportions: the view gets three quarters at any window height
        split.setChildrenCollapsible(False)
        central = QtWidgets.QWidget()
        self._column = col = QtWidgets.QVBoxLayout(central)
        col.setContentsMargins(4, 4, 4, 0)
        col.setSpacing(4)
        col.addWidget(self.banner)
        col.addWidget(split, 1)
        self.setCentralWidget(central)
        self.story_dock = self._dock("About this preset", self.narration, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.story_dock.setMinimumWidth(250)
        self.controls_dock = self._dock("Settings", self.controls, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.controls_dock.setMinimumWidth(320)
        self.resizeDocks([self.story_dock, self.controls_dock], [270, 330], QtCore.Qt.Orientation.Horizontal)

    def add_strip(self, widget: QtWidgets.QWidget) -> None:
        """A strip right above the view, under the alert banner (tour and slow-motion captions)."""
        self._column.insertWidget(1, widget)

    def add_below(self, widget: QtWidgets.QWidget) -> None:
        """A strip under the view and its curves (the timeline bar)."""
        self._column.addWidget(widget)

    # ------------------------------------------------------------------ the training process
    def _attach(self, handle) -> None:
        """Listen to a (new) training process; it starts with the views' overlays and the speed set."""
        self._detach_bridge()
        self.bridge = Bridge(handle)
        self.bridge.frame_ready.connect(self._on_frame)
        self.bridge.message.connect(self.session.receive)
        self.bridge.died.connect(self._on_died)
        self.bridge.start()
        self._send_view()
        if self.speed.value():
            self.session.speed(self.speed.value())

    def _detach_bridge(self) -> None:
        if self.bridge is not None:
            for sig in (self.bridge.frame_ready, self.bridge.message, self.bridge.died):
                sig.disconnect()
            self.bridge.stop()
            self.bridge = None

    def _send_view(self) -> None:
        want = self.current_view().wanted()
        runs = None if self.comparing else (self.session.selected,)
        self.session.view(p.View(runs=runs, compact=self.comparing, **want))

    # ------------------------------------------------------------------ commands
    def toggle_play(self) -> None:
        self.session.toggle_play()

    def step(self, which: str) -> None:
        self.lecture.step(which)  # with slow motion on, Step shows the next phase instead

    def reset(self) -> None:
        """Start again from step 0 with the edited settings; restarts the trainer if it died."""
        self.restart()

    def restart(self, cfgs: list | None = None) -> bool:
        """Reset, with these runs' settings instead of the edited ones when given (a walk-through's)."""
        self.controls.flush()
        if not self.session.reset(cfgs):
            return False
        self.banner.clear()
        return True

    def choose_preset(self, name: str) -> None:
        self.session.choose_preset(name)

    def _show_preset(self, preset: presets.Preset) -> None:
        self.banner.clear()  # another preset's runs: the last ones' divergence is no longer news
        self.preset_box.setCurrentText(preset.name)
        self.setWindowTitle(f"ganviz \u2014 {preset.title}")
        self.narration.set_preset(preset.title, preset.description, preset.narration,
                                  preset.compare.title if preset.compare else None)

    def _show_play_state(self, playing: bool | None = None) -> None:
        playing = self.session.playing if playing is None else playing
        self.act_play.setText("\u275a\u275a Pause" if playing else "\u25b6 Play")
        self.lbl_state.setText("playing" if playing else "paused")

    def _pending_changed(self, n: int) -> None:
        self.act_reset.setText(f"\u21bb Reset ({n} to apply)" if n else "\u21bb Reset")

    def _view_request(self, _wanted: dict) -> None:
        if self.sender() is self.current_view():
            self._send_view()

    # ------------------------------------------------------------------ files
    def save_session(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save session", "session.safetensors",
                                                        "ganviz session (*.safetensors)")
        if path:
            if not path.endswith(".safetensors"):
                path += ".safetensors"
            self.session.save(path)

    def open_session(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open session", "", "ganviz session (*.safetensors)")
        if path:
            self.session.load(path)

    def open_sweep(self) -> None:
        from .panels.sweep_browser import open_dialog  # a sweep's runs in a table (app/panels/sweep_browser.py)
        open_dialog(self)

    def open_data(self) -> None:
        path = self.controls.ask_data_path()
        if path and self.session.edit("data", path):
            self.reset()

    def train_on(self, path: str) -> None:
        """Train from step 0 on a data file a tool has checked (dropped, or drawn), as Open data does."""
        self.session.edit("data", path)
        self.reset()
        self.statusBar().showMessage(f"training on {path}", 6000)

    def toggle_fullscreen(self) -> None:
        # The full-screen flag alone: a maximised window (a small screen's) comes back maximised.
        self.setWindowState(self.windowState() ^ QtCore.Qt.WindowState.WindowFullScreen)
        self.act_full.setChecked(self.isFullScreen())

    # ------------------------------------------------------------------ compare mode
    @property
    def comparing(self) -> bool:
        """Compare mode: every run side by side (else one run's view, the selected one)."""
        return self.stack.currentWidget() is self.compare

    def set_comparing(self, on: bool) -> None:
        on = bool(on) and self.session.n_runs > 1
        self.act_compare.setChecked(on)
        if on == self.comparing:
            return
        self.curves_stack.setCurrentWidget(self.compare_curves if on else self.curves)
        if on:
            self._show_widget(self.compare)
        else:
            self.show_view(self.compare.data_kind or guess_kind(self.session.values["data"]))
        self._draw_last()
        self.comparing_changed.emit(on)

    def open_run(self, run: int) -> None:
        """A panel was clicked: that run in the full single-run view, with all its tools."""
        self.session.select(run)
        self.set_comparing(False)

    def compare_dialog(self) -> None:
        dlg = CompareDialog(self, self.session.values)
        if dlg.exec() and dlg.variants:
            self.session.compare(dlg.variants)

    def _runs_changed(self) -> None:
        n = self.session.n_runs
        self.act_compare.setEnabled(n > 1)
        self.act_compare.setText(f"\u229e Compare ({n} runs)" if n > 1 else "\u229e Compare")
        self.set_comparing(n > 1)

    # ------------------------------------------------------------------ frames
    def current_view(self):
        return self.stack.currentWidget()

    def _show_widget(self, view) -> None:
        if view is not self.stack.currentWidget():
            self.stack.setCurrentWidget(view)
            self._send_view()
        for a in self._overlay_actions:
            self.overlay_bar.removeAction(a)
        self._overlay_actions = list(view.toggles)
        self.overlay_bar.addActions(self._overlay_actions)

    def show_view(self, kind: str) -> None:
        self._show_widget(self.views[kind])

    def show_picture(self, picture) -> None:
        """Draw a picture (core/snapshot.py) in the single-run view of its kind."""
        if picture.kind != self.current_view().kind:
            self.show_view(picture.kind)
        self.current_view().draw(picture)

    def show_step(self, step: int, target: int) -> None:
        self.lbl_step.setText(f"step {step:,} / {target:,}")

    def _on_frame(self) -> None:
        frame = self.bridge.take() if self.bridge is not None else None
        if frame is None:
            return
        t = time.perf_counter()
        self.session.receive(frame)  # the session takes it in, then we draw (_draw, connected first)
        self.frame_ms.append((time.perf_counter() - t) * 1000)
        self.frames += 1
        self._frame_clock.append(time.perf_counter())
        if self.first_frame_s is None:
            self.first_frame_s = time.perf_counter() - self.t0
        for view in (*self.views.values(), self.curves):
            view.restyle_new()  # items made while drawing, in presentation mode's look (views/look.py)
        self.frame_drawn.emit(frame)

    def _draw(self, frame: p.Frame) -> None:
        try:
            if self.comparing:
                self._draw_compare(frame)
            else:
                picture = frame.pictures.get(self.session.selected)
                if picture is not None:
                    self.show_picture(picture)
            if self.curves.set_kind(self._metric_kind(frame)):
                self.curves.clear()  # another kind of data, another metric: show the history again
                self._history_changed(self.session.selected, 0)
            self.curves.refresh_if_due(frame.playing)
            self.show_step(frame.step, frame.target_steps)
        except Exception as err:  # a bug in a view: say so once, and keep the window alive
            if not self._draw_failed:
                self._draw_failed = True
                self.tell("crash", f"{type(err).__name__} while drawing: {err}\n{traceback.format_exc()}")

    def _metric_kind(self, frame: p.Frame) -> str:
        """What the curves' metric panel measures: the data kind's metric (the Fréchet distance of labelled images)."""
        picture = next(iter(frame.pictures.values()), None)
        return metric_kind(picture) if picture is not None else self.current_view().kind

    def _draw_compare(self, frame: p.Frame) -> None:
        kind = frame.kind
        if not kind or len(frame.pictures) < self.session.n_runs:
            return  # a frame of one run, sent before the trainer heard of compare mode
        metric = self._metric_kind(frame)
        if (metric, self.session.names) != (self.compare_curves.kind, self.compare_curves.names):
            self.compare.build(kind, self.session.names)
            self.compare_curves.build(metric, self.session.names)
            self._show_widget(self.compare)  # the overlay toggles are the new panels'
            for run in range(self.session.n_runs):
                self.compare_curves.show_history(run, self.session.history[run], 0)
        self.compare.draw(frame)
        if not frame.playing or time.perf_counter() - self._curves_drawn >= REFRESH_S:
            self.compare_curves.refresh()
            self._curves_drawn = time.perf_counter()

    def _draw_last(self) -> None:
        if self.session.last is not None:
            self._draw(self.session.last)

    def _redraw_selected(self) -> None:
        self._send_view()
        self._new_generation()
        self._history_changed(self.session.selected, 0)

    def _new_generation(self) -> None:
        self.current_view().new_run()
        self.curves.clear()
        self.compare_curves.clear()

    def _history_changed(self, run: int, start: int) -> None:
        if run == self.session.selected:
            self.curves.show_history(self.session.history[run], self.session.changes[run], start)
        self.compare_curves.show_history(run, self.session.history[run], start)

    def _update_rates(self) -> None:
        now = time.perf_counter()
        recent = [t for t in self._frame_clock if now - t <= 1.0]
        self.lbl_fps.setText(f"{len(recent)} frames/s")
        last = self.session.last
        rate = last.steps_per_s if last is not None and self.session.playing else 0.0
        self.lbl_rate.setText(f"{rate:,.0f} steps/s")
        if last is not None and last.device:
            self.lbl_device.setText(f"on {last.device}")

    def _on_changed(self, changes: dict, step: int) -> None:
        mine = changes.get(self.session.selected, {})
        text = ", ".join(f"{k} {old} \u2192 {new}" for k, (old, new) in mine.items())
        if text:
            self.statusBar().showMessage(f"step {step}: {text}", 5000)

    def _on_loaded(self, path: str) -> None:
        self.banner.clear()
        self.setWindowTitle(f"ganviz \u2014 {Path(path).name}")
        self.statusBar().showMessage(f"session {path} loaded", 6000)

    def _on_problem(self, kind: str, message: str) -> None:
        if kind == "diverged":
            self.banner.show_message("diverged", f"<b>Training diverged.</b> {message}. "
                                     "Training is paused; Reset starts again from step 0.")
        elif kind == "died":
            self.lbl_state.setText("trainer stopped")
            self.banner.show_message("died", f"<b>{DIED}</b>")
        else:
            self._box_for(kind, message)

    def _on_died(self, exitcode) -> None:
        if not self._closing:
            self.session.died(exitcode)

    def tell(self, kind: str, message: str) -> None:
        """Tell the user (a message box that does not block: the views keep drawing behind it)."""
        self.session.problem.emit(kind, message)

    def _box_for(self, kind: str, message: str) -> None:
        first, _, rest = message.partition("\n")
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning if kind == "input" else QtWidgets.QMessageBox.Icon.Critical)
        box.setWindowTitle("ganviz")
        box.setText(first if kind == "input" else f"ganviz hit a bug: {first}")
        if rest.strip():
            box.setDetailedText(rest)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self._box = box
        box.open()

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the training process (quit, <= 1 s, then terminate/kill) and the bridge thread."""
        if self._closing:
            return
        self._closing = True
        self._fps_timer.stop()
        self._detach_bridge()
        self.session.stop()


def guess_kind(data: str) -> str:
    """The view to show before the first frame says (a user's file: its frame decides)."""
    from ..core.data import BUILTINS
    return BUILTINS.get(data, ("1d", ""))[0]


def save_png(pixmap: QtGui.QPixmap, path: str | Path) -> None:
    """Write a picture atomically: a reader never sees half a PNG."""
    def write(tmp: Path) -> None:
        if not pixmap.save(str(tmp), "PNG"):
            raise GanvizError(f"cannot write the picture '{path}'")
    write_with(path, write)
