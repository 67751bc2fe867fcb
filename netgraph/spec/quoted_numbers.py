"""A number written in quotes (``output: "8"``, ``args: [0, "1e-3"]``), or a shape written as a Python tuple
(``Input: (4, 3)``), is text in YAML; the hint that says so.

>>> quoted_number_hint("1e-3"), quoted_number_hint("eight"), quoted_number_hint(8)
(" ('1e-3' is quoted, so it is text: write 1e-3 without quotes)", '', '')
>>> text_hint("(4, 3)"), text_hint("(a, b)")
(" ('(4, 3)' is text: YAML has no tuples; write a list, [4, 3])", '')
"""

from __future__ import annotations

import re
from typing import Any

from netgraph.spec.unread_values import TAG
from netgraph.spec.yaml_nodes import RESOLVERS

__all__ = ["quoted_number_hint", "text_hint"]

_NUMBER_TAGS = (f"{TAG}int", f"{TAG}float")
_TUPLE = re.compile(r"\(\s*(-?\d+(?:\s*,\s*-?\d+)*)?\s*,?\s*\)")  # (4, 3), (2,), (): Python's tuple of ints


def text_hint(value: Any) -> str:
    """For text that was meant as a number (quoted) or a list of them (a Python tuple): how to write it; else ''."""
    if isinstance(value, str) and (match := _TUPLE.fullmatch(value.strip())):
        items = re.split(r"\s*,\s*", match.group(1)) if match.group(1) else []
        return f" ({value!r} is text: YAML has no tuples; write a list, [{', '.join(items)}])"
    return quoted_number_hint(value)


def quoted_number_hint(value: Any) -> str:
    """For text that the spec's YAML (1.2 core schema) reads as a number when unquoted: how to write the number;
    else ''. A spec's plain scalar of that form is already a number, so such text was quoted."""
    if not isinstance(value, str) or not any(tag in _NUMBER_TAGS and rx.match(value)
                                             for tag, rx in RESOLVERS.get(value[:1], [])):
        return ""
    return f" ({value!r} is quoted, so it is text: write {value} without quotes)"
