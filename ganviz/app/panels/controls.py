"""The settings panel, generated from config.FIELDS: one widget per field, grouped by its metadata.

A new field in config.py appears here by itself, with its range, choices and help text.
Live fields ask the trainer to change at once (spin boxes after a short pause in typing);
the others are marked with ↻ and wait for Reset, which sends the whole edited config.
"""
from __future__ import annotations

import math
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from ...core import config
from .. import theme

GROUPS = (("data", "Data"), ("model", "Model"), ("loss", "Loss"), ("training", "Training"), ("run", "Run"))
DEBOUNCE_MS = 150
RESET_MARK = "\u21bb"
SHARED_NOTE = "the same for every run: an edit goes to every run"
OPEN_FILE, OPEN_FOLDER = "Open file\u2026", "Open folder\u2026"


class LogSpinBox(QtWidgets.QDoubleSpinBox):
    """A spin box for values spanning decades (learning rates): 5 significant digits,
    and the arrows step along 1, 2, 5, 10, 20, ... instead of adding a constant."""

    LADDER = (1.0, 2.0, 5.0)

    def __init__(self, lo: float, hi: float, parent=None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.5g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        s = text.strip()
        if s == "" or s in ("-", ".", "e", "E") or s[-1:] in ("e", "E", "-", "+"):
            return QtGui.QValidator.State.Intermediate, text, pos
        try:
            v = float(s)
        except ValueError:
            return QtGui.QValidator.State.Invalid, text, pos
        ok = self.minimum() <= v <= self.maximum()
        return (QtGui.QValidator.State.Acceptable if ok else QtGui.QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        v = self.value()
        if v <= 0:
            self.setValue(self.minimum() if steps > 0 else 0.0)
            return
        exp = math.floor(math.log10(v) + 1e-9)
        mant = v / 10 ** exp
        # position on the 1-2-5 ladder (nearest rung at or below the value)
        idx = max(i for i, r in enumerate(self.LADDER) if r <= mant * (1 + 1e-9))
        pos = exp * 3 + idx + steps
        e, i = divmod(pos, 3)
        self.setValue(min(max(self.LADDER[i] * 10 ** e, self.minimum()), self.maximum()))


def data_choices() -> list[tuple[str, str]]:
    try:
        from ...core.data import BUILTINS
    except ImportError:  # pragma: no cover - the data module ships with the core
        return []
    return [(name, f"{kind}: {desc}") for name, (kind, desc) in BUILTINS.items()]


class ControlsPanel(QtWidgets.QWidget):
    """Shows and edits the session's settings (those of its selected run); edits go to the session,
    which sends live ones to the trainer and keeps the others for Reset."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.widgets: dict[str, QtWidgets.QWidget] = {}
        self.labels: dict[str, QtWidgets.QLabel] = {}
        self.tips: dict[str, str] = {}  # each setting's own tooltip; a reason it is ignored goes above it
        self._timers: dict[str, QtCore.QTimer] = {}
        self._quiet = False

        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        note = QtWidgets.QLabel(f"{RESET_MARK} applies on Reset; all other settings change the running training.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {theme.MUTED}; padding: 4px 6px;")
        outer.addWidget(note)
        self.scope = RunScope(session)
        outer.addWidget(self.scope)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        inner = QtWidgets.QWidget()
        scroll.setWidget(inner)
        col = QtWidgets.QVBoxLayout(inner)
        col.setContentsMargins(4, 0, 4, 4)
        for group, title in GROUPS:
            names = [n for n, f in config.FIELDS.items() if f.metadata["group"] == group]
            if not names:
                continue
            box = QtWidgets.QGroupBox(title)
            form = QtWidgets.QFormLayout(box)
            form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setVerticalSpacing(4)
            for name in names:
                label, widget = self._make(name)
                form.addRow(label, widget)
            col.addWidget(box)
        col.addStretch(1)
        self._refresh_marks()
        session.edited.connect(self._sync)
        session.pending_changed.connect(lambda _n: self._refresh_marks())

    @property
    def values(self) -> dict[str, Any]:
        return self.session.values

    # ------------------------------------------------------------------ widgets from metadata
    def _make(self, name: str) -> tuple[QtWidgets.QLabel, QtWidgets.QWidget]:
        f = config.FIELDS[name]
        m = f.metadata
        live = m["live"]
        value = self.values[name]
        tip = m["help"] + ("" if live else f"\n{RESET_MARK} applies on Reset") + (
            f"\n{SHARED_NOTE}" if m["scope"] == config.SHARED else "")
        if name == "data":
            w = self._data_combo(value)
        elif m["choices"]:
            w = QtWidgets.QComboBox()
            w.addItems(list(m["choices"]))
            w.setCurrentText(str(value))
            w.currentTextChanged.connect(lambda v, n=name: self._edited(n, v))
        elif isinstance(f.default, bool):
            w = QtWidgets.QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(lambda v, n=name: self._edited(n, bool(v)))
        elif isinstance(f.default, int):
            w = QtWidgets.QSpinBox()
            w.setRange(int(m["lo"] if m["lo"] is not None else -2**31), int(min(m["hi"] or 2**31 - 1, 2**31 - 1)))
            w.setValue(int(value))
            w.setGroupSeparatorShown(True)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, n=name: self._debounced(n, int(v)))
        else:
            lo = m["lo"] if m["lo"] is not None else -1e9
            hi = m["hi"] if m["hi"] is not None else 1e9
            if m["log"]:
                w = LogSpinBox(lo, hi)
            else:
                w = QtWidgets.QDoubleSpinBox()
                step = m["step"] or 0.1
                w.setDecimals(max(2, -math.floor(math.log10(step)) + 1) if step < 1 else 2)
                w.setRange(lo, hi)
                w.setSingleStep(step)
                w.setKeyboardTracking(False)
            w.setValue(float(value))
            w.valueChanged.connect(lambda v, n=name: self._debounced(n, float(v)))
        w.setToolTip(tip)
        w.setObjectName(f"field_{name}")
        if isinstance(w, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)):
            w.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # the wheel scrolls the panel, not the value
            w.installEventFilter(self)
        label = QtWidgets.QLabel(name if live else f"{name} {RESET_MARK}")
        label.setToolTip(tip)
        if not live:
            font = label.font()
            font.setItalic(True)
            label.setFont(font)
        self.widgets[name], self.labels[name], self.tips[name] = w, label, tip
        return label, w

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Wheel and not obj.hasFocus():
            event.ignore()
            return True
        return super().eventFilter(obj, event)

    def _data_combo(self, value: str) -> QtWidgets.QComboBox:
        w = QtWidgets.QComboBox()
        for name, tip in data_choices():
            w.addItem(name)
            w.setItemData(w.count() - 1, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        w.insertSeparator(w.count())
        w.addItem(OPEN_FILE)
        w.addItem(OPEN_FOLDER)
        self._set_data_text(w, value)
        w.activated.connect(lambda idx: self._data_picked(w.itemText(idx)))
        w.setMinimumContentsLength(10)
        w.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        return w

    def _set_data_text(self, w: QtWidgets.QComboBox, value: str) -> None:
        if w.findText(value) < 0:  # a user's file: listed above the built-ins
            w.insertItem(0, value)
            w.setItemData(0, value, QtCore.Qt.ItemDataRole.ToolTipRole)
        w.setCurrentText(value)

    def _data_picked(self, text: str) -> None:
        w = self.widgets["data"]
        if text in (OPEN_FILE, OPEN_FOLDER):
            path = self.ask_data_path(folder=text == OPEN_FOLDER)
            self._quiet = True
            self._set_data_text(w, path or self.values["data"])
            self._quiet = False
            if path:
                self._edited("data", path)
            return
        self._edited("data", text)

    def ask_data_path(self, folder: bool = False) -> str:
        if folder:
            return QtWidgets.QFileDialog.getExistingDirectory(self, "Open a folder of images")
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open data", "", "Data (*.csv *.npy *.npz *.idx *ubyte *.gz);;All files (*)")
        return path

    # ------------------------------------------------------------------ edits
    def _debounced(self, name: str, value: Any) -> None:
        if self._quiet:
            return
        timer = self._timers.get(name)
        if timer is None:
            timer = self._timers[name] = QtCore.QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
            timer.timeout.connect(lambda n=name: self._edited(n, self._read(n)))
        timer.start()

    def flush(self) -> None:
        """Apply spin-box edits still waiting out their debounce (before Reset, say)."""
        for name, timer in self._timers.items():
            if timer.isActive():
                timer.stop()
                self._edited(name, self._read(name))

    def _read(self, name: str) -> Any:
        w = self.widgets[name]
        if isinstance(w, QtWidgets.QComboBox):
            return w.currentText()
        if isinstance(w, QtWidgets.QCheckBox):
            return w.isChecked()
        return w.value()

    def _edited(self, name: str, value: Any) -> None:
        if self._quiet:
            return
        if not self.session.edit(name, value):  # the session validates (config.checked)
            self._write(name, self.values[name])  # out of range: back to the last good value

    # ------------------------------------------------------------------ state
    def _write(self, name: str, value: Any) -> None:
        w = self.widgets[name]
        w.blockSignals(True)
        try:
            if name == "data":
                self._set_data_text(w, str(value))
            elif isinstance(w, QtWidgets.QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QtWidgets.QCheckBox):
                w.setChecked(bool(value))
            else:
                w.setValue(value)
        finally:
            w.blockSignals(False)

    def _sync(self) -> None:
        """Show the session's values (a preset, a load, a tour stage, another run selected)."""
        for name, value in self.values.items():
            if name in self.widgets:
                if name in self._timers:
                    self._timers[name].stop()
                self._write(name, value)
        self._refresh_marks()

    def set_value(self, name: str, value: Any) -> None:
        """Change one setting as if the user had (tests and menu actions use this)."""
        self._write(name, value)
        self._edited(name, value)

    def _refresh_marks(self) -> None:
        pending = self.session.pending()
        for name, label in self.labels.items():
            label.setStyleSheet(f"color: {theme.ACCENT}; font-weight: bold;" if name in pending else "")
        # Settings the chosen model, update rule, loss or optimiser never read: greyed, with the reason.
        skipped = config.ignored(self.values)
        for name, w in self.widgets.items():
            why = skipped.get(name)
            tip = self.tips[name] if why is None else f"Ignored: {why}.\n\n{self.tips[name]}"
            for item in (w, self.labels[name]):
                item.setEnabled(why is None)
                item.setToolTip(tip)


class RunScope(QtWidgets.QGroupBox):
    """With several runs: whose settings the panel shows, and whether an edit goes to every run or to
    that run alone. Hidden for a single run."""

    def __init__(self, session, parent=None):
        super().__init__("Runs", parent)
        self.session = session
        form = QtWidgets.QFormLayout(self)
        form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        self.run = QtWidgets.QComboBox()
        self.run.setToolTip("the run whose settings are shown (and whose view opens when compare mode is off)")
        self.run.activated.connect(session.select)
        self.every = QtWidgets.QRadioButton("every run")
        self.this = QtWidgets.QRadioButton("this run only")
        for b, tip in ((self.every, "an edit changes the setting of every run of the comparison"),
                       (self.this, "an edit changes the shown run's setting alone (settings every run shares, "
                                   f"{', '.join(config.SHARED_KEYS)}, go to every run)")):
            b.setToolTip(tip)
        self.every.setChecked(session.edit_all)
        self.every.toggled.connect(session.set_edit_all)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.every)
        row.addWidget(self.this)
        form.addRow("settings of", self.run)
        form.addRow("edits go to", row)
        session.runs_changed.connect(self._runs_changed)
        session.selected_changed.connect(lambda run: self.run.setCurrentIndex(run))
        self._runs_changed()

    def _runs_changed(self) -> None:
        s = self.session
        self.run.blockSignals(True)
        self.run.clear()
        for i, name in enumerate(s.names):
            self.run.addItem(name)
            self.run.setItemData(i, QtGui.QColor(theme.run_colour(i)), QtCore.Qt.ItemDataRole.ForegroundRole)
        self.run.setCurrentIndex(s.selected)
        self.run.blockSignals(False)
        self.setVisible(s.n_runs > 1)
