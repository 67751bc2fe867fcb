"""Initial and final states of a one-direction ONNX recurrence given or read as data, as ``export_onnx`` writes a
recurrent layer's ``state_input`` and ``state_output`` ports: ``initial_h`` (and an LSTM's ``initial_c``) is an
``Unsqueeze`` (axis 0) of a batch-first (batch, n) tensor, our ``InitialState`` (``InitialCellState``); the final
cell state ``Y_c`` is read by a ``Squeeze`` (axis 0) or a ``Gather`` of index 0 (axis 0), our ``CellState`` (the final
state ``Y_h`` is the output's last step, ``onnx_recurrent``). torch's ``rnn(x, h0)`` of an h0 given as a graph input
of shape (directions, batch, n) stays refused: its batch comes second."""

from __future__ import annotations

from typing import Any

from netgraph.core.ports import NetPort
from netgraph.export.onnx_ops import Context, squeeze_axes
from netgraph.export.onnx_recurrent_glue import RECURRENT_OPS, bidirectional

__all__ = ["STATE_SLOTS", "cell_state_use", "data_states", "muted_states", "state_glue", "state_source"]

STATE_SLOTS = {5: "initial_h", 6: "initial_c"}  # the recurrent node's inputs


def state_source(name: str, ctx: Context) -> str | None:
    """The batch-first (batch, n) tensor that initial state ``name`` unsqueezes (axis 0), else None."""
    node = ctx.producers.get(name)
    return None if node is None else _read(node, ctx)


def _read(node: Any, ctx: Context) -> str | None:
    """The (batch, n) tensor that ``node`` makes an initial state of: an Unsqueeze (axis 0) of it, or a Slice [0:1]
    along axis 0 of such an Unsqueeze (the dynamo exporter's state of layer 0); else None."""
    if node.op_type == "Unsqueeze":
        return node.input[0] if squeeze_axes(node, ctx, 2) == [0] and ctx.rank(node.input[0]) == 2 else None
    if node.op_type != "Slice" or len(node.input) < 4:
        return None
    values = [ctx.constants.get(name) for name in node.input[1:5] if name]
    if any(v is None or v.size != 1 for v in values):
        return None
    start, end, axis, *step = (int(v.ravel()[0]) for v in values)
    source = ctx.producers.get(node.input[0])
    return _read(source, ctx) if source is not None and (start, axis, step) in ((0, 0, []), (0, 0, [1])) \
        and end >= 1 else None


def state_glue(node: Any, ctx: Context) -> bool:
    """Whether ``node`` is such an Unsqueeze or Slice, used only as the initial states of one-direction recurrences
    (or by such Slices)."""
    uses = ctx.consumers.get(node.output[0], []) if node.output else []
    return bool(uses) and _read(node, ctx) is not None and node.output[0] not in ctx.graph_outputs and all(
        (c.op_type in RECURRENT_OPS and i in STATE_SLOTS and not bidirectional(c, ctx))
        or (i == 0 and state_glue(c, ctx)) for c, i in uses)


def cell_state_use(node: Any, ctx: Context) -> bool:
    """Whether ``node`` reads a one-direction LSTM's final cell state ``Y_c`` as (batch, n): a Squeeze (axis 0) or a
    Gather of index 0 on axis 0."""
    producer = ctx.producers.get(node.input[0]) if node.input else None
    if producer is None or producer.op_type != "LSTM" or bidirectional(producer, ctx) or list(
            producer.output).index(node.input[0]) != 2:
        return False
    if node.op_type == "Squeeze":
        return squeeze_axes(node, ctx) == [0]
    index = ctx.constants.get(node.input[1]) if node.op_type == "Gather" and len(node.input) > 1 else None
    return index is not None and index.ndim == 0 and int(index) in (0, -1) and int(
        ctx.attributes(node).get("axis", 0)) == 0


def data_states(nodes: Any, ctx: Context) -> set[str]:
    """The outputs of such Unsqueezes: data, though a recurrence's initial states are mostly read for their shape
    (``SHAPE_INPUTS``: torch's zero state, built from the input's Shape)."""
    return {node.output[0] for node in nodes if node.op_type in ("Unsqueeze", "Slice") and state_glue(node, ctx)}


def muted_states(layers: dict[str, Any], edges: list[tuple]) -> list[tuple]:
    """Edges muting the ports of imported recurrences that nothing reads (an LSTM's ``State`` beside the
    ``CellState`` read: its final state is the output's last step; its ``Output`` where only ``c_n`` is read), which
    a NetGraph would make graph outputs."""
    read = {(source.layer, source.port) for source, _ in edges}
    return [(NetPort(name, port), None) for name, layer in layers.items() if "CellState" in layer.output_ports
            for port in ("Output", "State", "CellState") if (name, port) not in read]
