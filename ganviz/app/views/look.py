"""How the views' items look in presentation mode and the dark theme: legible from the back row of a lecture hall.

Presenting: every font of the views and curves `scale` times larger, every line at least 3 px, symbols larger,
a high-contrast light look (black text and axes). Dark: a dark background with light text and lighter curve
colours. A Styler restyles every item of one view's scene: each item's original look is remembered the first
time it is seen and every change is computed from that original, so going back to the plain look restores
exactly what was. Items made later (curve markers, a new data kind's metric curve) are styled by style_new().
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from .. import theme

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
MIN_PEN = 3       # px: no line thinner than this on a projector
PT = re.compile(r"(\d+(?:\.\d+)?)pt")

LIGHT = {theme.TEXT: "#000000", theme.MUTED: "#303030", "#555555": "#303030", "#888888": "#404040"}
DARK = {theme.DATA: "#f0f0f0", theme.TEXT: "#eeeeee", theme.MUTED: "#c0c0c0", "#555555": "#c0c0c0",
        "#888888": "#b0b0b0", "#444444": "#d0d0d0", theme.GEN: "#4fd67a", theme.DISC: "#7fb8ff",
        "#0b4d22": "#b8f5c8", "#7b3294": "#d39bf0", "#bbbbbb": "#666666", "#ffffff": "#222222",
        "#202020": "#eeeeee", "#000000": "#ffffff"}
DARK_BG = "#121212"


@dataclass(frozen=True)
class Look:
    """presenting: the high-contrast look with thick lines; dark: the dark theme; scale: the views' fonts and
    symbols; text_scale: the window's own text (its panels, toolbar and status bar)."""
    presenting: bool = False
    dark: bool = False
    scale: float = 1.0
    text_scale: float = 1.0

    @property
    def plain(self) -> bool:
        return not (self.presenting or self.dark)

    def colours(self) -> dict:
        return DARK if self.dark else LIGHT if self.presenting else {}


PLAIN = Look()


def sized(text: str, scale: float) -> str:
    """Every "<n>pt" in a style sheet or a size, times scale."""
    return PT.sub(lambda m: f"{float(m.group(1)) * scale:g}pt", text)


def _recolour(colour: QtGui.QColor, mapping: dict) -> QtGui.QColor:
    new = mapping.get(colour.name().lower())
    if new is None:
        return QtGui.QColor(colour)
    out = QtGui.QColor(new)
    out.setAlpha(colour.alpha())
    return out


def _pen(pen, width_scale: bool, mapping: dict) -> QtGui.QPen:
    p = QtGui.QPen(pg.mkPen(pen))
    if p.style() == QtCore.Qt.PenStyle.NoPen:
        return p
    if width_scale:
        p.setWidth(max(MIN_PEN, round(max(p.widthF(), 1.0) * 1.5)))
    p.setColor(_recolour(p.color(), mapping))
    return p


def _brush(brush, mapping: dict):
    if brush is None:
        return None
    b = QtGui.QBrush(pg.mkBrush(brush))
    b.setColor(_recolour(b.color(), mapping))
    return b


def _over_image(item) -> bool:
    vb = item.getViewBox()
    return vb is not None and any(isinstance(i, pg.ImageItem) for i in getattr(vb, "addedItems", ()))


