"""Presets: one TOML file a preset (ganviz/presets/, or a user's own), read into a Preset: its title,
description and narration, its settings (core/config.py checks them), its tour (core/tour.py), the
comparison it shows ([compare]) and what it promises (core/expectations.py).
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from . import expectations, tour
from .config import Config, from_dict, parse_assignments
from .errors import ConfigError
from .vary import MAX_RUNS, grid

# Package data (pyproject.toml), so an installed wheel has them: a folder, or a place in a zip.
PRESET_DIR: Traversable = resources.files("ganviz") / "presets"


@dataclass
class Preset:
    name: str
    title: str
    description: str
    narration: list[str]
    settings: dict[str, Any]
    path: Path | Traversable  # a user's file, or one of PRESET_DIR's
    tour: list = field(default_factory=list)  # tour.Stage: the stages a lecture walks through
    compare: "Comparison | None" = None       # runs the preset shows side by side
    expect: list = field(default_factory=list)  # expectations.Expectation: what the preset promises

    def config(self) -> Config:
        return from_dict(self.settings)

    def configs(self, variants: list[dict] | None = None) -> list[Config]:
        """The preset's settings times each variant (one run when there are none)."""
        base = self.settings
        return [from_dict({**base, **v}) for v in variants or [{}]]


@dataclass(frozen=True)
class Comparison:
    """A preset's [compare] table: its runs as overrides of the preset's settings, and their names.

        [compare]
        title = "minimax vs non-saturating"
        runs = [{ loss = "minimax" }, { loss = "ns" }]     # or: vary = ["seed=0:4"] (as --vary)
        names = ["minimax", "non-saturating"]              # optional; else what differs
    """
    title: str
    runs: tuple[dict, ...]
    names: tuple[str, ...] | None = None


def parse_comparison(raw: Any, where: str) -> Comparison | None:
    if raw is None:
        return None
    name = f"preset '{where}', [compare]"
    if not isinstance(raw, dict) or not ({"runs", "vary"} & set(raw)):
        raise ConfigError(f"{name} needs runs = [{{...}}, ...] or vary = [\"key=values\"]")
    unknown = set(raw) - {"title", "runs", "vary", "names"}
    if unknown:
        raise ConfigError(f"{name}: unknown key '{sorted(unknown)[0]}' (known: names, runs, title, vary)")
    try:
        if "runs" in raw:
            runs = raw["runs"]
            if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs) or not 2 <= len(runs) <= MAX_RUNS:
                raise ConfigError(f"runs must be a list of 2 to {MAX_RUNS} tables of settings")
            runs = [parse_assignments([f"{k}={v}" for k, v in r.items()]) for r in runs]
        else:
            runs = grid([str(v) for v in raw["vary"]])
        names = raw.get("names")
        if names is not None and (not isinstance(names, list) or len(names) != len(runs)):
            raise ConfigError(f"names must list one name per run ({len(runs)})")
    except ConfigError as err:
        raise ConfigError(f"{name}: {str(err).replace('--set needs', 'a setting needs')}") from None
    return Comparison(title=str(raw.get("title", "compare")), runs=tuple(runs),
                      names=None if names is None else tuple(str(n) for n in names))


def read_toml(path: Path | Traversable, what: str = "file") -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} '{path}' does not exist") from None
    except PermissionError:
        raise ConfigError(f"{what} '{path}' cannot be read (permission denied)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{what} '{path}' is not valid TOML ({err}); fix or replace it") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} '{path}' is a folder, not a TOML file") from None


def load_preset(name_or_path: str) -> Preset:
    path: Path | Traversable = Path(name_or_path)
    if path.suffix != ".toml":
        path = PRESET_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            names = preset_names()
            close = difflib.get_close_matches(name_or_path, names, n=1, cutoff=0.4)
            hint = f"did you mean '{close[0]}'?" if close else "run 'ganviz presets' for the list"
            raise ConfigError(f"unknown preset '{name_or_path}'; {hint}")
    doc = read_toml(path, "preset")
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"preset '{path}' needs a [settings] table")
    name = path.name.removesuffix(".toml")
    preset = Preset(name=name, title=str(doc.get("title", name)),
                    description=str(doc.get("description", "")),
                    narration=[str(s) for s in doc.get("narration", [])], settings=settings, path=path,
                    tour=tour.parse(doc.get("tour"), name), compare=parse_comparison(doc.get("compare"), name))
    preset.expect = expectations.parse(doc.get("expect"), name, len(preset.tour))
    preset.configs(list(preset.compare.runs) if preset.compare else None)  # validate now, naming the preset
    return preset


def preset_names() -> list[str]:
    # The lecture's order: the paper's picture, the questions it raises, the benchmarks, images, losses.
    order = ["figure1", "linear1d", "saturating", "d-strong", "d-weak", "mode-collapse", "mixed-batches",
             "noise-target", "helvetica", "ring8", "grid25", "digits", "shapes", "digits-collapse", "fashion", "fashion-conditional", "mnist",
             "loss-minimax",
             "loss-ns", "loss-lsgan", "loss-wgan", "loss-wgan-gp", "loss-hinge"]
    found = sorted(p.name.removesuffix(".toml") for p in PRESET_DIR.iterdir() if p.name.endswith(".toml"))
    return [n for n in order if n in found] + [n for n in found if n not in order]
