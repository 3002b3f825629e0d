"""A preset's tour: the stages a lecture walks through, each a caption and a few updates.

A preset may list stages in its TOML file:

    [[tour]]
    title = "(b) D trained to its optimum"
    caption = "G is frozen; D alone takes 400 steps and approaches D* = p_data / (p_data + p_g)."
    run = "d"          # "both" (iterations of Algorithm 1), "d" (D alone) or "g" (G alone)
    steps = 400
    set = { lr_d = 0.002 }   # optional live settings, applied when the stage starts

The window plays the stages one by one from the preset's first state (same seed, so the same
pictures every time); `ganviz tour` writes one picture per stage for slides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .config import LIVE_KEYS, checked
from .driver import UPDATES, Driver, Progress, Stop
from .errors import ConfigError
from .tables import tables

RUNS = UPDATES
MAX_STAGE_STEPS = 100_000
KEYS = {"title", "caption", "run", "steps", "set"}


@dataclass(frozen=True)
class Stage:
    title: str
    caption: str
    run: str = "both"
    steps: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "caption": self.caption, "run": self.run, "steps": self.steps,
                "set": dict(self.settings)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Stage":
        """The inverse of to_dict (how a stage travels to the training process)."""
        return cls(title=d["title"], caption=d["caption"], run=d.get("run", "both"), steps=int(d.get("steps", 0)),
                   settings=dict(d.get("set", {})))


def parse(raw: Any, where: str) -> list[Stage]:
    """The [[tour]] tables of a preset file as Stages, or ConfigError naming the preset and stage."""
    stages = []
    for i, (name, s) in enumerate(tables(raw, where, "tour", "tour stage", KEYS), 1):
        run = s.get("run", "both")
        if run not in RUNS:
            raise ConfigError(f"{name}: run must be one of {', '.join(RUNS)}, not '{run}'")
        steps = s.get("steps", 0)
        if not isinstance(steps, int) or isinstance(steps, bool) or not 0 <= steps <= MAX_STAGE_STEPS:
            raise ConfigError(f"{name}: steps must be a whole number from 0 to {MAX_STAGE_STEPS}")
        settings = s.get("set", {})
        if not isinstance(settings, dict):
            raise ConfigError(f"{name}: 'set' must be a table of settings")
        typed = {}
        for key, value in settings.items():
            if key not in LIVE_KEYS:  # a stage continues the run: it cannot rebuild data or models
                raise ConfigError(f"{name}: '{key}' cannot change during a run; set it in [settings]")
            try:
                typed[key] = checked(key, value)
            except ConfigError as err:
                raise ConfigError(f"{name}: {err}") from None
        stages.append(Stage(title=str(s.get("title", f"Stage {i}")), caption=str(s.get("caption", "")),
                            run=run, steps=steps, settings=typed))
    return stages


def run_stage(pop, stage: Stage,
              progress: Callable[[Progress], None] | None = None) -> dict[int, dict[str, tuple[Any, Any]]]:
    """Apply the stage's settings and play its updates (telling `progress` after each one, if given);
    returns the settings changed, per run. DivergedError when every run diverged."""
    changed = pop.set(**stage.settings) if stage.settings else {}
    driver = stage_driver(pop, stage, progress)
    if driver.run() is Stop.DIVERGED:
        raise driver.error
    return changed


def stage_driver(pop, stage: Stage, progress: Callable[[Progress], None] | None = None) -> Driver:
    """What plays the stage's updates (its settings applied first, by the caller)."""
    return Driver(pop, updates=stage.steps, update=stage.run, progress=progress)