class Styler:
    """The look of every item of one graphics scene (a view's, or the curves')."""

    def __init__(self, glw: pg.GraphicsLayoutWidget):
        self.glw = glw
        self.look = PLAIN
        self._orig: dict = {}     # id(item) -> (item, original look)
        self._n_items = -1        # the scene's items when last styled

    def apply(self, look: Look) -> None:
        """Restyle every item from its original look for this look."""
        self.look = look
        self.glw.setBackground(DARK_BG if look.dark else "w")
        items = self.glw.scene().items()
        for item in items:
            self.style(item)
        self._n_items = len(items)

    def style_new(self) -> None:
        """Style the items made since the last call (nothing to do in the plain look)."""
        if self.look.plain:
            return
        items = self.glw.scene().items()
        if len(items) != self._n_items:
            self._n_items = len(items)
            for item in items:
                if id(item) not in self._orig:
                    self.style(item)

    def _remember(self, item, look: dict) -> dict:
        return self._orig.setdefault(id(item), (item, look))[1]

    def style(self, item) -> None:
        look = self.look
        scale, thick, m = (look.scale if look.presenting else 1.0), look.presenting, look.colours()
        if isinstance(item, pg.PlotDataItem):
            o = self._remember(item, {"pen": pg.mkPen(item.opts["pen"]), "size": item.opts.get("symbolSize", 7),
                                      "sbrush": item.opts.get("symbolBrush")})
            item.setPen(_pen(o["pen"], thick, m))
            if item.opts.get("symbol") is not None:
                item.setSymbolSize(o["size"] * scale)
                if o["sbrush"] is not None:
                    item.setSymbolBrush(_brush(o["sbrush"], m))
        elif isinstance(item, pg.ScatterPlotItem) and not isinstance(item.parentItem(), pg.PlotDataItem):
            o = self._remember(item, {"size": item.opts["size"], "pen": pg.mkPen(item.opts["pen"]),
                                      "brush": item.opts["brush"]})
            item.setSize(o["size"] * scale)
            if _over_image(item):  # points on D's pale heatmap keep their dark colours in either theme
                m = LIGHT if m is DARK else m
            item.setPen(_pen(o["pen"], False, m))
            if o["brush"] is not None:
                item.setBrush(_brush(o["brush"], m))
        elif isinstance(item, pg.InfiniteLine):
            o = self._remember(item, {"pen": QtGui.QPen(item.pen)})
            item.setPen(_pen(o["pen"], thick, m))
        elif isinstance(item, pg.AxisItem):
            self._style_axis(item, scale, thick, m)
        elif isinstance(item, pg.LegendItem):
            o = self._remember(item, {"size": item.opts["labelTextSize"], "brush": item.opts["brush"]})
            item.opts["labelTextSize"] = sized(o["size"], scale)
            item.setBrush(_brush(o["brush"], m))
        elif isinstance(item, pg.LabelItem):
            current = {"size": item.opts.get("size"), "color": item.opts.get("color"), "text": item.text}
            o = self._remember(item, current)
            if o.get("set") is not None and item.text != o["set"]:  # its owner gave it new text since
                o.update(current)
            colour = o["color"] if o["color"] is not None else theme.TEXT
            args = {"color": _recolour(pg.mkColor(colour), m).name()}
            if o["size"]:
                args["size"] = sized(o["size"], scale)
            # rich-text titles colour their words (the title is the legend): recolour those too
            text = HEX.sub(lambda h: _recolour(QtGui.QColor(h.group(0)), m).name(), o["text"])
            item.setText(text, **args)
            o["set"] = text
        elif isinstance(item, pg.TextItem):
            o = self._remember(item, {"font": QtGui.QFont(item.textItem.font())})
            f = QtGui.QFont(o["font"])
            f.setPointSizeF(max(f.pointSizeF(), 9) * scale)
            item.setFont(f)

    def _style_axis(self, ax: pg.AxisItem, scale: float, thick: bool, m: dict) -> None:
        font = ax.style.get("tickFont")
        o = self._remember(ax, {"font": QtGui.QFont(font) if font is not None else None,
                                "label": dict(ax.labelStyle), "pen": QtGui.QPen(ax.pen()),
                                "text": QtGui.QPen(ax.textPen()), "width": ax.fixedWidth,
                                "height": ax.fixedHeight})
        f = QtGui.QFont(o["font"]) if o["font"] is not None else QtGui.QFont()
        if o["font"] is None:
            f.setPointSize(theme.AXIS_PT)
        if scale != 1.0 or o["font"] is not None:
            f.setPointSizeF(f.pointSizeF() * scale)
            ax.setStyle(tickFont=f)
        pen = QtGui.QPen(o["pen"])
        pen.setColor(_recolour(pen.color(), m))
        if thick:
            pen.setWidth(2)
        ax.setPen(pen)
        text = QtGui.QPen(o["text"])
        text.setColor(_recolour(text.color(), m))
        ax.setTextPen(text)
        style = dict(o["label"])
        if "font-size" in style:
            style["font-size"] = sized(style["font-size"], scale)
        if "color" in style:
            style["color"] = _recolour(pg.mkColor(style["color"]), m).name()
        if ax.labelText or ax.labelUnits:
            ax.setLabel(ax.labelText, ax.labelUnits, **style)  # the label's text again, in its new style
        else:
            ax.labelStyle = style
        if o["width"] is not None:
            ax.setWidth(int(o["width"] * scale))
        if o["height"] is not None:
            ax.setHeight(int(o["height"] * scale))
        ax.picture = None
        ax.update()
