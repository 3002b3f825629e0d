"""Small widgets around the views: the story of the preset, the alert banner, caption strips, the speed control."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .. import theme

SPEEDS = (1, 3, 10, 30, 100, 0)  # steps per second; 0 = as fast as the machine goes


class WrappingButton(QtWidgets.QPushButton):
    """A push button whose text wraps to the button's width. QPushButton's own never wraps: a long
    one ("Compare: minimax vs non-saturating") made the story panel wider than its dock, which cut
    the button and the panel's text off at the right."""

    ROOM_PX = 28  # the button's frame and padding

    def __init__(self, text: str = ""):
        super().__init__()
        self.full_text = text
        # Ignored: the width comes from the panel, never from the text (which then wraps to it).
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)

    def set_text(self, text: str) -> None:
        self.full_text = text
        self._wrap()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._wrap()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._wrap()  # presentation mode's larger text

    def _wrap(self) -> None:
        fm, room = self.fontMetrics(), max(1, self.width() - self.ROOM_PX)
        lines: list[str] = []
        for word in self.full_text.split(" "):
            if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= room:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        text = "\n".join(lines)
        if text != self.text():
            self.setText(text)
            self.updateGeometry()  # as many lines tall as it now has


class NarrationPanel(QtWidgets.QScrollArea):
    """The preset's title, description and numbered narration: what to look at, in order."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QtWidgets.QWidget()
        self.setWidget(inner)
        self.col = QtWidgets.QVBoxLayout(inner)
        self.col.setContentsMargins(10, 6, 10, 10)
        self.col.setSpacing(10)
        self.title = self._label(f"font-size: {theme.TITLE_PT + 3}pt; font-weight: bold;")
        self.description = self._label(f"font-size: {theme.FONT_PT + 1}pt; color: {theme.MUTED};")
        self.tour_button = QtWidgets.QPushButton("\u25b6  Walk through")
        self.tour_button.setToolTip("play this preset's tour stage by stage, with captions (T)")
        self.tour_button.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; font-weight: bold; padding: 6px;")
        self.tour_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.tour_button.hide()  # shown by the tour tool for presets that have a tour (app/tools/walkthrough.py)
        self.compare_button = WrappingButton("\u229e  Compare")
        self.compare_button.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; font-weight: bold; padding: 6px;")
        self.compare_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.compare_button.hide()  # for presets that declare a comparison
        self.col.addWidget(self.title)
        self.col.addWidget(self.description)
        self.col.addWidget(self.tour_button)
        self.col.addWidget(self.compare_button)
        self.items: list[QtWidgets.QLabel] = []
        self.col.addStretch(1)

    def _label(self, style: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(style)
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def set_preset(self, title: str, description: str, narration: list[str], compare: str | None = None) -> None:
        """compare: the title of the preset's comparison (a button opens it), if it has one."""
        self.title.setText(title)
        self.compare_button.setVisible(compare is not None)
        if compare is not None:
            self.compare_button.set_text(f"\u229e  Compare: {compare}")
            self.compare_button.setToolTip(f"train the preset's runs side by side: {compare}")
        self.description.setText(description)
        self.description.setVisible(bool(description))
        for item in self.items:
            self.col.removeWidget(item)
            item.deleteLater()
        self.items = []
        for i, text in enumerate(narration, 1):
            item = self._label(f"font-size: {theme.FONT_PT + 1}pt;")
            item.setText(f"<b>{i}.</b> {text}")
            self.col.insertWidget(self.col.count() - 1, item)
            self.items.append(item)


class CaptionStrip(QtWidgets.QFrame):
    """A strip right above the view: a bold head line over a large caption, in its own colours,
    with room right of the head line (self.row) for buttons. Slow motion and tours show their
    captions here. The buttons sit beside the head, not the caption: the caption keeps the strip's
    whole width and wraps into fewer lines, which a narrow window needs for its view."""

    def __init__(self, name: str, background: str, border: str, head_color: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(f"#{name} {{ background: {background}; border: 2px solid {border}; border-radius: 4px; }}")
        col = QtWidgets.QVBoxLayout(self)
        col.setContentsMargins(12, 6, 8, 6)
        col.setSpacing(2)
        # Both lines wrap: a label that does not reports its whole text as its minimum width, and a
        # long stage title or status line widened the window past the screen (2,097 px on figure1).
        self.head = QtWidgets.QLabel()
        self.head.setWordWrap(True)
        self.head.setStyleSheet(f"color: {head_color}; font-size: {theme.FONT_PT + 1}pt; font-weight: bold;")
        self.text = QtWidgets.QLabel()
        self.text.setWordWrap(True)
        self.text.setStyleSheet(f"color: #202020; font-size: {theme.TITLE_PT + 4}pt;")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.head, 1)
        self.row = QtWidgets.QHBoxLayout()
        top.addLayout(self.row)
        col.addLayout(top)
        col.addWidget(self.text)
        self.hide()


class Banner(QtWidgets.QFrame):
    """A strip above the views for what needs the user now (divergence, a stopped trainer)."""

    reset_clicked = QtCore.Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet("#banner { background: #fde2e1; border: 2px solid #c0392b; border-radius: 4px; }"
                           f"QLabel {{ color: #5a1010; font-size: {theme.FONT_PT + 2}pt; }}")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 8, 6)
        self.text = QtWidgets.QLabel()
        self.text.setWordWrap(True)
        lay.addWidget(self.text, 1)
        self.reset = QtWidgets.QPushButton("Reset")
        self.reset.setStyleSheet(f"font-size: {theme.FONT_PT + 1}pt; font-weight: bold; padding: 4px 16px;")
        self.reset.clicked.connect(self.reset_clicked)
        lay.addWidget(self.reset)
        close = QtWidgets.QToolButton()
        close.setText("\u2715")
        close.setToolTip("hide this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        lay.addWidget(close)
        self.kind = ""
        self.hide()

    def show_message(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text.setText(text)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.hide()


class SpeedControl(QtWidgets.QWidget):
    """A slider over 1, 3, 10, 30, 100 steps/s and "max": slow motion for a lecture, full speed to train."""

    speed_changed = QtCore.Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QtWidgets.QLabel("speed"))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(SPEEDS) - 1)
        self.slider.setValue(len(SPEEDS) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setFixedWidth(120)
        self.slider.setToolTip("steps per second: slow motion for explaining, max for training")
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # keep Right/Left for stepping
        lay.addWidget(self.slider)
        self.label = QtWidgets.QLabel()
        self.label.setMinimumWidth(110)
        lay.addWidget(self.label)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self.slider.valueChanged.connect(self._moved)
        self._moved(self.slider.value())

    def value(self) -> float:
        return float(SPEEDS[self.slider.value()])

    def _moved(self, i: int) -> None:
        s = SPEEDS[i]
        self.label.setText("max steps/s" if s == 0 else f"{s} steps/s")
        self.speed_changed.emit(float(s))
