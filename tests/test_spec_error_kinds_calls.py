"""Every problem the spec reader records says what it is: each ``error`` call in netgraph/spec names a ``kind``."""

import ast
from pathlib import Path

import netgraph.spec

SPEC = Path(netgraph.spec.__file__).parent


def _error_calls():
    for path in sorted(SPEC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "error":
                yield path.name, node


def test_the_reader_records_problems_through_error_calls():
    assert len(list(_error_calls())) > 60  # the test below reads the calls it means to


def test_every_error_call_names_a_kind():
    unkinded = [f"{name}:{node.lineno}" for name, node in _error_calls()
                if not any(k.arg == "kind" for k in node.keywords)]
    assert unkinded == []


def test_each_kind_the_reader_names_is_in_the_readme():
    readme = (SPEC.parents[1] / "README.md").read_text(encoding="utf-8")
    given = [k.value for _, node in _error_calls() for k in node.keywords if k.arg == "kind"]
    given += [part for value in given if isinstance(value, ast.IfExp) for part in (value.body, value.orelse)]
    kinds = {value.value for value in given if isinstance(value, ast.Constant)}
    assert len(kinds) > 15
    assert sorted(kind for kind in kinds if f'"{kind}"' not in readme) == []
