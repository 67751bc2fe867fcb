"""A YAML port type's index range, ``{shape: [], dtype: Integer, range: [lo, hi]}`` (``PortType(shape, "Integer",
(lo, hi))``, a Restricted input): why a written one is none.

>>> range_problem([0, 9], "Integer"), range_problem([9, 0], None)
('', 'range takes [lo, hi], two integers with lo <= hi, found [9, 0]')
>>> range_problem(10, "Integer")
'range takes [lo, hi], two integers, found 10: write [0, 9] for 10 indices from 0'

"""

from __future__ import annotations

from typing import Any

from netgraph.core.integers import is_int
from netgraph.core.types import INTEGER

__all__ = ["range_problem"]


def range_problem(span: Any, dtype: Any) -> str:
    """Why ``span`` is no range of a port of ``dtype`` (None: not written, so Integer): ``[lo, hi]``, two integers
    with lo <= hi, on an Integer port; '' when it is one (the YAML reader refuses integers beyond 64 bits)."""
    if dtype not in (INTEGER, None):
        return f"a range goes on an Integer port (an index port), found dtype {dtype}: write dtype: Integer"
    if is_int(span) and span >= 1:  # a count, as the encoder form takes it: a type's range is lo..hi
        return f"range takes [lo, hi], two integers, found {span!r}: write [0, {span - 1}] for {span} indices from 0"
    if not isinstance(span, list) or len(span) != 2 or not all(map(is_int, span)):
        return f"range takes [lo, hi], two integers, found {span!r}"
    if span[0] > span[1]:
        return f"range takes [lo, hi], two integers with lo <= hi, found {span!r}"
    return ""
