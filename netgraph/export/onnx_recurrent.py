"""ONNX ``LSTM``, ``GRU`` and ``RNN`` nodes -> LongShortTermMemoryLayer / GatedRecurrentLayer / BasicRecurrentLayer.

A bidirectional node becomes a NetBidirectionalOperator of two such layers joined by Catenate (ONNX's
reverse direction reads the sequence backwards and aligns its outputs with the input's steps, as the
operator does). The layout glue around the node (see ``onnx_recurrent_glue``) is folded away: each glue
node becomes an alias. The final state ``Y_h`` of a one-direction recurrence (squeezed over its direction
axis, indexed at direction 0, or taken from a stacked recurrence's stack of states) is the last output:
a SequenceLastLayer. Weights are split into our Wolfram-named arrays: ONNX stacks LSTM gates as i, o, f, c
and GRU gates as z, r, h; the input and recurrence biases add up, except a GRU's recurrence bias of the
memory gate, which stays inside the reset product (``MemoryGateStateBiases``, needing
``linear_before_reset=1`` as torch exports): ``netgraph.layers.recurrent_torch.packed_layer``, which also ports
torch's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.export.onnx_ops import CONVERTERS as BASIC_CONVERTERS
from netgraph.export.onnx_gather import gather
from netgraph.export.onnx_ops import Context, Converted, Unsupported, perm_of, text, transposed
from netgraph.export.onnx_reshape import reshape_converter
from netgraph.export.onnx_shape_ops import SHAPE_CONVERTERS
from netgraph.export.onnx_recurrent_glue import (DIRECTIONS_PERM, LAYOUT_PERM, RECURRENT_OPS, batch_first_perm,
                                                 batch_first_uses, bidirectional, is_op, recurrent_output,
                                                 stacked_state_index, state_stack, time_major_output,
                                                 time_major_perm)
from netgraph.export.onnx_recurrent_states import cell_state_use, state_source
from netgraph.export.onnx_uses import uses_besides
from netgraph.layers import NetBidirectionalOperator, SequenceLastLayer
from netgraph.layers.recurrent_torch import packed_layer

__all__ = ["RECURRENT_CONVERTERS", "RECURRENT_OPS"]

#: ONNX gate order -> (our gate, index in ONNX's stack).
_GATES = {"LSTM": (("InputGate", 0), ("ForgetGate", 2), ("MemoryGate", 3), ("OutputGate", 1)),
          "GRU": (("ResetGate", 1), ("UpdateGate", 0), ("MemoryGate", 2)), "RNN": (("", 0),)}
_ACTIVATIONS = {"LSTM": [["sigmoid", "tanh", "tanh"]], "GRU": [["sigmoid", "tanh"]], "RNN": [["tanh"], ["relu"]]}
_LAYERS = {"LSTM": "LongShortTermMemoryLayer", "GRU": "GatedRecurrentLayer", "RNN": "BasicRecurrentLayer"}
_ZERO_PRESERVING = ("Slice", "Squeeze", "Unsqueeze", "Reshape", "Identity", "Expand", "Cast")
_OPTIONAL_INPUTS = {4: "sequence_lens (per-example lengths)", 7: "P (peepholes)"}


def _zero_state(name: str, ctx: Context) -> bool:
    """An absent initial state, an all-zero constant, or ConstantOfShape of zero (what torch emits), maybe
    sliced or reshaped (per layer of a stacked recurrence)."""
    if not name:
        return True
    if name in ctx.constants:
        return not np.any(ctx.constants[name])
    producer = ctx.producers.get(name)
    if producer is not None and producer.op_type in _ZERO_PRESERVING:
        return _zero_state(producer.input[0], ctx)
    if producer is None or producer.op_type != "ConstantOfShape":
        return False
    value = ctx.attributes(producer).get("value")
    return value is None or not np.any(ctx.to_array(value))


def _problems(node: Any, ctx: Context) -> list:
    """Every option of this recurrent node that our layers do not have."""
    a, op = ctx.attributes(node), node.op_type
    found = []
    if (direction := text(a.get("direction", "forward"))) not in ("forward", "bidirectional"):
        found.append(Unsupported(f"direction={direction!r} (only 'forward' and 'bidirectional')",
                                 attribute="direction", expected=("forward", "bidirectional"), found=direction))
    if "clip" in a:
        found.append(Unsupported(f"clip={a['clip']} (cell clipping)", attribute="clip", found=a["clip"],
                                 expected="none"))
    activations = [text(f).lower() for f in a.get("activations", ())]
    directions = 2 if bidirectional(node, ctx) else 1
    if activations and not any(activations == allowed * directions for allowed in _ACTIVATIONS[op]):
        found.append(Unsupported(f"activations={activations} (only {' or '.join(map(str, _ACTIVATIONS[op]))} per "
                                 f"direction)", attribute="activations", expected=_ACTIVATIONS[op], found=activations))
    found += [Unsupported(f"{key} (activation parameters)", attribute=key, found=list(a[key]), expected="none")
              for key in ("activation_alpha", "activation_beta") if key in a]
    if a.get("input_forget", 0):
        found.append(Unsupported("input_forget=1 (coupled input and forget gates)", attribute="input_forget",
                                 expected=0, found=a["input_forget"]))
    if int(a.get("layout", 0)):
        found.append(Unsupported("layout=1 (batch-major tensors; torch exports layout 0 with Transposes)",
                                 attribute="layout", expected=0, found=int(a["layout"])))
    if op == "GRU" and not a.get("linear_before_reset", 0):
        found.append(Unsupported("linear_before_reset=0 (the reset gate applied before the recurrent matrix)",
                                 attribute="linear_before_reset", expected=1, found=0))
    return found + _input_problems(node, ctx) + _layout_problems(node, ctx)


def _input_problems(node: Any, ctx: Context) -> list:
    """Optional inputs our layers lack: per-example lengths, peepholes (unless all zero), an initial state."""
    found = []
    for index, what in _OPTIONAL_INPUTS.items():
        name = node.input[index] if len(node.input) > index else ""
        if name and not (index == 7 and _zero_state(name, ctx)):
            found.append(what)
    return found + _state_problems(node, ctx)


def _state_problems(node: Any, ctx: Context) -> list[Unsupported]:
    """An initial state (initial_h, initial_c) other than zeros: a non-zero constant, or data other than our
    exporter's Unsqueeze of a (batch, n) tensor (as torch's ``rnn(x, h0)`` exports h0: directions first, batch
    second; any state of a bidirectional node); an LSTM's two states are data both or neither."""
    given = {what: name for what, name in zip(("initial_h", "initial_c"), node.input[5:7])
             if not _zero_state(name, ctx)}
    ours = {what for what, name in given.items()
            if state_source(name, ctx) is not None and not bidirectional(node, ctx)}
    found = {what: "a non-zero constant" if name in ctx.constants else
             f"data of shape {ctx.shapes.get(name) or 'unknown'}" for what, name in given.items() if what not in ours}
    problems = [Unsupported(f"{what} is {value}, which does not import: an initial state must be zeros or, for a "
                            f"one-direction recurrence, an Unsqueeze (axis 0) of a (batch, n) tensor, not a "
                            f"(directions, batch, n) tensor such as torch's h0", attribute=what,
                            expected=f"no {what}, zeros, or an Unsqueeze of (batch, n)", found=value)
                for what, value in found.items()]
    if node.op_type == "LSTM" and len(ours) == 1 and not found:
        what = ({"initial_h", "initial_c"} - ours).pop()
        problems.append(Unsupported(f"{what} is zero where the other state is data (our layer takes both states or "
                                    f"neither)", attribute=what, expected=f"{what} given too", found="zeros"))
    return problems


