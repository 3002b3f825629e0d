"""Saving is atomic: a failure mid-write leaves the previous file whole and no temp file behind.

Where a folder refuses files, the tests use places that refuse root too (CI runs as root): see blocked.py."""
import os
from pathlib import Path

import pytest

from blocked import PLACES, blocked
from ganviz.core.errors import GanvizError
from ganviz.core.fileio import write_text, write_with


def test_failure_mid_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "metrics.csv"
    write_text(target, "old contents\n")

    def crash_halfway(tmp):
        tmp.write_text("half of the new")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_with(target, crash_halfway)
    assert target.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["metrics.csv"]


def test_disk_full_is_a_clear_error_and_keeps_the_previous_file(tmp_path):
    target = tmp_path / "model.safetensors"
    write_text(target, "previous")

    def disk_full(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(GanvizError, match="No space left"):
        write_with(target, disk_full)
    assert target.read_text() == "previous"


@pytest.mark.parametrize("where", PLACES)
def test_a_folder_that_refuses_files_is_a_one_line_error_and_leaves_no_temp_file(tmp_path, where):
    folder = Path(blocked(tmp_path, where))
    with pytest.raises(GanvizError, match="cannot write") as err:
        write_text(folder / "x.txt", "data")
    assert len(str(err.value).splitlines()) == 1 and "choose another folder" in str(err.value)
    for sub in tmp_path.iterdir():  # let the check below look into the folders locked for the test
        if sub.is_dir():
            sub.chmod(0o700)
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_a_target_that_cannot_be_replaced_is_a_one_line_error_and_leaves_no_temp_file(tmp_path):
    """The temp file is written, then cannot be renamed over the target: a folder stands there
    (which stops root too). The temp file must not be left behind."""
    (tmp_path / "metrics.csv").mkdir()
    with pytest.raises(GanvizError, match="cannot write") as err:
        write_text(tmp_path / "metrics.csv", "data")
    assert len(str(err.value).splitlines()) == 1
    assert os.listdir(tmp_path) == ["metrics.csv"] and not any((tmp_path / "metrics.csv").iterdir())
