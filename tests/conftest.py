"""Shared test set-up. Qt runs offscreen: no display is needed, and pictures are still real."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
