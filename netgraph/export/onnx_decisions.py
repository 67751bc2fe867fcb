"""A classifier's last ops: ArgMax and ArgMin, CumSum; TopK's refusal.

No layer gives the index of a largest entry (nor does Wolfram's catalogue: a net's class decision is its output's
``NetDecoder["Class"]``), so an ``ArgMax`` over the last axis of a (batch, k) tensor whose index is a graph output
used by no other node (torch's ``logits.argmax(-1)`` at a classifier's end), imports as a
``ClassDecoder(list(range(k)))`` on that output port: the net answers the class indices, as a list (``decoder=None``
gives the scores). Over a (batch, n, k) tensor (a tagger's) it is the same decoder, decoding each position. ``ArgMin``
is the same decision on ``-x`` (an ElementwiseLayer ``"Negative"`` before the port). ``ctx.decisions`` records each such
output's k for the importer, which attaches the decoders.

``CumSum`` along a last axis of known size k is a product by a constant (k, k) triangle of ones: a ``LinearLayer``
without biases (mapped over the dims between), its weights fixed in training as the model's other constants
(``fixed_triangles``); ``exclusive`` and ``reverse`` choose the triangle. Along axis 1 of a variable length
(``mask.cumsum(-1)`` for position ids) it is a ``NetFoldOperator`` adding each element to the running total (the
state), each step's total its output (``running_total``); ``reverse`` folds the reversed sequence
(``SequenceReverseLayer`` before and after), ``exclusive`` subtracts each element from its total. Along another
axis it is refused, as is a sum of integers (our layers add reals: ``mask.float().cumsum(-1)`` imports).

``TopK`` has no layer: its refusal says why (``onnx_problems.NO_LAYER_REASONS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, Converted, Unsupported, mapped
from netgraph.layers import ElementwiseLayer, LinearLayer, NetFoldOperator, SequenceReverseLayer, ThreadingLayer

__all__ = ["DECISION_CONVERTERS", "fixed_triangles", "running_total"]

def _decision(node: Any, ctx: Context) -> Converted:
    """ArgMax/ArgMin over the last axis of (batch, k) or (batch, n, k), the index a graph output: the scores (negated
    for ArgMin), to be decoded."""
    a, shape = ctx.attributes(node), ctx.shapes.get(node.input[0])
    axis = int(a.get("axis", 0))
    axis = axis + len(shape) if shape is not None and axis < 0 else axis
    uses = [f"node {c.name or c.op_type!r} ({c.op_type})" for c, _ in ctx.consumers.get(node.output[0], ())]
    problems = []
    if int(a.get("keepdims", 1)):
        problems.append(Unsupported("keepdims=1 (one index kept per row, as x.argmax(-1, keepdim=True))",
                                    attribute="keepdims", expected=0, found=int(a.get("keepdims", 1))))
    if int(a.get("select_last_index", 0)):
        problems.append(Unsupported("select_last_index=1 (a tie's last index; the decoder takes the first)",
                                    attribute="select_last_index", expected=0, found=1))
    if shape is None or len(shape) not in (2, 3) or axis != len(shape) - 1 or not isinstance(shape[-1], int):
        problems.append(f"an input of shape {shape} along axis {axis} (the last axis of (batch, k) or (batch, n, k), "
                        f"k known, is a class decision)")
    if uses:
        problems.append(f"its index used as data by {', '.join(uses)} (only a graph output is decoded)")
    elif node.output[0] not in ctx.graph_outputs:
        problems.append("its index not a graph output (only a graph output is decoded)")
    if problems:
        raise Unsupported.joined(problems, f"{' and '.join(map(str, problems))}: no layer gives the index of the "
                                           f"{'largest' if node.op_type == 'ArgMax' else 'smallest'} entry; an "
                                           f"{node.op_type} over the last axis of (batch, k) or (batch, n, k), its "
                                           f"index a graph output, imports as a ClassDecoder of the class indices on "
                                           f"that port")
    ctx.decisions[node.output[0]] = int(shape[-1])
    if node.op_type == "ArgMax":
        return Converted(alias=node.input[0])
    return Converted(ElementwiseLayer("Negative"), (node.input[0],))


def _cumsum(node: Any, ctx: Context) -> Converted:
    """CumSum along the last axis of known size k: a LinearLayer by a (k, k) triangle of ones; along axis 1 of a
    variable length, a running total."""
    if node.input[0] in ctx.integers:
        raise Unsupported("a cumulative sum of integers (as mask.long().cumsum(-1)): its layers add real numbers; "
                          "cast first, as mask.float().cumsum(-1)", expected="a real input", found="an integer input")
    shape = ctx.shapes.get(node.input[0])
    axis = int(np.ravel(ctx.const(node.input[1], "axis"))[0])
    axis = axis + len(shape) if shape is not None and axis < 0 else axis
    a = ctx.attributes(node)
    exclusive, reverse = bool(a.get("exclusive", 0)), bool(a.get("reverse", 0))
    if shape is not None and axis == 1 and not isinstance(shape[1], int):
        return Converted(running_total(exclusive, reverse), (node.input[0],))
    if shape is None or axis != len(shape) - 1 or axis == 0 or not isinstance(shape[-1], int):
        raise Unsupported(f"a cumulative sum along axis {axis} of an input of shape {shape}: only one along the last "
                          f"axis of known size (a product by a constant triangle, a LinearLayer) or along axis 1 of "
                          f"a variable length (a NetFoldOperator's running total) has a layer",
                          attribute="axis", expected="the last axis, of known size, or axis 1", found=axis)
    k = int(shape[-1])
    ones = np.ones((k, k), dtype=ctx.real_dtype)  # weights[j, i]: input i adds to output j
    weights = np.triu(ones, int(exclusive)) if reverse else np.tril(ones, -int(exclusive))
    return Converted(mapped(LinearLayer(k, weights=weights, biases=False), len(shape) - 2), (node.input[0],))


def running_total(exclusive: bool = False, reverse: bool = False) -> NetGraph:
    """A sequence's running total (CumSum along its length): a NetFoldOperator adding each element to the total so
    far; ``reverse`` totals from the end, ``exclusive`` leaves each element out of its own total."""
    step = NetGraph({"plus": ThreadingLayer("Plus")}, [(NetPort("State"), "plus"), (NetPort("Input"), "plus")])
    layers: dict[str, Any] = {"total": NetFoldOperator(step)}
    edges: list[tuple] = [(NetPort("total", "State"), None)]  # the final total: not an output
    last = "total"
    if reverse:
        layers = {"reverse": SequenceReverseLayer(), **layers, "back": SequenceReverseLayer()}
        edges += [("reverse", "total"), ("total", "back")]
        last = "back"
    if exclusive:
        layers["exclusive"] = ThreadingLayer("Subtract")
        edges += [(last, "exclusive"), (NetPort("Input"), NetPort("exclusive", "Input2"))]
    return NetGraph(layers, edges)


def fixed_triangles(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any]) -> dict[str, int]:
    """Learning-rate multipliers of 0 for each imported CumSum's triangle (layer name, node) in ``layers`` (a running
    total has no arrays): the triangle is the op, fixed in training as the model's constants are."""
    return {name: 0 for name, node in producers
            if node.op_type == "CumSum" and name in layers and not isinstance(layers[name], NetGraph)}


DECISION_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "ArgMax": _decision, "ArgMin": _decision, "CumSum": _cumsum}
