"""The window's frame around the views: docks, actions and their keys, toolbar, menus, status bar.

A mixin of MainWindow, kept apart so window.py holds behaviour and this file holds layout.
Single-key shortcuts are window-wide actions, so they still work with the menu bar hidden.
The menus keep places for the lecture tools' actions (PLACES), which the tools fill through the
window's surface (surface.py).
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..core import presets
from . import theme


PREFERRED_SIZE = (1600, 900)  # the window where the screen has room (and the README's pictures)
SIDE_BY_SIDE_MIN_W = 1600     # narrower windows tab the story with the settings: the view keeps ~1000 px
SCREEN_MARGIN = (0.95, 0.92)  # of the free screen area: room for the title bar and the frame
PLACES = {  # where a lecture tool's action may go (WindowChrome.place)
    "file:data": "File, under Open data",
    "file:export": "File, the exports of the view",
    "file:more": "File, the other exports, above Quit",
    "run:step": "Run (and the toolbar), after Step",
    "run:end": "Run, at the end",
    "view:end": "View, at the end",
}


class WindowChrome:
    def fit_to_screen(self, free: QtCore.QRect) -> bool:
        """Size the window for a screen's free area (without task bars) and arrange the docks for that
        size. True when the screen is smaller than the window would like: show it maximised then."""
        w = min(PREFERRED_SIZE[0], int(free.width() * SCREEN_MARGIN[0]))
        h = min(PREFERRED_SIZE[1], int(free.height() * SCREEN_MARGIN[1]))
        self.resize(w, h)
        if w < SIDE_BY_SIDE_MIN_W:
            # The story goes behind a tab of the settings dock, in front: its text and the Walk
            # through button are one click from the settings, and the view gets ~270 px more.
            self.setTabPosition(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, QtWidgets.QTabWidget.TabPosition.North)
            self.tabifyDockWidget(self.controls_dock, self.story_dock)
            self.story_dock.raise_()
        return w < PREFERRED_SIZE[0]

    def _dock(self, title: str, widget: QtWidgets.QWidget, area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(area, dock)
        return dock

    def add_action(self, text: str, slot, keys=(), tip: str = "") -> QtGui.QAction:
        """A window-wide action (its keys work with the menu bar hidden); put it in menus or bars as wanted."""
        a = QtGui.QAction(text, self)
        if keys:
            a.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setToolTip(f"{tip} ({', '.join(keys)})" if keys else tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.addAction(a)  # shortcuts work with the menu bar hidden (full screen)
        return a

    def _build_actions(self) -> None:
        A = self.add_action
        self.act_play = A("\u25b6 Play", self.toggle_play, ["Space"], "play or pause training")
        self.act_step = A("Step", lambda: self.step("both"), ["Right", "S"],
                          "one iteration of Algorithm 1: k_d D steps, then k_g G steps")
        self.act_step_d = A("Step D", lambda: self.step("d"), ["D"], "one update of D alone (G stays still)")
        self.act_step_g = A("Step G", lambda: self.step("g"), ["G"], "one update of G alone (D stays still)")
        self.act_reset = A("\u21bb Reset", self.reset, ["R"],
                           "start again from step 0 with the settings shown (same seed: the same run)")
        self.act_full = A("Full screen", self.toggle_fullscreen, ["F"], "full screen for a projector")
        self.act_full.setCheckable(True)
        self.act_quit = A("Quit", self.close, ["Ctrl+Q"], "close the window and stop training")
        self.act_save = A("Save session\u2026", self.save_session, ["Ctrl+S"],
                          "save the whole training state to a .safetensors file")
        self.act_open = A("Open session\u2026", self.open_session, ["Ctrl+O"], "continue a saved session")
        self.act_sweep = A("Open sweep\u2026", self.open_sweep, [],
                           "the runs of a 'ganviz sweep' folder: sort and filter them, compare or continue them")
        self.act_data = A("Open data\u2026", self.open_data, [], "train on your own file (CSV, NPY/NPZ, IDX, images)")
        self.act_compare = A("\u229e Compare", self.set_comparing, ["C"],
                             "the runs side by side; off: the selected run with all its tools")
        self.act_compare.setCheckable(True)
        self.act_compare.triggered.disconnect()
        self.act_compare.toggled.connect(self.set_comparing)
        self.act_compare_dialog = A("Compare runs\u2026", self.compare_dialog, ["Ctrl+K"],
                                    "train runs side by side: other seeds, or other values of a setting")

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Run")
        bar.setObjectName("run")
        bar.setMovable(False)
        bar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setStyleSheet(f"QToolBar {{ spacing: 4px; padding: 3px; }} QToolButton {{ font-size: {theme.FONT_PT + 1}pt;"
                          " padding: 4px 10px; }")
        bar.addWidget(QtWidgets.QLabel(" preset "))
        self.preset_box = QtWidgets.QComboBox()
        for name in presets.preset_names():
            self.preset_box.addItem(name)
        self.preset_box.setCurrentText(self.session.preset.name)
        self.preset_box.setToolTip("choose a preset: its settings, data and story (starts a fresh run)")
        self.preset_box.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.preset_box.activated.connect(lambda i: self.choose_preset(self.preset_box.itemText(i)))
        bar.addWidget(self.preset_box)
        bar.addSeparator()
        for a in (self.act_play, self.act_step, self.act_step_d, self.act_step_g, self.act_reset, self.act_compare):
            bar.addAction(a)
        self.play_button = bar.widgetForAction(self.act_play)
        self.play_button.setMinimumWidth(90)
        bar.addSeparator()
        bar.addWidget(self.speed)
        bar.addSeparator()
        self.overlay_bar = bar
        self._overlay_actions: list[QtGui.QAction] = []
        self._bar_places = {"run:step": self.act_step_d}

    def _build_menus(self) -> None:
        m = self.menuBar()
        f = m.addMenu("&File")
        seps = [f.addSeparator() if a is None else f.addAction(a)
                for a in (self.act_data, None, self.act_open, self.act_save, self.act_sweep, None, None, None,
                          self.act_quit)]
        r = m.addMenu("&Run")
        for a in (self.act_play, self.act_step, self.act_step_d, self.act_step_g, None, self.act_reset, None,
                  self.act_compare_dialog, self.act_compare, None):
            r.addSeparator() if a is None else r.addAction(a)
        v = m.addMenu("&View")
        for view in self.views.values():
            v.addSection({"1d": "1D (Figure 1)", "2d": "2D", "image": "Images"}[view.kind])
            for a in view.toggles:
                v.addAction(a)
        v.addSeparator()
        v.addAction(self.story_dock.toggleViewAction())
        v.addAction(self.controls_dock.toggleViewAction())
        v.addAction(self.act_full)
        v.addSeparator()
        # (menu, the action a tool's goes before; None: at the end). Separators left empty collapse.
        self._places = {"file:data": (f, seps[1]), "file:export": (f, seps[6]), "file:more": (f, seps[7]),
                        "run:step": (r, self.act_step_d), "run:end": (r, None), "view:end": (v, None)}

    def place(self, action: QtGui.QAction, where: str, toolbar: bool = False) -> None:
        """Put a tool's action in a menu at one of PLACES (and in the toolbar there, where it has one)."""
        menu, before = self._places[where]
        menu.insertAction(before, action) if before is not None else menu.addAction(action)
        if toolbar:
            self.overlay_bar.insertAction(self._bar_places[where], action)

    def menu(self, title: str) -> QtWidgets.QMenu | None:
        """The menu bar's menu of that title ("File", "Run", "View")."""
        for action in self.menuBar().actions():
            if action.menu() is not None and action.text().replace("&", "") == title:
                return action.menu()
        return None

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.lbl_state = QtWidgets.QLabel("starting\u2026")
        self.lbl_step = QtWidgets.QLabel("step \u2013")
        self.lbl_rate = QtWidgets.QLabel("")
        self.lbl_fps = QtWidgets.QLabel("")
        self.lbl_device = QtWidgets.QLabel("")  # where the runs train: cpu, cuda (its GPU's name), mps
        for w in (self.lbl_state, self.lbl_step, self.lbl_rate, self.lbl_fps, self.lbl_device):
            w.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; padding: 0 10px;")
            sb.addPermanentWidget(w)