def _layout_problems(node: Any, ctx: Context) -> list[str]:
    """The glue must make the node batch-first (see ``onnx_recurrent_glue``)."""
    found = []
    source = ctx.producers.get(node.input[0])
    if time_major_perm(source, ctx) is None and time_major_output(node.input[0], ctx) is None:
        found.append("a time-major input X (expected a Transpose [1, 0, 2] of a batch-first tensor, as torch "
                     "exports batch_first=True, possibly joined with a transpose keeping the batch first, or the "
                     "output of a recurrence below it)")
    y, y_h, y_c = (*node.output, "", "")[:3]
    for consumer, _ in ctx.consumers.get(y, []):
        if not _glued(consumer, node, ctx):
            glue = ("Transpose [0, 2, 1, 3], Reshape to (time, batch, 2 hidden)" if bidirectional(node, ctx)
                    else "Squeeze (axis 1), or Transpose [0, 2, 1, 3] and Reshape to (time, batch, hidden)")
            why = next((f" ({ctx.refusals[o]})" for o in consumer.output if o in ctx.refusals), "")  # attention's
            found.append(f"a time-major use of output Y by node {_named(consumer)!r} ({consumer.op_type}){why}; "
                         f"expected {glue}, then Transpose [1, 0, 2] or another recurrence")
    for consumer, _ in ctx.consumers.get(y_h, []) if y_h else ():
        if bidirectional(node, ctx):
            found.append(f"a use of the final states Y_h of a bidirectional recurrence by node {_named(consumer)!r}")
        elif not (is_op(consumer, ctx, "Squeeze", axes=[0]) or stacked_state_index(consumer, ctx) is not None
                  or state_stack(consumer, ctx)):
            found.append(f"a use of the final state Y_h by node {_named(consumer)!r} ({consumer.op_type}) other "
                         f"than Squeeze (axis 0), Gather of index 0 on axis 0, or a stack of layers' states")
    found += [f"a time-major use of output {what} as a graph output" for what, name in (("Y", y), ("Y_h", y_h))
              if name in ctx.graph_outputs]
    if y_c and (y_c in ctx.graph_outputs or not all(cell_state_use(c, ctx) for c, _ in ctx.consumers.get(y_c, []))):
        found.append("a use of the final cell state Y_c other than Squeeze (axis 0) or Gather of index 0 on axis 0 "
                     "of a one-direction recurrence")
    return found


