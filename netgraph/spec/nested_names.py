"""A nested net's problem, said from the top net. The spec builds a nested net inside ``naming_under`` (its path
from the top), so its messages already name each layer by that path ("layer 'inner/b' (ReshapeLayer)"): messages
are written from fields, never rewritten. ``from_top`` adds what only the reader knows, from the problem's fields:
the net's path before a problem about the net itself.

>>> from netgraph.core.errors import Diagnostic
>>> from_top("the shape given for graph input 'Input': ...", Diagnostic("", layer=()), ("enc",))
"net 'enc': the shape given for graph input 'Input': ..."
>>> from_top("layer 'enc/b' (T): ...", Diagnostic("", layer=("b",)), ("enc",))
"layer 'enc/b' (T): ..."
"""

from __future__ import annotations

from typing import Any

from netgraph.core.port_paths import shown_path

__all__ = ["from_top"]


def from_top(message: str, problem: Any, prefix: tuple) -> str:
    """``message`` of ``problem`` (of the net at ``prefix``, built inside ``naming_under(prefix)``), headed by the
    net's path when it is about the net itself."""
    if prefix and problem.layer == ():
        return f"net {shown_path(prefix)!r}: {message}"
    return message
