"""The words of a shape conflict found by inference: whose side it is told from, what the old type fixed, and
the edges that joined the two ports."""

from __future__ import annotations

import heapq

from netgraph.core.advice import EdgeAdvice, PortAdvice
from netgraph.core.errors import MAX_LISTED, EdgeRef
from netgraph.core.naming_scope import quoted
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, unify, unify_shapes

__all__ = ["as_seen_by", "compared", "shapes_agree", "set_part", "edge_parts", "merged_input_parts", "dtype_hint",
           "found_dtype_hint", "coder_hint", "INTEGER_HINT"]


def as_seen_by(who: tuple, old: PortType, new: PortType, exc: Conflict) -> Conflict:
    """The conflict worded from ``who``'s side: a layer port expects its own ``new`` type and finds the ``old`` one
    fed to it; a graph input's given shape is what was found."""
    if who[0] == "graph":
        return exc
    try:
        unify(new, old)
    except Conflict as swapped:
        return swapped
    return exc


def compared(who: tuple, old: PortType, new: PortType) -> dict[str, object]:
    """The conflict's ``expected`` and ``found`` values (Diagnostic fields), from the side ``as_seen_by`` tells it:
    the shapes where they clash, else the dtypes."""
    expected, found = (old, new) if who[0] == "graph" else (new, old)
    if not shapes_agree(expected, found):
        return {"expected": expected.shape, "found": found.shape}
    return {"expected": expected.dtype, "found": found.dtype}


def shapes_agree(old: PortType, new: PortType) -> bool:
    """Whether the shapes of two types unify (a conflict between them is then of their dtypes)."""
    try:
        unify_shapes(old.shape, new.shape)
    except Conflict:
        return False
    return True


def set_part(t: PortType, clash: PortType) -> str:
    """What a type fixed, for "the ... was set by": ``(2, 3)``, ``(4) Real``, ``dtype Real`` or ``type``."""
    if t.shape is not None:  # str(t) leaves Real out: it is said when it is what clashes
        real = t.dtype is None or (t.dtype == REAL and clash.dtype in (None, REAL))
        return str(t) if real else f"{t} type" if t.dtype != REAL else f"{t} {REAL}"
    return f"dtype {t.dtype}" if t.dtype is not None else "type"


def edge_parts(edges: list[EdgeRef]) -> list[str | EdgeRef]:
    """Message parts naming ``edges`` in the order the user gave them, outer graphs first: the first ``MAX_LISTED``
    and how many in all (one graph input of a big net may feed thousands of layers)."""
    unique = dict.fromkeys(edges)
    parts: list[str | EdgeRef] = []
    for edge in heapq.nsmallest(MAX_LISTED, unique, key=lambda e: (len(e.graph), e.graph, e.index)):
        parts += [", ", edge] if parts else [edge]
    return parts + [f", ... ({len(unique)} in all)"] if len(unique) > MAX_LISTED else parts


INTEGER_HINT = ("Integer values are indices: turn them into Real vectors with an EmbeddingLayer(size, n), n the "
                "number of indices")


def merged_input_parts(layer: str, port: str) -> list[str | EdgeAdvice]:
    """The parts saying that input ``port`` of ``layer``, unwired, merged with the graph input of that name, and the
    edge that gives it one of its own.

    >>> "".join(map(str, merged_input_parts("b", "Input")))[-65:]
    "its own, e.g. the edge (NetPort('Input2'), NetPort('b', 'Input'))"
    """
    return [f"; both are the graph input {quoted(port)}: unwired inputs that share a name merge into one; give one its "
            "own, e.g. the edge ", EdgeAdvice(PortAdvice(None, f"{port}2"), PortAdvice(layer, port))]


def dtype_hint(leaves: list, setter: tuple | None, who: tuple, old: PortType, new: PortType) -> str | None:
    """How to convert, where an output's values meet a port that takes the other dtype (Integer indices a Real port,
    Real values an Integer port): the receiving leaf layer's ``dtype_hint`` for its input port where it has one (a
    port feeding a count and a Real parameter), else the producing leaf's for its output (``leaves``: (path, layer)
    pairs), else ``INTEGER_HINT`` for indices (a leaf's, or a graph input's: no leaf output is either side); None for
    other conflicts."""
    if {old.dtype, new.dtype} != {INTEGER, REAL} or setter is None:
        return None
    pairs = ((setter, old.dtype), (who, new.dtype))
    sides = [(next((layer for p, layer in leaves if p == path), None), port, dtype)
             for (_, (path, port)), dtype in pairs]
    for layer, port, _ in sides:
        own = getattr(layer, "dtype_hint", None)  # (a nested graph, inferred as one layer, has none)
        if own is not None and port in layer.input_ports and (hint := own(port)):
            return hint
    for layer, port, dtype in sides:
        if layer is not None and port in layer.output_ports:
            own = getattr(layer, "dtype_hint", None)
            return (own and own(port)) or (INTEGER_HINT if dtype == INTEGER else None)
    return INTEGER_HINT if any(side[0] == "graph" and dtype == INTEGER for side, dtype in pairs) else None


def found_dtype_hint(leaves: list, path: tuple, ports: dict[str, tuple], expected: object, found: object) -> str | None:
    """``dtype_hint`` where the layer at ``path`` refused a dtype it was fed (an operator whose inner net takes Real
    values, fed Integer indices): ``ports`` holds each of its ports' (origin, type); the first port of the ``found``
    dtype with a known origin tells where the values came from."""
    if {expected, found} != {INTEGER, REAL}:
        return None
    for port, (origin, t) in ports.items():
        if t.dtype == found and origin is not None:
            return dtype_hint(leaves, origin, ("options", (path, port)), t, PortType(t.shape, expected))
    return None


def coder_hint(coders: dict, setter: tuple | None, who: tuple, old: PortType, new: PortType) -> str | None:
    """The encoder options that give the shape the net takes, where an encoder's type (``who``'s, or ``setter``'s;
    ``coders``: the encoder by graph port key) is one side of the conflict (an ImageEncoder of 3 channels on a port
    the net takes 1 at)."""
    if who[0] == "graph" and who[1] in coders:
        return coders[who[1]].fit_hint(old.shape)
    if setter is not None and setter[0] == "graph" and setter[1] in coders:
        return coders[setter[1]].fit_hint(new.shape)
    return None
