"""The layout glue around ONNX ``LSTM``/``GRU``/``RNN`` nodes that torch (and so our exporter) emits.

ONNX recurrences are time-major: ``X`` (time, batch, features), ``Y`` (time, directions, batch, hidden),
``Y_h`` (directions, batch, hidden). A batch-first recurrence is wrapped in ``Transpose [1, 0, 2]`` before
it and, after it, ``Squeeze`` (axis 1) then ``Transpose [1, 0, 2]`` -- for a bidirectional one (and for any in
torch's dynamo export) ``Transpose [0, 2, 1, 3]`` then ``Reshape`` to (time, batch, directions hidden) then
``Transpose [1, 0, 2]``. Between
stacked recurrences the last Transpose is left out. A stacked recurrence's final state is ``Concat``
(axis 0) of the layers' ``Y_h``, indexed by ``Gather``. Our layers are batch-first, so all of this glue
becomes aliases; these predicates recognise it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.export.onnx_ops import RECURRENT_OPS, Context, perm_of, squeeze_axes, text
from netgraph.export.onnx_uses import uses_besides

__all__ = ["RECURRENT_OPS", "LAYOUT_PERM", "DIRECTIONS_PERM", "is_op", "recurrent_output", "bidirectional",
           "time_major_output", "batch_first_perm", "time_major_perm", "batch_first_uses", "state_stack",
           "stacked_state_index", "sequence_inputs"]

LAYOUT_PERM = [1, 0, 2]  # (time, batch, features) <-> (batch, time, features)
DIRECTIONS_PERM = [0, 2, 1, 3]  # (time, directions, batch, hidden) -> (time, batch, directions, hidden)
#: Ops that keep a (batch, time, ...) tensor's time axis as axis 1 (computing per step, or per element).
_PER_STEP = ("Relu", "Tanh", "Sigmoid", "Exp", "Log", "Abs", "Sqrt", "Softplus", "Neg", "Add", "Mul", "Sub", "Div",
             "Identity", "Dropout", "Cast", "MatMul", "Gather")


def is_op(node: Any, ctx: Context, op: str, perm: list[int] | None = None, axes: list[int] | None = None) -> bool:
    """``node`` is an ``op`` node (with this Transpose ``perm`` / Squeeze ``axes`` when given)."""
    if node is None or node.op_type != op:
        return False
    if perm is not None and perm_of(node, ctx) != perm:
        return False
    return axes is None or squeeze_axes(node, ctx) == axes


def recurrent_output(name: str, ctx: Context) -> tuple[Any, int] | None:
    """The recurrent node and output index that produce tensor ``name``, if one does."""
    producer = ctx.producers.get(name)
    if producer is None or producer.op_type not in RECURRENT_OPS:
        return None
    return producer, list(producer.output).index(name)


def bidirectional(node: Any, ctx: Context) -> bool:
    return text(ctx.attributes(node).get("direction", "forward")) == "bidirectional"


def time_major_output(name: str, ctx: Context) -> Any:
    """The recurrence whose output sequence, (time, batch, features) after its glue, is tensor ``name``."""
    node = ctx.producers.get(name)
    if is_op(node, ctx, "Squeeze", axes=[1]):
        source = recurrent_output(node.input[0], ctx)
        return source[0] if source and source[1] == 0 and not bidirectional(source[0], ctx) else None
    if node is None or node.op_type != "Reshape":
        return None
    swap = ctx.producers.get(node.input[0])
    source = recurrent_output(swap.input[0], ctx) if is_op(swap, ctx, "Transpose", DIRECTIONS_PERM) else None
    if not source or source[1] != 0:
        return None
    width = int(ctx.attributes(source[0])["hidden_size"]) * (2 if bidirectional(source[0], ctx) else 1)
    shape = ctx.shapes.get(name)
    if shape is None or len(shape) != 3 or not isinstance(shape[-1], int):  # inference lost it: the target's
        target = ctx.constants.get(node.input[1]) if len(node.input) > 1 else None
        shape = tuple(int(d) for d in np.ravel(target)) if target is not None else ctx.symbols.get(node.input[1])
    return source[0] if shape is not None and len(shape) == 3 and shape[-1] == width else None


def batch_first_perm(node: Any, ctx: Context) -> list[int] | None:
    """The perm of Transpose ``node`` of a time-major (time, batch, features) sequence as a perm of our batch-first
    one, when it keeps the batch first: torch's exporter joins the glue's Transpose [1, 0, 2] with the next one
    (attention's keys transposed, [0, 2, 1] batch-first, are [1, 2, 0] time-major); else None."""
    return _joined(LAYOUT_PERM, perm_of(node, ctx)) if node.op_type == "Transpose" else None


def time_major_perm(node: Any, ctx: Context) -> list[int] | None:
    """For Transpose ``node`` making a batch-first tensor a recurrence's time-major input: the perm (ONNX's, batch
    first) it applies before the glue's Transpose [1, 0, 2], when that keeps the batch first: torch's exporter joins
    a transpose of the sequence with the glue ([0, 2, 1] then [1, 0, 2] is [2, 0, 1]); the identity for the glue
    alone; else None, also when the input is already a recurrence's time-major output (a Transpose there swaps its
    time and batch). The inverse of ``batch_first_perm``'s composition."""
    if not is_op(node, ctx, "Transpose") or time_major_output(node.input[0], ctx) is not None:
        return None
    return _joined(perm_of(node, ctx), LAYOUT_PERM)


def _joined(first: list[int], then: list[int]) -> list[int] | None:
    """Transposes by ``first`` then by ``then`` (perms of 3 dims) as one perm, when it keeps the batch first."""
    ours = [first[p] for p in then] if sorted(first) == sorted(then) == [0, 1, 2] else []
    return ours if ours and ours[0] == 0 else None


def batch_first_uses(name: str, ctx: Context) -> bool:
    """Every use of a time-major sequence makes it batch-first again (a Transpose that keeps the batch first),
    feeds another recurrence (a static export also reads its Shape, for the next one's zero initial state) or
    starts a pattern that reads it so (``ctx.time_major_uses``: nn.MultiheadAttention's in_proj)."""
    uses = uses_besides(name, ctx, ("Shape",))  # None: a graph output, read time-major
    return bool(uses) and all(batch_first_perm(c, ctx) is not None or (c.op_type in RECURRENT_OPS and i == 0)
                              or id(c) in ctx.time_major_uses for c, i in uses)


def _scalar_index(node: Any, ctx: Context) -> int | None:
    """The constant scalar index of a Gather on axis 0, else None."""
    index = ctx.constants.get(node.input[1]) if node.op_type == "Gather" else None
    if index is None or index.ndim != 0 or int(ctx.attributes(node).get("axis", 0)) != 0:
        return None
    return int(index)


def state_stack(node: Any, ctx: Context) -> list | None:
    """The recurrences whose final states ``Y_h`` a Concat (axis 0) stacks, each used only by Gathers of one
    layer (a stacked recurrence's ``h_n[k]``); else None."""
    if node is None or node.op_type != "Concat" or int(ctx.attributes(node).get("axis", -1)) != 0:
        return None
    sources = [recurrent_output(name, ctx) for name in node.input]
    if not all(s and s[1] == 1 and not bidirectional(s[0], ctx) for s in sources):
        return None
    uses = ctx.consumers.get(node.output[0], [])
    if not uses or not all(i == 0 and _scalar_index(c, ctx) is not None for c, i in uses):
        return None
    return [s[0] for s in sources]


def stacked_state_index(node: Any, ctx: Context) -> Any:
    """For ``Gather`` of a state stack (or of one recurrence's ``Y_h``): the recurrence whose last output it is."""
    index = _scalar_index(node, ctx)
    if index is None:
        return None
    source = recurrent_output(node.input[0], ctx)
    if source is not None:
        return source[0] if source[1] == 1 and index in (0, -1) and not bidirectional(source[0], ctx) else None
    layers = state_stack(ctx.producers.get(node.input[0]), ctx)
    return layers[index] if layers and -len(layers) <= index < len(layers) else None


def sequence_inputs(ctx: Context) -> set[str]:
    """The graph inputs whose axis 1 is the time axis of a recurrence (through ``_PER_STEP`` ops: an
    embedding, a per-step linear map, element-wise ops): a static export fixed its length, which need not be."""
    found = set()
    for node in [c for uses in ctx.consumers.values() for c, i in uses if c.op_type in RECURRENT_OPS and i == 0]:
        swap = ctx.producers.get(node.input[0])
        name = swap.input[0] if is_op(swap, ctx, "Transpose", LAYOUT_PERM) else None
        while name is not None and name in ctx.producers:
            step = ctx.producers[name]
            if step.op_type not in _PER_STEP or (step.op_type == "Gather" and (
                    step.input[0] not in ctx.constants or int(ctx.attributes(step).get("axis", 0)) != 0)):
                name = None
            else:  # the data input: a Gather's indices, x of x W, else the one computed operand
                data = [i for i in step.input[step.op_type == "Gather":] if i and i not in ctx.constants]
                data = data if step.op_type != "MatMul" or step.input[1] in ctx.constants else []
                name = data[0] if len(data) == 1 else None
        if name is not None and ctx.rank(name) is not None and ctx.rank(name) >= 2:
            found.add(name)
    return found
