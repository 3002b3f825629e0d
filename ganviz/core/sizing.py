"""Settings sized for a user's own images: a preset-like default chosen from the image size.

A preset is made for its data (figure1 for a 1D Gaussian, digits for 8 x 8 digits); a user who
brings MNIST's 28 x 28 IDX files or a folder of 32 x 32 photos to it would train a model sized
for something else. When the data is a user's images, these settings replace the preset's for
the keys below (the command line's --set still wins): the built-in image presets' own settings
for sides up to theirs, and for larger images the same recipe grown with them. Steps per second
at each size: docs/performance.md (`ganviz bench`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

# What sizing sets: the models and how they train; never the data, the seed or the clock's logging.
KEYS = ("model", "z_dim", "g_hidden", "d_hidden", "g_depth", "d_depth", "activation", "spectral_norm", "loss",
        "optimizer", "lr_d", "lr_g", "beta1", "beta2", "batch_size", "ema", "r1", "lr_decay", "steps",
        "eval_every")

# Larger images (above 28, colour): a DCGAN (its two stride-2 layers take 32 -> 8), wide and with a long z,
# Adam at DCGAN's rates, G's weights averaged for the samples shown.
LARGE = {
    32: dict(model="dcgan", z_dim=100, g_hidden=64, d_hidden=64, loss="ns", optimizer="adam", lr_d=2e-4,
             lr_g=2e-4, beta1=0.5, beta2=0.999, batch_size=64, ema=0.999, spectral_norm=False, r1=0.0,
             lr_decay=0.0, steps=8000, eval_every=1000),
}
PRESET_OF = {8: "digits", 16: "shapes", 28: "fashion"}  # images up to these sides: the presets made for them


def for_side(side: int) -> tuple[str, dict[str, Any]]:
    """(what they were made for, the settings) for images of this side (the larger of height and width)."""
    from .presets import load_preset
    for limit, name in PRESET_OF.items():
        if side <= limit:
            preset = load_preset(name)
            return f"the {name} preset", {k: v for k, v in preset.settings.items() if k in KEYS}
    limit = next((s for s in LARGE if side <= s), max(LARGE))
    return f"{limit}x{limit} images", dict(LARGE[limit])


def for_data(source: str, image_size: int = 0) -> tuple[str, dict[str, Any]] | None:
    """Sized settings when `source` is a user's images (a file or folder) or MNIST/Fashion-MNIST (those of the
    preset made for their size; None for the other built-ins and for points). Reads only what it needs to know the size (an
    IDX or NPY header, the images' sizes in a folder)."""
    from .data import BUILTINS
    from .datasets import SIDE, is_real
    from .loaders import image_side
    name = source.strip()
    if is_real(name):
        return for_side(image_size or SIDE)
    if not name or name.lower() in BUILTINS:
        return None
    side = image_size or image_side(Path(name).expanduser())
    return None if side is None else for_side(side)


def note(source: str, sized: tuple[str, dict[str, Any]]) -> str:
    """One line for the user: what was sized, and how to choose otherwise."""
    made_for, settings = sized
    shown = ", ".join(f"{k}={settings[k]}" for k in ("model", "g_hidden", "z_dim", "steps") if k in settings)
    return (f"'{Path(source).name}' holds images: settings sized for them (those of {made_for}: {shown}, ...); "
            "--set KEY=VALUE chooses otherwise")
