"""Slow motion in the window: one iteration of Algorithm 1 shown phase by phase, with a caption.

The state (which phases, which one is shown, whether Step is awaited) is lecture/slow_motion.py's; this tool
draws it. M turns slow motion on; Step (Right, S) then walks forward through the iteration's five phases and
Left back (the window's Step goes through the lecture's model). The phase's minibatch is marked on one of the
view's overlay layers (2D: rings on the batch, D's score as their fill, fakes moving to where G's update took
them; 1D: the batch as ticks on the x axis and its arrows from the z line), and its caption sits in a strip
above the view. Compare mode turns slow motion off.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ...lecture.slow_motion import caption, hint
from .. import theme
from ..panels.narration import CaptionStrip

MAX_LINKS_1D = 48  # arrows from the z line for the batch: more would read as a grey band


class CaptionBar(CaptionStrip):
    """The phase's caption, large, in a strip right above the view."""

    def __init__(self, parent=None):
        super().__init__("caption", "#fff4d6", "#d95f02", "#8a3b00", parent)

    def show_text(self, head: str, text: str) -> None:
        self.head.setText(head)
        self.text.setText(text)


def _brushes(d: np.ndarray) -> list[QtGui.QBrush]:
    colours = theme.d_colormap().map(np.clip(d, 0, 1), mode="qcolor")
    return [QtGui.QBrush(c) for c in colours]


class Overlay2D:
    """Rings on the phase's batch over the 2D view; fakes before -> after G's update."""

    def __init__(self, view):
        self.real = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.DATA, width=2), brush=None)
        self.fake = pg.ScatterPlotItem(size=11, pen=pg.mkPen(theme.GEN, width=2), brush=None)
        self.moves = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(theme.ACCENT, width=2))
        self.after = pg.ScatterPlotItem(size=8, pen=pg.mkPen("#0b4d22", width=1), brush=theme.brush(theme.GEN))
        self.items = (self.real, self.fake, self.moves, self.after)
        layer = view.overlay()
        for z, item in enumerate(self.items):
            layer.add(item, 50 + z)
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
        self.view, self.layer = view, view.overlay()
        self.real = pg.ScatterPlotItem(size=18, symbol="|", pen=pg.mkPen(theme.DATA, width=2), brush=None)
        self.fake = pg.ScatterPlotItem(size=18, symbol="|", pen=pg.mkPen(theme.GEN, width=3), brush=None)
        self.before = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#9a9a9a", width=1,
                                                                      style=QtCore.Qt.PenStyle.DashLine))
        self.links = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(theme.ACCENT, width=2))
        for item in (self.real, self.fake):
            self.layer.add(item)
        z_layer = view.overlay("z")
        for item in (self.before, self.links):
            z_layer.add(item)
        self.items = (self.real, self.fake, self.before, self.links)
        self.hide()

    def hide(self) -> None:
        for item in self.items:
            item.setVisible(False)

    def _pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = np.stack([a, b], 1).reshape(-1)
        ys = np.tile(np.array([0.0, 0.97], np.float32), len(a))
        return xs, ys

    def show(self, frame, picture) -> None:
        b, phase = frame.phase.batch, frame.phase.name
        if "real" not in b:
            return self.hide()
        y = 0.035 * self.layer.view_range()[1][1]
        real = b["real"][:, 0]
        self.real.setData(real, np.full(len(real), y, np.float32))
        self.real.setVisible(True)
        has_fake = phase != "sample"
        self.fake.setVisible(has_fake)
        n = min(MAX_LINKS_1D, len(b["z"]))
        zpos = self.view.z_positions(picture.z_line, b["z"][:n, 0])
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


class SlowMotionTool(QtCore.QObject):
    """The caption strip, the phase marks on the 1D and 2D views, and the M and Left keys."""

    def __init__(self, surface):
        super().__init__(surface)
        self.surface, self.model = surface, surface.lecture.slow_motion
        self.caption = CaptionBar()
        surface.add_strip(self.caption, recorded=True)  # recordings show the phase's caption over the view
        views = surface.views()
        self.overlays = {"2d": Overlay2D(views["2d"]), "1d": Overlay1D(views["1d"])}
        m = self.model
        self.act = surface.add_action("Slow motion", m.set_active, ["M"],
                                      "Step walks through one iteration phase by phase (\u2190 \u2192), with captions",
                                      checkable=True, place="run:step", toolbar=True)
        self.act_back = surface.add_action("Previous phase", m.back, ["Left"], "slow motion: one phase back",
                                           place="run:step")
        self.act_back.setEnabled(False)
        m.active_changed.connect(self._active_changed)
        m.shown.connect(self._show)
        m.plain.connect(self._draw_plain)
        m.forgotten.connect(self._forgotten)
        surface.frame_drawn.connect(m.on_frame)
        surface.comparing_changed.connect(self._comparing)

    def _comparing(self, on: bool) -> None:
        if on:
            self.model.set_active(False)

    def _active_changed(self, on: bool) -> None:
        self.act.setChecked(on)
        self.act_back.setEnabled(on)
        if on:
            self.caption.show_text(*hint())
            self.caption.show()
        else:
            self.caption.hide()

    def _forgotten(self) -> None:
        for overlay in self.overlays.values():
            overlay.hide()
        if self.model.active:
            self.caption.show_text(*hint())

    def _draw_plain(self, frame) -> None:
        if not self.surface.comparing:  # compare mode draws every run's frame itself
            self.surface.show_picture(self.model.picture(frame))

    def _show(self, frame) -> None:
        picture = self.model.picture(frame)
        self.surface.show_picture(picture)
        self.surface.show_step(frame.step, frame.target_steps)
        for kind, overlay in self.overlays.items():
            overlay.show(frame, picture) if kind == picture.kind else overlay.hide()
        self.caption.show_text(*caption(frame))
        self.caption.show()
