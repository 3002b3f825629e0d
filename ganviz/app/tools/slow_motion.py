"""Slow motion in the window: one iteration of Algorithm 1 shown phase by phase, with a caption.

With slow motion on (M), Step (Right, S) sends the training process a Phases command: it runs one
iteration to its end and answers with PhaseFrames, one frame per phase (process/phases.py makes their
pictures). Right and Left then walk
forward and back through those five pictures; Right past the last phase runs the next iteration.
The phase's minibatch is highlighted on top of the view (2D: rings on the batch, D's score as their
fill, fakes moving to where G's update took them; 1D: the batch as ticks on the x axis and its
arrows from the z line). Any other change of the run (Play, Step D/G, Reset) ends the walk-through.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .. import theme
from ..panels.narration import CaptionStrip

MAX_LINKS_1D = 48  # arrows from the z line for the batch: more would read as a grey band
HINT = ("<b>Slow motion.</b> Press \u2192 (Step) to walk through one iteration phase by phase; "
        "\u2190 goes back one phase; M ends slow motion.")
NAMES = {"sample": "sample", "generate": "generate", "discriminate": "discriminate",
         "update_d": "update D", "update_g": "update G"}


class CaptionBar(CaptionStrip):
    """The phase's caption, large, in a strip right above the view."""

    def __init__(self, parent=None):
        super().__init__("caption", "#fff4d6", "#d95f02", "#8a3b00", parent)

    def show_phase(self, frame) -> None:
        ph = frame.phase
        self.head.setText(f"Slow motion \u2014 phase {ph.index + 1} of {ph.count}: {NAMES.get(ph.name, ph.name)}"
                          f" \u2014 iteration {frame.step if ph.name == 'update_g' else frame.step + 1}"
                          "   (\u2190 \u2192 to move)")
        self.text.setText(ph.caption)

    def show_hint(self) -> None:
        self.head.setText("Slow motion")
        self.text.setText(HINT)


def _brushes(d: np.ndarray) -> list[QtGui.QBrush]:
    colours = theme.d_colormap().map(np.clip(d, 0, 1), mode="qcolor")
    return [QtGui.QBrush(c) for c in colours]


class Overlay2D:
    """Rings on the phase's batch over the 2D view; fakes before -> after G's update."""

    def __init__(self, plot: pg.PlotItem):
        self.real = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.DATA, width=2), brush=None)
        self.fake = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.GEN, width=2), brush=None)
        self.moves = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(theme.ACCENT, width=2))
        self.after = pg.ScatterPlotItem(size=8, pen=pg.mkPen("#0b4d22", width=1), brush=theme.brush(theme.GEN))
        self.items = (self.real, self.fake, self.moves, self.after)
        for z, item in enumerate(self.items):
            item.setZValue(50 + z)
            plot.addItem(item)
        self.hide()

    def hide(self) -> None:
        for item in self.items:
            item.setVisible(False)

    def show(self, frame, picture) -> None:
        b, phase = frame.phase.batch, frame.phase.name
        if "real" not in b:
            return self.hide()
        scored = phase in ("discriminate", "update_d")
        real = b["real"]
        self.real.setData(real[:, 0], real[:, 1], brush=_brushes(b["d_real"]) if scored else None)
        self.real.setVisible(True)
        self.fake.setVisible(phase != "sample")
        if phase != "sample":
            fake = b["fake"]
            self.fake.setData(fake[:, 0], fake[:, 1], brush=_brushes(b["d_fake"]) if scored else None)
        moved = phase == "update_g" and "fake_after" in b
        self.moves.setVisible(moved)
        self.after.setVisible(moved)
        if moved:
            fake, after = b["fake"], b["fake_after"]
            pts = np.stack([fake, after], 1).reshape(-1, 2)
            self.moves.setData(pts[:, 0], pts[:, 1])
            self.after.setData(after[:, 0], after[:, 1])


class Overlay1D:
    """The phase's batch as ticks on the x axis, and its arrows from the z line to x = G(z)."""

    def __init__(self, view):
        self.view = view
        self.real = pg.ScatterPlotItem(size=18, symbol="|", pen=pg.mkPen(theme.DATA, width=2), brush=None)
        self.fake = pg.ScatterPlotItem(size=18, symbol="|", pen=pg.mkPen(theme.GEN, width=3), brush=None)
        self.before = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#9a9a9a", width=1,
                                                                      style=QtCore.Qt.PenStyle.DashLine))
        self.links = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(theme.ACCENT, width=2))
        for item in (self.real, self.fake):
            item.setZValue(50)
            view.top.addItem(item)
        for item in (self.before, self.links):
            item.setZValue(50)
            view.zplot.addItem(item)
        self.items = (self.real, self.fake, self.before, self.links)
        self.hide()

    def hide(self) -> None:
        for item in self.items:
            item.setVisible(False)

    def _zpos(self, picture, z: np.ndarray) -> np.ndarray:
        """Where z sits on the view's z line (the same map as Density1DView._draw_z)."""
        zl = picture.z_line
        lo, hi = self.view.top.vb.viewRange()[0]
        span = float(zl.max() - zl.min()) or 1.0
        margin = 0.04 * (hi - lo)
        return (lo + margin) + (np.clip(z, zl.min(), zl.max()) - zl.min()) / span * (hi - lo - 2 * margin)

    def _pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = np.stack([a, b], 1).reshape(-1)
        ys = np.tile(np.array([0.0, 0.97], np.float32), len(a))
        return xs, ys

    def show(self, frame, picture) -> None:
        b, phase = frame.phase.batch, frame.phase.name
        if "real" not in b:
            return self.hide()
        y = 0.035 * self.view.top.vb.viewRange()[1][1]
        real = b["real"][:, 0]
        self.real.setData(real, np.full(len(real), y, np.float32))
        self.real.setVisible(True)
        has_fake = phase != "sample"
        self.fake.setVisible(has_fake)
        n = min(MAX_LINKS_1D, len(b["z"]))
        zpos = self._zpos(picture, b["z"][:n, 0])
        self.links.setVisible(True)
        self.before.setVisible(False)
        if not has_fake:  # only z is drawn yet: short stubs up from the z line
            xs, ys = self._pairs(zpos, zpos)
            ys[1::2] = 0.12
            self.links.setData(xs, ys)
            return
        fake = b["fake_after"] if phase == "update_g" else b["fake"]
        self.fake.setData(fake[:, 0], np.full(len(fake), y, np.float32))
        self.links.setData(*self._pairs(zpos, fake[:n, 0]))
        if phase == "update_g":
            self.before.setData(*self._pairs(zpos, b["fake"][:n, 0]))
            self.before.setVisible(True)


