"""Every `ganviz sweep` command in README.md and docs/sweep.md is accepted as written: --dry-run checks
all its input (settings, spaces, metric, data, model sizes) and trains nothing."""
import shlex
from pathlib import Path

import pytest

from ganviz.cli import main

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[tuple[str, str]]:
    found = []
    for doc in ("README.md", "docs/sweep.md"):
        for line in (ROOT / doc).read_text().splitlines():
            line = line.strip().split("  #")[0].strip()
            if line.startswith("ganviz sweep ") and "..." not in line and "--report" not in line:
                found.append((doc, line))
    return found


def test_the_docs_show_sweeps():
    assert len(commands()) >= 5


@pytest.mark.parametrize("doc, line", commands())
def test_a_documented_sweep_is_accepted(doc, line, tmp_path, capsys):
    args = shlex.split(line)[2:]
    args[args.index("--out") + 1] = str(tmp_path / "out")
    assert main(["sweep", *args, "--dry-run"]) == 0, capsys.readouterr().err
    assert "to train" in capsys.readouterr().out
