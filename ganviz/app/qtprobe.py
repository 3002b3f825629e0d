"""Can Qt open its platform plugin here? Asked of a short child process before the trainer starts.

When the plugin cannot load (the xcb plugin on a Linux desktop without libxcb-cursor0, an X server
that does not answer) Qt aborts the whole process: a core dump, and the training process already
started leaves leaked semaphores behind. A child that only creates a QGuiApplication (~0.1 s, run
while the window's process imports its own modules) fails in its place, and what it printed, with
ldd's list of the plugin's missing libraries, becomes one line for the user.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# The child prints its plugin folder first (for ldd), then meets Qt's platform plugin.
PROBE = ("from PySide6.QtCore import QLibraryInfo as L\n"
         "print(L.path(L.LibraryPath.PluginsPath), flush=True)\n"
         "from PySide6.QtGui import QGuiApplication\n"
         "QGuiApplication([])\n")
NEEDS_NOTHING = ("offscreen", "minimal")  # platforms with no display and no system libraries to miss
TIMEOUT_S = 20.0  # a child that hangs (a display that never answers) is no verdict: the window tries
HEADLESS = "or train headless with 'ganviz train ...'"
# Debian names that do not follow from the soname (apt_package's rule covers the rest).
APT_EXCEPTIONS = {"libglib-2.0.so.0": "libglib2.0-0", "libgobject-2.0.so.0": "libglib2.0-0",
                  "libgthread-2.0.so.0": "libglib2.0-0"}


def start() -> subprocess.Popen | None:
    """The probe, started; None where there is nothing to ask (not Linux, or an offscreen platform)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "") in NEEDS_NOTHING:
        return None
    return subprocess.Popen([sys.executable, "-c", PROBE], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def problem(probe: subprocess.Popen | None) -> str | None:
    """Wait for the probe; None when Qt could open its platform, else the line to print."""
    if probe is None:
        return None
    try:
        out, err = probe.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return None
    if probe.returncode == 0:
        return None
    plugins = out.strip().splitlines()[0] if out.strip() else ""
    return "ganviz: " + explain(err, ldd(plugins, _platform(err)))


def ldd(plugins: str, platform: str) -> str:
    """ldd's report on the platform plugin's library ('' where there is no ldd or no such plugin)."""
    lib = Path(plugins, "platforms", f"libq{platform}.so")
    if not plugins or not lib.is_file():
        return ""
    try:
        return subprocess.run(["ldd", str(lib)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def explain(qt_stderr: str, ldd_out: str) -> str:
    """One line from what Qt printed and ldd found: what is wrong and what to do about it."""
    platform = _platform(qt_stderr)
    display = re.search(r"could not connect to display ?(\S*)", qt_stderr)
    if display:
        shown = display.group(1) or os.environ.get("DISPLAY", "")
        where = f"no X server answers at display '{shown}'" if shown else "DISPLAY is not set"
        return f"the window cannot open: {where}; check DISPLAY, use 'xvfb-run make run', {HEADLESS}"
    missing = list(dict.fromkeys(re.findall(r"^\s*(\S+) => not found", ldd_out, re.M)))
    if missing:
        packages = " ".join(dict.fromkeys(apt_package(lib) for lib in missing))
        return (f"the window cannot open: Qt's {platform} plugin needs {', '.join(missing)}, not installed here; "
                f"install it with 'sudo apt-get install {packages}' (Debian/Ubuntu), {HEADLESS}")
    unknown = re.search(r'Could not find the Qt platform plugin "([^"]*)"', qt_stderr)
    if unknown:
        there = re.search(r"Available platform plugins are: (.*?)\.?$", qt_stderr, re.M)
        return (f"the window cannot open: Qt has no platform plugin '{unknown.group(1)}' (QT_QPA_PLATFORM); "
                f"unset QT_QPA_PLATFORM or choose one of: {there.group(1) if there else 'xcb, wayland'}")
    lines = [s.strip() for s in qt_stderr.splitlines() if s.strip()]
    said = next((s for s in lines if "Could not" in s or "could not" in s), lines[0] if lines else "no message")
    return (f"the window cannot open: Qt's {platform} platform plugin failed ({said.removeprefix('qt.qpa.plugin: ')}); "
            f"run with QT_DEBUG_PLUGINS=1 to see why, {HEADLESS}")


def apt_package(soname: str) -> str:
    """Debian's package for a library, by its naming policy: libfoo.so.1 -> libfoo1, libfoo-2.so.0 -> libfoo-2-0."""
    if soname in APT_EXCEPTIONS:
        return APT_EXCEPTIONS[soname]
    name, _, version = soname.partition(".so.")
    name = name.lower()
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def _platform(qt_stderr: str) -> str:
    found = re.search(r'platform plugin "([^"]*)"', qt_stderr)
    return found.group(1) if found else (os.environ.get("QT_QPA_PLATFORM") or "xcb")
