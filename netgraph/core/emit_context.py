"""EmitContext: what a layer's ``emit`` writes the compiled forward's code from (``netgraph.backend.compile``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.types import PortType

__all__ = ["EmitContext"]


@dataclasses.dataclass(frozen=True)
class EmitContext:
    """What a layer's ``emit`` gets: its module's code, input variables, batch size, port types, the distribution
    checks (True, False, "auto"; None: the global one), ``local(hint)`` (a fresh local for ``emit_block``), its path
    and ``given``, its input ports fed straight by the outermost net's inputs ((port, net input) pairs: data);
    ``sources`` (input port -> the IR Value feeding it) and ``graph`` (the IR holding them) tell what produces each
    input (``producer``), so that a layer can leave out a check its producer's outputs always pass."""

    module: str
    args: tuple[str, ...]
    batch: str
    types: Mapping[str, PortType]
    checks: bool | str | None = None
    local: Callable[[str], str] | None = None
    path: tuple[str, ...] = ()
    given: tuple[tuple[str, str], ...] = ()
    sources: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    graph: Any = None  # netgraph.core.ir.GraphIR (which imports the layers)

    def producer(self, port: str) -> tuple[Any, str] | None:
        """The layer whose output feeds input ``port`` and that output's name; None for a net's input, or unknown.

        >>> from netgraph import NetGraph, SoftmaxLayer, CrossEntropyLossLayer
        >>> ir = NetGraph({"p": SoftmaxLayer(), "loss": CrossEntropyLossLayer("Index")}, [("p", "loss")], Input=3).ir
        >>> node = ir.node(("loss",))
        >>> ctx = EmitContext("m", ("x", "t"), "b", node.types, sources=node.inputs, graph=ir)
        >>> layer, output = ctx.producer("Input")
        >>> type(layer).__name__, output
        ('SoftmaxLayer', 'Output')
        """
        value = self.sources.get(port)
        if value is None or value.node is None or self.graph is None:
            return None
        return self.graph.node(value.node).layer, value.port

    def known_probabilities(self, port: str) -> bool:
        """Whether every value reaching input ``port`` is in [0, 1] or NaN whatever the data: its producer is one of
        netgraph's own layers (a user's subclass may compute something else) that says so of that output."""
        found = self.producer(port)
        return found is not None and is_netgraph_class(type(found[0])) \
            and found[1] in found[0].probability_outputs()
