"""Kept states of a run (or of a population of runs), to scrub back in time and branch from an earlier moment.

Memory is bounded: when the kept states outgrow `max_bytes`, every other older state is
dropped (the newest is always kept), so the timeline stays sparse far back and dense near now.

Each state is kept packed: all its tensors, byte for byte, in one buffer. Kept as ~25 separate
tensors each, states dropped by the thinning left holes of assorted sizes among training's own
allocations, and a ring8 training process grew ~30 MB over 140,000 steps beyond the bound
(docs/performance.md); one buffer per state leaves holes a later state fits exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

# A bound, not a goal: 32 MB holds ~80 states of ring8 (weights and Adam moments) or ~12 of digits,
# and keeps a long live run inside the 50 MB memory-growth budget of `ganviz bench`.
DEFAULT_MAX_BYTES = 32 * 2**20


@dataclass(frozen=True)
class _Slot:
    """Where a tensor sits in a packed state."""
    offset: int
    nbytes: int
    dtype: torch.dtype
    shape: tuple[int, ...]


def _pack(state: Any) -> tuple[Any, torch.Tensor]:
    """(layout, buffer): the state with each tensor replaced by its _Slot, and the bytes of all."""
    tensors: list[tuple[_Slot, torch.Tensor]] = []

    def layout(obj, offset: list[int]):
        if isinstance(obj, torch.Tensor):
            t = obj.detach()
            n = t.numel() * t.element_size()
            slot = _Slot(offset[0], n, t.dtype, tuple(t.shape))
            offset[0] += -(-n // 8) * 8  # 8-byte aligned: a view as any dtype is then allowed
            tensors.append((slot, t))
            return slot
        if isinstance(obj, dict):
            return type(obj)((k, layout(v, offset)) for k, v in obj.items())
        if isinstance(obj, (list, tuple)):
            return type(obj)(layout(v, offset) for v in obj)
        return obj

    size = [0]
    shape = layout(state, size)
    buf = torch.empty(size[0], dtype=torch.uint8)
    for slot, t in tensors:
        buf[slot.offset:slot.offset + slot.nbytes].copy_(t.contiguous().reshape(-1).view(torch.uint8))
    return shape, buf


def _unpack(layout: Any, buf: torch.Tensor, copy: bool = False) -> Any:
    """The state again: its tensors views into buf, or (copy) tensors of their own, as state_dict()
    made them (a Generator's set_state() needs a tensor that starts its own storage)."""
    if isinstance(layout, _Slot):
        t = buf[layout.offset:layout.offset + layout.nbytes].view(layout.dtype).reshape(layout.shape)
        return t.clone() if copy else t
    if isinstance(layout, dict):
        return type(layout)((k, _unpack(v, buf, copy)) for k, v in layout.items())
    if isinstance(layout, (list, tuple)):
        return type(layout)(_unpack(v, buf, copy) for v in layout)
    return layout


@dataclass
class Kept:
    step: int
    layout: Any           # the state, its tensors replaced by where they sit in `packed`
    packed: torch.Tensor  # every tensor of the state, byte for byte

    @property
    def nbytes(self) -> int:
        return self.packed.numel()

    @property
    def state(self) -> dict:
        """The kept state; its tensors are views into the kept bytes: read them, do not train on them."""
        return _unpack(self.layout, self.packed)


class Timeline:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.kept: list[Kept] = []

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes for k in self.kept)

    def steps(self) -> list[int]:
        return [k.step for k in self.kept]

    def keep(self, pop) -> None:
        """Remember the population's state now (curves excluded: they are cut, not copied, on restore)."""
        layout, packed = _pack(pop.state_dict(curves=False))  # copies: the live weights go on changing
        if self.kept and self.kept[-1].step == pop.step_count:
            self.kept.pop()
        self.kept.append(Kept(pop.step_count, layout, packed))
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

    def restore(self, pop, step: int) -> int:
        """Put the population back to the kept state nearest `step`; its curves are cut there. Returns that step."""
        kept = self.nearest(step)
        state = _unpack(kept.layout, kept.packed, copy=True)  # the population's own copy: it trains on it
        for run, log, changes in zip(state["runs"], pop.logs, pop.changes):
            run["log"] = [r for r in log if r["step"] <= kept.step]
            run["changes"] = [c for c in changes if c[0] <= kept.step]
        pop.load_state_dict(state)
        self.kept = [k for k in self.kept if k.step <= kept.step]  # the future from here is a new branch
        return kept.step
