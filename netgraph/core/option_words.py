"""The closed forms some options take, each defined once for the check that reads it and the JSON Schema that
describes it: spans of levels (``"2;;"``, ``"1;;-1;;2"``), non-zero levels, function names or slot expressions,
and a length's or slot's name (a Python identifier, whose Unicode letters a schema pattern must allow too).

>>> bool(SPAN.match("2;;")), bool(SPAN.match("0;;")), bool(STEPPED_SPAN.match("1;;-1;;2"))
(True, False, True)
>>> levels_schema("Same")["anyOf"][-1]
{'enum': ['Same']}
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

__all__ = ["SPAN", "STEPPED_SPAN", "LEVEL_SCHEMA", "levels_schema", "part_schema", "named_or_slots", "NAME_PATTERN",
           "EXPRESSION_PATTERN",
           "slot_schema"]

_INDEX = r"-?0*[1-9]\d*"  # a non-zero 1-based level or index, negative from the end
_SPAN = rf"\s*({_INDEX})?\s*;;\s*({_INDEX}|All)?\s*"
SPAN = re.compile(f"^{_SPAN}$")
"""A span of levels ``"i;;j"``: non-zero ends, either left open (``"2;;"``, ``";;-2"``; ``All``: to the end)."""
STEPPED_SPAN = re.compile(rf"^{_SPAN};;\s*(0*[1-9]\d*)\s*$")
"""A span taking every k-th element, k positive: ``"1;;-1;;2"`` (Wolfram's ``Span[1, -1, 2]``)."""

LEVEL_SCHEMA = {"type": "integer", "not": {"const": 0}}
"""A level: a non-zero int (1 the first dimension after the batch, -1 the last)."""


def levels_schema(*words: str, empty: bool = False) -> dict:
    """A ``Levels`` option's schema: a level, a list of levels (non-empty unless ``empty``), a span, or one of
    ``words``."""
    return {"anyOf": [LEVEL_SCHEMA, {"type": "array", "minItems": 0 if empty else 1, "items": LEVEL_SCHEMA},
                      {"type": "string", "pattern": SPAN.pattern}, *([{"enum": list(words)}] if words else [])]}


def part_schema() -> dict:
    """PartLayer's ``part``: one level spec (a non-zero index, ``All``, a span, a stepped span) or a list of them."""
    one = {"anyOf": [LEVEL_SCHEMA, {"const": "All"}, {"type": "string", "pattern": SPAN.pattern},
                     {"type": "string", "pattern": STEPPED_SPAN.pattern}]}
    return {"anyOf": [one, {"type": "array", "minItems": 1, "items": one}]}


#: what makes a function option an expression, not a name: a ``#`` slot, or Wolfram's ``Function[`` (layers'
#: ``is_expression``, the schema's pattern and the option rules that refuse ``inputs=`` beside one)
EXPRESSION_PATTERN = r"#|^\s*Function\["


def named_or_slots(names: Iterable[str]) -> dict:
    """A function option taking one of ``names`` or an expression (whose syntax the loader checks): in ``#`` slots or
    Wolfram's ``Function[x, body]``, the test of layers.expression.is_expression."""
    return {"anyOf": [{"enum": sorted(names)}, {"type": "string", "pattern": EXPRESSION_PATTERN,
                                                "description": "an expression in #slots, such as '#1 * #2', or "
                                                               "Function[x, body]"}]}


#: A Python identifier's first character and the rest, as an ECMA-262 pattern that Python's re reads alike: ASCII
#: letters and _ (digits after the first), and every non-ASCII character (Unicode letters; ECMA-262 without the u
#: flag has no \p{XID_Start}, so non-letters beyond ASCII pass the schema and the loader refuses them).
NAME_PATTERN = r"[^\x00-\x40\x5B-\x5E\x60\x7B-\x7F][^\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F]*"


def slot_schema() -> dict:
    """A slot ``"#name"``: a Python identifier that is no keyword (``#if`` is refused)."""
    return {"type": "string", "pattern": f"^#{NAME_PATTERN}$", "not": {"enum": [f"#{k}" for k in keyword.kwlist]}}
