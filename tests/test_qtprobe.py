"""A desktop where Qt cannot open its window gets one line saying what is missing and how to get it,
exit status 2, before the training process starts: not Qt's abort, a core dump and leaked semaphores.

The messages are checked on what Qt 6.11 and ldd really print (captured on Debian 12 under Xvfb with
the library hidden); the whole path runs once through the CLI with a platform Qt cannot load.
"""
import os
import subprocess
import sys
import uuid

import psutil

from ganviz.app import qtprobe

AVAILABLE = ("\nAvailable platform plugins are: minimal, linuxfb, offscreen, xcb, wayland-brcm, wayland-egl, "
             "wayland, eglfs, vnc, vkkhrdisplay, minimalegl.\n")
FAILED = ("This application failed to start because no Qt platform plugin could be initialized. "
          "Reinstalling the application may fix this problem.\n")
# Qt prints its xcb-cursor hint whenever the xcb plugin fails, whatever the cause.
XCB_FAILED = ("qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform "
              "plugin.\nqt.qpa.plugin: Could not load the Qt platform plugin \"xcb\" in \"\" even though it was "
              "found.\n" + FAILED + AVAILABLE)
LDD_OK = ("\tlinux-vdso.so.1 (0x00007ffd)\n"
          "\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007fb8e5d0e000)\n"
          "\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007fb8e5d05000)\n")


def test_a_missing_xcb_cursor_names_the_library_and_the_apt_package():
    ldd = LDD_OK.replace("libxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007fb8e5d0e000)",
                         "libxcb-cursor.so.0 => not found") * 2  # ldd lists it once per library that needs it
    line = qtprobe.explain(XCB_FAILED, ldd)
    assert "\n" not in line
    assert "libxcb-cursor.so.0" in line and "sudo apt-get install libxcb-cursor0" in line
    assert line.count("libxcb-cursor0") == 1


def test_the_library_ldd_finds_missing_wins_over_qts_xcb_cursor_hint():
    ldd = LDD_OK.replace("/lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007fb8e5d05000)", "not found")
    line = qtprobe.explain(XCB_FAILED, ldd)
    assert "libxkbcommon-x11.so.0" in line and "sudo apt-get install libxkbcommon-x11-0" in line
    assert "libxcb-cursor" not in line


def test_several_missing_libraries_are_installed_by_one_command():
    ldd = "\tlibxcb-cursor.so.0 => not found\n\tlibxcb-icccm.so.4 => not found\n\tlibX11-xcb.so.1 => not found\n"
    line = qtprobe.explain(XCB_FAILED, ldd)
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libx11-xcb1" in line


def test_debian_package_names_follow_the_libraries_sonames():
    assert qtprobe.apt_package("libxcb-render-util.so.0") == "libxcb-render-util0"
    assert qtprobe.apt_package("libEGL.so.1") == "libegl1"
    assert qtprobe.apt_package("libdbus-1.so.3") == "libdbus-1-3"
    assert qtprobe.apt_package("libglib-2.0.so.0") == "libglib2.0-0"


def test_an_x_server_that_does_not_answer_is_named_as_such():
    err = "qt.qpa.xcb: could not connect to display :9999\n" + XCB_FAILED
    line = qtprobe.explain(err, LDD_OK)
    assert "\n" not in line and ":9999" in line and "DISPLAY" in line and "xvfb-run" in line
    assert "apt-get" not in line


def test_xcb_asked_for_without_a_display_says_display_is_not_set(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    line = qtprobe.explain("qt.qpa.xcb: could not connect to display \n" + XCB_FAILED, LDD_OK)
    assert "\n" not in line and "DISPLAY is not set" in line and "xvfb-run" in line


def test_an_unknown_platform_lists_the_ones_there_are():
    err = "qt.qpa.plugin: Could not find the Qt platform plugin \"nosuch\" in \"\"\n" + FAILED + AVAILABLE
    line = qtprobe.explain(err, "")
    assert "\n" not in line and "'nosuch'" in line and "QT_QPA_PLATFORM" in line and "xcb" in line


def test_any_other_failure_quotes_qt_and_says_where_to_look():
    err = ("error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n"
           "Failed to create wl_display (No such file or directory)\n"
           "qt.qpa.plugin: Could not load the Qt platform plugin \"wayland\" in \"\" even though it was found.\n"
           + FAILED + AVAILABLE)
    line = qtprobe.explain(err, "")
    assert "\n" not in line and "wayland" in line and "QT_DEBUG_PLUGINS=1" in line


def test_a_platform_that_needs_nothing_is_not_probed(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert qtprobe.start() is None


def test_the_window_that_cannot_open_exits_2_with_one_line_and_leaves_no_process():
    tag = uuid.uuid4().hex  # every process of this run inherits it
    env = dict(os.environ, QT_QPA_PLATFORM="nosuchplatform", GANVIZ_TEST_TAG=tag)
    done = subprocess.run([sys.executable, "-m", "ganviz", "--preset", "ring8"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("ganviz: ") and "nosuchplatform" in done.stderr
    assert "Traceback" not in done.stderr and "leaked" not in done.stderr

    def ours(p) -> bool:
        try:
            return p.environ().get("GANVIZ_TEST_TAG") == tag
        except psutil.Error:
            return False
    assert [p.pid for p in psutil.process_iter() if ours(p)] == []