class SlowMotion(QtCore.QObject):
    """The window's slow-motion state: the five phase frames of the last iteration and where we are."""

    shown = QtCore.Signal(object)   # a phase frame was drawn (tests, recordings)

    def __init__(self, win):
        super().__init__(win)
        self.win, self.session = win, win.session
        self.frames: list = []
        self.index = -1
        self.waiting = False
        self.caption = CaptionBar()
        win.add_strip(self.caption)
        self.overlays = {"2d": Overlay2D(win.views["2d"].plot), "1d": Overlay1D(win.views["1d"])}
        self.act = win.add_action("Slow motion", self.set_active, ["M"],
                                  "Step walks through one iteration phase by phase (\u2190 \u2192), with captions")
        self.act.setCheckable(True)
        self.act.triggered.disconnect()
        self.act.toggled.connect(self.set_active)
        self.act_back = win.add_action("Previous phase", self.back, ["Left"], "slow motion: one phase back")
        self.act_back.setEnabled(False)
        win.frame_drawn.connect(self._on_frame)
        self.session.phases.connect(self.on_phases)
        self.session.problem.connect(self._on_problem)
        self.session.new_generation.connect(self._on_problem)  # a new run: an asked-for iteration won't come

    def _on_problem(self, *_) -> None:
        self.waiting = False  # e.g. the iteration diverged: Step may ask again

    def install_ui(self, run_menu: QtWidgets.QMenu | None, bar: QtWidgets.QToolBar | None) -> None:
        if run_menu is not None:
            run_menu.insertAction(self.win.act_step_d, self.act)
            run_menu.insertAction(self.win.act_step_d, self.act_back)
        if bar is not None:
            bar.insertAction(self.win.act_step_d, self.act)

    @property
    def active(self) -> bool:
        return self.act.isChecked()

    def current(self):
        return self.frames[self.index] if 0 <= self.index < len(self.frames) else None

    # ------------------------------------------------------------------ user
    def set_active(self, on: bool) -> None:
        if self.act.isChecked() != on:
            self.act.setChecked(on)  # comes back here through toggled
            return
        self.act_back.setEnabled(on)
        if on:
            self.session.set_playing(False)
            self.caption.show_hint()
            self.caption.show()
        else:
            last = self.frames[-1] if self.frames and self.index >= 0 else None
            self._forget()
            self.caption.hide()
            if last is not None:  # the trainer's state now: the last phase's picture, unmarked
                self._draw_plain(last)

    def forward(self) -> bool:
        """Step with slow motion on: the next phase, or the next iteration. False when off."""
        if not self.active:
            return False
        if self.current() is not None and self.index < len(self.frames) - 1:
            self.index += 1
            self._show()
        elif not self.waiting and self.session.alive():
            self.waiting = True
            self.session.slow_step()
        return True

    def back(self) -> None:
        if self.active and self.current() is not None and self.index > 0:
            self.index -= 1
            self._show()

    # ------------------------------------------------------------------ from the trainer
    def on_phases(self, frames: list) -> None:
        self.waiting = False
        if not frames:
            return
        if not self.active:
            self._draw_plain(frames[-1])
            return
        self.frames, self.index = frames, 0
        self._show()

    def _on_frame(self, frame) -> None:
        """A normal frame was drawn. The same state as our last phase: keep the phase on screen;
        a different one (played, stepped D or G, reset): the walk-through is over."""
        if self.current() is None:
            return
        last = self.frames[-1]
        if frame.generation == last.generation and frame.step == last.step and not frame.playing:
            self._show()
        else:
            self._forget()
            if self.active:
                self.caption.show_hint()

    # ------------------------------------------------------------------ drawing
    def _forget(self) -> None:
        self.frames, self.index = [], -1
        for overlay in self.overlays.values():
            overlay.hide()

    def _picture(self, frame):
        return frame.pictures.get(self.session.selected) or next(iter(frame.pictures.values()))

    def _draw_plain(self, frame) -> None:
        self.win.show_picture(self._picture(frame))

    def _show(self) -> None:
        frame = self.current()
        picture = self._picture(frame)
        self.win.show_picture(picture)
        self.win.show_step(frame.step, frame.target_steps)
        for kind, overlay in self.overlays.items():
            overlay.show(frame, picture) if kind == picture.kind else overlay.hide()
        self.caption.show_phase(frame)
        self.caption.show()
        self.shown.emit(frame)
