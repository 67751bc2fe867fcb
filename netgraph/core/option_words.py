"""The closed forms some options take, each defined once for the check that reads it and the JSON Schema that
describes it: spans of levels (``"2;;"``, ``"1;;-1;;2"``), non-zero levels, function names or slot expressions,
and a length's or slot's name (a Python identifier, as ``str.isidentifier`` says, for the schema too).

>>> bool(SPAN.match("2;;")), bool(SPAN.match("0;;")), bool(STEPPED_SPAN.match("1;;-1;;2"))
(True, False, True)
>>> levels_schema("Same")["anyOf"][-1]
{'enum': ['Same']}
"""

from __future__ import annotations

import functools
import itertools
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable

__all__ = ["SPAN", "STEPPED_SPAN", "LEVEL_SCHEMA", "levels_schema", "part_schema", "named_or_slots", "NAME_REF",
           "SLOT_REF", "EXPRESSION_PATTERN", "name_pattern", "name_schema", "slot_schema", "input_name_schema"]

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
    return {"anyOf": [LEVEL_SCHEMA, {"type": "array", "minItems": 0 if empty else 1, "uniqueItems": True,
                                       "items": LEVEL_SCHEMA},
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


#: A name in the schema (a port's, a length's: Python identifiers, as the loader's ``str.isidentifier`` takes them) and
#: a slot, ``#`` and a name that is no keyword: ``name_schema`` and ``slot_schema`` under these ``$defs`` names.
NAME_REF, SLOT_REF = {"$ref": "#/$defs/name"}, {"$ref": "#/$defs/slot"}


@functools.cache
def name_pattern() -> str:
    """A Python identifier as an ECMA-262 pattern that Python's re reads alike, found from ``str.isidentifier`` itself
    (one rule): its first character and the rest, exact over the Basic Multilingual Plane (ranges in ``\\uXXXX``);
    beyond it any character passes (a pattern both read alike cannot name those: ECMA-262 sees them as surrogate
    pairs, Python as one character), which the loader checks (``x😀`` refused, ``𝑥`` taken).

    >>> import re; [bool(re.fullmatch(name_pattern(), n)) for n in ("x_1", "café", "1x", "a€", "a-b", "𝑥")]
    [True, True, False, False, False, True]
    """
    first, rest = (_bmp_class(lambda c, p=prefix: (p + c).isidentifier()) for prefix in ("", "a"))
    return f"{first}{rest}*"


@functools.cache
def input_name_schema() -> dict:
    """``#/$defs/inputName``: a graph input's name, a keyword argument (``usable_input_name``): an identifier that is
    no keyword and not ``self``, each character one NFKC leaves alone (Python reads ``µ``, the micro sign, as
    ``μ``)."""
    first, rest = (_bmp_class(lambda c, p=prefix: (p + c).isidentifier() and unicodedata.normalize("NFKC", c) == c)
                   for prefix in ("", "a"))
    return {"type": "string", "pattern": f"^{first}{rest}*{_END}", "not": {"enum": [*keyword.kwlist, "self"]},
            "description": "a graph input's name, a Python identifier Python reads as written (it becomes a keyword "
                           "argument): no keyword, not self, in Unicode NFKC form. The pattern refuses characters NFKC "
                           "changes alone; the loader also refuses characters that NFKC joins (e and a combining "
                           "accent for é) and those beyond the BMP that NFKC changes (𝑥)"}


def _bmp_class(allowed: Callable[[str], bool]) -> str:
    """``(?:[...]|<surrogate pair>|<beyond the BMP>)``: the characters of the BMP ``allowed`` takes, as ranges, or any
    character beyond the BMP (a surrogate pair to ECMA-262 without the u flag; one character to Python's re and to
    ECMA-262 with it)."""
    runs = (list(group) for ok, group in itertools.groupby(range(0x10000), key=lambda c: allowed(chr(c))) if ok)
    ranges = "".join(_escaped(r[0]) + (f"-{_escaped(r[-1])}" if len(r) > 1 else "") for r in runs)
    return rf"(?:[{ranges}]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\u0000-\uFFFF])"


def _escaped(code: int) -> str:
    return f"\\u{code:04X}"


#: The end of the string in ECMA-262 and in Python's re alike: Python's ``$`` also matches before a final newline
#: (JSON Schema patterns search, so ``"x\n"`` passed ``^x$`` where the loader refuses it).
_END = r"(?![\s\S])"


@functools.cache
def name_schema() -> dict:
    """``#/$defs/name``: a Python identifier, as the loader takes port names and length names (``name_pattern``)."""
    return {"type": "string", "pattern": f"^{name_pattern()}{_END}"}


@functools.cache
def slot_schema() -> dict:
    """``#/$defs/slot``: a slot ``"#name"``, a Python identifier that is no keyword (``#if`` is refused)."""
    keywords = [f"#{k}" for k in keyword.kwlist]
    return {"type": "string", "pattern": f"^#{name_pattern()}{_END}", "not": {"enum": keywords}}
