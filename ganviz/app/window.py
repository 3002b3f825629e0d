"""The main window: the view of the data kind, curves under it, the story on the left,
settings on the right, transport on top, and the step counter and rates in the status bar.

The window only talks to the trainer through WorkerHandle.send and Bridge's signals; it never
waits for the worker. Every snapshot it draws is answered with ("frame_done",), which allows
the worker to compute the next one.
"""
from __future__ import annotations

import collections
import time
import traceback
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ..core import config
from ..core.errors import GanvizError
from ..core.fileio import write_with
from .bridge import Bridge, WorkerHandle
from .chrome import WindowChrome
from . import lecture
from .controls import ControlsPanel
from .export import grab_2x
from .panels import Banner, NarrationPanel, SpeedControl
from .timeline_bar import TimelineBar
from .views.curves import CurvesView
from .views.density1d import Density1DView
from .views.image_grid import ImageGridView
from .views.scatter2d import Scatter2DView

DIED = "The trainer stopped unexpectedly. Reset starts a fresh one (your settings are kept)."


class MainWindow(WindowChrome, QtWidgets.QMainWindow):
    # object, not dict: PySide converts a dict argument through QVariantMap and back for every slot,
    # a fresh copy of the snapshot's rows and scalars per slot and frame (the slots get the original)
    frame_drawn = QtCore.Signal(object)        # after a snapshot has been drawn (tests, scripted runs)
    changed = QtCore.Signal(dict, int)         # the trainer confirmed a live change
    problem = QtCore.Signal(str, str)          # kind, message: what the user was told

    def __init__(self, preset: config.Preset, cfg: config.Config, handle: WorkerHandle | None = None,
                 t0: float | None = None):
        super().__init__()
        self.t0 = time.perf_counter() if t0 is None else t0
        self.preset, self.cfg = preset, cfg
        self.handle: WorkerHandle | None = None
        self.bridge: Bridge | None = None
        self.playing = False
        self.run_id = None
        self.last_snap: dict | None = None
        self.frames = 0
        self.frame_ms: collections.deque = collections.deque(maxlen=10_000)  # ms to apply a snapshot
        self.first_frame_s: float | None = None
        self._frame_clock: collections.deque = collections.deque(maxlen=120)
        self._sent_cfg = cfg.to_dict()
        self._closing = False
        self._draw_failed = False
        self._box: QtWidgets.QMessageBox | None = None
        self.setWindowTitle(f"ganviz \u2014 {preset.title}")

        self.views = {v.kind: v for v in (Density1DView(), Scatter2DView(), ImageGridView())}
        self.curves = CurvesView()
        self.controls = ControlsPanel(cfg)
        self.narration = NarrationPanel()
        self.banner = Banner()
        self.speed = SpeedControl()
        self._build_layout()
        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self._build_status()
        self.narration.set_preset(preset.title, preset.description, preset.narration)
        for view in self.views.values():
            view.request.connect(self._view_request)
        self.controls.live_changed.connect(self._live_changed)
        self.controls.pending_changed.connect(self._pending_changed)
        self.banner.reset_clicked.connect(self.reset)
        self.speed.speed_changed.connect(lambda s: self.send("speed", s))
        self.show_view(guess_kind(cfg.data))
        self._fps_timer = QtCore.QTimer(self, interval=500, timeout=self._update_rates)
        self._fps_timer.start()
        lecture.install(self)  # slow motion, presentation mode, export, data drop (app/lecture.py)
        self.timeline_bar = TimelineBar(self)  # kept states: scrub back, branch from there
        if handle is not None:
            self.attach(handle)

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        self.stack = QtWidgets.QStackedWidget()
        for view in self.views.values():
            self.stack.addWidget(view)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.stack)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([750, 250])  # proportions: the view gets three quarters at any window height
        split.setChildrenCollapsible(False)
        central = QtWidgets.QWidget()
        col = QtWidgets.QVBoxLayout(central)
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

    # ------------------------------------------------------------------ worker
    def attach(self, handle: WorkerHandle) -> None:
        """Listen to a (new) worker; it starts with default view overlays and full speed."""
        self.handle = handle
        self.run_id = None  # a new process counts its runs from 1 again
        self.bridge = Bridge(handle)
        self.bridge.snapshot.connect(self._on_snapshot)
        self.bridge.changed.connect(self._on_changed)
        self.bridge.error.connect(self._on_error)
        self.bridge.saved.connect(lambda p: self.statusBar().showMessage(f"session saved to {p}", 6000))
        self.bridge.loaded.connect(self._on_loaded)
        self.bridge.died.connect(self._on_died)
        self.bridge.phases.connect(self.slowmo.on_phases)
        self.bridge.start()
        self.send("view", self.current_view().wanted())
        if self.speed.value():
            self.send("speed", self.speed.value())

    def send(self, *cmd) -> None:
        if self.handle is not None:
            self.handle.send(*cmd)

    def worker_alive(self) -> bool:
        return self.handle is not None and self.handle.alive()

    def restart_worker(self, cfg_dict: dict) -> None:
        self._detach()
        self.attach(WorkerHandle(cfg_dict))

    def _detach(self) -> None:
        if self.bridge is not None:
            for sig in (self.bridge.snapshot, self.bridge.changed, self.bridge.error, self.bridge.saved,
                        self.bridge.loaded, self.bridge.died):
                sig.disconnect()
        if self.handle is not None:
            self.handle.stop()
        if self.bridge is not None:
            self.bridge.stop()
        self.handle = self.bridge = None

    # ------------------------------------------------------------------ commands
    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, on: bool) -> None:
        if on and not self.worker_alive():
            return
        self.playing = on
        self.send("play" if on else "pause")
        self._show_play_state()

    def _show_play_state(self) -> None:
        self.act_play.setText("\u275a\u275a Pause" if self.playing else "\u25b6 Play")
        self.lbl_state.setText("playing" if self.playing else "paused")

    def step(self, which: str) -> None:
        if which == "both" and self.slowmo.forward():  # slow motion: the next phase instead
            return
        self.playing = False
        self._show_play_state()
        self.send("step", which)

    def reset(self) -> None:
        """Start again from step 0 with the edited settings; restarts the trainer if it died."""
        try:
            cfg = self.controls.config()
        except GanvizError as err:
            self.tell("input", str(err))
            return
        self.cfg = cfg
        self._sent_cfg = cfg.to_dict()
        self.banner.clear()
        self.playing = False
        self._show_play_state()
        if self.worker_alive():
            self.send("reset", self._sent_cfg)
        else:
            self.restart_worker(self._sent_cfg)

    def choose_preset(self, name: str) -> None:
        try:
            preset = config.load_preset(name)
        except GanvizError as err:
            self.tell("input", str(err))
            return
        self.preset = preset
        self.preset_box.setCurrentText(name)
        self.setWindowTitle(f"ganviz \u2014 {preset.title}")
        self.narration.set_preset(preset.title, preset.description, preset.narration)
        self.tour.preset_changed()
        self.controls.set_config(preset.config(), applied=False)
        self.reset()

    def _live_changed(self, values: dict) -> None:
        self.send("set", values)

    def _pending_changed(self, n: int) -> None:
        self.act_reset.setText(f"\u21bb Reset ({n} to apply)" if n else "\u21bb Reset")

    def _view_request(self, wanted: dict) -> None:
        if self.sender() is self.current_view():
            self.send("view", wanted)

    # ------------------------------------------------------------------ files
    def save_session(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save session", "session.safetensors",
                                                        "ganviz session (*.safetensors)")
        if path:
            if not path.endswith(".safetensors"):
                path += ".safetensors"
            self.send("save", path)

    def open_session(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open session", "", "ganviz session (*.safetensors)")
        if path:
            if not self.worker_alive():
                self.restart_worker(self.cfg.to_dict())
            self.send("load", path)

    def open_data(self) -> None:
        path = self.controls.ask_data_path()
        if path:
            self.controls.set_value("data", path)
            self.reset()

    def draw_data(self) -> None:
        from .draw_data import open_dialog  # paint 2D points, then train on them (app/draw_data.py)
        open_dialog(self)

    def export_png(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export view", "ganviz-view.png", "PNG image (*.png)")
        if path:
            try:
                save_png(grab_2x(self.stack.currentWidget()), path)  # 2x: crisp on slides
                self.statusBar().showMessage(f"saved {path}", 6000)
            except GanvizError as err:
                self.tell("input", str(err))

    def toggle_fullscreen(self) -> None:
        # The full-screen flag alone: a maximised window (a small screen's) comes back maximised.
        self.setWindowState(self.windowState() ^ QtCore.Qt.WindowState.WindowFullScreen)
        self.act_full.setChecked(self.isFullScreen())

    # ------------------------------------------------------------------ messages from the worker
    def current_view(self):
        return self.stack.currentWidget()

    def show_view(self, kind: str) -> None:
        view = self.views[kind]
        if view is not self.stack.currentWidget():
            self.stack.setCurrentWidget(view)
            self.send("view", view.wanted())
        for a in self._overlay_actions:
            self.overlay_bar.removeAction(a)
        self._overlay_actions = list(view.toggles)
        self.overlay_bar.addActions(self._overlay_actions)

    def _on_snapshot(self) -> None:
        snap = self.bridge.take() if self.bridge is not None else None
        if snap is None:
            return
        t = time.perf_counter()
        try:
            self._draw(snap)
        except Exception as err:  # a bug in a view: say so once, and keep the window alive
            if not self._draw_failed:
                self._draw_failed = True
                self.tell("crash", f"{type(err).__name__} while drawing: {err}\n{traceback.format_exc()}")
        finally:
            self.send("frame_done")  # always: without it the worker would wait for this frame forever
        self.frame_ms.append((time.perf_counter() - t) * 1000)
        self.frames += 1
        self._frame_clock.append(time.perf_counter())
        if self.first_frame_s is None:
            self.first_frame_s = time.perf_counter() - self.t0
        self.frame_drawn.emit(snap)

    def _draw(self, snap: dict) -> None:
        if snap["kind"] != self.current_view().kind:
            self.show_view(snap["kind"])
        view = self.current_view()
        if snap.get("run") != self.run_id:
            self.run_id = snap.get("run")
            view.new_run()
            self.controls.set_applied(self._sent_cfg)
        self.last_snap = snap
        view.draw(snap)
        self.curves.update_from(snap)
        if snap.get("handled", 0) >= self.handle.sent:  # no command of ours is still on its way
            self.playing = bool(snap["playing"])
        self._show_play_state()
        self.lbl_step.setText(f"step {snap['step']:,} / {snap.get('target_steps', 0):,}")

    def _update_rates(self) -> None:
        now = time.perf_counter()
        recent = [t for t in self._frame_clock if now - t <= 1.0]
        self.lbl_fps.setText(f"{len(recent)} frames/s")
        rate = self.last_snap.get("steps_per_s", 0.0) if self.last_snap and self.playing else 0.0
        self.lbl_rate.setText(f"{rate:,.0f} steps/s")

    def _on_changed(self, changes: dict, step: int) -> None:
        text = ", ".join(f"{k} {old} \u2192 {new}" for k, (old, new) in changes.items())
        if text:
            self.statusBar().showMessage(f"step {step}: {text}", 5000)
        self.changed.emit(changes, step)

    def _on_loaded(self, path: str, cfg_dict: dict) -> None:
        self.controls.set_config(cfg_dict, applied=True)
        self._sent_cfg = dict(self.controls.values)
        self.cfg = config.from_dict(cfg_dict)
        self.banner.clear()
        self.setWindowTitle(f"ganviz \u2014 {Path(path).name}")
        self.statusBar().showMessage(f"session {path} loaded", 6000)

    def _on_error(self, kind: str, message: str) -> None:
        if kind == "diverged":
            self.playing = False
            self._show_play_state()
            self.banner.show_message("diverged", f"<b>Training diverged.</b> {message}. "
                                     "Training is paused; Reset starts again from step 0.")
            self.problem.emit(kind, message)
        else:
            self.tell(kind, message)

    def _on_died(self, exitcode) -> None:
        if self._closing:
            return
        self.playing = False
        self._show_play_state()
        self.lbl_state.setText("trainer stopped")
        self.banner.show_message("died", f"<b>{DIED}</b>")
        self.problem.emit("died", f"exit code {exitcode}")

    def tell(self, kind: str, message: str) -> None:
        """A message box that does not block: the views keep drawing behind it."""
        self.problem.emit(kind, message)
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
        """Stop the worker (quit, ≤ 1 s, then terminate/kill) and the bridge thread."""
        if self._closing:
            return
        self._closing = True
        self._fps_timer.stop()
        self._detach()


def guess_kind(data: str) -> str:
    """The view to show before the first snapshot says (a user's file: its snapshot decides)."""
    from ..core.data import BUILTINS
    return BUILTINS.get(data, ("1d", ""))[0]


def save_png(pixmap: QtGui.QPixmap, path: str | Path) -> None:
    """Write a picture atomically: a reader never sees half a PNG."""
    def write(tmp: Path) -> None:
        if not pixmap.save(str(tmp), "PNG"):
            raise GanvizError(f"cannot write the picture '{path}'")
    write_with(path, write)
