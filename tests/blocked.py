"""Places a file cannot be written to, for the tests of refusals. CI runs as root, who ignores folder
permissions, so each test also uses places that refuse root: below a file, and below /proc.
(`setpriv --bounding-set -dac_override,-dac_read_search CMD` runs the tests as a root that does not.)"""
import os

import pytest

PLACES = ["under a file", "in /proc", "read-only folder", "locked folder"]


def blocked(tmp_path, where: str):
    """A path inside which nothing can be created, as `where` in PLACES says (or a skip)."""
    if where == "under a file":
        (tmp_path / "notes.txt").write_text("my notes")
        return tmp_path / "notes.txt" / "sub"
    if where == "in /proc":
        if not os.path.isdir("/proc/self"):
            pytest.skip("no /proc here")
        return f"/proc/ganviz-test-{os.getpid()}"
    folder = tmp_path / where.replace(" ", "-")
    folder.mkdir()
    folder.chmod(0o500 if where == "read-only folder" else 0o000)  # locked: not even looked into
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder if where == "read-only folder" else folder / "sub"
    pytest.skip("this user ignores folder permissions")
