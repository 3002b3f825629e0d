"""The house's layering rules that import-linter cannot state: no module uses another's private names."""
import ast
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
