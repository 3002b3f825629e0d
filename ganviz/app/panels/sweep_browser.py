"""File ▸ Open sweep…: the runs of a `ganviz sweep` folder in a table (sorted by any column, filtered by
settings), the selected run's final picture beside it; up to 8 runs opened side by side in Compare
mode, or one opened as a session to go on training it.

It reads results.csv, sweep.json and each run's config.toml (ganviz.sweep.results and .spec), so the
window's process still never imports torch.
"""
from __future__ import annotations

import math
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ...core import config, presets, vary
from ...core.errors import GanvizError
from ...sweep import results, spec as specs
from .. import theme

MAX_COMPARE = 8  # the Compare grid's panels stay readable up to 2 rows of 4
NUMBER = QtCore.Qt.ItemDataRole.UserRole  # the role columns sort by: numbers as numbers


class Filter(QtCore.QSortFilterProxyModel):
    """Rows whose cells match every word of the filter: 'loss=hinge' a column's value (numbers compared as
    numbers: lr_d=1e-3 finds 0.001), any other word a part of the run's name or status."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.words: list[str] = []
        self.setSortRole(NUMBER)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()  # Qt 6.10's way; invalidateFilter() is deprecated
        self.words = text.split()
        self.endFilterChange(QtCore.QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent) -> bool:
        model = self.sourceModel()
        cells = {model.headerData(c, QtCore.Qt.Orientation.Horizontal): model.index(row, c, parent).data()
                 for c in range(model.columnCount())}
        return all(_matches(word, cells) for word in self.words)


def _matches(word: str, cells: dict[str, str]) -> bool:
    key, eq, value = word.partition("=")
    if not eq:
        return any(word.lower() in str(text).lower() for text in cells.values())
    if key not in cells:
        return False
    try:
        return math.isclose(float(cells[key]), float(value), rel_tol=1e-9)
    except (TypeError, ValueError):
        return str(cells[key]).lower() == value.lower()


class SweepDialog(QtWidgets.QDialog):
    def __init__(self, win, folder: str | Path):
        super().__init__(win)
        self.win, self.folder = win, Path(folder)
        self.spec = specs.load(self.folder)
        self.runs = results.read(self.folder, self.spec)
        self.setWindowTitle(f"Sweep \u2014 {self.folder.name}")
        self.resize(1250, 700)
        self.model = self._model()
        self.proxy = Filter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(self.metric_column, QtCore.Qt.SortOrder.DescendingOrder
                                if specs.higher_is_better(self.spec.metric) else QtCore.Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.resizeColumnsToContents()
        self.filter = QtWidgets.QLineEdit()
        self.filter.setPlaceholderText("filter: loss=hinge lr_d=0.001 seed=3 diverged \u2026")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.picture = QtWidgets.QLabel("select a run to see its final picture")
        self.picture.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(420, 360)
        self.caption = QtWidgets.QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: {theme.MUTED};")
        self.compare_button = QtWidgets.QPushButton(f"Compare selected (\u2264 {MAX_COMPARE})")
        self.compare_button.setToolTip("train the selected runs side by side in the window, from their settings")
        self.open_button = QtWidgets.QPushButton("Open as session")
        self.open_button.setToolTip("continue the selected run where the sweep left it")
        self.compare_button.clicked.connect(self.compare)
        self.open_button.clicked.connect(self.open_session)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self._layout()
        self._selected()

    # ------------------------------------------------------------------ the table
    def _columns(self) -> list[str]:
        seen = [self.spec.metric] + [k for k in specs.METRICS if k != self.spec.metric]
        found = {k for r in self.runs for k in r.metrics}
        rest = sorted(found - set(seen) - {"n_modes"})
        return [*self.spec.keys, "seed", "status", *(k for k in seen if k in found), "steps", "seconds", *rest]

    def _model(self) -> QtGui.QStandardItemModel:
        cols = self._columns()
        self.metric_column = cols.index(self.spec.metric) if self.spec.metric in cols else 0
        model = QtGui.QStandardItemModel(len(self.runs), len(cols), self)
        model.setHorizontalHeaderLabels(cols)
        # a run without a metric (it diverged) sorts below the worst, whichever way is better
        missing = [math.inf if k in specs.METRICS and not specs.higher_is_better(k) else -math.inf for k in cols]
        for row, r in enumerate(self.runs):
            fixed = {"seed": r.run.seed, "status": r.status, "steps": r.steps, "seconds": r.seconds}
            for col, key in enumerate(cols):
                value = fixed[key] if key in fixed else r.run.values[key] if key in r.run.values else r.metrics.get(key)
                model.setItem(row, col, _item(value, missing[col]))
            model.item(row, 0).setData(row, QtCore.Qt.ItemDataRole.UserRole + 1)  # which run, whatever the order
        return model

    def _layout(self) -> None:
        left = QtWidgets.QVBoxLayout()
        head = f"{len(self.runs)} of {self.spec.n_runs()} runs finished; sorted by {self.spec.metric} " \
               f"({'higher' if specs.higher_is_better(self.spec.metric) else 'lower'} is better)"
        left.addWidget(QtWidgets.QLabel(head))
        left.addWidget(self.filter)
        left.addWidget(self.table, 1)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.picture, 1)
        right.addWidget(self.caption)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.compare_button, self.open_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        split = QtWidgets.QHBoxLayout(self)
        split.addLayout(left, 3)
        split.addLayout(right, 2)

    # ------------------------------------------------------------------ selection
    def selected(self) -> list[results.Result]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.runs[self.proxy.index(r, 0).data(QtCore.Qt.ItemDataRole.UserRole + 1)] for r in rows]

    def select(self, folders: list[str]) -> None:
        """Select the runs of these folders (a test's or a script's hand)."""
        sel = QtCore.QItemSelection()
        for row in range(self.proxy.rowCount()):
            if self.runs[self.proxy.index(row, 0).data(QtCore.Qt.ItemDataRole.UserRole + 1)].run.folder in folders:
                sel.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
        self.table.selectionModel().select(sel, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _selected(self) -> None:
        chosen = self.selected()
        n = len(chosen)
        self.compare_button.setEnabled(2 <= n <= MAX_COMPARE)
        self.open_button.setEnabled(n == 1 and not chosen[0].diverged)
        if n > MAX_COMPARE:
            self.caption.setText(f"{n} runs selected; Compare shows at most {MAX_COMPARE}")
        if not chosen:
            return
        run = chosen[-1]
        png = self.folder / run.run.folder / "final.png"
        pix = QtGui.QPixmap(str(png))
        if pix.isNull():
            self.picture.setPixmap(QtGui.QPixmap())
            self.picture.setText(f"{run.run.name}: {run.status}, no final picture")
        else:
            self.picture.setPixmap(pix.scaled(self.picture.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                                              QtCore.Qt.TransformationMode.SmoothTransformation))
        if n <= MAX_COMPARE:
            value = run.metrics.get(self.spec.metric)
            shown = "" if value is None or not math.isfinite(value) else f", {self.spec.metric} {value:.4g}"
            self.caption.setText(f"{run.run.name}: {run.status}{shown}")

    # ------------------------------------------------------------------ actions
    def _configs(self, chosen: list[results.Result]) -> list[config.Config]:
        return [presets.load_preset(str(self.folder / r.run.folder / "config.toml")).config() for r in chosen]

    def compare(self) -> None:
        """The selected runs side by side in the window, trained afresh from their settings."""
        chosen = self.selected()[:MAX_COMPARE]
        try:
            cfgs = self._configs(chosen)
            preset = presets.load_preset(self.spec.preset) if self.spec.preset in presets.preset_names() else None
        except GanvizError as err:
            self.win.tell("input", str(err))
            return
        if self.win.session.open_runs(cfgs, [r.run.name for r in chosen], preset):
            self.win.set_comparing(True)

    def open_session(self) -> None:
        """The selected run as the window's session, where the sweep left it; Play goes on training it."""
        (run,) = self.selected()
        self.win.session.load(str(self.folder / run.run.folder / "trainer.safetensors"))


def _item(value, missing: float) -> QtGui.QStandardItem:
    """A cell: its text, and what it sorts by (numbers as numbers; `missing` for a metric a run has not)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        item = QtGui.QStandardItem("")
        item.setData(missing, NUMBER)
        return item
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        item = QtGui.QStandardItem(vary.short(float(f"{value:.4g}")) if isinstance(value, float) else str(value))
        item.setData(float(value), NUMBER)
        return item
    item = QtGui.QStandardItem(str(value))
    item.setData(str(value), NUMBER)
    return item


def open_dialog(win) -> SweepDialog | None:
    """Ask for a sweep's folder and show its runs (a message box when it holds none)."""
    folder = QtWidgets.QFileDialog.getExistingDirectory(win, "Open sweep (the --out folder of 'ganviz sweep')")
    if not folder:
        return None
    return show(win, folder)


def show(win, folder: str | Path) -> SweepDialog | None:
    try:
        dlg = SweepDialog(win, folder)
    except GanvizError as err:
        win.tell("input", str(err))
        return None
    dlg.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()
    win.sweep_dialog = dlg
    return dlg
