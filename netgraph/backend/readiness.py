"""Is a net ready to compile? Every port's shape known, every array present and of the shape its layer needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netgraph.backend.built_checks import compiling_inner
from netgraph.core.batch_dim import batch_dim_hint
from netgraph.core.errors import (MSG_UNKNOWN_INPUT_SHAPE, Diagnostic, ShapeError, UninitializedError, raise_all,
                                  unknown_inside)
from netgraph.core.ir import Node, Value
from netgraph.core.layer_checks import array_shape_problems
from netgraph.core.naming_scope import quoted
from netgraph.core.operator import NetOperator
from netgraph.core.port_options import option_form
from netgraph.core.walk import GraphWalker
from netgraph.core.wording import first_few

__all__ = ["check_ready", "unknown_inputs"]


def unknown_inputs(net: Any, ir: Any = None) -> tuple[list[Diagnostic], set[tuple]]:
    """A Diagnostic (at the graph, ``layer=()``, and the port) for each graph input of unknown shape, naming the
    layers it feeds and saying how to give its shape, and the (layer path, port) keys it feeds (``ir``: the net's,
    when at hand)."""
    ir = net.ir if ir is None else ir
    problems, fed = [], set()
    for name, t in ir.input_types.items():
        if not t.known:
            keys = [key for key in ir.consumers(Value(None, name)) if key[0]]
            fed.update(keys)
            hint = batch_dim_hint(net, name, t.shape) or _unknown_dims_hint(net, name, t.shape) or \
                MSG_UNKNOWN_INPUT_SHAPE.format(form=option_form(net, name, "3"))
            feeds = first_few(keys, text=net.describe) or "nothing"
            problems.append(Diagnostic(f"graph input {quoted(name)} (feeding {feeds}) "
                                       f"has unknown shape {t}: {hint}",
                                       "unknown-shape", layer=(), port=name))
    return problems, fed


def _unknown_dims_hint(net: Any, port: str, shape: tuple | None) -> str:
    """For an input with some dims known and others of unknown size, (3, ?, ?): how to give each a size, or a name
    for any size ((3, 'h', 'w')); '' otherwise (an input of unknown rank, or of no known dim, gets the plain advice)."""
    if shape is None or None not in shape or not any(isinstance(d, int) for d in shape):
        return ""
    count, taken = shape.count(None), {d for d in shape if isinstance(d, str)}
    names = iter([n for n in {1: ["n"], 2: ["h", "w"], 3: ["d", "h", "w"]}.get(count, []) if n not in taken] or
                 [f"n{i}" for i in range(1, count + len(taken) + 1) if f"n{i}" not in taken])
    named = [next(names) if d is None else d for d in shape]
    python = f"({', '.join(map(repr, named))}{',' if len(named) == 1 else ''})"
    return (f"give each dim of unknown size (?) a size, or a name for any size: {option_form(net, port, python)}, or "
            f"in YAML under 'inputs:' ([{', '.join(map(str, named))}]); shapes exclude the batch dimension")


class _Readiness(GraphWalker):
    """Collects ports of unknown shape (one per value), uninitialised arrays and arrays of the wrong shape."""

    looks_at_values = False

    def __init__(self, net: Any):
        super().__init__(net)
        self.net, self.missing, self.reported, self.misshapen = net, [], set(), []
        self.unknown, self.fed = unknown_inputs(net, self.ir)  # a port an unknown graph input feeds: told with it
        self.inner = compiling_inner()  # an operator's inner net, compiled within the outermost compile

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> None:
        unknown = [(port, t) for port, t in node.types.items() if not t.known]
        for port, t in unknown:
            source = node.inputs.get(port) or node.output(port)
            if source not in self.reported and (node.path, port) not in self.fed:
                self.reported.add(source)
                hint = node.layer.shape_hint(port)
                self.unknown.append(Diagnostic(f"{self.net.describe((node.path, port))} has unknown shape {t}"
                                               f"{f': {hint}' if hint else ''}", "unknown-shape", layer=node.path,
                                               port=port))
        if self.inner and isinstance(node.layer, NetOperator):  # the outermost compile checked all its arrays; its
            return  # inner nets' compiles check their layers': checked again at each level, compiles were quadratic
        arrays = node.layer.arrays
        if not arrays:
            return
        missing = [name for name, value in arrays.items() if value is None]
        if missing:  # described only when something is wrong: a large net must not build text per layer
            where = self.net.describe((node.path, None))
            self.missing += [Diagnostic(f"{where} array {quoted(name)}", "uninitialized", layer=node.path)
                             for name in missing]
        if not unknown:
            try:
                self.misshapen += array_shape_problems(node, lambda: self.net.describe((node.path, None)), arrays)
            except ShapeError as exc:  # an operator whose inner nets leave a shape open
                self.unknown.append(unknown_inside(f"{self.net.describe((node.path, None))}: {exc}", node.path, exc))


def check_ready(net: Any) -> None:
    """Raise ShapeError for any unknown shape and UninitializedError for missing arrays, listing all.

    >>> from netgraph import NetChain, LinearLayer, net_initialize
    >>> check_ready(net_initialize(NetChain([LinearLayer(2)], input=3)))  # ready: returns None
    >>> check_ready(NetChain([LinearLayer(2)], input=3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.UninitializedError: the net has uninitialised arrays; call net_initialize(net) first: ...
    """
    walker = _Readiness(net)
    walker.run()
    raise_all(walker.unknown, ShapeError, "the net is not fully specified")
    raise_all(walker.misshapen, ShapeError, "arrays do not fit their layers")
    raise_all(walker.missing, UninitializedError, "the net has uninitialised arrays; call net_initialize(net) first")
