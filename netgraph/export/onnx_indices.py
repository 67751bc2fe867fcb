"""torch's export of a sequence's positions -> SequenceIndicesLayer; a learned table's first n rows -> its rows at
those positions.

``torch.arange(x.shape[1]).expand(x.shape[0], -1)`` (and ``.clamp(max=n - 1)``), as SequenceIndicesLayer compiles,
exports as ``Range(0, Cast(Gather(Shape(x), 1)), 1)`` -> ``Expand`` to (batch, 1) (-> ``Clip`` at n - 1). A dynamic
length makes the Range's limit a size computed from a dynamic dim, which a node of its own cannot import; the whole
chain, matched before the nodes are converted one by one, is one layer fed by x (``indices_patterns``).

``self.pos[:, :x.shape[1]]`` of a constant table ``pos`` of shape (1, T, d) (a learned positional embedding, as
transformers write it; or ``self.pe[:x.shape[1]]`` of a (T, d) one, added to a (batch, n, d) tensor) exports as
``Slice(pos, 0, ends, axes=1)`` (``axes=0``), ``ends`` computed from x's dynamic length
(``Shape`` -> ``Gather`` -> ``Unsqueeze``, or one ``Shape(start=1, end=2)``): a NetGraph of SequenceIndicesLayer fed by
x and an EmbeddingLayer of the table's rows, one (n, d) per example (``table_patterns``); so does a Gather of a
(T, d) table's rows at ``Range(0, n, 1)``, GPT's ``self.pos(torch.arange(x.shape[1]))`` (``indices_patterns``). A length past T is an error
in onnxruntime, and in the imported net an index past the table's rows. The rows are learned, but a table the dynamo
exporter marks a buffer (or folded from no parameter: a fixed sinusoidal table) stays fixed in training
(``fixed_tables``); the TorchScript exporter does not tell a buffer from a parameter, and its tables stay learned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import math
from typing import Any

import numpy as np

from netgraph.core.errors import SpecError
from netgraph.export.onnx_chains import NOT_THE_PATTERN, chain_patterns
from netgraph.export.onnx_fold import constant_limit, constant_of_node
from netgraph.core.graph import NetGraph
from netgraph.export.onnx_ops import THREADING_OPS, Context, Converted
from netgraph.export.onnx_problems import node_path
from netgraph.export.onnx_uses import sole_use, sole_use_as_input_0
from netgraph.layers import EmbeddingLayer, SequenceIndicesLayer

__all__ = ["fixed_tables", "hint_range_lengths", "indices_patterns", "range_lengths", "table_patterns"]

_INT64 = 7  # onnx.TensorProto.INT64


def indices_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last node of each matched chain (by ``id``) -> its SequenceIndicesLayer fed by x, and the ids of the
    nodes it takes the place of; a chain that does not match is left to the nodes' own conversions (which refuse
    the Range)."""
    return chain_patterns(nodes, ctx, "Range", _positions, NOT_THE_PATTERN)


def _positions(rng: Any, ctx: Context) -> tuple[list, SequenceIndicesLayer, str] | None:
    """The chain's nodes (the last one gives the positions), the layer and x; None where it does not match."""
    if not (_constant(rng.input[0], ctx) == 0 and _constant(rng.input[2], ctx) == 1):
        return None
    limit = _length_of(rng.input[1], ctx)
    if limit is None:
        return None
    sizes, x = limit
    use = sole_use(rng.output[0], ctx)
    if use is not None and use[0].op_type == "Gather" and use[1] == 1:
        return _rows_at_positions(use[0], [*sizes, rng], x, ctx)
    expand = sole_use_as_input_0(rng.output[0], ctx, "Expand")
    target = None if expand is None else ctx.symbols.get(expand.input[1])
    shape = ctx.shapes.get(x)
    if target is None or shape is None or len(target) != 2 or target[0] != shape[0] or target[1] not in (1, shape[1]):
        return None
    taken, n = [*sizes, rng, expand], None
    clip = sole_use_as_input_0(expand.output[0], ctx, "Clip")
    if clip is not None and len(clip.input) == 3 and not clip.input[1] and _constant(clip.input[2], ctx) is not None:
        taken, n = [*taken, clip], int(_constant(clip.input[2], ctx)) + 1
        if n < 1:
            return None
    return taken, SequenceIndicesLayer(n), x


