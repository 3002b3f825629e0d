"""Presentation mode (P) and the dark theme: legible from the back row of a lecture hall.

Presentation: full screen, every font 1.7x (on a 1080-line screen; proportionally less on a shorter
one), every line at least 3 px, symbols larger, a high-contrast light look (black text and axes), side
panels hidden (H shows them again), and image tiles larger (their frames' colours give D's scores: the
text under each would crowd them).
Dark theme (View > Dark theme): a dark background with light text and lighter curve colours.

The views are restyled from outside by walking their scenes, so no view needs to know about it:
each item's original look is remembered the first time it is seen, and every change is computed
from that original, so leaving presentation mode (or the dark theme) restores exactly what was.
Items made later (curve markers, a new data kind's metric curve) are styled when they first appear.
"""
from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .. import theme

SCALE = 1.7       # fonts and symbols of the views and curves in presentation mode
WIDGET_SCALE = 1.3  # the window's own text (toolbar, panels, status bar): all its buttons must still fit
SCALED_FOR = 1080   # screen lines the scales are for. A back row reads text by its share of the
                    # projected picture: a 720-line projector needs 2/3 of the pixels (at 1.7x there,
                    # the fonts took the view's room: a 110 px plot under a 180 px caption)
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
MIN_PEN = 3       # px: no line thinner than this on a projector
PT = re.compile(r"(\d+(?:\.\d+)?)pt")

LIGHT = {theme.TEXT: "#000000", theme.MUTED: "#303030", "#555555": "#303030", "#888888": "#404040"}
DARK = {theme.DATA: "#f0f0f0", theme.TEXT: "#eeeeee", theme.MUTED: "#c0c0c0", "#555555": "#c0c0c0",
        "#888888": "#b0b0b0", "#444444": "#d0d0d0", theme.GEN: "#4fd67a", theme.DISC: "#7fb8ff",
        "#0b4d22": "#b8f5c8", "#7b3294": "#d39bf0", "#bbbbbb": "#666666", "#ffffff": "#222222",
        "#202020": "#eeeeee", "#000000": "#ffffff"}
DARK_BG, DARK_WIDGET = "#121212", "#202020"


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


def scales(screen_lines: int) -> tuple[float, float]:
    """(views and curves, the window's own text): the font scales for presenting on a screen this tall."""
    share = min(1.0, screen_lines / SCALED_FOR)
    return max(1.0, SCALE * share), max(1.0, WIDGET_SCALE * share)


def _size(text: str, scale: float) -> str:
    return PT.sub(lambda m: f"{float(m.group(1)) * scale:g}pt", text)


