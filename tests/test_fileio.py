"""Saving is atomic: a failure mid-write leaves the previous file whole and no temp file behind."""
import os

import pytest

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


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_unwritable_folder_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(GanvizError, match="cannot write"):
        write_text(ro / "x.txt", "data")


def test_write_to_a_path_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(GanvizError, match="cannot write"):
        write_text(tmp_path / "afile" / "x.txt", "data")
