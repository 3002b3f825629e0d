"""What the window (or any driver) and the training process say to each other: small typed messages.

Qt-free and torch-free, so both sides (and tests) import it. Commands go to the training process
(worker.py), which handles each through a table keyed by its type; messages come back, the
newest Frame winning when the window falls behind. Everything here pickles through a
multiprocessing queue: plain dataclasses of numbers, strings and numpy arrays.

The training process keeps a population of runs (core/population.py); a single run is a
population of one. `runs` fields name runs by their index in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.pictures import Picture


# ---------------------------------------------------------------------------- commands
@dataclass(frozen=True)
class Reset:
    """A new population from these settings, one dict per run (same seeds: the same runs again)."""
    configs: tuple[dict, ...]


@dataclass(frozen=True)
class Play:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Step:
    """One iteration of Algorithm 1 ("both"), or a lone update of D ("d") or G ("g"); pauses."""
    which: str = "both"


@dataclass(frozen=True)
class Set:
    """Live settings, from the next step on, for `runs` (all when None)."""
    values: dict
    runs: tuple[int, ...] | None = None


@dataclass(frozen=True)
class View:
    """What the views want drawn: which runs, the 2D overlays, the 2D plot's width / height, whether
    the pictures are compact (panels of compare mode: fewer points, snapshot.COMPACT), and the tiles
    a latent walk joins (images)."""
    runs: tuple[int, ...] | None = (0,)   # None: every run
    arrows: bool = False
    manifold: bool = False
    aspect: float | None = None
    compact: bool = False
    walk: tuple[int, int] | None = None


@dataclass(frozen=True)
class Speed:
    """Steps per second to play at; 0 = as fast as the machine goes (slow demos use small numbers)."""
    steps_per_s: float = 0.0


@dataclass(frozen=True)
class Phases:
    """Slow motion: one iteration run phase by phase, answered with PhaseFrames."""


@dataclass(frozen=True)
class PlayStage:
    """A tour stage (core/tour.py, as Stage.to_dict()): its settings, then its updates played, then pause."""
    serial: int
    stage: dict


@dataclass(frozen=True)
class FrameDone:
    """The window drew a frame: one more may be sent (flow control: one frame in flight)."""


@dataclass(frozen=True)
class Save:
    path: str


@dataclass(frozen=True)
class Load:
    path: str


@dataclass(frozen=True)
class Restore:
    """Back to the kept state nearest `step` (paused); playing on branches from there."""
    step: int


@dataclass(frozen=True)
class Quit:
    pass


COMMANDS = (Reset, Play, Pause, Step, Set, View, Speed, Phases, PlayStage, FrameDone, Save, Load, Restore, Quit)


# ---------------------------------------------------------------------------- messages back
@dataclass
class Phase:
    """Slow motion: which phase of an iteration a frame shows, and that phase's minibatch."""
    name: str         # "sample" | "generate" | "discriminate" | "update_d" | "update_g"
    caption: str
    index: int
    count: int
    batch: dict       # arrays in the data's own units: real, fake, fake_after, z, d_real, d_fake (see phases.py)


@dataclass
class Frame:
    """One picture of the population, with what changed since the last frame.

    rows / changes: each run's new log rows and change markers. rows_from[i] is how many rows of
    run i come before rows[i] in the training process's log: a receiver that holds more cuts its
    copy there first (the timeline branched), so its history always equals the trainer's.
    """
    generation: int                      # counts new populations (reset, load): views and histories start afresh
    step: int
    target_steps: int
    playing: bool
    steps_per_s: float
    handled: int                         # commands handled so far: a frame reflects every command up to it
    pictures: dict[int, Picture]         # run -> picture, for the runs asked for (View.runs)
    stats: dict[int, dict[str, float]]   # run -> the last step's numbers (every run)
    rows: dict[int, list[dict]] = field(default_factory=dict)
    rows_from: dict[int, int] = field(default_factory=dict)
    changes: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    changes_from: dict[int, int] = field(default_factory=dict)
    diverged: dict[int, tuple[int, str]] = field(default_factory=dict)  # run -> (step, what)
    timeline: list[int] | None = None    # the kept steps, when they changed
    branch_from: int | None = None       # set once after a Restore: the step the curves are cut at
    stage: tuple[int, int] | None = None  # (serial, updates left) while a tour stage plays or has just ended
    phase: Phase | None = None
    sent_at: float = 0.0
    dropped: int = 0                     # frames merged into this one because the window fell behind
    device: str = ""                     # where the population trains, as the status bar names it ("cpu", "cuda (...)")

    @property
    def kind(self) -> str:
        return next(iter(self.pictures.values())).kind if self.pictures else ""

    def merge_older(self, older: "Frame") -> None:
        """Carry what an older, undrawn frame brought and this one does not repeat: its log rows and
        changes, and the one-off timeline, branch and stage news."""
        if older.generation == self.generation:
            for new, new_from, old, old_from in ((self.rows, self.rows_from, older.rows, older.rows_from),
                                                 (self.changes, self.changes_from, older.changes, older.changes_from)):
                for run, items in old.items():
                    new[run], new_from[run] = _joined(items, old_from[run], new.get(run), new_from.get(run))
        for name in ("timeline", "branch_from", "stage"):
            if getattr(self, name) is None:
                setattr(self, name, getattr(older, name))
        self.dropped += older.dropped + 1


def _joined(old: list, old_from: int, new: list | None, new_from: int | None) -> tuple[list, int]:
    """Two consecutive slices of a log as one; the newer cuts the older where it starts (a branch)."""
    if new is None:
        return old, old_from
    if new_from < old_from:
        return new, new_from
    return old[:new_from - old_from] + new, old_from


@dataclass
class PhaseFrames:
    """Slow motion: one frame per phase of an iteration (their phase fields set)."""
    frames: list[Frame]


@dataclass
class Changed:
    """The training process applied live changes: run -> {key: (old, new)}."""
    changes: dict[int, dict[str, tuple[Any, Any]]]
    step: int


@dataclass
class Started:
    """A new population is training (the first, after Reset, or loaded): its generation and its runs'
    settings. After a Reset that could not be built, the population kept is told again."""
    generation: int
    configs: list[dict]


@dataclass
class Error:
    kind: str      # "diverged" (training paused), "input" (the user's mistake), "crash" (a bug)
    message: str


@dataclass
class Saved:
    path: str


@dataclass
class Loaded:
    path: str
