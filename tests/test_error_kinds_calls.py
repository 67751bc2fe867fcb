"""Every error the train, backend and export packages construct says what it is: each construction of a
NetGraphError subclass (and of ``data_error``, train's DataError of a data set, and of a ``Diagnostic``) names a
``kind``, or carries Diagnostics that do (``diagnostics=``, a list of problems, ``**fields``)."""

from __future__ import annotations

import ast
from pathlib import Path

import netgraph
import netgraph.backend  # noqa: F401 - their error classes, for the names below
import netgraph.export  # noqa: F401
import netgraph.train  # noqa: F401
from netgraph.core.errors import NetGraphError

ROOT = Path(netgraph.__file__).parent


def _subclasses(cls: type) -> set[str]:
    return {sub.__name__ for sub in cls.__subclasses__()} | {n for sub in cls.__subclasses__() for n in _subclasses(sub)}


ERRORS = _subclasses(NetGraphError) | {"NetGraphError", "data_error"}

def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _kinded(call: ast.Call) -> bool:
    keywords = {k.arg for k in call.keywords}
    if "kind" in keywords or "diagnostics" in keywords or None in keywords:  # None: **fields
        return True
    if _name(call) == "Diagnostic":
        return len(call.args) >= 2  # Diagnostic(message, kind, ...)
    return _name(call) != "data_error" and len(call.args) >= 2  # cls(message, problems): each with its own kind


def _unkinded(package: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and _name(node) in ERRORS | {"Diagnostic"} and not _kinded(node):
                found.setdefault(path.relative_to(ROOT).as_posix(), []).append(node.lineno)
    return found


def test_the_walk_sees_the_errors_it_means_to():
    assert {"DataError", "OptionError", "TrainingError", "ShapeError", "DistributedTimeoutError"} <= ERRORS
    sources = ['OptionError("m")', 'OptionError("m", kind="k")', 'DataError("m", problems)', 'Diagnostic("m", "k")',
               'Diagnostic("m")', 'data_error("m", x)', 'ShapeError("m", **fields)']
    calls = [ast.parse(source).body[0].value for source in sources]
    assert [_kinded(call) for call in calls] == [False, True, True, True, False, False, True]


def test_every_error_of_training_names_a_kind():
    assert _unkinded("train") == {}


def test_every_backend_or_export_error_names_a_kind():
    assert {package: _unkinded(package) for package in ("backend", "export")} == {"backend": {}, "export": {}}
