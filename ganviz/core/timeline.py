"""Kept states of a run, to scrub back in time and branch from an earlier moment.

Memory is bounded: when the kept states outgrow `max_bytes`, every other older state is
dropped (the newest is always kept), so the timeline stays sparse far back and dense near now.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

# A bound, not a goal: 32 MB holds ~80 states of ring8 (weights and Adam moments) or ~12 of digits,
# and keeps a long live run inside the 50 MB memory-growth budget of `ganviz bench`.
DEFAULT_MAX_BYTES = 32 * 2**20


def _nbytes(obj) -> int:
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(_nbytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_nbytes(v) for v in obj)
    return 0


@dataclass
class Kept:
    step: int
    state: dict
    nbytes: int


class Timeline:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.kept: list[Kept] = []

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes for k in self.kept)

    def steps(self) -> list[int]:
        return [k.step for k in self.kept]

    def keep(self, trainer) -> None:
        """Remember the trainer's state now (curves excluded: they are cut, not copied, on restore)."""
        state = trainer.state_dict(curves=False)
        state = copy.deepcopy(state)  # state_dict() shares storage with the live weights
        if self.kept and self.kept[-1].step == trainer.step_count:
            self.kept.pop()
        self.kept.append(Kept(trainer.step_count, state, _nbytes(state)))
        self._thin()

    def _thin(self) -> None:
        while self.nbytes > self.max_bytes and len(self.kept) > 1:
            older, newest = self.kept[:-1], self.kept[-1]
            # Drop every other older state, oldest first: coverage halves far back, stays dense near now.
            self.kept = older[::2] + [newest] if len(older) > 1 else [newest]

    def nearest(self, step: int) -> Kept:
        if not self.kept:
            raise LookupError("nothing kept yet")
        return min(self.kept, key=lambda k: (abs(k.step - step), -k.step))

    def restore(self, trainer, step: int) -> int:
        """Put trainer back to the kept state nearest `step`; its curves are cut there. Returns that step."""
        kept = self.nearest(step)
        state = copy.deepcopy(kept.state)
        state["log"] = [r for r in trainer.log if r["step"] <= kept.step]
        state["changes"] = [c for c in trainer.changes if c[0] <= kept.step]
        trainer.load_state_dict(state)
        self.kept = [k for k in self.kept if k.step <= kept.step]  # the future from here is a new branch
        return kept.step