def _named(node: Any) -> str:
    """A node's name, else its first output's (nodes need no name)."""
    return node.name or node.output[0]


def _glued(consumer: Any, node: Any, ctx: Context) -> bool:
    if not bidirectional(node, ctx) and is_op(consumer, ctx, "Squeeze", axes=[1]):
        return batch_first_uses(consumer.output[0], ctx)
    merges = ((uses_besides(consumer.output[0], ctx, ("Shape",)) or [])  # a dynamo export reads its size for the
              if is_op(consumer, ctx, "Transpose", DIRECTIONS_PERM) else [])  # Reshape; an output: read time-major
    return bool(merges) and all(time_major_output(m.output[0], ctx) is node and batch_first_uses(m.output[0], ctx)
                                for m, _ in merges)


def _recurrent(node: Any, ctx: Context) -> Converted:
    problems = _problems(node, ctx)
    if problems:
        raise Unsupported.joined(problems, f"not supported by {_LAYERS[node.op_type]}: {'; '.join(map(str, problems))}")
    layers = [_direction(node, ctx, d) for d in range(2 if bidirectional(node, ctx) else 1)]
    if len(layers) == 2:
        return Converted(NetBidirectionalOperator(layers), (node.input[0],))
    states = [name for name in node.input[5:7] if not _zero_state(name, ctx)]  # data: our InitialState ports
    cell = len(node.output) > 2 and bool(node.output[2] and ctx.consumers.get(node.output[2]))  # our CellState
    layer = layers[0].replace(state_input=bool(states), state_output=cell) if states or cell else layers[0]
    return Converted(layer, (node.input[0], *states))


