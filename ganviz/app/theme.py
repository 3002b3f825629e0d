"""One light, projector-friendly look for every view: white background, dark text, big fonts.

Colours follow the 2014 paper's Figure 1 (data black, G green, D blue) so a viewer who learnt
the picture from the paper reads every view the same way.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache

DATA = "#1b1b1b"       # p_data, real samples
GEN = "#1a9641"        # p_g, generated samples
DISC = "#2166ac"       # D(x)
ACCENT = "#d95f02"     # G's loss, arrows, selection
MUTED = "#6b6b6b"
TEXT = "#202020"
GRID_ALPHA = 0.18      # where a grid is asked for

FONT_PT = 11           # widgets
AXIS_PT = 12           # tick labels
LABEL_PT = 13          # axis labels, legends
TITLE_PT = 14

# One colour per run of a comparison (panel frames, curves, legend): ColorBrewer's Dark2 and Set1,
# dark enough to read as text on white and as lines on D's pale heatmap.
RUN_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
               "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999")


def run_colour(i: int) -> str:
    return RUN_COLOURS[i % len(RUN_COLOURS)]


def setup() -> None:
    """Global pyqtgraph options; call once before any plot is built."""
    pg.setConfigOptions(background="w", foreground=TEXT, antialias=True, imageAxisOrder="row-major",
                        useOpenGL=False, exitCleanup=False)


def pen(color: str, width: int = 2, style: str = "solid") -> QtGui.QPen:
    """Whole-pixel widths only: Qt strokes a 1.3 px antialiased line about five times slower than 1 px."""
    p = pg.mkPen(color, width=int(width))
    p.setStyle({"solid": pg.QtCore.Qt.PenStyle.SolidLine, "dash": pg.QtCore.Qt.PenStyle.DashLine,
                "dot": pg.QtCore.Qt.PenStyle.DotLine}[style])
    if style != "solid":
        p.setCapStyle(pg.QtCore.Qt.PenCapStyle.FlatCap)
    return p


def brush(color: str, alpha: float = 1.0) -> QtGui.QBrush:
    c = QtGui.QColor(color)
    c.setAlphaF(alpha)
    return QtGui.QBrush(c)


def style_plot(plot: pg.PlotItem, title: str | None = None, left: str | None = None,
               bottom: str | None = None, grid: bool = False, title_pt: int = TITLE_PT) -> None:
    """Big tick labels and axis titles: readable from the back of a lecture hall.

    No grid by default: pyqtgraph draws it as translucent lines through the axis item, which made
    each axis repaint cost ~8 ms instead of ~1.5 ms -- most of a frame at 30 frames/s."""
    tick_font = QtGui.QFont()
    tick_font.setPointSize(AXIS_PT)
    for name in ("left", "bottom", "right"):
        ax = plot.getAxis(name)
        ax.setStyle(tickFont=tick_font, tickTextOffset=4, tickLength=-6)
        ax.setTextPen(TEXT)
        ax.setPen(pg.mkPen(MUTED, width=1))
        ax.enableAutoSIPrefix(False)  # "density (x0.001)" confuses more than it helps
        # Axis text is the costliest thing pyqtgraph paints (~1.5 ms an axis); a pixmap cache makes
        # repainting an unchanged axis a blit. The cache is dropped whenever the ticks change.
        ax.setCacheMode(CACHED)
        ax.label.setCacheMode(CACHED)
    label_style = {"font-size": f"{LABEL_PT}pt", "color": TEXT}
    if left:
        plot.setLabel("left", left, **label_style)
    if bottom:
        plot.setLabel("bottom", bottom, **label_style)
    if title:
        plot.setTitle(title, size=f"{title_pt}pt", color=TEXT, bold=True)
        plot.titleLabel.setCacheMode(CACHED)
    if grid:
        plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def coloured(*parts: tuple[str, str | None]) -> str:
    """Rich text from (text, colour) parts: a title that doubles as the legend."""
    return "".join(t if c is None else f'<span style="color:{c}">{t}</span>' for t, c in parts)


def legend(plot: pg.PlotItem, offset=(10, 10), columns: int = 1) -> pg.LegendItem:
    leg = plot.addLegend(offset=offset, labelTextSize=f"{LABEL_PT}pt", labelTextColor=TEXT,
                         brush=brush("#ffffff", 0.85), pen=pg.mkPen("#bbbbbb"), colCount=columns)
    leg.setCacheMode(CACHED)
    return leg


def d_colormap() -> pg.ColorMap:
    """D(x) from 0 (sure: fake) to 1 (sure: real): pale blue, white at 1/2, pale purple-red.
    Pale ends keep black and green points readable on top of any D."""
    def lighten(hex_color: str, amount: float) -> tuple[int, int, int]:
        c = QtGui.QColor(hex_color)
        rgb = np.array([c.red(), c.green(), c.blue()], float)
        return tuple(int(v) for v in rgb + (255 - rgb) * amount)
    stops = [0.0, 0.5, 1.0]
    colors = [lighten("#3a78c2", 0.5), (255, 255, 255), lighten("#c2378e", 0.45)]
    return pg.ColorMap(stops, colors)
