"""A number written in quotes (``output: "8"``, ``args: [0, "1e-3"]``), or a shape written as a Python tuple
(``Input: (4, 3)``), is text in YAML; the hint that says so.

>>> quoted_number_hint("1e-3"), quoted_number_hint("eight"), quoted_number_hint(8)
(" ('1e-3' is quoted, so it is text: write 1e-3 without quotes)", '', '')
>>> text_hint("(4, 3)"), text_hint("(a, b)")
(" ('(4, 3)' is text: YAML has no tuples; write a list, [4, 3])", '')
>>> split_tuples({"type": "ConvolutionLayer", "kernel": "(3", "3)": None})
{'kernel': ('(3, 3)', ['3)'])}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netgraph.spec.unread_values import TAG
from netgraph.spec.yaml_nodes import RESOLVERS

__all__ = ["NO_TUPLES", "quoted_number_hint", "text_hint", "tuple_list", "split_tuples", "in_split_tuple"]

_NUMBER_TAGS = (f"{TAG}int", f"{TAG}float")
NO_TUPLES = "YAML has no tuples; write a list"
_TUPLE = re.compile(r"\(\s*(-?\d+(?:\s*,\s*-?\d+)*)?\s*,?\s*\)")  # (4, 3), (2,), (): Python's tuple of ints
_VALUE_TUPLE = re.compile(r":\s+(" + _TUPLE.pattern + ")")  # one written as a value: kernel: (3, 3)


def text_hint(value: Any) -> str:
    """For text that was meant as a number (quoted) or a list of them (a Python tuple): how to write it; else ''."""
    listed = tuple_list(value)
    return f" ({value!r} is text: {NO_TUPLES}, {listed})" if listed else quoted_number_hint(value)


def tuple_list(value: Any) -> str | None:
    """The YAML list meant by ``value``, text written as a Python tuple of ints (``"(4, 3)"``: ``"[4, 3]"``), else
    None."""
    match = _TUPLE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    items = re.split(r"\s*,\s*", match.group(1)) if match.group(1) else []
    return f"[{', '.join(items)}]"


def split_tuples(spec: Mapping, lines: list[str] | None = None) -> dict[Any, tuple[str, list]]:
    """Python tuples a flow mapping split at their commas (``{kernel: (3, 3)}`` reads as ``kernel: "(3"`` and the
    key ``"3)"`` without a value): each option whose value opens one, with the tuple as written (from ``lines``, the
    file's, where given: YAML drops a repeated key, the middle 3 of ``(3, 3, 3)``) and the keys it became."""
    found, keys = {}, list(spec)
    for at, key in enumerate(keys):
        value = spec[key]
        if not (isinstance(value, str) and value.startswith("(") and ")" not in value):
            continue
        rest = next((keys[at + 1:end + 1] for end in range(at + 1, len(keys)) if str(keys[end]).endswith(")")), [])
        text = ", ".join(map(str, (value, *rest)))
        loc = getattr(spec, "value_locs", {}).get(key)
        if lines and loc is not None and 0 < loc.line <= len(lines):
            written = _TUPLE.match(lines[loc.line - 1], loc.col - 1)
            text = written.group() if written else text
        if rest and all(spec[k] is None for k in rest) and tuple_list(text):
            found[key] = (text, rest)
    return found


def in_split_tuple(lines: list[str], loc: Any) -> bool:
    """Whether ``loc`` in ``lines`` (the file's) lies in a Python tuple written as a flow mapping's value (``{kernel:
    (3, 3, 3)}``): a key YAML read twice there is that tuple's problem, not one of its own."""
    line = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
    return any(m.start(1) < loc.col - 1 < m.end(1) for m in _VALUE_TUPLE.finditer(line))


def quoted_number_hint(value: Any) -> str:
    """For text that the spec's YAML (1.2 core schema) reads as a number when unquoted: how to write the number;
    else ''. A spec's plain scalar of that form is already a number, so such text was quoted."""
    if not isinstance(value, str) or not any(tag in _NUMBER_TAGS and rx.match(value)
                                             for tag, rx in RESOLVERS.get(value[:1], [])):
        return ""
    return f" ({value!r} is quoted, so it is text: write {value} without quotes)"
