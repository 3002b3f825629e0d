"""Presentation mode's state: on or off, the dark theme on or off, and how much larger text is drawn while
presenting (app/tools/presentation.py fits the window to it).

Presenting is for the back row of a lecture hall: fonts 1.7x on a 1080-line screen, proportionally less on a
shorter one (a back row reads text by its share of the projected picture), never smaller than the window's own.
"""
from __future__ import annotations

from psygnal import Signal

SCALE = 1.7         # fonts and symbols of the views and curves in presentation mode
WIDGET_SCALE = 1.3  # the window's own text (toolbar, panels, status bar): all its buttons must still fit
SCALED_FOR = 1080   # screen lines the scales are for. A back row reads text by its share of the
                    # projected picture: a 720-line projector needs 2/3 of the pixels (at 1.7x there,
                    # the fonts took the view's room: a 110 px plot under a 180 px caption)


def scales(screen_lines: int) -> tuple[float, float]:
    """(views and curves, the window's own text): the font scales for presenting on a screen this tall."""
    share = min(1.0, screen_lines / SCALED_FOR)
    return max(1.0, SCALE * share), max(1.0, WIDGET_SCALE * share)


class Presentation:
    """Presenting and the dark theme, each on or off; while presenting, the scales for the screen it started on."""

    changed = Signal()

    def __init__(self):
        self.presenting = False
        self.dark = False
        self.scale, self.text_scale = 1.0, 1.0

    def set_presenting(self, on: bool, screen_lines: int = SCALED_FOR) -> None:
        on = bool(on)
        if on == self.presenting:
            return
        self.presenting = on
        if on:
            self.scale, self.text_scale = scales(screen_lines)
        self.changed.emit()

    def set_dark(self, on: bool) -> None:
        on = bool(on)
        if on == self.dark:
            return
        self.dark = on
        self.changed.emit()

    def scales(self) -> tuple[float, float]:
        """(views and curves, the window's own text) as they are drawn now: 1 unless presenting."""
        return (self.scale, self.text_scale) if self.presenting else (1.0, 1.0)
