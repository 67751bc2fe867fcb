"""What the diagnostic-field tests share: the one Diagnostic an error raised by a call carries, and the calls in a
source file that leave out the fields every call of a class must give."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import pytest

from netgraph.core.errors import Diagnostic, NetGraphError


def sole_diagnostic(call: Callable[[], Any], cls: type[NetGraphError] = NetGraphError) -> Diagnostic:
    """The one Diagnostic of the ``cls`` that ``call()`` raises (the test fails when it raises none, or has several)."""
    with pytest.raises(cls) as info:
        call()
    (diagnostic,) = info.value.diagnostics
    return diagnostic


def calls_without_fields(source: str, filename: str, named: Callable[[str], bool],
                         fields: frozenset = frozenset({"expected", "found"})) -> list[str]:
    """``file:line`` of each call in ``source`` of a function or class whose name passes ``named`` that does not
    give every keyword in ``fields``."""
    missing = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if named(name) and not fields <= {k.arg for k in node.keywords}:
            missing.append(f"{filename}:{node.lineno}")
    return missing
