"""What the lecture tools may use of the window, and nothing else: its surface.

app/tools/ installs each tool onto a window's surface; a tool never holds the window, never reaches into its
widgets and never reads another tool (their shared state is the session and lecture/'s models, both here).
The surface offers: the session and the lecture models; the window's frames and compare mode as signals;
actions in the window's menus (at chrome.PLACES); strips above the view and a place in the status bar; the
views (each offers its own overlay layers, what lies under the mouse, its look: views/base.py); the side
panels, full screen and the look of the whole window; dropped files; the view's picture; and a few requests
(show a picture, train on a file, tell the user something).
"""
from __future__ import annotations

from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from .views.look import Look, sized


class WindowSurface(QtCore.QObject):
    def __init__(self, win):
        super().__init__(win)
        self._win = win
        self.session = win.session
        self.lecture = win.lecture                  # the tools' models (lecture/)
        self.frame_drawn = win.frame_drawn          # a protocol.Frame, after it has been drawn
        self.comparing_changed = win.comparing_changed
        self.dialog_parent: QtWidgets.QWidget = win  # for a tool's dialogs to sit over (file dialogs, drawing)
        self._recorded: list[QtWidgets.QWidget] = []
        self._sheets: dict = {}                     # widget -> its style sheet as built

    # ------------------------------------------------------------------ actions and strips
    def add_action(self, text: str, slot: Callable, keys=(), tip: str = "", *, checkable: bool = False,
                   place: str | None = None, toolbar: bool = False) -> QtGui.QAction:
        """A window-wide action (its keys work full screen, menus hidden), in a menu at `place` (chrome.PLACES),
        and in the toolbar there with toolbar=True. Checkable: slot(checked) is called when it toggles."""
        win = self._win
        action = win.add_action(text, slot, keys, tip)
        if checkable:
            action.setCheckable(True)
            action.triggered.disconnect()
            action.toggled.connect(slot)
        if place is not None:
            win.place(action, place, toolbar)
        return action

    def add_strip(self, widget: QtWidgets.QWidget, recorded: bool = False) -> None:
        """A strip right above the view (a caption). recorded: recordings show it over the view's top."""
        self._win.add_strip(widget)
        if recorded:
            self._recorded.append(widget)

    def add_status(self, widget: QtWidgets.QWidget, stretch: int = 1) -> None:
        """A widget at the left of the status bar (the permanent step counter and rates stay right)."""
        self._win.statusBar().addWidget(widget, stretch)

    def say(self, message: str, ms: int = 6000) -> None:
        """A message in the status bar, for ms milliseconds."""
        self._win.statusBar().showMessage(message, ms)

    def tell(self, kind: str, message: str) -> None:
        """Tell the user: "input" for a mistake of theirs (one line), "crash" for a bug."""
        self._win.tell(kind, message)

    def story_button(self, name: str) -> QtWidgets.QPushButton:
        """The story panel's button `name` ("tour": the walk-through's; it is hidden until a tool shows it)."""
        return {"tour": self._win.narration.tour_button, "compare": self._win.narration.compare_button}[name]

    # ------------------------------------------------------------------ views
    def views(self) -> dict:
        """The single-run views by kind ("1d", "2d", "image"): views/base.py says what a tool may use of one."""
        return dict(self._win.views)

    def current_view(self):
        """The view on screen: one of views(), or the compare grid in compare mode."""
        return self._win.current_view()

    @property
    def comparing(self) -> bool:
        return self._win.comparing

    def show_picture(self, picture) -> None:
        """Draw a picture (core/pictures.py) in the single-run view of its kind."""
        self._win.show_picture(picture)

    def show_step(self, step: int, target: int) -> None:
        """The status bar's step counter."""
        self._win.show_step(step, target)

    def grab_view(self) -> QtGui.QPixmap:
        """The view as on screen, with the visible recorded strips laid over its top."""
        pix = self.current_view().grab()
        for strip in self._recorded:
            if strip.isVisible():
                banner = strip.grab().scaledToWidth(pix.width(), QtCore.Qt.TransformationMode.SmoothTransformation)
                painter = QtGui.QPainter(pix)
                painter.drawPixmap(0, 0, banner)
                painter.end()
        return pix

    # ------------------------------------------------------------------ the window
    def panels(self) -> dict[str, bool]:
        """Whether each side panel is shown: {"story": ..., "controls": ...}."""
        return {"story": self._win.story_dock.isVisible(), "controls": self._win.controls_dock.isVisible()}

    def show_panels(self, **shown: bool) -> None:
        """Show or hide side panels by name (story, controls)."""
        docks = {"story": self._win.story_dock, "controls": self._win.controls_dock}
        for name, on in shown.items():
            docks[name].setVisible(on)

    @property
    def full_screen(self) -> bool:
        return self._win.isFullScreen()

    def set_full_screen(self, on: bool) -> None:
        """The full-screen flag alone: a maximised window stays maximised under it."""
        win = self._win
        state = win.windowState()
        flag = QtCore.Qt.WindowState.WindowFullScreen
        win.setWindowState(state | flag if on else state & ~flag)
        win.act_full.setChecked(win.isFullScreen())

    def screen_lines(self) -> int:
        """The height of the window's screen in pixels."""
        return self._win.screen().geometry().height()

    def set_look(self, look: Look) -> None:
        """Presentation mode's or the dark theme's look for the views, the curves and the window's own text."""
        win = self._win
        for view in win.views.values():  # first: a view may lay itself out anew (larger image tiles)
            view.set_presenting(look.presenting)
        self._scale_text(look.text_scale)
        for view in (*win.views.values(), win.curves):
            view.set_look(look)

    def _scale_text(self, scale: float) -> None:
        """Every point size in the window's widgets' style sheets at scale times its size as built."""
        for w in [self._win, *self._win.findChildren(QtWidgets.QWidget)]:
            if w not in self._sheets:
                sheet = w.styleSheet()
                if "pt" not in sheet:
                    continue
                self._sheets[w] = sheet
            w.setStyleSheet(sized(self._sheets[w], scale))

    def accept_drops(self, handler: QtCore.QObject) -> None:
        """Files dragged onto the window: their drag and drop events go to handler's eventFilter."""
        self._win.setAcceptDrops(True)
        self._win.installEventFilter(handler)

    def train_on(self, path: str) -> None:
        """Train from step 0 on a data file the tool has checked (lecture/data_file.py), as Open data does."""
        self._win.train_on(path)
