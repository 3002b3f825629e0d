"""The image view: G on a fixed 8 x 8 grid of noise, D's score on each tile, real samples, and the
nearest training image of the tile the user clicks (a copy would be memorisation).

Everything is one ImageItem: the mosaic is assembled with numpy each frame. The frame round each
tile is coloured by D's score (the heatmap's colours: blue = "fake", pink = "real").
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .. import theme
from .base import View

COLS = 8
ZOOM = 3  # the inspected tile and its neighbour are drawn this many times larger
REF_PX = 100  # labels are set in a font this many pixels tall, then scaled into image pixels


class Layout:
    """Where each part sits in the mosaic, in image pixels, for tiles of h x w."""

    def __init__(self, h: int, w: int, n: int, k: int):
        self.h, self.w, self.n, self.k = h, w, n, k
        self.b = max(1, round(h / 10))                  # frame width
        self.gx = max(1, round(w / 6))                  # gap between tiles
        self.gy = max(5, round(0.6 * h))                # room for the score under each tile
        self.cw, self.ch = w + 2 * self.b + self.gx, h + 2 * self.b + self.gy
        self.rows = -(-n // COLS)
        self.real_x = COLS * self.cw + 2 * self.gx      # real column
        self.insp_x = self.real_x + self.cw + 3 * self.gx
        self.insp_w = ZOOM * w + 2 * self.b
        self.insp_h = ZOOM * h + 2 * self.b
        self.width = self.insp_x + self.insp_w
        self.insp_y2 = self.insp_h + self.gy + 2 * self.gx  # top of the neighbour
        self.height = max(max(self.rows, k) * self.ch, self.insp_y2 + self.insp_h + 3 * self.gy)
        self.margin = self.insp_w // 2  # blank room right of the inspector, for its labels

    def tile_origin(self, i: int) -> tuple[int, int]:
        r, c = divmod(i, COLS)
        return c * self.cw, r * self.ch

    def tile_at(self, x: float, y: float) -> int | None:
        if not (0 <= x < COLS * self.cw and 0 <= y < self.rows * self.ch):
            return None
        i = int(y // self.ch) * COLS + int(x // self.cw)
        return i if i < self.n else None


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
        self.select_box = QtWidgets.QGraphicsRectItem()
        self.select_box.setPen(pg.mkPen(theme.ACCENT, width=3))
        self.select_box.setZValue(10)
        self.vb.addItem(self.select_box)
        self.a_scores = self.add_toggle("D scores", "D's score under each tile (its frame's colour shows it too)",
                                        True, self._scores_toggled)
        self.score_items: list[MosaicText] = []
        self.titles: list[MosaicText] = []
        self.lay: Layout | None = None
        self.selected = 0
        self._texts: list[str] = []
        self._canvas: np.ndarray | None = None
        self._last: dict | None = None
        self.glw.scene().sigMouseClicked.connect(self._clicked)

    def new_run(self) -> None:
        self.lay = None

    # ------------------------------------------------------------------ layout (once per shape)
    def _build(self, snap) -> None:
        n, h, w, _ = snap.fake_u8.shape
        k = len(snap.real_u8)
        self.lay = lay = Layout(h, w, n, k)
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
        titles = (("G(z) for fixed z \u2014 number: D(G(z))", 0, 0, COLS * lay.cw),
                  ("real", lay.real_x, 0, lay.insp_x - lay.real_x),
                  ("selected G(z)", lay.insp_x, 0, lay.insp_w + lay.margin),
                  ("nearest real", lay.insp_x, lay.insp_y2, lay.insp_w + lay.margin))
        title_scale = min(fit(text, 0.95 * room, 1.3 * lay.gy, bold=True) for text, _, _, room in titles)  # one size
        self.titles = []
        for text, x, y, _ in titles:
            t = MosaicText(title_scale, at=(x, y - 0.1 * lay.gy), anchor=(0.0, 1.0), bold=True)
            t.show_text(text)
            self.vb.addItem(t)
            self.titles.append(t)
        below = lay.height - lay.insp_y2 - lay.insp_h  # room under the nearest real image
        self.nn_label = MosaicText(fit("RMS distance 0.000\n(tile 64, D = 0.00)", lay.insp_w + lay.margin, below),
                                   at=(lay.insp_x, lay.insp_y2 + lay.insp_h + 0.2 * lay.gy))
        self.vb.addItem(self.nn_label)
        self.titles.append(self.nn_label)
        self.image.setImage(self._canvas, autoLevels=False, levels=(0, 255))
        self.selected = min(self.selected, n - 1)
        self._place_selection()
        self._frame()

    def set_compact(self, on: bool) -> None:
        self.compact = on
        if self.lay is not None:
            self._frame()

    def _frame(self) -> None:
        """The whole mosaic with its titles; compact: only G's tiles, framed by D's colour (no text)."""
        lay, compact = self.lay, getattr(self, "compact", False)
        if compact:
            self.vb.setRange(xRange=(0, COLS * lay.cw), yRange=(0, lay.rows * lay.ch), padding=0.02)
        else:
            self.vb.setRange(xRange=(0, lay.width + lay.margin), yRange=(-1.6 * lay.gy, lay.height), padding=0.02)
        for t in self.titles:
            t.setVisible(not compact)
        self.select_box.setVisible(not compact)
        self._scores_toggled()

    def _scores_toggled(self) -> None:
        for t in self.score_items:
            t.setVisible(self.a_scores.isChecked() and not getattr(self, "compact", False))

    def _place_selection(self) -> None:
        lay = self.lay
        x, y = lay.tile_origin(self.selected)
        self.select_box.setRect(QtCore.QRectF(x - 0.5, y - 0.5, lay.w + 2 * lay.b + 1, lay.h + 2 * lay.b + 1))

    def _clicked(self, event) -> None:
        if self.lay is None:
            return
        p = self.vb.mapSceneToView(event.scenePos())
        i = self.lay.tile_at(p.x(), p.y())
        if i is not None:
            self.select(i)

    def select(self, i: int) -> None:
        """Inspect tile i: show it large beside its nearest training image."""
        self.selected = i
        if self.lay is not None:
            self._place_selection()
            if self._last is not None:
                self.draw(self._last)

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
        if not getattr(self, "compact", False):  # compact: G's tiles only
            real = snap.real_u8
            grey = np.full((len(real), 3), 150, np.uint8)
            column = grid(framed(real, grey, lay.b), 1, lay.cw, lay.ch)
            canvas[:column.shape[0], lay.real_x:lay.real_x + column.shape[1]] = column
            self._draw_inspector(snap, colours)
        self.image.setImage(canvas, autoLevels=False, levels=(0, 255))
        if self.a_scores.isChecked():
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
        accent = np.array([[0xd9, 0x5f, 0x02]], np.uint8)
        nn = framed(big(snap.nn_u8[i])[None], accent, lay.b)[0]
        self._canvas[lay.insp_y2:lay.insp_y2 + lay.insp_h, x0:x0 + lay.insp_w] = nn
        dist = float(snap.nn_dist[i])
        self.nn_label.show_text(f"RMS distance {dist:.3f}\n(tile {i + 1}, D = {float(snap.d_fake[i]):.2f})")
