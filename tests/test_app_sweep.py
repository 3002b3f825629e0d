"""File ▸ Open sweep…: a sweep's runs in a table, sorted by any column (numbers as numbers) and filtered
by settings; the selected run's final picture beside it; Compare and Open as session reach the session.
No training process: the session is given a stand-in that records what it is sent."""
import queue

import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402

from ganviz.app import make_app  # noqa: E402
from ganviz.app.panels import sweep_browser as sweep_ui  # noqa: E402
from ganviz.app.window import MainWindow  # noqa: E402
from ganviz.cli import main  # noqa: E402
from ganviz.core.presets import load_preset  # noqa: E402
from ganviz.process import protocol as p  # noqa: E402
from ganviz.session import Session  # noqa: E402

from test_sweep import SMALL  # noqa: E402

pytestmark = pytest.mark.slow  # the module's sweep trains first (~10 s), then the window opens on it


class Handle:
    """Stands in for the training process: takes commands, never answers."""

    def __init__(self, configs):
        self.configs, self.commands, self.sent = configs, [], 0
        self.out_q = queue.Queue()  # what the window's bridge listens to: nothing comes
        self.process = type("Alive", (), {"is_alive": lambda self: True, "exitcode": None})()

    def send(self, cmd) -> None:
        self.commands.append(cmd)
        self.sent += 1

    def alive(self) -> bool:
        return True

    def stop(self) -> None:
        pass


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    # seeds 2 and 10: as text "10" sorts before "2"; lr_d=10 diverges
    assert main(["sweep", *SMALL, "--grid", "lr_d=10,0.001", "--seeds", "2,10", "--workers", "2", "--out", str(out),
                 "--quiet"]) == 0
    return out


@pytest.fixture
def win(qtbot):
    make_app()
    handles = []
    session = Session(load_preset("figure1"), [load_preset("figure1").config()],
                      start=lambda configs: handles.append(Handle(configs)) or handles[-1])
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.handles = handles
    yield w
    w.shutdown()


def column(dlg, name: str) -> list[str]:
    c = [dlg.model.headerData(i, QtCore.Qt.Orientation.Horizontal) for i in range(dlg.model.columnCount())].index(name)
    return [dlg.proxy.index(r, c).data() for r in range(dlg.proxy.rowCount())]


def test_the_file_menu_opens_a_sweep(win):
    assert win.act_sweep in win.menu("File").actions() and win.act_sweep.text() == "Open sweep\u2026"


def test_the_table_sorts_by_any_column_with_numbers_as_numbers(win, folder):
    dlg = sweep_ui.show(win, folder)
    assert dlg.proxy.rowCount() == 4 and column(dlg, "lr_d")[:2] == ["0.001", "0.001"]  # best modes first
    dlg.table.sortByColumn(column_index(dlg, "seed"), QtCore.Qt.SortOrder.AscendingOrder)
    assert column(dlg, "seed") == ["2", "2", "10", "10"]
    dlg.table.sortByColumn(column_index(dlg, "modes"), QtCore.Qt.SortOrder.DescendingOrder)
    assert column(dlg, "modes")[2:] == ["", ""]  # the diverged runs have none: last


def column_index(dlg, name: str) -> int:
    return [dlg.model.headerData(i, QtCore.Qt.Orientation.Horizontal) for i in range(dlg.model.columnCount())].index(
        name)


@pytest.mark.parametrize("text, n", [("lr_d=1e-3", 2), ("diverged", 2), ("lr_d=0.001 seed=10", 1),
                                     ("loss=ns", 0), ("", 4)])
def test_the_filter_matches_settings_and_words(win, folder, text, n):
    dlg = sweep_ui.show(win, folder)
    dlg.filter.setText(text)
    assert dlg.proxy.rowCount() == n


def test_the_selected_run_shows_its_final_picture_and_what_it_can_do(win, folder):
    dlg = sweep_ui.show(win, folder)
    dlg.select(["lr_d-0.001_seed-2"])
    assert not dlg.picture.pixmap().isNull() and "lr_d=0.001, seed=2: done" in dlg.caption.text()
    assert dlg.open_button.isEnabled() and not dlg.compare_button.isEnabled()
    dlg.select(["lr_d-10_seed-2"])
    assert "no final picture" in dlg.picture.text() and not dlg.open_button.isEnabled()
    dlg.select(["lr_d-0.001_seed-2", "lr_d-10_seed-10"])
    assert dlg.compare_button.isEnabled() and not dlg.open_button.isEnabled()


def test_compare_trains_the_selected_runs_side_by_side_from_their_settings(win, folder):
    dlg = sweep_ui.show(win, folder)
    dlg.select(["lr_d-0.001_seed-2", "lr_d-0.001_seed-10", "lr_d-10_seed-2"])
    dlg.compare_button.click()
    s = win.session
    assert s.n_runs == 3 and s.preset.name == "ring8"
    assert sorted(s.names) == ["lr_d=0.001, seed=10", "lr_d=0.001, seed=2", "lr_d=10, seed=2"]
    asked = [(c["lr_d"], c["seed"], c["steps"], c["g_hidden"]) for c in s.runs_edited]  # until the trainer's Started
    assert sorted(asked) == [(0.001, 2, 60, 32), (0.001, 10, 60, 32), (10.0, 2, 60, 32)]
    assert win.handles and sorted((c["lr_d"], c["seed"]) for c in win.handles[-1].configs) == [  # a training process
        (0.001, 2), (0.001, 10), (10.0, 2)]                                                 # for the three


def test_open_as_session_loads_the_runs_saved_state(win, folder):
    dlg = sweep_ui.show(win, folder)
    dlg.select(["lr_d-0.001_seed-10"])
    dlg.open_button.click()
    (load,) = [c for h in win.handles for c in h.commands if isinstance(c, p.Load)]
    assert load.path == str(folder / "lr_d-0.001_seed-10" / "trainer.safetensors")


def test_a_folder_without_a_sweep_is_one_line_in_a_message_box(win, tmp_path):
    told = []
    win.session.problem.connect(lambda kind, message: told.append((kind, message)))
    assert sweep_ui.show(win, tmp_path) is None
    assert told == [("input", f"'{tmp_path}' holds no sweep (sweep.json is missing); give the --out folder of a "
                              "'ganviz sweep'")]