class Presenter(QtCore.QObject):
    changed = QtCore.Signal()

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.presenting = False
        self.dark = False
        self.scale, self.widget_scale = 1.0, 1.0  # while presenting: scales() of the window's screen
        self._orig: dict = {}          # id(item) -> (item, original look)
        self._widgets: dict = {}       # widget -> original style sheet
        self._app_font: QtGui.QFont | None = None
        self._app_palette: QtGui.QPalette | None = None
        self._before: dict = {}
        self.act = win.add_action("Presentation mode", self.set_presenting, ["P"],
                               "full screen, large fonts, thick lines, a high-contrast look for a projector")
        self.act.setCheckable(True)
        self.act.triggered.disconnect()
        self.act.toggled.connect(self.set_presenting)
        self.act_dark = win.add_action("Dark theme", self.set_dark, [], "a dark background with light curves")
        self.act_dark.setCheckable(True)
        self.act_dark.triggered.disconnect()
        self.act_dark.toggled.connect(self.set_dark)
        self.act_panels = win.add_action("Hide side panels", self.toggle_panels, ["H"],
                                      "hide or show the story and the settings")
        self._n_items: dict = {}
        win.frame_drawn.connect(self._style_new_items)
        win.curves.installEventFilter(self)  # the curves retitle themselves on resize: restyle after

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and (self.presenting or self.dark):
            QtCore.QTimer.singleShot(0, self._restyle_titles)
        return False

    def _restyle_titles(self) -> None:
        for plot in self.win.curves.plots.values():
            self._style_item(plot.titleLabel)

    def install_ui(self, view_menu: QtWidgets.QMenu | None) -> None:
        if view_menu is not None:
            view_menu.addSeparator()
            for a in (self.act, self.act_dark, self.act_panels):
                view_menu.addAction(a)

    # ------------------------------------------------------------------ user
    def toggle_panels(self) -> None:
        docks = (self.win.story_dock, self.win.controls_dock)
        show = not any(d.isVisible() for d in docks)
        for d in docks:
            d.setVisible(show)
        self.act_panels.setText("Hide side panels" if show else "Show side panels")

    def set_presenting(self, on: bool) -> None:
        if self.act.isChecked() != on:
            self.act.setChecked(on)
            return
        if on == self.presenting:
            return
        win = self.win
        if on:
            self._before = {"full": win.isFullScreen(), "story": win.story_dock.isVisible(),
                            "controls": win.controls_dock.isVisible()}
            self.presenting = True
            self.scale, self.widget_scale = scales(win.screen().geometry().height())
            win.story_dock.hide()
            win.controls_dock.hide()
            self.act_panels.setText("Show side panels")
            win.setWindowState(win.windowState() | QtCore.Qt.WindowState.WindowFullScreen)
        else:
            self.presenting = False
            b = self._before
            win.story_dock.setVisible(b.get("story", True))
            win.controls_dock.setVisible(b.get("controls", True))
            self.act_panels.setText("Hide side panels")
            if not b.get("full", False):  # the full-screen flag alone: a maximised window stays maximised
                win.setWindowState(win.windowState() & ~QtCore.Qt.WindowState.WindowFullScreen)
        if hasattr(win, "act_full"):
            win.act_full.setChecked(win.isFullScreen())
        self.apply()

    def set_dark(self, on: bool) -> None:
        if self.act_dark.isChecked() != on:
            self.act_dark.setChecked(on)
            return
        self.dark = on
        self.apply()

    # ------------------------------------------------------------------ styling
    def mapping(self) -> dict:
        return DARK if self.dark else LIGHT if self.presenting else {}

    def scenes(self) -> list[pg.GraphicsLayoutWidget]:
        return [v.glw for v in self.win.views.values()] + [self.win.curves.glw]

    def apply(self) -> None:
        """Restyle everything from its original look for the current (presenting, dark) state."""
        for view in self.win.views.values():  # first: a view may lay itself out anew (larger image tiles)
            view.set_presenting(self.presenting)
        self._style_app()
        self._style_widgets()
        for glw in self.scenes():
            glw.setBackground(DARK_BG if self.dark else "w")
            for item in glw.scene().items():
                self._style_item(item)
            self._n_items[id(glw)] = len(glw.scene().items())
        self.changed.emit()

    def _style_new_items(self, _snap=None) -> None:
        if not (self.presenting or self.dark):
            return
        for glw in self.scenes():
            items = glw.scene().items()
            if len(items) != self._n_items.get(id(glw)):
                self._n_items[id(glw)] = len(items)
                for item in items:
                    if id(item) not in self._orig:
                        self._style_item(item)

    def _style_app(self) -> None:
        app = QtWidgets.QApplication.instance()
        if self._app_font is None:
            self._app_font, self._app_palette = QtGui.QFont(app.font()), QtGui.QPalette(app.palette())
        font = QtGui.QFont(self._app_font)
        if self.presenting:
            font.setPointSizeF(self._app_font.pointSizeF() * self.widget_scale)
        app.setFont(font)
        app.setPalette(dark_palette() if self.dark else self._app_palette)

    def _style_widgets(self) -> None:
        scale = self.widget_scale if self.presenting else 1.0
        for w in [self.win, *self.win.findChildren(QtWidgets.QWidget)]:
            if w not in self._widgets:
                sheet = w.styleSheet()
                if "pt" not in sheet:
                    continue
                self._widgets[w] = sheet
            w.setStyleSheet(_size(self._widgets[w], scale))

    def _remember(self, item, look: dict) -> dict:
        return self._orig.setdefault(id(item), (item, look))[1]

    def _style_item(self, item) -> None:
        scale, thick, m = (self.scale if self.presenting else 1.0), self.presenting, self.mapping()
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
            item.opts["labelTextSize"] = _size(o["size"], scale)
            item.setBrush(_brush(o["brush"], m))
        elif isinstance(item, pg.LabelItem):
            look = {"size": item.opts.get("size"), "color": item.opts.get("color"), "text": item.text}
            o = self._remember(item, look)
            if o.get("set") is not None and item.text != o["set"]:  # its owner gave it new text since
                o.update(look)
            colour = o["color"] if o["color"] is not None else theme.TEXT
            args = {"color": _recolour(pg.mkColor(colour), m).name()}
            if o["size"]:
                args["size"] = _size(o["size"], scale)
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
            style["font-size"] = _size(style["font-size"], scale)
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


def _over_image(item) -> bool:
    vb = item.getViewBox()
    return vb is not None and any(isinstance(i, pg.ImageItem) for i in getattr(vb, "addedItems", ()))


def dark_palette() -> QtGui.QPalette:
    pal = QtGui.QPalette()
    R = QtGui.QPalette.ColorRole
    for role, colour in ((R.Window, DARK_WIDGET), (R.WindowText, "#eeeeee"), (R.Base, "#181818"),
                         (R.AlternateBase, "#262626"), (R.Text, "#eeeeee"), (R.Button, "#2c2c2c"),
                         (R.ButtonText, "#eeeeee"), (R.ToolTipBase, "#333333"), (R.ToolTipText, "#eeeeee"),
                         (R.Highlight, "#3d6fb4"), (R.HighlightedText, "#ffffff")):
        pal.setColor(role, QtGui.QColor(colour))
    for role in (R.WindowText, R.Text, R.ButtonText):
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, role, QtGui.QColor("#777777"))
    return pal
