"""An ONNX ``If`` whose condition is known at import: the branch it takes, that branch's one node converted in the
If's place.

torch's TorchScript exporter writes ``x.squeeze(k)`` of a dim whose size it did not fix as
``If(Equal(Gather(Shape(x), k), 1), then: Squeeze(x, k), else: Identity(x))`` (``nn.LocalResponseNorm`` does so).
The condition is a size compared, which the import computes from the shapes its layers found (onnx's inference may
have lost them); the nodes computing it are dropped as a shape computation (``SHAPE_INPUTS``). A condition computed
from data, or a branch of more than one node (besides Constants), is refused saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from netgraph.export.deps import require
from netgraph.export.onnx_fold import constant_of_node
from netgraph.export.onnx_ops import Context, Converted, Unsupported
from netgraph.export.onnx_reshape import symbolic_value

__all__ = ["consumers_of", "taken_branch"]


def consumers_of(nodes: Any) -> dict[str, list[tuple[Any, int]]]:
    """Each tensor -> the (node, input index) pairs reading it; an If's branches read tensors around it too (index -1:
    not a shape input, so the tensor is not dropped as one)."""
    consumers: dict[str, list[tuple[Any, int]]] = {}
    for node in nodes:
        for i, name in [*enumerate(node.input), *((-1, name) for name in _branch_inputs(node))]:
            consumers.setdefault(name, []).append((node, i))
    return consumers


def _branch_inputs(node: Any) -> Iterator[str]:
    """The tensors an If's branches read from the graph around them."""
    for attribute in node.attribute if node.op_type == "If" else ():
        inside = {o for n in attribute.g.node for o in n.output}
        yield from {name for n in attribute.g.node for name in n.input if name and name not in inside}


def taken_branch(node: Any, ctx: Context, converters: dict[str, Callable[[Any, Context], Converted]]) -> Converted:
    """The If's branch for its condition, computed at import: its one node's conversion, as the If's output."""
    taken = _condition(node.input[0], ctx)
    if taken is None:
        raise Unsupported("its condition is computed from data or from a size not known at import; only an If "
                          "whose condition the import can compute (a size compared) takes one of its branches",
                          expected="a condition computed at import", found="a condition computed from data")
    which = "then_branch" if taken else "else_branch"
    branch = ctx.attributes(node)[which]
    computing = [n for n in branch.node if n.op_type != "Constant"]
    if len(computing) != 1 or len(branch.output) != 1 or computing[0].output[0] != branch.output[0].name:
        raise Unsupported(f"its {which} (taken) has {len(computing)} computing nodes; only a branch of one node "
                          f"(and Constants) is taken in the If's place",
                          expected="one computing node", found=len(computing))
    onnx = require("onnx")
    ctx.constants.update({n.output[0]: constant_of_node(onnx, n) for n in branch.node if n.op_type == "Constant"})
    inner = computing[0]
    if inner.op_type not in converters:
        raise Unsupported(f"its {which} (taken) computes {inner.op_type}, which has no layer",
                          expected="an op with a layer", found=inner.op_type)
    converted = converters[inner.op_type](inner, ctx)
    if ctx.shapes.get(inner.output[0]) is not None:
        ctx.shapes[node.output[0]] = ctx.shapes[inner.output[0]]
    return converted


def _condition(name: str, ctx: Context) -> bool | None:
    """The condition's one value: a constant, or a size comparison computed from the shapes known now."""
    if name not in ctx.constants and not _computed(name, ctx, set()):
        return None
    value = ctx.constants.get(name)
    value = np.ravel(value) if value is not None else ctx.symbols.get(name)
    one = value is not None and len(value) == 1 and isinstance(value[0], (int, np.integer, np.bool_))
    return bool(value[0]) if one else None


def _computed(name: str, ctx: Context, seen: set[str]) -> bool:
    """Compute the shape value ``name`` (and those it reads) from the shapes known now, into ``ctx.symbols``."""
    if name in ctx.constants or name in seen:
        return name in ctx.constants or name in ctx.symbols
    seen.add(name)
    producer = ctx.producers.get(name)
    if producer is None:
        return False
    reads = [] if producer.op_type == "Shape" else [i for i in producer.input if i]
    if not all(_computed(i, ctx, seen) for i in reads):
        return False
    value = symbolic_value(producer, ctx)
    if value is None:
        return False
    ctx.symbols[name] = value
    return True
