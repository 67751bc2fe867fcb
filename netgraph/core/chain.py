"""NetChain: layers applied in sequence (Wolfram's NetChain), a NetGraph whose edges are implied.

The output of each layer feeds the first input of the next. Every layer but the last has exactly
one output port (or a ``CHAIN_OUTPUT`` fed on, its others muted: a NetFoldOperator's ``State``, a
recurrent layer's ``State`` and ``CellState``); the first layer's inputs, and any further inputs of later
layers (a loss layer's ``Target``), become the chain's inputs. Chains and graphs nest inside each other as layers, compile
to one flat module, and keep their names in parameter paths (``"enc.1.Weights"``).

>>> from netgraph import NetChain, LinearLayer
>>> chain = NetChain([LinearLayer(8), "Ramp", LinearLayer(2)], input=3)
>>> chain.input_shapes, chain.output_shapes
({'Input': (3,)}, {'Output': (2,)})
>>> NetChain({"enc": [4, "Tanh"], "dec": 3}, input=5).layer_types(("enc", "1"))["Output"].shape
(4,)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.layer import Layer
from netgraph.core.errors import NetGraphError, WiringError, raise_all
from netgraph.core.chain_wiring import chain_order, chain_wiring, describe_at, is_link_error, link_problems
from netgraph.core.graph import NetGraph
from netgraph.core.types import ports_text
from netgraph.core.layer_table import NOT_GIVEN, given_by_keyword, named_layers
from netgraph.core.walk import gc_paused

__all__ = ["NetChain"]


class NetChain(NetGraph):
    """``NetChain(layers, **port_shapes)``: ``layers`` a list (numbered from 1) or a dict (names).

    Layers may be shorthands (``3`` → LinearLayer(3), ``"Ramp"`` → ElementwiseLayer, a list → a
    nested NetChain). ``port_shapes`` types the chain's ports by name (``Input=(1, 28, 28)``);
    ``input=`` and ``output=`` are short for the first layer's first input and the last layer's
    first output.

    >>> import torch
    >>> from netgraph import LinearLayer, net_initialize
    >>> chain = NetChain({"hidden": LinearLayer(8), "act": "Ramp", "out": LinearLayer(2)}, input=4)
    >>> list(chain.layers), chain.output_shapes
    (['hidden', 'act', 'out'], {'Output': (2,)})
    >>> net_initialize(chain, seed=0)(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    def __init__(self, layers: Any = NOT_GIVEN, /, *more: Any, **port_shapes: Any):
        if more:  # nn.Sequential(l1, l2)'s form
            raise WiringError(f"NetChain takes its layers as one list (or dict), found {1 + len(more)} layers given "
                              f"one by one as torch's nn.Sequential(l1, l2) takes them: NetChain([l1, l2, ...])",
                              kind="chain-layers", layer=(), option="layers")
        layers = given_by_keyword("NetChain", layers, NOT_GIVEN, port_shapes)[0]
        with gc_paused():
            names, table = named_layers(layers, "NetChain")
            try:
                shapes = self._aliases(names, table, port_shapes)
                refs = range(1, len(names) + 1) if isinstance(layers, (list, tuple)) else names  # "1 -> 2"
                self._construct(names, table, refs, shapes)  # as NetGraph(table, zip(refs, refs[1:]), **shapes)
                return
            except NetGraphError as exc:  # the links are checked while wiring them: a bad link stays the error raised
                if is_link_error(exc):
                    raise  # chain_wiring's: found once
                problems = link_problems(names, table)  # the port keywords' or nesting depth's error came first
                if not problems:
                    raise
            raise_all(problems, WiringError, "invalid NetChain")

    _wire = staticmethod(chain_wiring)  # the edges (refs[i], refs[i + 1]), each layer feeding the next
    _sort = staticmethod(chain_order)  # so the order given, without a dict of the names to check it
    PORT_ALIASES = ("input", "output")  # keywords naming a port's shape besides the ports (for "did you mean")

    @staticmethod
    def _aliases(names: list[str], table: dict[str, Layer], port_shapes: Mapping[str, Any]) -> dict[str, Any]:
        shapes = dict(port_shapes)
        first, last = table[names[0]], table[names[-1]]
        ports = {*first.input_ports, *last.output_ports}
        for alias, layer, group in (("input", first, "input_ports"), ("output", last, "output_ports")):
            real = getattr(layer, group)
            if alias in shapes and alias not in ports and not real:  # was "'input' is not a port of this NetGraph"
                end = ("first", names[0]) if alias == "input" else ("last", names[-1])
                raise WiringError(f"NetChain: {alias}= gives the shape of the {end[0]} layer's {alias}, but "
                                  f"{describe_at(names.index(end[1]), end[1], layer)} has no {alias} port",
                                  kind="chain-alias", layer=(), port=alias, option=alias)
            if alias in shapes and alias not in ports and real:
                if real[0] in shapes:
                    raise WiringError(f"NetChain: {alias}= and {real[0]}= both give the shape of port {real[0]!r}",
                                      kind="chain-alias", layer=(), port=real[0], option=alias)
                shapes[real[0]] = shapes.pop(alias)
        return shapes

    @classmethod
    def wired_as(cls, graph: NetGraph) -> NetChain | None:
        """``graph`` as a NetChain where a chain of its layers, in the order given or computed (a line given out of
        order), wires exactly its edges and ports; else None. Only wired: the chain keeps ``graph``'s build (its
        inferred types and port options), nothing is inferred again."""
        given, computing = list(graph.layers), [node.path[0] for node in graph.ir.nodes]
        pairs = {(e.src, e.dst) for e in graph.edges}
        for order in (given, computing) if computing != given else (given,):
            try:
                wiring = chain_wiring(order, graph._layers, order)
            except NetGraphError:
                continue
            if ((tuple(wiring.inputs), tuple(wiring.outputs)) == (graph.input_ports, graph.output_ports)
                    and not wiring.muted and {(e.src, e.dst) for e in wiring.edges} == pairs):
                return cls._holding_build(graph, order, tuple(wiring.edges))
        return None

    @classmethod
    def _holding_build(cls, graph: NetGraph, order: list[str], edges: tuple) -> NetChain:
        """A NetChain of ``graph``'s layers in ``order`` wired by ``edges`` (the same as ``graph``'s, as a chain
        writes them), sharing ``graph``'s inferred types as a copy made by ``_with_layers`` does."""
        chain = graph._holding({name: graph._layers[name] for name in order}, graph._shared_users, None, cls)
        chain._names, chain._order, chain._edges = list(order), tuple(order), edges
        chain.__dict__.pop("_position", None)  # the graph's layer positions: a chain's layers are in ``order``
        return chain

    def _rebuilt(self, layers: dict[str, Layer], options: dict[str, Any]) -> NetChain:
        return NetChain(layers, **options)  # built once, a chain (replace_layers' rebuild)

    def options(self) -> dict[str, Any]:
        return {"layers": dict(self._layers), **self.port_shape_options()}

    def __repr__(self) -> str:
        types, count = self.port_types, len(self._layers)
        return (f"NetChain(<{count} layer{'' if count == 1 else 's'}>, inputs={ports_text(types, self._inputs)}, "
                f"outputs={ports_text(types, self._outputs)})")

