"""The decimals of a layer's spec as the file wrote them (``1.0e39``, whose repr is ``1e+39``), so that a message
naming one shows it as written (``naming_scope.numbers_as_written``).

>>> from netgraph.spec.yaml_nodes import read_yaml
>>> text = "{output: 1.0e39, stride: [2, 0.50], type: null}"
>>> written_floats(read_yaml(text, "<string>"), [text])
{'1e+39': '1.0e39', '0.5': '0.50'}
"""

from __future__ import annotations

import math
import re
from typing import Any

from netgraph.spec.scalar_spans import CORE
from netgraph.spec.yaml_nodes import YMap

__all__ = ["written_floats"]

_FLOAT = re.compile(next(form for kind, form, _ in CORE if kind == "float"))


def written_floats(spec: YMap, lines: list[str] | None) -> dict[str, str]:
    """Each finite float among ``spec``'s option values and their lists' items, by its repr, whose text in ``lines``
    (the file's) is not its repr, with that text; one written two ways in the layer (``2.50`` and ``2.5``) is left
    out, as one message could not tell which it names."""
    spellings: dict[str, set[str]] = {}
    for key, value in spec.items() if lines else ():
        for number, loc in _floats(value, spec.value_locs.get(key)):
            row = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
            match = _FLOAT.match(row, loc.col - 1)
            if match and math.isfinite(number) and float(match.group()) == number:
                spellings.setdefault(repr(number), set()).add(match.group())
    return {shown: texts.pop() for shown, texts in spellings.items() if len(texts) == 1 and shown not in texts}


def _floats(value: Any, loc: Any) -> list[tuple[float, Any]]:
    """(float, loc) of ``value`` when it is a float, else of its items that are (a list of scalars)."""
    if type(value) is float:
        return [(value, loc)] if loc is not None else []
    return [(v, at) for v, at in zip(value, value.item_locs) if type(v) is float] if hasattr(value, "item_locs") else []
