"""GraphWalker: the one walk over a graph's nodes that every stage uses (as torch.fx's Interpreter).

``run(inputs)`` visits the nodes in topological order; ``visit_node(node, inputs)`` gets each node
with the values of its inputs and returns one value per output port (or None when the walk computes
no values). Compile writes code with it (values are variable names), the interpreter runs tensors,
initialisation, readiness checks, summaries and the diagram collect what they need.

>>> from netgraph import NetGraph, LinearLayer
>>> class Shapes(GraphWalker):
...     def visit_node(self, node, inputs):
...         return [f"{node.name}{node.types[p].shape}" for p in node.output_ports]
>>> net = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")], Input=4)
>>> Shapes(net).run({"Input": "x"})
{'Output': 'act(3,)'}
>>> map_nodes(net, lambda node: node.layer.type_name)
['LinearLayer', 'ElementwiseLayer']

``nested_nodes`` also goes inside operators (layers holding nets), giving each node its full path:

>>> from netgraph import NetMapOperator
>>> outer = NetGraph({"map": NetMapOperator(net)}, [], Input=(5, 4))
>>> [(path, node.layer.type_name) for path, node in nested_nodes(outer)]
[(('map',), 'NetMapOperator'), (('map', 'net', 'lin'), 'LinearLayer'), (('map', 'net', 'act'), 'ElementwiseLayer')]
"""

from __future__ import annotations

import contextlib
import gc
import sys
import sysconfig
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from netgraph.core.ir import GraphIR, Node

__all__ = ["GraphWalker", "map_nodes", "nested_nodes", "gc_paused"]


class GraphWalker:
    """Visit the nodes of ``graph`` (a NetGraph or its ``GraphIR``) in order; subclass ``visit_node``."""

    looks_at_values = True  # False: a walk that reads nodes only (``visit_node`` gets no inputs, returns None)

    def __init__(self, graph: Any):
        self.ir: GraphIR = graph if isinstance(graph, GraphIR) else graph.ir
        self.env: dict[tuple, Any] = {}  # the walked values by (node path, port): a Value's fields, hashed in C

    def run(self, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Walk every node; return the value reaching each graph output (None where none was computed)."""
        given = inputs or {}
        env = self.env = {(None, p): given.get(p) for p in self.ir.input_types}
        if not self.looks_at_values:
            for node in self.ir.nodes:
                self.visit_node(node, ())
        else:
            visit = self.visit_node
            for node in self.ir.nodes:
                results = visit(node, tuple([env.get((v.node, v.port)) for v in node.inputs.values()]))
                if results is not None:
                    path = node.path
                    env.update(zip([(path, port) for port in node.output_ports], results))
        return {port: env.get((v.node, v.port)) for port, v in self.ir.outputs.items()}

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> Sequence[Any] | None:
        """Handle one node given its input values (input port order); return its output values or None."""
        return None


class _Mapper(GraphWalker):
    looks_at_values = False

    def __init__(self, graph: Any, function: Callable[[Node], Any]):
        super().__init__(graph)
        self.function, self.results = function, []

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> None:
        self.results.append(self.function(node))


def map_nodes(graph: Any, function: Callable[[Node], Any]) -> list[Any]:
    """``function(node)`` for every node in topological order (a GraphWalker that only looks at nodes)."""
    walker = _Mapper(graph, function)
    walker.run()
    return walker.results


def nested_nodes(graph: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
    """``(full path, node)`` for every node in topological order, followed inside operators into their inner
    nets (path ``(*operator path, option, *inner path)``), each inner net inferred with its operator's types."""
    ir = graph if isinstance(graph, GraphIR) else graph.ir
    for node in ir.nodes:
        path = (*prefix, *node.path)
        yield path, node
        for field, inner in node.inner.items():
            yield from nested_nodes(inner, (*path, field))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects (a 10k-layer graph
    otherwise spends a third of its construction time in GC passes that find nothing); what a block that ends
    normally made then joins the oldest generation, not the youngest (see ``_promote_young``). A block that
    raises promotes nothing: its half-built objects are left to the young passes."""
    was_enabled = gc.isenabled()
    gc.disable()
    completed = False
    try:
        yield
        completed = True
    finally:
        if was_enabled:
            try:
                if completed:
                    _promote_young()
            finally:
                gc.enable()


_PROMOTED_FROM = 2000  # young objects: fewer are walked in cache, and the collector's own accounting is kept
# Measured on CPython 3.11 (generations as lists: freeze and unfreeze are list splices). A free-threaded build has
# no generations and walks the heap for each call; 3.14's incremental collector re-marks objects one by one.
_PROMOTES = sys.version_info < (3, 14) and not sysconfig.get_config_var("Py_GIL_DISABLED")


def _promote_young() -> None:
    """Move every object the collector tracks into its oldest generation (``gc.freeze`` then ``gc.unfreeze``: two
    list splices) when the stage left at least ``_PROMOTED_FROM`` young ones. A built net is kept: the young passes
    after its stage would walk all it made (a 100,000-layer net's Edges, port keys, modules: from memory past the
    CPU's cache) and find nothing to free. A small build (a net made in a loop) leaves the young generation as it
    is, so garbage cycles made beside it are still found by young passes; those a big build moves wait for a full
    collection. Skipped when objects are frozen already (the netgraph command, a server before it forks):
    unfreezing would move those too; another thread must not call ``gc.freeze()`` during a build."""
    if _PROMOTES and gc.get_count()[0] >= _PROMOTED_FROM and gc.get_freeze_count() == 0:
        try:
            gc.freeze()
        finally:  # an interrupt right after freeze() must not leave every object frozen
            gc.unfreeze()
