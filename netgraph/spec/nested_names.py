"""A nested net's problems, found while it was built alone, said with the layer's path from the top net.

A spec builds each nested net before the net holding it, so the net's own message numbers its layers
("layer 2 'b' (ReshapeLayer): ..."); ``from_top`` names them as the reader's other messages do.

>>> from netgraph.core.errors import Diagnostic
>>> from_top("layer 2 'b' (ReshapeLayer): cannot reshape", Diagnostic("", layer=("b",)), ("inner",))
"layer 'inner/b' (ReshapeLayer): cannot reshape"
>>> from_top("layer 1 (NetChain) > layer 2 (LinearLayer) has no port 'X'", Diagnostic("", layer=("1", "2")), ("enc",))
"layer 'enc/1/2' (LinearLayer) has no port 'X'"
>>> from_top("the shape given for graph input 'Input': ...", Diagnostic("", layer=()), ("enc",))
"net 'enc': the shape given for graph input 'Input': ..."
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["from_top"]

_NAME = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # a name as Python's repr quotes it
_ONE = rf"layer (?:(?:\d+|\?)(?: {_NAME})?|{_NAME}) \((\w+)\)"  # "layer 2 'b' (T)", "layer 2 (T)", "layer 'b' (T)"
_LEADING = re.compile(rf"(?:(?:{_ONE}|\.\.\. \d+ levels \.\.\.) > )*{_ONE}")
_REF = re.compile(rf"layer (?:(\d+|\?)(?: ({_NAME}))?|({_NAME})) \((\w+)\)")  # one reference, as _ONE reads it
_CHAIN = re.compile(rf"(?:{_REF.pattern} > )*{_REF.pattern}")  # "layer 1 (NetChain) > layer 2 (LinearLayer)"


def from_top(message: str, problem: Any, prefix: tuple) -> str:
    """``message`` of ``problem`` (of the net at ``prefix``, built alone) naming its layer, or the net, by path, and
    each other layer it names ("port 'x' of layer 3 'c' (T)", "found the cycle layer 1 'a' (T) -> ...") too."""
    path = (*prefix, *(problem.layer or ()))
    if prefix and problem.kind == "too-large" and problem.detail:  # said anew from its fields
        return f"{'layer' if problem.layer else 'net'} {'/'.join(path)!r} port {problem.port!r} {problem.detail}"
    if not prefix or problem.layer is None:
        return message
    if problem.layer == ():
        return f"net {'/'.join(prefix)!r}: {_paths(message, prefix)}"
    found = _LEADING.match(message)
    if found is None:
        return _paths(message, prefix)
    return f"layer {'/'.join(path)!r} ({found.group(found.lastindex)}){_paths(message[found.end():], prefix)}"


def _paths(text: str, prefix: tuple) -> str:
    """``text`` with each layer it names (alone, or a chain into nested nets) named by its path from the top net.

    >>> _paths("found the cycle layer 1 'a' (T) -> layer 2 (U) > layer 1 (V)", ("n",))
    "found the cycle layer 'n/a' (T) -> layer 'n/2/1' (V)"
    """
    def by_path(chain: re.Match) -> str:
        refs = list(_REF.finditer(chain.group()))
        names = [_name(ref.group(2) or ref.group(3)) or ref.group(1) for ref in refs]
        return f"layer {'/'.join((*prefix, *names))!r} ({refs[-1].group(4)})"
    return _CHAIN.sub(by_path, text)


def _name(quoted: str | None) -> str:
    """The name ``quoted`` as Python's repr wrote it (a literal, so ``literal_eval`` reads it, nothing else)."""
    return ast.literal_eval(quoted) if quoted else ""
