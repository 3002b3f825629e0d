"""Presentation mode (P) and the dark theme in the window: legible from the back row of a lecture hall.

Presenting: full screen, side panels hidden (H shows them again), the window's text larger and the views
restyled for a projector (each view restyles its own items: views/look.py; the image view also draws its
tiles larger, their frames' colours giving D's scores). Leaving restores the panels and the window as they
were. Dark theme (View > Dark theme): a dark palette and the views' dark look. Whether each is on, and the
scales for the screen, are lecture/presentation.py's.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..views.look import Look

DARK_WIDGET = "#202020"


class PresentationTool(QtCore.QObject):
    """The P, H and dark theme actions, and what presenting does to the window (the model: lecture.presentation)."""

    def __init__(self, surface):
        super().__init__(surface)
        self.surface, self.model = surface, surface.lecture.presentation
        self.presenting = False        # what the window was last fitted to (the model may change first)
        self._before: dict = {}        # full screen and panels before presenting
        self._app_font: QtGui.QFont | None = None
        self._app_palette: QtGui.QPalette | None = None
        A = surface.add_action
        self.act = A("Presentation mode", self.set_presenting, ["P"],
                     "full screen, large fonts, thick lines, a high-contrast look for a projector",
                     checkable=True, place="view:end")
        self.act_dark = A("Dark theme", self.set_dark, [], "a dark background with light curves", checkable=True,
                          place="view:end")
        self.act_panels = A("Hide side panels", self.toggle_panels, ["H"], "hide or show the story and the settings",
                            place="view:end")
        self.model.changed.connect(self._changed)

    # ------------------------------------------------------------------ user
    def set_presenting(self, on: bool) -> None:
        self.model.set_presenting(on, self.surface.screen_lines())

    def set_dark(self, on: bool) -> None:
        self.model.set_dark(on)

    def toggle_panels(self) -> None:
        show = not any(self.surface.panels().values())
        self.surface.show_panels(story=show, controls=show)
        self.act_panels.setText("Hide side panels" if show else "Show side panels")

    # ------------------------------------------------------------------ the window
    def _changed(self) -> None:
        m, s = self.model, self.surface
        self.act.setChecked(m.presenting)
        self.act_dark.setChecked(m.dark)
        if m.presenting != self.presenting:
            self.presenting = m.presenting
            if m.presenting:
                self._before = {"full": s.full_screen, **s.panels()}
                s.show_panels(story=False, controls=False)
                self.act_panels.setText("Show side panels")
                s.set_full_screen(True)
            else:
                b = self._before
                s.show_panels(story=b.get("story", True), controls=b.get("controls", True))
                self.act_panels.setText("Hide side panels")
                if not b.get("full", False):  # the full-screen flag alone: a maximised window stays maximised
                    s.set_full_screen(False)
        scale, text_scale = m.scales()
        self._style_app(text_scale)
        s.set_look(Look(presenting=m.presenting, dark=m.dark, scale=scale, text_scale=text_scale))

    def _style_app(self, text_scale: float) -> None:
        """The application's font and palette (dialogs and menus too): larger text, the dark palette."""
        app = QtWidgets.QApplication.instance()
        if self._app_font is None:
            self._app_font, self._app_palette = QtGui.QFont(app.font()), QtGui.QPalette(app.palette())
        font = QtGui.QFont(self._app_font)
        if self.model.presenting:
            font.setPointSizeF(self._app_font.pointSizeF() * text_scale)
        app.setFont(font)
        app.setPalette(dark_palette() if self.model.dark else self._app_palette)


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