def table_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Each ``Slice`` of a constant (1, T, d) or (T, d) table's first rows up to a sequence's length (by ``id``) -> the table's
    rows at the positions of that sequence, and the ids of the nodes computing the length (see the module's text)."""
    return chain_patterns(nodes, ctx, "Slice", _first_rows, NOT_THE_PATTERN)


def _first_rows(node: Any, ctx: Context) -> tuple[list, NetGraph, str] | None:
    """(the nodes computing the Slice's end, then the Slice; the layer; x) where ``node`` takes the first rows of a
    constant (1, T, d) table along axis 1, or of a (T, d) one along axis 0 that only broadcasts against (batch, n, d)
    tensors, up to x's length; None where it does not match."""
    table = ctx.constants.get(node.input[0])
    axis = _constant(node.input[3], ctx) if len(node.input) > 3 and node.input[3] else 0
    if table is None or not ((table.ndim == 3 and table.shape[0] == 1 and axis == 1)
                             or (table.ndim == 2 and axis == 0 and _broadcast_only(node.output[0], ctx))):
        return None
    if (len(node.input) < 3 or node.input[2] in ctx.constants or _constant(node.input[1], ctx) != 0
            or (len(node.input) > 4 and node.input[4] and _constant(node.input[4], ctx) != 1)):
        return None
    found = _shape_chain(node.input[2], ctx)
    if found is None:
        return None
    nodes, x = found
    shape = ctx.shapes.get(x)
    if shape is None or len(shape) < 2 or ctx.symbols.get(node.input[2]) != (shape[1],):
        return None
    rows = ctx.real(table[0] if table.ndim == 3 else table)
    ctx.shapes[node.output[0]] = (*table.shape[:-2], shape[1], rows.shape[1])  # the dynamo exporter writes Min(T, n)
    return [*nodes, node], _rows_layer(rows), x


def _rows_at_positions(gather: Any, taken: list, x: str, ctx: Context) -> tuple[list, NetGraph, str] | None:
    """(``taken`` and the Gather; the layer; x) where ``gather`` takes the rows of a constant (T, d) table at
    ``Range(0, n)``, x's positions (``self.pos(torch.arange(n))``, GPT's), and only broadcasts against (batch, n, d)
    tensors; None otherwise."""
    table, shape = ctx.constants.get(gather.input[0]), ctx.shapes.get(x)
    if (table is None or table.ndim != 2 or int(ctx.attributes(gather).get("axis", 0)) != 0 or shape is None
            or len(shape) < 2 or not _broadcast_only(gather.output[0], ctx)):
        return None
    rows = ctx.real(table)
    ctx.shapes[gather.output[0]] = (shape[1], rows.shape[1])
    return [*taken, gather], _rows_layer(rows), x


def _rows_layer(rows: np.ndarray) -> NetGraph:
    """A table's rows at the positions of a sequence, one (n, d) per example."""
    return NetGraph({"positions": SequenceIndicesLayer(),
                     "rows": EmbeddingLayer(int(rows.shape[1]), int(rows.shape[0]), weights=rows)},
                    [("positions", "rows")])


def fixed_tables(producers: Iterable[tuple[str, Any]], layers: Mapping[str, Any], ctx: Context) -> dict[tuple, int]:
    """Learning-rate multipliers of 0 for the rows of each imported table (layer name, Slice node) in ``layers``
    that the dynamo exporter marks a buffer or made itself (``ctx.exporter_made``): fixed, as in the module."""
    return {(name, "rows"): 0 for name, node in producers
            if node.op_type in ("Slice", "Gather") and node.input[0] in ctx.exporter_made
            and isinstance(layers.get(name), NetGraph) and "rows" in layers[name].layers}


def _broadcast_only(tensor: str, ctx: Context) -> bool:
    """Whether ``tensor`` (n, d) goes only to element-wise ops with a (batch, n, d) tensor, where one (n, d) per
    example computes the same."""
    uses = ctx.consumers.get(tensor, ())
    return bool(uses) and tensor not in ctx.graph_outputs and all(
        c.op_type in THREADING_OPS and len(c.input) == 2 and ctx.rank(c.input[1 - i]) == 3
        and c.input[1 - i] not in ctx.constants for c, i in uses)


def _shape_chain(tensor: str, ctx: Context) -> tuple[list, str] | None:
    """The nodes computing ``tensor`` from one Shape node (each with one computed input, the rest constants) and
    the Shape's input; None where another node computes it."""
    nodes = []
    while (node := ctx.producers.get(tensor)) is not None and node.op_type != "Shape":
        computed = [name for name in node.input if name and name not in ctx.constants]
        if len(computed) != 1 or node.op_type not in ("Gather", "Unsqueeze", "Squeeze", "Cast", "Reshape",
                                                      "Identity", "Concat", "Slice"):
            return None
        nodes.append(node)
        tensor = computed[0]
    return None if node is None else ([node, *reversed(nodes)], node.input[0])


def _length_of(limit: str, ctx: Context) -> tuple[list, str] | None:
    """The nodes computing ``limit`` as the length of x (dim 1 of its shape: Shape, Gather [, Cast]; the dynamo
    exporter's Shape(start=1, end=2), Squeeze), used by the Range alone, and x; None otherwise."""
    taken, tensor = [], limit
    cast = ctx.producers.get(tensor)
    if cast is not None and cast.op_type == "Cast":
        if ctx.attributes(cast).get("to") != _INT64 or _uses(tensor, ctx) != 1:
            return None
        taken.append(cast)
        tensor = cast.input[0]
    gather = ctx.producers.get(tensor)
    if gather is not None and gather.op_type == "Squeeze" and _uses(tensor, ctx) == 1:  # the dynamo exporter's
        shape = ctx.producers.get(gather.input[0])
        if (shape is not None and shape.op_type == "Shape" and _uses(gather.input[0], ctx) == 1
                and (ctx.attributes(shape).get("start"), ctx.attributes(shape).get("end")) == (1, 2)):
            return [shape, gather, *taken], shape.input[0]
        return None
    if gather is None or gather.op_type != "Gather" or _constant(gather.input[1], ctx) != 1 or _uses(tensor, ctx) != 1:
        return None
    shape = ctx.producers.get(gather.input[0])
    if (shape is None or shape.op_type != "Shape" or set(ctx.attributes(shape)) - {"start"}
            or ctx.attributes(shape).get("start", 0) != 0 or _uses(gather.input[0], ctx) != 1):
        return None
    return [shape, gather, *taken], shape.input[0]


def hint_range_lengths(onnx: Any, graph: Any, where: str) -> None:
    """Tell onnx's shape inference the length of each Range(0, n, 1) of a named dim n (``range_lengths``); a Range
    of constant bounds longer than the ``port_elements`` limit is a SpecError naming it (``where``: the file), as
    onnx's data propagation would compute it whole (a 200-byte file, ``Range(0, 2**40, 1)``, took all memory)."""
    initializers = {t.name: t for t in graph.initializer}
    constant_nodes = {node.output[0]: node for node in graph.node if node.op_type == "Constant" and node.output}

    def value(name: str) -> np.ndarray | None:  # read only where asked: the Range's bounds, the Gather's index
        try:
            if name in initializers:
                return onnx.numpy_helper.to_array(initializers[name])
            return constant_of_node(onnx, constant_nodes[name]) if name in constant_nodes else None
        except Exception:  # noqa: BLE001 - unreadable: the import names it when it reads it
            return None

    _check_range_sizes(graph, value, where)
    known = {v.name for v in graph.value_info}
    for name, (dim, dtype) in range_lengths(graph, value).items():
        if name not in known:
            element = onnx.helper.np_dtype_to_tensor_dtype(dtype)
            graph.value_info.append(onnx.helper.make_tensor_value_info(name, element, [dim]))


def _check_range_sizes(graph: Any, value: Callable[[str], np.ndarray | None], where: str) -> None:
    """SpecError ("constant-too-large") for the first Range of constant bounds past the ``port_elements`` limit
    (an integer one: the ``range_elements`` limit)."""
    for index, node in enumerate(graph.node):
        bounds = [value(name) for name in node.input[:3]] if node.op_type == "Range" else []
        if len(bounds) != 3 or any(b is None or np.size(b) != 1 for b in bounds):
            continue
        start, end, delta = (float(np.ravel(b)[0]) for b in bounds)
        count = math.ceil((end - start) / delta) if delta and math.isfinite((end - start) / delta) else math.inf
        limit, words, hint = constant_limit(np.asarray(bounds[0]).dtype.kind in "iu")
        if delta and count > limit:
            raise SpecError(f"{where}: node {node.name or node.op_type!r} (Range) computes a constant of {count:,} "
                            f"elements at import, more than {words}", kind="constant-too-large",
                            layer=node_path(node, index), file=where, found=count, expected=limit, hint=hint)


def range_lengths(graph: Any, value: Callable[[str], np.ndarray | None]) -> dict[str, tuple[str, np.dtype]]:
    """Each ``Range(0, n, 1)`` output whose limit n is a graph input's named dim (``Shape``, ``Gather`` [, ``Cast``];
    the dynamo exporter's ``Shape(start=k, end=k+1)``, ``Squeeze``) -> that dim's name and its type: its length, which onnx's shape
    inference cannot tell (nor that of every tensor after it: GPT's positions added to the tokens' embeddings), given
    to it before it runs. ``value``: a constant's value by name (None: not a constant)."""
    producers = {o: node for node in graph.node for o in node.output}
    dims = {v.name: [d.dim_param or None for d in v.type.tensor_type.shape.dim] for v in graph.input}
    found = {}
    for node in graph.node:
        if node.op_type != "Range" or len(node.input) != 3:
            continue
        start, delta = value(node.input[0]), value(node.input[2])
        if start is None or delta is None or np.size(start) != 1 or np.size(delta) != 1 or start != 0 or delta != 1:
            continue
        limit = producers.get(node.input[1])
        limit = producers.get(limit.input[0]) if limit is not None and limit.op_type == "Cast" else limit
        if limit is None or limit.op_type not in ("Gather", "Squeeze"):
            continue
        shape = producers.get(limit.input[0])
        if shape is None or shape.op_type != "Shape" or shape.input[0] not in dims:
            continue
        bounds = {a.name: a.i for a in shape.attribute}
        index = value(limit.input[1]) if limit.op_type == "Gather" and len(limit.input) > 1 else None
        k = int(index) if index is not None and np.size(index) == 1 else bounds.get("start", 0)
        if limit.op_type == "Gather" and (index is None or bounds.get("start", 0)):
            continue
        if limit.op_type == "Squeeze" and bounds.get("end") != k + 1:
            continue
        sizes = dims[shape.input[0]]
        if 0 <= k < len(sizes) and sizes[k]:
            found[node.output[0]] = sizes[k], np.asarray(start).dtype
    return found


def _constant(name: str, ctx: Context) -> Any:
    """A scalar constant's value, else None."""
    value = ctx.constants.get(name)
    return None if value is None or np.size(value) != 1 else np.ravel(value)[0]


def _uses(tensor: str, ctx: Context) -> int:
    return len(ctx.consumers.get(tensor, ())) + (tensor in ctx.graph_outputs)
