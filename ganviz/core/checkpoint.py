"""Sessions and weights on disk, in safetensors (tensors) + JSON (everything else). Never pickle.

A session file holds all a population needs to continue exactly: for each run its weights,
optimiser moments, generator state (and the kind of device it is of), config, curves and change markers;
and the step. Tensors go in the safetensors body, as CPU tensors whatever the device they trained on, the
rest in its JSON metadata, so one file is written atomically and read without executing anything. A
population loads them onto its own device.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .errors import CheckpointError, GanvizError
from .fileio import write_with

FORMAT = "ganviz-session/2"
OLD_FORMATS = ("ganviz-session/1",)
PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")  # protocol-2+ pickles and torch.save's zip archives


def _flatten(prefix: str, obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Move every tensor in a nested dict/list into `tensors`, leaving a {"$t": key} marker."""
    if isinstance(obj, torch.Tensor):
        key = prefix
        tensors[key] = obj.detach().to("cpu", copy=True).contiguous()
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


def save(path: str | Path, pop, runs: list[int] | None = None) -> None:
    """Write the population's whole state (or that of some of its runs) to one session file, atomically."""
    state = pop.state_dict()
    if runs is not None:
        state["runs"] = [state["runs"][i] for i in runs]
    tensors: dict[str, torch.Tensor] = {}
    meta = _flatten("s", state, tensors)
    metadata = {"format": FORMAT, "state": json.dumps(meta, allow_nan=True)}
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def save_weights(path: str | Path, pop, run: int = 0) -> None:
    """One run's weights alone (G.*, D.*: its slice of every stacked parameter and batch norm statistic;
    linear weights are (in, out)), with its config in the metadata: for other tools."""
    t, j = pop.where[run]
    tensors = {f"{name}.{k}": v[j].detach().to("cpu", copy=True).contiguous()
               for name, net in (("G", t.G), ("D", t.D)) for k, v in net.state_dict().items()}
    metadata = {"format": "ganviz-weights/2", "config": json.dumps(pop.cfgs[run].to_dict())}
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
    try:  # safetensors only parses (never executes): tried first, since its 8-byte header length may begin 0x80
        with safe_open(str(path), framework="pt") as fh:
            metadata = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as err:  # safetensors raises several types for corrupt or truncated files
        if head[:1] in PICKLE_MAGIC or head == PICKLE_MAGIC[1]:
            raise CheckpointError(f"'{path}' is a pickle file; ganviz never opens pickles (they can run code). "
                                  "Give a .safetensors session saved by ganviz") from None
        raise CheckpointError(f"'{path}' is not a readable safetensors file ({str(err).splitlines()[0][:80]}); "
                              "it may be truncated or corrupt") from None
    if metadata.get("format") in OLD_FORMATS:
        raise CheckpointError(f"'{path}' was saved by ganviz 0.1, whose training state this version cannot "
                              "continue; train it again from its settings (config.toml beside it, or the preset)")
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"'{path}' is a safetensors file but not a ganviz session; "
                              "use a trainer.safetensors written by ganviz")
    try:
        state = _restore(json.loads(metadata["state"]), tensors)
        state["runs"][0]["config"]  # noqa: B018 -- the shape every session has
        return state
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"'{path}' has a damaged ganviz state ({err}); it cannot be resumed") from None


def load_population(path: str | Path, data=None, device: str | None = None):
    """A population continued from a session file, exactly where it stopped (on `device`, a setting, when given,
    instead of the one saved with it)."""
    from .population import Population
    state = read(path)
    try:
        return Population.from_state(state, data, device)
    except GanvizError:
        raise
    except Exception as err:
        raise CheckpointError(f"'{path}' does not match its own settings ({str(err).splitlines()[0][:80]})") \
            from None
