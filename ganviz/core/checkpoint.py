"""Sessions and weights on disk, in safetensors (tensors) + JSON (everything else). Never pickle.

A session file holds all a Trainer needs to continue exactly: weights, optimiser moments, RNG
states, step, config, curves and change markers. Tensors go in the safetensors body, the rest in
its JSON metadata, so one file is written atomically and read without executing anything.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .config import from_dict
from .errors import CheckpointError, GanvizError
from .fileio import write_with

FORMAT = "ganviz-session/1"
PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")  # protocol-2+ pickles and torch.save's zip archives


def _flatten(prefix: str, obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Move every tensor in a nested dict/list into `tensors`, leaving a {"$t": key} marker."""
    if isinstance(obj, torch.Tensor):
        key = prefix
        tensors[key] = obj.detach().contiguous().clone()
        return {"$t": key}
    if isinstance(obj, dict):
        return {str(k): _flatten(f"{prefix}/{k}", v, tensors) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_flatten(f"{prefix}/{i}", v, tensors) for i, v in enumerate(obj)]
    return obj


def _restore(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"$t"}:
            return tensors[obj["$t"]]
        return {k: _restore(v, tensors) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_restore(v, tensors) for v in obj]
    return obj


def _int_keys(opt_state: dict) -> dict:
    """JSON turned the optimiser's integer parameter ids into strings; torch wants them back."""
    opt_state["state"] = {int(k): v for k, v in opt_state["state"].items()}
    return opt_state


def save(path: str | Path, trainer) -> None:
    """Write trainer's whole state to one session file, atomically."""
    tensors: dict[str, torch.Tensor] = {}
    state = trainer.state_dict()
    meta = _flatten("s", state, tensors)
    metadata = {"format": FORMAT, "state": json.dumps(meta, allow_nan=True)}
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def save_weights(path: str | Path, trainer) -> None:
    """G's and D's weights alone (G.*, D.*), with the config in the metadata: for other tools."""
    tensors = {f"G.{k}": v.contiguous().clone() for k, v in trainer.G.state_dict().items()}
    tensors.update({f"D.{k}": v.contiguous().clone() for k, v in trainer.D.state_dict().items()})
    metadata = {"format": "ganviz-weights/1", "config": json.dumps(trainer.cfg.to_dict())}
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def read(path: str | Path) -> dict[str, Any]:
    """The state dict stored in a session file, or CheckpointError saying why it cannot be used."""
    path = Path(path)
    if path.is_dir():
        path = path / "trainer.safetensors"
    if not path.exists():
        raise CheckpointError(f"session file '{path}' does not exist")
    try:
        head = path.read_bytes()[:4]
    except OSError as err:
        raise CheckpointError(f"cannot read '{path}': {err.strerror}") from None
    if head[:1] in PICKLE_MAGIC or head == PICKLE_MAGIC[1]:
        raise CheckpointError(f"'{path}' is a pickle file; ganviz never opens pickles (they can run code). "
                              "Give a .safetensors session saved by ganviz")
    try:
        with safe_open(str(path), framework="pt") as fh:
            metadata = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as err:  # safetensors raises several types for corrupt or truncated files
        raise CheckpointError(f"'{path}' is not a readable safetensors file ({str(err).splitlines()[0][:80]}); "
                              "it may be truncated or corrupt") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"'{path}' is a safetensors file but not a ganviz session; "
                              "use a trainer.safetensors written by ganviz")
    try:
        state = _restore(json.loads(metadata["state"]), tensors)
        for key in ("opt_d", "opt_g"):
            state[key] = _int_keys(state[key])
        return state
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"'{path}' has a damaged ganviz state ({err}); it cannot be resumed") from None


def load_trainer(path: str | Path, data=None):
    """A Trainer continued from a session file, exactly where it stopped."""
    from .trainer import Trainer
    state = read(path)
    cfg = from_dict(state["config"])
    trainer = Trainer(cfg, data)
    try:
        trainer.load_state_dict(state)
    except GanvizError:
        raise
    except Exception as err:
        raise CheckpointError(f"'{path}' does not match its own settings ({str(err).splitlines()[0][:80]})") \
            from None
    return trainer
