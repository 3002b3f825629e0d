"""A built wheel is a working ganviz: `pip install .`, a wheel or pipx gives the presets too.

Offline: the wheel is built with the project venv's own setuptools (no build isolation, no index)
and installed into a throwaway venv that sees the project venv's packages for its dependencies.
"""
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted(p.name for p in (ROOT / "ganviz" / "presets").glob("*.toml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy, so the build's own build/ and *.egg-info stay out of the working tree.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "ganviz", src / "ganviz", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(src)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (whl,) = out.glob("ganviz-*.whl")
    return whl


@pytest.mark.slow
def test_the_wheel_holds_every_preset(wheel):
    assert len(PRESETS) >= 19
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in PRESETS if f"ganviz/presets/{n}" not in names] == []


@pytest.mark.slow
def test_the_wheel_holds_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "ganviz").rglob("*.py"))]
    assert len(modules) > 60 and [m for m in modules if m not in names] == []


@pytest.mark.slow
def test_ganviz_installed_from_the_wheel_lists_the_presets(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a checkout on the path would shadow the wheel
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # Dependencies (and pip) from the project venv, after the venv's own packages. A plain path
    # line: the project's editable-install hook in that folder is not run, so only the wheel's
    # ganviz can be imported.
    Path(purelib, "project-venv.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    done = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q",
                           str(wheel)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    where = subprocess.run([py, "-c", "import ganviz; print(ganviz.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, check=True, env=env).stdout.strip()
    assert Path(where).is_relative_to(env_dir)
    done = subprocess.run([env_dir / "bin" / "ganviz", "presets"], capture_output=True, text=True, cwd=tmp_path,
                          env=env)
    assert done.returncode == 0, done.stderr
    listed = sorted(line.split()[0] + ".toml" for line in done.stdout.splitlines() if line.strip())
    assert listed == PRESETS
