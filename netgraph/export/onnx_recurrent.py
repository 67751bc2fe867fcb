"""ONNX ``LSTM`` and ``GRU`` nodes -> LongShortTermMemoryLayer / GatedRecurrentLayer, and the layout glue.

ONNX recurrent nodes are time-major: ``X`` (time, batch, features) and ``Y`` (time, directions, batch,
hidden). torch (and so our exporter) wraps a batch-first recurrence in ``Transpose [1, 0, 2]`` before it
and ``Squeeze`` (axis 1) then ``Transpose [1, 0, 2]`` after it; our layers are batch-first, so that glue
is folded away (each glue node becomes an alias), also between stacked recurrences (``num_layers > 1``). The final state ``Y_h``, squeezed over its direction
axis or indexed at direction 0 (torch's ``h_n[0]``), is the last output: a SequenceLastLayer. Weights are split into our Wolfram-named arrays: ONNX
stacks LSTM gates as i, o, f, c and GRU gates as z, r, h; the input and recurrence biases add up,
except a GRU's recurrence bias of the memory gate, which stays inside the reset product
(``MemoryGateStateBiases``, needing ``linear_before_reset=1`` as torch exports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.export.onnx_ops import CONVERTERS as BASIC_CONVERTERS
from netgraph.export.onnx_ops import Context, Converted, Unsupported, reshape_converter
from netgraph.layers import GatedRecurrentLayer, LongShortTermMemoryLayer, SequenceLastLayer

__all__ = ["RECURRENT_CONVERTERS", "RECURRENT_OPS"]

RECURRENT_OPS = ("LSTM", "GRU")
_LAYOUT_PERM = [1, 0, 2]  # (time, batch, features) <-> (batch, time, features)
#: ONNX gate order -> (our gate, index in ONNX's stack).
_GATES = {"LSTM": (("InputGate", 0), ("ForgetGate", 2), ("MemoryGate", 3), ("OutputGate", 1)),
          "GRU": (("ResetGate", 1), ("UpdateGate", 0), ("MemoryGate", 2))}
_ACTIVATIONS = {"LSTM": ["sigmoid", "tanh", "tanh"], "GRU": ["sigmoid", "tanh"]}
_ZERO_PRESERVING = ("Slice", "Squeeze", "Unsqueeze", "Reshape", "Identity", "Expand", "Cast")
_OPTIONAL_INPUTS = {4: "sequence_lens (per-example lengths)", 7: "P (peepholes)"}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _squeeze_axes(node: Any, ctx: Context) -> list[int] | None:
    if len(node.input) > 1 and node.input[1]:
        axes = ctx.constants.get(node.input[1])
        return None if axes is None else [int(a) for a in np.ravel(axes)]
    axes = ctx.attributes(node).get("axes")
    return None if axes is None else [int(a) for a in axes]


def _is(node: Any, ctx: Context, op: str, perm: list[int] | None = None, axes: list[int] | None = None) -> bool:
    if node is None or node.op_type != op:
        return False
    if perm is not None and list(ctx.attributes(node).get("perm", ())) != perm:
        return False
    return axes is None or _squeeze_axes(node, ctx) == axes


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


def _problems(node: Any, ctx: Context) -> list[str]:
    """Every option of this recurrent node that our layers do not have."""
    a, op = ctx.attributes(node), node.op_type
    found = []
    if _text(a.get("direction", "forward")) != "forward":
        found.append(f"direction={_text(a['direction'])!r} (only 'forward'; bidirectional and reverse are not)")
    if "clip" in a:
        found.append(f"clip={a['clip']} (cell clipping)")
    activations = [_text(f).lower() for f in a.get("activations", ())]
    if activations and activations != _ACTIVATIONS[op]:
        found.append(f"activations={activations} (only the default {_ACTIVATIONS[op]})")
    found += [f"{key} (activation parameters)" for key in ("activation_alpha", "activation_beta") if key in a]
    if a.get("input_forget", 0):
        found.append("input_forget=1 (coupled input and forget gates)")
    if int(a.get("layout", 0)):
        found.append("layout=1 (batch-major tensors; torch exports layout 0 with Transposes)")
    if op == "GRU" and not a.get("linear_before_reset", 0):
        found.append("linear_before_reset=0 (the reset gate applied before the recurrent matrix)")
    return found + _input_problems(node, ctx) + _layout_problems(node, ctx)


def _input_problems(node: Any, ctx: Context) -> list[str]:
    """Optional inputs our layers lack: per-example lengths, peepholes (unless all zero), an initial state."""
    found = []
    for index, what in _OPTIONAL_INPUTS.items():
        name = node.input[index] if len(node.input) > index else ""
        if name and not (index == 7 and _zero_state(name, ctx)):
            found.append(what)
    if not all(_zero_state(n, ctx) for n in node.input[5:7]):
        found.append("a non-zero initial state (initial_h / initial_c)")
    return found


def _layout_problems(node: Any, ctx: Context) -> list[str]:
    """The glue must make the node batch-first: Transpose before, Squeeze + Transpose after."""
    found = []
    source = ctx.producers.get(node.input[0])
    if not (_is(source, ctx, "Transpose", _LAYOUT_PERM) or _squeezed_output(source, ctx)):
        found.append("a time-major input X (expected a Transpose [1, 0, 2] of a batch-first tensor, as torch "
                     "exports batch_first=True, or the squeezed output of a recurrence below it)")
    y, y_h, y_c = (*node.output, "", "")[:3]
    for consumer, _ in ctx.consumers.get(y, []):
        after = ctx.consumers.get(consumer.output[0], []) if consumer.op_type == "Squeeze" else []
        if not (_is(consumer, ctx, "Squeeze", axes=[1]) and after
                and all(_is(c, ctx, "Transpose", _LAYOUT_PERM) or (c.op_type in RECURRENT_OPS and i == 0)
                        for c, i in after)):
            found.append(f"a time-major use of output Y by node {consumer.name!r} ({consumer.op_type}); "
                         f"expected Squeeze (axis 1) then Transpose [1, 0, 2] or another recurrence")
    for consumer, _ in ctx.consumers.get(y_h, []) if y_h else ():
        if not (_is(consumer, ctx, "Squeeze", axes=[0]) or _first_direction(consumer, ctx)):
            found.append(f"a use of the final state Y_h by node {consumer.name!r} ({consumer.op_type}) other than "
                         f"Squeeze (axis 0) or Gather of index 0 on axis 0")
    found += [f"a time-major use of output {what} as a graph output" for what, name in (("Y", y), ("Y_h", y_h))
              if name in ctx.graph_outputs]
    if y_c and (ctx.consumers.get(y_c) or y_c in ctx.graph_outputs):
        found.append("a use of the final cell state Y_c")
    return found


def _squeezed_output(node: Any, ctx: Context) -> bool:
    """Y of a recurrence squeezed over its direction axis (what a stacked recurrence reads)."""
    return _is(node, ctx, "Squeeze", axes=[1]) and (_recurrent_output(node.input[0], ctx) or (None, 1))[1] == 0


def _first_direction(node: Any, ctx: Context) -> bool:
    """Gather of the only direction of a final state (torch's ``h_n[0]`` or ``h_n[-1]``)."""
    index = ctx.constants.get(node.input[1]) if node.op_type == "Gather" else None
    return index is not None and index.ndim == 0 and int(index) in (0, -1) and \
        int(ctx.attributes(node).get("axis", 0)) == 0


def _recurrent(node: Any, ctx: Context) -> Converted:
    op = node.op_type
    problems = _problems(node, ctx)
    if problems:
        layer = "LongShortTermMemoryLayer" if op == "LSTM" else "GatedRecurrentLayer"
        raise Unsupported(f"not supported by {layer}: {'; '.join(problems)}")
    w, r = ctx.const(node.input[1], "W")[0], ctx.const(node.input[2], "R")[0]
    size = int(r.shape[-1])
    gates = len(_GATES[op])
    has_b = len(node.input) > 3 and node.input[3]
    b = ctx.const(node.input[3], "B")[0] if has_b else np.zeros(2 * gates * size, np.float32)
    wb, rb = b[:gates * size], b[gates * size:]
    arrays = {}
    for gate, k in _GATES[op]:
        arrays[f"{gate}InputWeights"], arrays[f"{gate}StateWeights"] = _gate(w, k, size), _gate(r, k, size)
        keep_apart = op == "GRU" and gate == "MemoryGate"
        arrays[f"{gate}Biases"] = _gate(wb, k, size) + (0 if keep_apart else _gate(rb, k, size))
    if op == "LSTM":
        return Converted(LongShortTermMemoryLayer(size).with_arrays(arrays), (node.input[0],))
    state_biases = _gate(rb, _GATES[op][2][1], size)
    layer = GatedRecurrentLayer(size, memory_gate_state_biases=state_biases if np.any(state_biases) else None)
    return Converted(layer.with_arrays(arrays), (node.input[0],))


def _gate(stacked: np.ndarray, k: int, size: int) -> np.ndarray:
    """Gate ``k``'s rows of an ONNX stack of gates."""
    return np.ascontiguousarray(stacked[k * size:(k + 1) * size], dtype=np.float32)


def _recurrent_output(name: str, ctx: Context) -> tuple[Any, int] | None:
    """The recurrent node and output index that produce tensor ``name``, if one does."""
    producer = ctx.producers.get(name)
    if producer is None or producer.op_type not in RECURRENT_OPS:
        return None
    return producer, list(producer.output).index(name)


def _squeeze(node: Any, ctx: Context) -> Converted:
    source = _recurrent_output(node.input[0], ctx)
    if source is None:
        return reshape_converter(node, ctx)
    recurrent, index = source
    if index == 0:
        return Converted(alias=node.input[0])  # Y's direction axis: glue (our output is batch-first already)
    return Converted(SequenceLastLayer(), (recurrent.output[0],))  # Y_h: the state after the last step


def _gather(node: Any, ctx: Context) -> Converted:
    source = _recurrent_output(node.input[0], ctx)
    if source is not None and source[1] == 1 and _first_direction(node, ctx):
        return Converted(SequenceLastLayer(), (source[0].output[0],))
    return BASIC_CONVERTERS["Gather"](node, ctx)


def _transpose(node: Any, ctx: Context) -> Converted:
    if list(ctx.attributes(node).get("perm", ())) == _LAYOUT_PERM:
        uses = ctx.consumers.get(node.output[0], [])
        feeds_recurrence = uses and all(c.op_type in RECURRENT_OPS and i == 0 for c, i in uses)
        if feeds_recurrence or _squeezed_output(ctx.producers.get(node.input[0]), ctx):
            return Converted(alias=node.input[0])
    return BASIC_CONVERTERS["Transpose"](node, ctx)


RECURRENT_CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "LSTM": _recurrent, "GRU": _recurrent, "Squeeze": _squeeze, "Transpose": _transpose,
    "Gather": _gather,
}
