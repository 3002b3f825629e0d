"""Export from the window: the view as PNG (2x) or SVG, a recording (GIF/MP4), the metrics as CSV,
and the image view's latent walk as a PNG strip or a GIF that walks there and back. A recording keeps
every phase slow motion shows (lecture/slow_motion.py's `shown`), with its caption over the view.

Every file is written atomically (a temporary file renamed over the target), so a viewer or a
script watching the folder never sees half a picture.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ...core.errors import GanvizError
from ...core.fileio import write_text, write_with
from ...core.metriclog import metrics_csv

RECORD_FPS = 15.0
WALK_PX = 96       # each image of an exported latent walk is scaled up to at least this side, pixel for pixel
WALK_FPS = 6.0     # the GIF's pace along the walk


def upscaled(image: np.ndarray, px: int = WALK_PX) -> np.ndarray:
    """(H, W, C) uint8 -> (sH, sW, 3), each pixel an s x s block (no smoothing), s the least with sH >= px."""
    s = max(1, -(-px // image.shape[0]))
    big = np.repeat(np.repeat(image, s, 0), s, 1)
    return np.ascontiguousarray(np.broadcast_to(big, (*big.shape[:2], 3)) if big.shape[2] == 1 else big)


def walk_strip(frames: np.ndarray, gap: int = 4) -> np.ndarray:
    """The walk's images side by side on white: (sH, n*sW + (n-1)*gap, 3) uint8."""
    tiles = [upscaled(f) for f in frames]
    h, w = tiles[0].shape[:2]
    out = np.full((h, len(tiles) * (w + gap) - gap, 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        out[:, k * (w + gap):k * (w + gap) + w] = t
    return out


def save_walk(frames: np.ndarray, path: str | Path) -> None:
    """A latent walk as a PNG strip, or (.gif) an animation from its first image to its last and back."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        from PIL import Image
        strip = walk_strip(frames)
        write_with(path, lambda tmp: Image.fromarray(strip).save(tmp, format="PNG"))
    elif suffix == ".gif":
        from ...outputs.recording import Recorder
        rec = Recorder(path, fps=WALK_FPS)
        for k in [*range(len(frames)), *range(len(frames) - 2, 0, -1)]:  # there and back: it loops smoothly
            rec.add(upscaled(frames[k]))
        rec.save()
    else:
        raise GanvizError(f"latent walk '{path}' must end in .png or .gif")


def grab_2x(widget: QtWidgets.QWidget) -> QtGui.QPixmap:
    """The widget drawn at device pixel ratio 2: twice the pixels each way, lines and text crisp."""
    pix = QtGui.QPixmap(widget.size() * 2)
    pix.setDevicePixelRatio(2.0)
    pix.fill(QtCore.Qt.GlobalColor.white)
    widget.render(pix)
    return pix


def save_png_2x(widget: QtWidgets.QWidget, path: str | Path) -> QtCore.QSize:
    pix = grab_2x(widget)

    def write(tmp: Path) -> None:
        if not pix.save(str(tmp), "PNG"):
            raise GanvizError(f"cannot write the picture '{path}'")
    write_with(path, write)
    return pix.size()


def save_svg(view, path: str | Path) -> None:
    """The view's scene as SVG (vector: it scales to any projector).

    pyqtgraph's SVGExporter rewrites Qt's path data and fails on some paths Qt 6 writes (curved
    symbol outlines); then Qt's own SVG generator paints the view instead (still vectors)."""
    from pyqtgraph.exporters import SVGExporter

    def write(tmp: Path) -> None:
        graphics = view.graphics()
        if graphics is None:  # several scenes side by side (compare mode): Qt paints the whole widget
            _qt_svg(view, tmp)
            return
        try:
            SVGExporter(graphics.scene()).export(fileName=str(tmp))
        except (ValueError, IndexError):
            _qt_svg(graphics, tmp)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise GanvizError(f"cannot write the picture '{path}'")
    write_with(path, write)


def _qt_svg(widget: QtWidgets.QWidget, path: Path) -> None:
    from PySide6.QtSvg import QSvgGenerator
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(widget.size())
    gen.setViewBox(QtCore.QRect(QtCore.QPoint(0, 0), widget.size()))
    gen.setTitle("ganviz view")
    painter = QtGui.QPainter(gen)
    try:
        if isinstance(widget, QtWidgets.QGraphicsView):
            widget.render(painter)  # its scene, as it shows it
        else:
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint())  # the widget and its children
    finally:
        painter.end()


def rgb_array(pix: QtGui.QPixmap) -> np.ndarray:
    """A pixmap as an (H, W, 3) uint8 array."""
    img = pix.toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, :w * 3].reshape(h, w, 3).copy()  # a copy: the QImage's memory goes with it