def _direction(node: Any, ctx: Context, d: int) -> Any:
    """The layer computing direction ``d`` (0 forward, 1 reverse) of a recurrent node."""
    op = node.op_type
    w, r = ctx.const(node.input[1], "W")[d], ctx.const(node.input[2], "R")[d]
    gates = len(_GATES[op])
    has_b = len(node.input) > 3 and node.input[3]
    b = ctx.const(node.input[3], "B")[d] if has_b else np.zeros(2 * gates * int(r.shape[-1]))
    stacks = [ctx.real(a) for a in (w, r, *np.split(b, 2))]
    relu = op == "RNN" and [text(f).lower() for f in ctx.attributes(node).get("activations", ["tanh"])][d] == "relu"
    return packed_layer(op, stacks, [k for _, k in _GATES[op]], "Ramp" if relu else "Tanh")


def _squeeze(node: Any, ctx: Context) -> Converted:
    source = recurrent_output(node.input[0], ctx)
    if source is None:
        return reshape_converter(node, ctx)
    recurrent, index = source
    if index == 0 or cell_state_use(node, ctx):  # Y's direction axis: glue (our output is batch-first already);
        return Converted(alias=node.input[0])  # Y_c's: our CellState port (the importer maps Y_c to it)
    return Converted(SequenceLastLayer(), (recurrent.output[0],))  # Y_h: the state after the last step


def _gather(node: Any, ctx: Context) -> Converted:
    if cell_state_use(node, ctx):
        return Converted(alias=node.input[0])
    recurrent = stacked_state_index(node, ctx)
    if recurrent is not None:
        return Converted(SequenceLastLayer(), (recurrent.output[0],))
    return gather(node, ctx)


def _concat(node: Any, ctx: Context) -> Converted:
    layers = state_stack(node, ctx)
    if layers:  # only Gathers of one layer's state use it: they map to that layer directly
        return Converted(alias=layers[0].output[0])
    return SHAPE_CONVERTERS["Concat"](node, ctx)


def _transpose(node: Any, ctx: Context) -> Converted:
    perm = perm_of(node, ctx)
    uses = uses_besides(node.output[0], ctx, ("Shape",))  # None: a graph output, read as it is (no glue)
    feeds_recurrence = uses and all(c.op_type in RECURRENT_OPS and i == 0 for c, i in uses)  # a static export
    # also reads the Shape of X, for the zero initial state: only its size, not its data
    ahead = time_major_perm(node, ctx) if feeds_recurrence else None  # the glue, maybe joined with a transpose
    if ahead is not None:
        return Converted(alias=node.input[0]) if ahead == sorted(ahead) else transposed(node, ahead, ctx)
    if perm == LAYOUT_PERM and time_major_output(node.input[0], ctx) is not None:
        return Converted(alias=node.input[0])
    if perm == DIRECTIONS_PERM and (recurrent_output(node.input[0], ctx) or (None, 1))[1] == 0:
        return Converted(alias=node.input[0])  # a bidirectional Y's glue: the operator catenates already
    ours = batch_first_perm(node, ctx) if time_major_output(node.input[0], ctx) is not None else None
    if ours is not None:  # the glue joined with a transpose of the batch-first sequence (attention's keys)
        return transposed(node, ours, ctx)
    return BASIC_CONVERTERS["Transpose"](node, ctx)


def _reshape(node: Any, ctx: Context) -> Converted:
    if time_major_output(node.output[0], ctx) is not None:
        return Converted(alias=node.input[0])
    return reshape_converter(node, ctx)


def _state_glue(convert: Callable[[Any, Context], Converted]) -> Callable[[Any, Context], Converted]:
    def converter(node: Any, ctx: Context) -> Converted:
        if node.output and node.output[0] in ctx.glued_states:  # a (batch, n) initial state made time-major: our
            # InitialState port takes it (state_glue, as data_states found it)
            return Converted(alias=node.input[0])
        return convert(node, ctx)
    return converter


RECURRENT_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    **{op: _recurrent for op in RECURRENT_OPS}, "Squeeze": _squeeze, "Transpose": _transpose, "Gather": _gather,
    "Concat": _concat, "Reshape": _reshape, "Unsqueeze": _state_glue(reshape_converter),
    "Slice": _state_glue(SHAPE_CONVERTERS["Slice"]),
}
