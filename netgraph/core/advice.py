"""The advice a message gives, as data: the ports and edges it tells the user to write, and its fixed remedies by
topic. A ``Diagnostic``'s ``parts`` hold them; each writes itself in Python (``str``), and a reader of another form
writes them its own way (a spec reader: as YAML, through ``Diagnostic.render``'s ``advice_text``).

>>> str(EdgeAdvice(PortAdvice(None, "Input2"), PortAdvice("b", "Input")))
"(NetPort('Input2'), NetPort('b', 'Input'))"
>>> str(EdgeAdvice(PortAdvice("b"))), str(OUTPUT_TO_OUTPUT)[:41]
("('b', None)", 'an edge must go from an output port to an')
"""

from __future__ import annotations

import dataclasses
from typing import Union

__all__ = ["Advice", "ADVICE_TYPES", "EdgeAdvice", "PortAdvice", "RemedyAdvice", "COMBINING_LAYER", "OUTPUT_TO_OUTPUT",
           "fed_twice_parts"]


@dataclasses.dataclass(frozen=True, slots=True)
class PortAdvice:
    """A port the advice names: output or input ``port`` of ``layer``; a graph port where ``layer`` is None; a
    layer's first output where ``port`` is None (as an edge's bare source names it).

    >>> str(PortAdvice(None, "Result")), str(PortAdvice("a", "State")), str(PortAdvice("b"))
    ("NetPort('Result')", "NetPort('a', 'State')", "'b'")
    """

    layer: str | None
    port: str | None = None

    def __str__(self) -> str:
        if self.layer is None:
            return f"NetPort({self.port!r})"
        return repr(self.layer) if self.port is None else f"NetPort({self.layer!r}, {self.port!r})"


@dataclasses.dataclass(frozen=True, slots=True)
class EdgeAdvice:
    """An edge the advice tells the user to write: from ``source`` to ``target``; None: it mutes ``source``."""

    source: PortAdvice
    target: PortAdvice | None = None

    def __str__(self) -> str:
        return f"({self.source}, {self.target})"


@dataclasses.dataclass(frozen=True, slots=True)
class RemedyAdvice:
    """A fixed remedy: ``topic`` a stable tag (a reader of another form says it in its own words), ``python`` its
    words in Python."""

    topic: str
    python: str

    def __str__(self) -> str:
        return self.python


Advice = Union[PortAdvice, EdgeAdvice, RemedyAdvice]
ADVICE_TYPES = (PortAdvice, EdgeAdvice, RemedyAdvice)  # Advice's classes, for isinstance

OUTPUT_TO_OUTPUT = RemedyAdvice("output-to-output", (
    "an edge must go from an output port to an input port. To expose a layer's output as a graph "
    "output, write (NetPort(layer, 'Output'), NetPort('Name')); to feed another layer, name one of its "
    "input ports, e.g. (NetPort(3, 'Output'), NetPort(4, 'Input'))."))
COMBINING_LAYER = RemedyAdvice("combining-layer", "FunctionLayer('#a + #b')")  # a layer of two inputs to write


def fed_twice_parts(place: str = "an input port") -> tuple[str | Advice, ...]:
    """Message parts saying that ``place`` takes one edge, and how to combine several tensors instead.

    >>> "".join(map(str, fed_twice_parts("A graph output")))[:51]
    'A graph output takes exactly one edge. To combine s'
    """
    return (f"{place} takes exactly one edge. To combine several tensors, feed them to a layer with several inputs (",
            COMBINING_LAYER, ", ThreadingLayer, CatenateLayer) and feed its output here.")