class ExportTool(QtCore.QObject):
    recorded = QtCore.Signal(str, int)   # path, frames written

    def __init__(self, surface):
        super().__init__(surface)
        self.surface, self.session = surface, surface.session
        self.recorder = None
        self._last_grab = 0.0
        A = surface.add_action
        self.act_png = A("Export view as PNG\u2026", self.ask_png, ["Ctrl+E"], "save a picture of the view",
                         place="file:export")
        self.act_svg = A("Export view as SVG\u2026", self.ask_svg, [], "save the view as a vector picture",
                         place="file:export")
        self.act_walk = A("Export latent walk\u2026", self.ask_walk, [],
                          "the image view's latent walk as a PNG strip or a GIF (shift-click a tile to choose its end)",
                          place="file:more")
        self.act_record = A("Record", self.toggle_record, ["Ctrl+R"],
                            "start or stop recording the view as a GIF or MP4", place="file:more")
        self.act_record.setCheckable(True)  # checked while recording; a click asks, or stops
        self.act_record.triggered.disconnect()
        self.act_record.triggered.connect(lambda _=None: self.toggle_record())
        self.act_csv = A("Export metrics CSV\u2026", self.ask_csv, [], "all curve values so far, one row per step",
                         place="file:more")
        surface.frame_drawn.connect(self._on_frame)
        # each phase of a slow-motion step is a frame worth keeping: after the phase is drawn (priority below 0)
        surface.lecture.slow_motion.shown.connect(self.on_phase, priority=-1)

    def view(self):
        return self.surface.current_view()

    def _ask(self, title: str, name: str, filters: str) -> tuple[str, str]:
        """A file to save to (and the filter chosen), from a dialog over the window; "" when cancelled."""
        return QtWidgets.QFileDialog.getSaveFileName(self.surface.dialog_parent, title, name, filters)

    # ------------------------------------------------------------------ pictures
    def export_png(self, path: str | Path) -> QtCore.QSize:
        return save_png_2x(self.view(), path)

    def export_svg(self, path: str | Path) -> None:
        save_svg(self.view(), path)

    def ask_png(self) -> None:
        path, _ = self._ask("Export view", "ganviz-view.png", "PNG image (*.png)")
        if path:
            self._done(lambda: self.export_png(path), f"saved {path}")  # 2x: crisp on slides

    def ask_svg(self) -> None:
        path, _ = self._ask("Export view", "ganviz-view.svg", "SVG picture (*.svg)")
        if path:
            self._done(lambda: self.export_svg(path), f"saved {path}")

    # ------------------------------------------------------------------ latent walk
    def export_walk(self, path: str | Path) -> None:
        """The image view's latent walk, as on screen, to PNG or GIF (by the suffix)."""
        image = self.surface.views()["image"]
        frames = image.walk_frames()
        if frames is None or self.view() is not image:
            raise GanvizError("there is no latent walk to export: in the image view, shift-click a second tile "
                              "(the walk runs from the selected tile to it)")
        save_walk(frames, path)

    def ask_walk(self) -> None:
        path, kind = self._ask("Export latent walk", "latent-walk.gif", "GIF animation (*.gif);;PNG strip (*.png)")
        if path:
            if Path(path).suffix.lower() not in (".gif", ".png"):
                path += ".png" if "png" in kind.lower() else ".gif"
            self._done(lambda: self.export_walk(path), f"saved {path}")

    # ------------------------------------------------------------------ metrics
    def export_csv(self, path: str | Path) -> int:
        """The shown run's history as metrics.csv (after a branch: the branch being played, as the trainer has it)."""
        rows = self.session.history[self.session.selected]
        write_text(path, metrics_csv(rows))
        return len(rows)

    def ask_csv(self) -> None:
        path, _ = self._ask("Export metrics", "metrics.csv", "CSV (*.csv)")
        if path:
            self._done(lambda: self.export_csv(path), f"saved {path}")

    # ------------------------------------------------------------------ recording
    def start_recording(self, path: str | Path) -> None:
        from ...outputs.recording import Recorder
        self.recorder = Recorder(path, fps=RECORD_FPS)
        self._last_grab = 0.0
        self.act_record.setChecked(True)
        self.act_record.setText("Stop recording")
        self.grab_frame(force=True)
        self.surface.say(f"recording to {path} \u2014 Ctrl+R stops", 4000)

    def stop_recording(self) -> int:
        rec, self.recorder = self.recorder, None
        self.act_record.setChecked(False)
        self.act_record.setText("Record")
        if rec is None:
            return 0
        try:
            n = rec.save()
        except GanvizError as err:
            self.surface.tell("input", str(err))
            return 0
        self.surface.say(f"recording saved: {rec.path} ({n} frames)", 8000)
        self.recorded.emit(str(rec.path), n)
        return n

    def toggle_record(self) -> None:
        if self.recorder is not None:
            self.stop_recording()
            return
        path, _ = self._ask("Record the view", "ganviz-run.gif", "GIF animation (*.gif);;MP4 video (*.mp4)")
        if not path:
            self.act_record.setChecked(False)
            return
        try:
            self.start_recording(path)
        except GanvizError as err:
            self.act_record.setChecked(False)
            self.surface.tell("input", str(err))

    def grab_frame(self, force: bool = False) -> None:
        now = time.perf_counter()
        if self.recorder is None or (not force and now - self._last_grab < 1.0 / RECORD_FPS):
            return
        self._last_grab = now
        frame = rgb_array(self.frame_pixmap())
        kept = self.recorder.frames
        if kept and kept[-1].shape == frame.shape and np.array_equal(kept[-1], frame):
            return  # an unchanged picture (paused): GIF writers would merge it anyway
        self.recorder.add(frame)

    def frame_pixmap(self) -> QtGui.QPixmap:
        """The view; in slow motion with the phase's caption laid over its top, as on screen."""
        return self.surface.grab_view()

    def _on_frame(self, _frame) -> None:
        self.grab_frame()

    def on_phase(self, _frame) -> None:
        self.grab_frame(force=True)  # each phase of a slow-motion step is a frame worth keeping

    def _done(self, job, message: str) -> None:
        try:
            job()
        except (GanvizError, OSError) as err:
            self.surface.tell("input", str(err))
            return
        self.surface.say(message, 6000)
