"""A preset file's lists of tables ([[tour]], [[expect]]): read and refused the same way."""
from __future__ import annotations

from typing import Any, Iterator

from .errors import ConfigError


def tables(raw: Any, where: str, key: str, item: str, known: set[str]) -> Iterator[tuple[str, dict]]:
    """(name for messages, table) for each of the preset's [[key]] tables; ConfigError, naming the preset
    and the table, for anything that is not a list of tables with known keys. `item` names one table."""
    if raw is None:
        return
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"preset '{where}': '{key}' must be a list of [[{key}]] tables")
    for i, table in enumerate(raw, 1):
        name = f"preset '{where}', {item} {i}"
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"{name}: unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(known))})")
        yield name, table
