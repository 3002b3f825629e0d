"""The image view: G on a fixed 8 x 8 grid of noise, D's score on each tile, real samples, the nearest
training image of the tile the user clicks (a copy would be memorisation), a latent walk from that
tile to another (shift-click), and the classes G draws beside the data's (labelled data).

The mosaic is one ImageItem, assembled with numpy each frame and scaled by the view to fill the
panel, pixel for pixel (no smoothing: an 8 x 8 digit stays 64 sharp squares). The frame round each
tile is coloured by D's score (the heatmap's colours: blue = "fake", pink = "real"). The class bars
are a plot of their own beside it: G's share of each class filled, the data's share as an outline.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .. import theme
from .base import View

COLS = 8
ZOOM = 3          # the inspected tile and its neighbour are drawn this many times larger
N_WALK = 8        # the latent walk's images, one beside each row of the grid (snapshot.N_WALK)
BARS_PX = 210     # width of the class bars
NAME_PX = 66      # class names longer than this are shortened (...)
NOTE_LINES = 4
REF_PX = 100      # labels are set in a font this many pixels tall, then scaled into image pixels
WALK_END = 7      # the walk's end until the user shift-clicks one: the top row's last tile
NO_LABELS = ("no class labels in this data:\nclass coverage needs digits,\nshapes, MNIST with its labels\n"
             "file, or a folder of class\nfolders")


class Layout:
    """Where each part sits in the mosaic, in image pixels, for tiles of h x w. scores: room under each
    tile for D's score (presentation mode leaves it out: the frame's colour says it, larger)."""

    def __init__(self, h: int, w: int, n: int, k: int, scores: bool = True):
        self.h, self.w, self.n, self.k = h, w, n, k
        self.b = max(1, round(h / 10))                  # frame width
        self.gx = max(1, round(w / 6))                  # gap between tiles
        self.gy = max(3, round(0.35 * h)) if scores else self.gx  # room for the score under each tile
        self.top = max(3, round(0.4 * h))               # room for the titles above
        self.cw, self.ch = w + 2 * self.b + self.gx, h + 2 * self.b + self.gy
        self.rows = -(-n // COLS)
        self.real_x = COLS * self.cw + 2 * self.gx      # real column
        self.insp_x = self.real_x + self.cw + 3 * self.gx
        self.insp_w = ZOOM * w + 2 * self.b
        self.insp_h = ZOOM * h + 2 * self.b
        self.insp_y2 = self.insp_h + self.top + self.gx  # top of the neighbour, below its title
        self.walk_x = self.insp_x + self.insp_w + self.cw  # room for the inspector's text, in large fonts too
        self.walk_step = self.ch                        # the walk's column: an image beside each row
        self.width = self.walk_x + w + 2 * self.b
        self.height = max(max(self.rows, k) * self.ch, int(self.insp_y2 + self.insp_h + 3 * self.gy),
                          N_WALK * self.walk_step)

    def tile_origin(self, i: int) -> tuple[int, int]:
        r, c = divmod(i, COLS)
        return c * self.cw, r * self.ch

    def tile_at(self, x: float, y: float) -> int | None:
        if not (0 <= x < COLS * self.cw and 0 <= y < self.rows * self.ch):
            return None
        i = int(y // self.ch) * COLS + int(x // self.cw)
        return i if i < self.n else None

    def walk_at(self, x: float, y: float) -> int | None:
        """The walk's image under (x, y), if any."""
        if not (self.walk_x <= x < self.width and 0 <= y < N_WALK * self.walk_step):
            return None
        return int(y // self.walk_step)


def label_font(bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPixelSize(REF_PX)
    font.setBold(bold)
    return font


def fit(sample: str, width: float, height: float, bold: bool = False) -> float:
    """The scale at which `sample` (its longest line) fits in width x height image pixels."""
    fm = QtGui.QFontMetricsF(label_font(bold))
    lines = sample.split("\n")
    return min(width / max(fm.horizontalAdvance(t) for t in lines), height / (fm.lineSpacing() * len(lines)))


class MosaicText(QtWidgets.QGraphicsSimpleTextItem):
    """Text in the mosaic's own units (image pixels): it grows and shrinks with the tiles, so it fits
    at every window size, presentation mode's included. (Text of a fixed size on screen, such as
    pg.TextItem's, ran the scores under the tiles into each other on a 720-line screen.)
    Upright because the view box runs y downwards (invertY), as Qt's own text does.

    at, anchor: the point `anchor` of the text (0..1 of its width and height) sits at `at`."""

    def __init__(self, scale: float, at: tuple[float, float], anchor=(0.0, 0.0), bold: bool = False):
        super().__init__()
        self.setFont(label_font(bold))
        self.setBrush(QtGui.QColor(theme.TEXT))
        self.setCacheMode(theme.CACHED)  # drawn once per text and size, not once per frame
        self.setScale(scale)
        self.at, self.anchor = at, anchor

    def show_text(self, text: str) -> None:
        self.setText(text)
        r = self.boundingRect()
        self.setPos(self.at[0] - self.anchor[0] * r.width() * self.scale(),
                    self.at[1] - self.anchor[1] * r.height() * self.scale())


def framed(tiles: np.ndarray, colours: np.ndarray, b: int) -> np.ndarray:
    """(n, h, w, c) uint8 tiles -> (n, h+2b, w+2b, 3) with a frame of colours (n, 3)."""
    n, h, w, c = tiles.shape
    out = np.empty((n, h + 2 * b, w + 2 * b, 3), np.uint8)
    out[:] = colours[:, None, None, :]
    out[:, b:b + h, b:b + w] = tiles if c == 3 else tiles[..., :1]
    return out


def grid(cells: np.ndarray, cols: int, cw: int, ch: int) -> np.ndarray:
    """(n, fh, fw, 3) framed tiles -> one (rows*ch, cols*cw, 3) image on white, row-major."""
    n, fh, fw, _ = cells.shape
    rows = -(-n // cols)
    canvas = np.full((rows * cols, ch, cw, 3), 255, np.uint8)
    canvas[:n, :fh, :fw] = cells
    return canvas.reshape(rows, cols, ch, cw, 3).transpose(0, 2, 1, 3, 4).reshape(rows * ch, cols * cw, 3)


def rgb(hex_colour: str) -> np.ndarray:
    c = QtGui.QColor(hex_colour)
    return np.array([[c.red(), c.green(), c.blue()]], np.uint8)


class ImageGridView(View):
    kind = "image"
    title = "Samples on fixed noise"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw)
        self.vb = self.glw.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMouse=False)
        self.vb.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image)
        self.lut = theme.d_colormap().getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
        self.select_box = self._box(theme.ACCENT, QtCore.Qt.PenStyle.SolidLine)
        self.end_box = self._box(theme.DISC, QtCore.Qt.PenStyle.DashLine)
        self._build_bars()
        self.a_scores = self.add_toggle("D scores", "D's score under each tile (its frame's colour shows it too)",
                                        True, self._scores_toggled)
        self.a_walk = self.add_toggle("Latent walk", "G along the path from the selected tile's z to another's "
                                      "(shift-click a tile to choose it): spherical for a Gaussian prior",
                                      True, self._walk_toggled)
        self.score_items: list[MosaicText] = []
        self.titles: list[MosaicText] = []
        self.lay: Layout | None = None
        self.selected = 0
        self.walk_end = WALK_END
        self.compact = False
        self.presenting = False
        self._texts: list[str] = []
        self._canvas: np.ndarray | None = None
        self._last = None
        self._bars_key = None
        self._asked_bars = False
        self.glw.scene().sigMouseClicked.connect(self._clicked)
        self.glw.scene().sigMouseMoved.connect(self.hovered)

    def _box(self, colour: str, style) -> QtWidgets.QGraphicsRectItem:
        box = QtWidgets.QGraphicsRectItem()
        pen = pg.mkPen(colour, width=3)
        pen.setStyle(style)
        box.setPen(pen)
        box.setZValue(10)
        self.vb.addItem(box)
        return box

    def _build_bars(self) -> None:
        """The class bars: a plot beside the mosaic, as wide as BARS_PX, with a note of NOTE_LINES lines on
        the classifier under it (always that many lines: the layout keeps the room it was given first)."""
        column = self.glw.addLayout(row=0, col=1)
        self.bars = column.addPlot(row=0, col=0)
        theme.style_plot(self.bars, title="classes", bottom="share of samples", title_pt=theme.LABEL_PT)
        self.bars.invertY(True)
        axis = self.bars.getAxis("left")  # a fixed width from the start: the layout need not change with the names
        axis.setWidth(QtGui.QFontMetrics(axis.style["tickFont"]).horizontalAdvance("triangle") + 20)
        self.bars.setMouseEnabled(False, False)
        self._share_axis(0.3)
        self.g_bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=theme.brush(theme.GEN, 0.85),
                                      pen=pg.mkPen(None))
        self.real_bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=None,
                                         pen=pg.mkPen(theme.DATA, width=2))
        self.bars.addItem(self.g_bars)
        self.bars.addItem(self.real_bars)
        self.bars_message = pg.TextItem("", color=theme.TEXT, anchor=(0.0, 0.0))
        self.bars.addItem(self.bars_message)
        self.note_item = column.addLabel("", row=1, col=0, size=f"{theme.FONT_PT}pt", color=theme.TEXT,
                                         justify="left")
        self._note("")
        self.glw.ci.layout.setColumnFixedWidth(1, BARS_PX)
        self.glw.ci.layout.setColumnStretchFactor(0, 1)

    def new_run(self) -> None:
        self.lay = None
        self._bars_key = None

    # ------------------------------------------------------------------ layout (once per shape)
    def _build(self, snap) -> None:
        n, h, w, _ = snap.fake_u8.shape
        k = len(snap.real_u8)
        self.lay = lay = Layout(h, w, n, k, scores=not self.presenting)
        self._canvas = np.full((lay.height, lay.width, 3), 255, np.uint8)
        for item in self.score_items + self.titles:
            self.vb.removeItem(item)
        score_scale = fit("0.00", 0.92 * lay.cw, 0.95 * lay.gy)
        self.score_items = []
        for i in range(n):
            x, y = lay.tile_origin(i)
            t = MosaicText(score_scale, at=(x + (w + 2 * lay.b) / 2, y + h + 2 * lay.b), anchor=(0.5, 0.0))
            self.vb.addItem(t)
            self.score_items.append(t)
        self._texts = [""] * n
        room = lay.walk_x - lay.insp_x  # beside the inspector, up to the walk's column
        walk_room = lay.width - lay.insp_x - lay.insp_w - lay.gx  # the walk's title ends at the mosaic's edge
        what = "G(z, class): a row per class" if snap.asked is not None else "G(z) for fixed z"
        titles = ((f"{what} \u2014 under each: D(G(z))" if not self.presenting
                   else f"{what} \u2014 frame: D(G(z))", 0, 0, COLS * lay.cw, 0.0),
                  ("real", lay.real_x, 0, lay.insp_x - lay.real_x, 0.0),
                  ("selected G(z)", lay.insp_x, 0, lay.insp_w + lay.gx, 0.0),
                  ("nearest real" if snap.nn_of is None else f"nearest of {snap.nn_of:,} real", lay.insp_x,
                   lay.insp_y2, room, 0.0),
                  ("walk 64 \u2192 64", lay.width, 0, walk_room, 1.0))
        title_scale = min(fit(text, 0.95 * width, 0.9 * lay.top, bold=True) for text, _, _, width, _ in titles)
        self.titles = []
        for text, x, y, _, right in titles:
            t = MosaicText(title_scale, at=(x, y - 0.1 * lay.top), anchor=(right, 1.0), bold=True)
            t.show_text(text)
            self.vb.addItem(t)
            self.titles.append(t)
        self.walk_title = self.titles[-1]
        self.walk_title.show_text("latent walk")
        below = lay.height - lay.insp_y2 - lay.insp_h  # room under the nearest real image
        self.nn_label = MosaicText(fit("RMS distance 0.000\n(tile 64, D = 0.00)\nclass triangle (p = 0.00)",
                                       room, 0.9 * below), at=(lay.insp_x, lay.insp_y2 + lay.insp_h + 0.1 * lay.gy))
        self.vb.addItem(self.nn_label)
        self.titles.append(self.nn_label)
        self.image.setImage(self._canvas, autoLevels=False, levels=(0, 255))
        self.selected = min(self.selected, n - 1)
        self.walk_end = min(self.walk_end, n - 1)
        self._place_boxes()
        self._frame()

    def set_compact(self, on: bool) -> None:
        self.compact = on
        if self.lay is not None:
            self._frame()
        else:
            self._show_bars(not on)

    def set_presenting(self, on: bool) -> None:
        """Presentation mode: the tiles larger, D's score told by each frame's colour (and the hover) only."""
        if on != self.presenting:
            self.presenting = on
            if self._last is not None:
                self.lay = None
                self.draw(self._last)

    def _show_bars(self, on: bool) -> None:
        self.bars.setVisible(on)
        self.note_item.setVisible(on)
        self.glw.ci.layout.setColumnFixedWidth(1, BARS_PX if on else 0)

    def _note(self, *lines: str) -> None:
        """The note under the bars: NOTE_LINES lines, blank ones filled in."""
        self.note = "<br>".join([*lines, *["&nbsp;"] * (NOTE_LINES - len(lines))])
        self.note_item.setText(self.note)

    def _frame(self) -> None:
        """The whole mosaic with its titles; compact: only G's tiles, framed by D's colour (no text)."""
        lay, compact = self.lay, self.compact
        if compact:
            self.vb.setRange(xRange=(0, COLS * lay.cw), yRange=(0, lay.rows * lay.ch), padding=0.02)
        else:
            self.vb.setRange(xRange=(0, lay.width), yRange=(-lay.top, lay.height), padding=0.01)
        for t in self.titles:
            t.setVisible(not compact)
        self._show_bars(not compact)
        self._place_boxes()
        self._scores_toggled()

    def _scores_toggled(self) -> None:
        for t in self.score_items:
            t.setVisible(self.a_scores.isChecked() and not self.compact and not self.presenting)

    def _walking(self) -> bool:
        return self.a_walk.isChecked() and not self.compact and self.walk_end != self.selected

    def _walk_toggled(self) -> None:
        self._place_boxes()
        self.request.emit(self.wanted())

    def wanted(self) -> dict:
        return {"walk": (self.selected, self.walk_end)} if self._walking() else {}

    def _place_boxes(self) -> None:
        lay = self.lay
        if lay is None:
            return
        for box, i, on in ((self.select_box, self.selected, not self.compact),
                           (self.end_box, self.walk_end, self._walking())):
            x, y = lay.tile_origin(i)
            box.setRect(QtCore.QRectF(x - 0.5, y - 0.5, lay.w + 2 * lay.b + 1, lay.h + 2 * lay.b + 1))
            box.setVisible(on)

    def _clicked(self, event) -> None:
        if self.lay is None:
            return
        p = self.vb.mapSceneToView(event.scenePos())
        i = self.lay.tile_at(p.x(), p.y())
        if i is None:
            return
        if event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            self.walk_to(i)
        else:
            self.select(i)

    def scene_to_data(self, pos) -> dict | None:
        """{"tile": i} for G's tile i under a scene position, {"walk": k} for the latent walk's image k (while the
        walk is shown), None elsewhere."""
        if self.lay is None:
            return None
        p = self.vb.mapSceneToView(pos)
        i = self.lay.tile_at(p.x(), p.y())
        if i is not None:
            return {"tile": i}
        k = self.lay.walk_at(p.x(), p.y())
        return {"walk": k} if k is not None and self.walk_frames() is not None else None

    def select(self, i: int) -> None:
        """Inspect tile i: show it large beside its nearest training image; the latent walk starts there."""
        self.selected = i
        self._moved()

    def walk_to(self, i: int) -> None:
        """The latent walk ends at tile i (and is shown)."""
        self.walk_end = i
        self.a_walk.setChecked(True)
        self._moved()

    def _moved(self) -> None:
        if self.lay is not None:
            self._place_boxes()
            if self._last is not None:
                self.draw(self._last)
        self.request.emit(self.wanted())

    # ------------------------------------------------------------------ per frame
    def draw(self, snap) -> None:
        fake, d = snap.fake_u8, np.nan_to_num(snap.d_fake, nan=0.5)
        if self.lay is None or (self.lay.n, self.lay.h, self.lay.w) != fake.shape[:3]:
            self._build(snap)
        self._last = snap
        lay, canvas = self.lay, self._canvas
        colours = self.lut[np.clip((d * 255).astype(np.int64), 0, 255)]
        cells = framed(fake, colours, lay.b)
        fake_grid = grid(cells, COLS, lay.cw, lay.ch)
        canvas[:fake_grid.shape[0], :fake_grid.shape[1]] = fake_grid
        if not self.compact:  # compact: G's tiles only
            real = snap.real_u8
            grey = np.full((len(real), 3), 150, np.uint8)
            column = grid(framed(real, grey, lay.b), 1, lay.cw, lay.ch)
            canvas[:column.shape[0], lay.real_x:lay.real_x + column.shape[1]] = column
            self._draw_inspector(snap, colours)
            self._draw_walk(snap)
            self._draw_bars(snap)
        self.image.setImage(canvas, autoLevels=False, levels=(0, 255))
        if self.a_scores.isChecked() and not self.presenting:
            for i, item in enumerate(self.score_items):
                text = f"{d[i]:.2f}"
                if text != self._texts[i]:  # setText re-lays out text: only when the shown value changes
                    self._texts[i] = text
                    item.show_text(text)

    def _draw_inspector(self, snap, colours: np.ndarray) -> None:
        lay, i = self.lay, self.selected
        big = lambda t: np.repeat(np.repeat(t, ZOOM, 0), ZOOM, 1)  # noqa: E731
        x0 = lay.insp_x
        sel = framed(big(snap.fake_u8[i])[None], colours[i:i + 1], lay.b)[0]
        self._canvas[0:lay.insp_h, x0:x0 + lay.insp_w] = sel
        nn = framed(big(snap.nn_u8[i])[None], rgb(theme.ACCENT), lay.b)[0]
        self._canvas[lay.insp_y2:lay.insp_y2 + lay.insp_h, x0:x0 + lay.insp_w] = nn
        text = f"RMS distance {float(snap.nn_dist[i]):.3f}\n(tile {i + 1}, D = {float(snap.d_fake[i]):.2f})"
        if snap.tile_class is not None:
            text += f"\nclass {snap.classes[int(snap.tile_class[i])]} (p = {float(snap.tile_sure[i]):.2f})"
        self.nn_label.show_text(text)

    def _draw_walk(self, snap) -> None:
        lay = self.lay
        column = self._canvas[:, lay.walk_x:lay.width]
        column[:] = 255
        walk = snap.walk_u8 if self._walking() and snap.walk == (self.selected, self.walk_end) else None
        self.walk_title.show_text("latent walk" if walk is None else
                                f"walk {snap.walk[0] + 1} \u2192 {snap.walk[1] + 1}")
        if walk is None:
            return
        frames = np.repeat(rgb("#bbbbbb"), len(walk), 0)
        frames[0], frames[-1] = rgb(theme.ACCENT)[0], rgb(theme.DISC)[0]  # its ends, as the grid marks them
        for k, cell in enumerate(framed(walk, frames, lay.b)):
            column[k * lay.walk_step:k * lay.walk_step + cell.shape[0], :cell.shape[1]] = cell

    def _draw_bars(self, snap) -> None:
        key = (snap.classes, None if snap.class_shares is None else snap.class_shares.tobytes(), snap.confident,
               None if snap.asked_hits is None else snap.asked_hits.tobytes())
        if key == self._bars_key:
            return  # unchanged (a paused run): nothing to lay out again
        self._bars_key = key
        if snap.classes is None or snap.class_shares is None:
            self.g_bars.setOpts(x0=[], y=[], width=[])
            self.real_bars.setOpts(x0=[], y=[], width=[])
            self.bars.getAxis("left").setTicks([[]])
            self.bars.setYRange(0, 1, padding=0)
            self.bars_message.setPos(0.005, 0.02)
            self.bars_message.setText(NO_LABELS if snap.classes is None else "training the classifier\u2026")
            self._note()
            return
        k = np.arange(len(snap.classes))
        self.bars_message.setText("")
        asked = snap.asked_hits is not None  # a conditional G: how often each class asked for is what it reads as
        if asked != self._asked_bars:  # the title and axis of what the bars count
            self._asked_bars = asked
            self.bars.setTitle("read as asked" if asked else "classes", size=f"{theme.LABEL_PT}pt", color=theme.TEXT,
                               bold=True)
            self.bars.setLabel("bottom", "share of class asked" if asked else "share of samples",
                               **{"font-size": f"{theme.LABEL_PT}pt", "color": theme.TEXT})
        self.g_bars.setOpts(x0=np.zeros(len(k)), y=k, width=snap.asked_hits if asked else snap.class_shares)
        self.real_bars.setOpts(x0=np.zeros(len(k)), y=k, width=snap.real_shares if not asked else np.zeros(len(k)))
        axis = self.bars.getAxis("left")
        metrics = QtGui.QFontMetrics(axis.style["tickFont"])
        names = [metrics.elidedText(name, QtCore.Qt.TextElideMode.ElideRight, NAME_PX) for name in snap.classes]
        axis.setTicks([list(zip(k.tolist(), names))])
        top = 1.0 if asked else float(max(snap.class_shares.max(), snap.real_shares.max()))
        self._share_axis(max(0.3, min(1.0, 1.15 * top)))
        self.bars.setYRange(-0.6, len(k) - 0.4, padding=0)
        first = (f"<span style='color:{theme.GEN}'>G asked for each class</span>" if asked else
                 f"<span style='color:{theme.GEN}'>filled: G</span>, outline: data")
        self._note(first, f"classifier {100 * snap.classifier_acc:.0f}% right on", "held-out images; sure of",
                   f"{100 * snap.real_confident:.0f}% of them, {100 * snap.confident:.0f}% of G's")

    def _share_axis(self, right: float) -> None:
        """Shares from 0 to `right`, with two or three ticks: pyqtgraph's own ran into each other in BARS_PX."""
        self.bars.setXRange(0, right, padding=0)
        step = next(s for s in (0.1, 0.2, 0.25, 0.5) if right / s <= 2.5)
        self.bars.getAxis("bottom").setTicks([[(v, f"{v:g}") for v in np.arange(0, right + 1e-9, step)], []])

    @property
    def picture(self):
        """The picture drawn last (None before the first)."""
        return self._last

    def mosaic(self) -> np.ndarray | None:
        """The mosaic as shown, (height, width, 3) uint8 in image pixels (a read-only view; None before a picture)."""
        if self._canvas is None:
            return None
        view = self._canvas.view()
        view.flags.writeable = False
        return view

    def walk_frames(self) -> np.ndarray | None:
        """The latent walk on screen, (N_WALK, H, W, C) uint8, or None (for export)."""
        snap = self._last
        if snap is None or snap.walk_u8 is None or not self._walking() or snap.walk != (self.selected, self.walk_end):
            return None
        return snap.walk_u8
