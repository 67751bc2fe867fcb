"""The decimals of a layer's or a graph's spec as the file wrote them (``1.0e39``, whose repr is ``1e+39``), so that a
message naming one shows it as written (``naming_scope.numbers_as_written``).

>>> from netgraph.spec.yaml_nodes import read_yaml
>>> text = "{output: 1.0e39, stride: [2, 0.50], inputs: {x: {shape: [2.0e0]}}, type: null}"
>>> sorted(written_floats(read_yaml(text, "<string>"), [text]).items())
[('0.5', '0.50'), ('1e+39', '1.0e39'), ('2.0', '2.0e0')]
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from netgraph.core.layer import REGISTRY
from netgraph.spec.options import option_codecs
from netgraph.spec.scalar_spans import CORE
from netgraph.spec.yaml_nodes import YMap

__all__ = ["written_floats"]

_FLOAT = re.compile(next(form for kind, form, _ in CORE if kind == "float"))


def written_floats(spec: YMap, lines: list[str] | None, arrays: bool = True) -> dict[str, str]:
    """Each finite float in ``spec`` (its values, their lists' items, the mappings and lists inside, at any depth), by
    its repr, whose text in ``lines`` (the file's) is not its repr, with that text; one written two ways there
    (``2.50`` and ``2.5``) is left out, as one message could not tell which it names. ``arrays=False`` leaves out the
    values of layers' array options and of ``arrays:`` (a graph's messages quote none; 160,000 weights are slow)."""
    spellings: dict[str, set[str]] = {}
    for number, loc in _floats(spec, arrays) if lines else ():
        row = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
        match = _FLOAT.match(row, loc.col - 1)
        if match and math.isfinite(number) and float(match.group()) == number:
            spellings.setdefault(repr(number), set()).add(match.group())
    return {shown: texts.pop() for shown, texts in spellings.items() if len(texts) == 1 and shown not in texts}


def _floats(spec: YMap, arrays: bool) -> list[tuple[float, Any]]:
    """(float, loc) of each float in ``spec``, at any depth (but arrays' where not ``arrays``); a node an alias repeats
    is walked once (an alias bomb's million uses are one node)."""
    found, seen, stack = [], set(), [spec]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        left_out = () if arrays or not isinstance(node, YMap) else _array_keys(node)
        pairs = [(node[k], node.value_locs.get(k)) for k in node if k not in left_out] if isinstance(node, YMap) \
            else zip(node, node.item_locs)
        for value, loc in pairs:
            if type(value) is float and loc is not None:
                found.append((value, loc))
            elif isinstance(value, YMap) or hasattr(value, "item_locs"):
                stack.append(value)
    return found


def _array_keys(node: YMap) -> set[str]:
    """The keys of ``node`` holding arrays: ``arrays`` and, where it is a layer's spec, its array options."""
    cls = REGISTRY.get(node["type"]) if isinstance(node.get("type"), str) else None  # NetChain: no options here
    return {"arrays", *(name for name, c in option_codecs(cls).items() if getattr(c, "kind", None) == "array")} \
        if dataclasses.is_dataclass(cls) else {"arrays"}
