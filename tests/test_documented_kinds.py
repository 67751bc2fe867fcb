"""Every kind netgraph gives a problem is one a user can look up: each literal ``kind="..."`` passed anywhere in
netgraph/ (both branches of a ``kind="a" if ... else "b"`` too) is named, quoted, in the README."""

from __future__ import annotations

import ast
from pathlib import Path

import netgraph

ROOT = Path(netgraph.__file__).parent


def _literal_kinds() -> dict[str, list[str]]:
    """kind -> the file:line places that pass it."""
    kinds: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.keyword) or node.arg != "kind":
                continue
            values = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    kinds.setdefault(value.value, []).append(f"{path.relative_to(ROOT)}:{value.lineno}")
    return kinds


def test_the_walk_finds_the_kinds_it_means_to():
    kinds = _literal_kinds()
    assert {"option-value", "data-range", "unknown-port", "validation-split", "error"} <= set(kinds)
    assert len(kinds) > 100


def test_every_kind_passed_in_netgraph_is_in_the_readme():
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    undocumented = {kind: places for kind, places in _literal_kinds().items() if f'"{kind}"' not in readme}
    assert undocumented == {}
