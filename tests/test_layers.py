"""The house's layering rules that import-linter cannot state: no module uses another's private names, and
docs/architecture.md's layer table says what the code imports."""
import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganviz"
ALLOWED = {"os._exit"}  # the standard library's documented way out of a forked or orphaned process


def private_uses(path: Path) -> list[str]:
    """`from x import _name`, and `obj._name` on anything but self, cls or another instance in __eq__."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            text = ast.unparse(node)
            if owner not in ("self", "cls", "other") and text not in ALLOWED:
                found.append(f"{path.name}:{node.lineno} uses {text}")
    return found


def test_no_module_reaches_into_another_ones_private_names():
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in private_uses(path)]
    assert found == []


def test_the_check_sees_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ganviz.core.config import _f\nwin._action('x')\nself._ok = 1\n")
    assert private_uses(bad) == ["bad.py:1 imports _f", "bad.py:2 uses win._action"]


# ------------------------------------------------------------------ docs/architecture.md's layer table
DOC = PACKAGE.parent / "docs" / "architecture.md"
PLACE = re.compile(r"`([^`]+)`(?:\s*\(([^)]*)\))?")


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name, for its __init__.py)."""
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(the ganviz modules `name` imports, the other top-level packages it imports), standard library aside."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    own, other = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(here[:len(here) - node.level + 1] + ([module] if module else []))
            if module.split(".")[0] == "ganviz":
                own |= {f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names}
            elif module != "__future__":
                other.add(module.split(".")[0])
        elif isinstance(node, ast.Import):
            for a in node.names:
                (own if a.name.split(".")[0] == "ganviz" else other).add(a.name)
    return own, {m.split(".")[0] for m in other if m.split(".")[0] not in sys.stdlib_module_names}


def layer_table() -> list[dict]:
    """The rows of the table under '## Layers': place, its imports from ganviz ({place: modules or None}) and
    the other packages it imports."""
    section = DOC.read_text().split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 6 or cells[0] in ("layer", "---"):
            continue
        own = {m.group(1): None if m.group(2) is None else {s.strip() for s in m.group(2).split(",")}
               for m in PLACE.finditer(cells[3])}
        other = {w.split()[0] for w in re.sub(r"\([^)]*\)", "", cells[4]).split(",") if w.strip() not in ("", "—")}
        rows.append({"place": cells[1].strip("`"), "own": own, "other": other})
    return rows


def place_of(path: Path, places: list[str]) -> list[str]:
    """The rows a module is in: its own file's row, or its folder's (a folder's row holds the modules directly
    in it; a subfolder is a row of its own)."""
    rel = path.relative_to(PACKAGE).as_posix()
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else None
    return [p for p in places if p == rel or p == folder]


def test_every_import_of_ganviz_names_a_module_that_exists():
    """Lazy imports too (inside functions, where only a test that runs them would notice): e.g. a `.core`
    that should read `..core` after a module moved into a package."""
    mods = modules()
    missing = [f"{mods[name].relative_to(PACKAGE)} imports {target}"
               for name, path in mods.items() for target in sorted(imports(name, path, set(mods))[0])
               if target not in mods]
    assert missing == []


def test_every_module_is_in_exactly_one_row_of_the_layer_table():
    places = [row["place"] for row in layer_table()]
    assert len(places) >= 10
    found = {name: place_of(path, places) for name, path in modules().items()}
    assert {name: rows for name, rows in found.items() if len(rows) != 1} == {}


def test_every_place_the_table_names_exists():
    named = {p for row in layer_table() for p in [row["place"], *row["own"]]}
    missing = [p for p in sorted(named)
               if not ((PACKAGE / p).is_file() if p.endswith(".py") else (PACKAGE / p / "__init__.py").is_file())]
    assert missing == []


def test_the_table_names_what_each_place_imports():
    rows = layer_table()
    places = [row["place"] for row in rows]
    mods = modules()
    actual: dict[str, dict[str, set[str]]] = {p: {} for p in places}
    other: dict[str, set[str]] = {p: set() for p in places}
    for name, path in mods.items():
        (here,) = place_of(path, places)
        own, besides = imports(name, path, set(mods))
        other[here] |= besides
        for target in own & set(mods):  # an import of no module: the test above says so
            (there,) = place_of(mods[target], places)
            if there != here:
                actual[here].setdefault(there, set()).add(target.rsplit(".", 1)[-1])
    wrong = []
    for row in rows:
        said, true = row["own"], actual[row["place"]]
        if set(said) != set(true):
            wrong.append(f"{row['place']} imports {sorted(true)}, the table says {sorted(said)}")
        wrong += [f"{row['place']} imports {sorted(true[p])} of {p}, the table says {sorted(m)}"
                  for p, m in said.items() if m is not None and m != true.get(p)]
        if row["other"] != other[row["place"]]:
            wrong.append(f"{row['place']} imports {sorted(other[row['place']])} besides, the table says "
                         f"{sorted(row['other'])}")
    assert wrong == []


def test_the_docs_name_every_command_and_message_of_the_protocol():
    from ganviz.process import protocol
    from ganviz.session import Session
    kinds = [*protocol.COMMANDS, *Session.RECEIVERS]
    parts = {protocol.Phase}  # a frame's field, not a message of its own
    classes = {c for c in vars(protocol).values() if isinstance(c, type) and c.__module__ == protocol.__name__}
    assert classes - parts == set(kinds)
    text = DOC.read_text()
    assert [k.__name__ for k in kinds if not re.search(rf"\b{k.__name__}\b", text)] == []


# ------------------------------------------------------------------ the lecture tools' boundary
def test_the_window_imports_no_lecture_tool_and_no_tool_imports_another():
    """The tools are installed onto the window's surface (app/__init__.py): the window knows none of them, and a
    tool knows no other (what they share is the session's and lecture/'s state). pyproject's contracts say so too;
    this reads the files themselves, lazy imports included."""
    mods = modules()
    tools = {name for name in mods if name.startswith("ganviz.app.tools.")}
    assert len(tools) >= 7
    window = [name for name in mods if name in ("ganviz.app.window", "ganviz.app.chrome", "ganviz.app.surface")]
    found = {name: sorted(imports(name, mods[name], set(mods))[0] & (tools | {"ganviz.app.tools"}))
             for name in window}
    found |= {name: sorted(imports(name, mods[name], set(mods))[0] & (tools - {name})) for name in tools}
    assert {name: used for name, used in found.items() if used} == {}
