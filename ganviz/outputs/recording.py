"""Recordings of a run as GIF or MP4 (imageio; MP4 through imageio-ffmpeg's bundled ffmpeg).

Frames are collected in memory as uint8 and encoded once at the end into a temporary file that
then replaces the target, so an interrupted recording never leaves a broken video behind.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import GanvizError
from ..core.fileio import write_with

FORMATS = (".gif", ".mp4")
MAX_FRAMES = 1500  # ~50 s at 30 fps; beyond that frames are thinned, keeping memory bounded


def check_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise GanvizError(f"recording '{path}' must end in .gif or .mp4")
    return path


class Recorder:
    def __init__(self, path: str | Path, fps: float = 15.0):
        self.path, self.fps = check_path(path), fps
        self.frames: list[np.ndarray] = []
        self.stride = 1  # keep every stride-th frame offered
        self._offered = 0

    def add(self, rgb: np.ndarray) -> None:
        """Offer one (H, W, 3) uint8 frame; frames of another size are padded/cropped to the first's."""
        self._offered += 1
        if (self._offered - 1) % self.stride:
            return
        if self.frames and rgb.shape != self.frames[0].shape:
            rgb = _fit(rgb, self.frames[0].shape)
        self.frames.append(np.ascontiguousarray(rgb, dtype=np.uint8))
        if len(self.frames) >= MAX_FRAMES:
            self.frames = self.frames[::2]
            self.stride *= 2

    def save(self) -> int:
        """Encode and write; returns the number of frames written."""
        if not self.frames:
            raise GanvizError("nothing was recorded; play the run before stopping the recording")
        import imageio.v2 as imageio
        if self.path.suffix.lower() == ".gif":
            write_with(self.path, lambda tmp: imageio.mimsave(tmp, self.frames, duration=1000 / self.fps, loop=0))
        else:
            def encode(tmp):
                with imageio.get_writer(tmp, fps=self.fps, codec="libx264", quality=7, macro_block_size=2,
                                        ffmpeg_log_level="error") as writer:
                    for frame in self.frames:
                        writer.append_data(frame)
            write_with(self.path, encode)
        return len(self.frames)


def _fit(rgb: np.ndarray, shape: tuple) -> np.ndarray:
    out = np.full(shape, 255, np.uint8)
    h, w = min(shape[0], rgb.shape[0]), min(shape[1], rgb.shape[1])
    out[:h, :w] = rgb[:h, :w]
    return out
