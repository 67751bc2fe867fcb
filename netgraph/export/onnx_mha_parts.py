"""Pieces of the match of ``nn.MultiheadAttention``'s export (``onnx_mha``): where it stops (``Miss``), the checks
of its Reshape targets and perms, its constants (in_proj bias, scale, out_proj, causal masks) and the NetGraph it
becomes."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.deps import require
from netgraph.export.onnx_attention import masked_out
from netgraph.export.onnx_ops import SHAPE_INPUTS, Context, perm_of, squeeze_axes
from netgraph.layers import AttentionLayer, LinearLayer, NetMapOperator

__all__ = ["Miss", "attention_graph", "batch_heads", "bias_vector", "causal_constant", "expect", "mask_inputs",
           "out_projection", "perm_of", "scale_of", "subsequent_mask", "target_dims"]


class Miss(Exception):
    """Where the pattern stops matching (the message says what was expected and found); ``nodes``: those computing
    a mask given as data, used by nothing else, whose own refusals this one stands for."""

    def __init__(self, message: str, nodes: list | None = None):
        super().__init__(message)
        self.nodes = nodes or []


def mask_inputs(mask: str, add: Any, ctx: Context) -> tuple[list[str], list]:
    """The graph inputs that ``mask`` (added to the scores by ``add``) is computed from, and the nodes computing it
    that nothing else uses."""
    nodes, inputs, stack, seen = [], [], [mask], set()
    while stack:
        tensor = stack.pop()
        node = ctx.producers.get(tensor)
        if tensor in seen or tensor in ctx.constants or not tensor:
            continue
        seen.add(tensor)
        if node is None:
            inputs.append(tensor)
        elif node.op_type != "Shape":  # a Shape reads sizes only, as the targets of Reshapes (not followed) do
            nodes.append(node)
            stack.extend(t for i, t in enumerate(node.input) if i not in SHAPE_INPUTS.get(node.op_type, ()))
    own, changed = {id(add)}, True
    while changed:  # a node is the mask's own when its outputs go only to the mask's own nodes
        changed = False
        for node in nodes:
            if id(node) not in own and all(id(c) in own and o not in ctx.graph_outputs
                                           for o in node.output for c, _ in ctx.consumers.get(o, ())):
                own.add(id(node))
                changed = True
    return sorted(inputs), [n for n in nodes if id(n) in own]


def expect(value: Any, test: Any, node: Any, what: Any) -> None:
    if value is None or not test(value):
        raise Miss(f"{node.op_type} {node.name!r} has {value}, expected {what}")


def batch_heads(dim: Any, batch: Any, heads: int) -> bool:
    """Whether ``dim`` (None: not known at import) can be batch times heads."""
    return dim is None or dim == (batch if heads == 1 else batch * heads if isinstance(batch, int) else None)


def target_dims(tensor: str, ctx: Context) -> tuple | None:
    """A Reshape target: ints and dim names, None for a part not known at import (a Concat of such parts)."""
    if tensor in ctx.constants:
        return tuple(int(v) for v in np.ravel(ctx.constants[tensor]))
    if tensor in ctx.symbols:
        return ctx.symbols[tensor]
    node = ctx.producers.get(tensor)
    if node is None or node.op_type != "Concat":
        return None
    parts = [target_dims(name, ctx) or ((None,) if ctx.shapes.get(name) == (1,) else None) for name in node.input]
    return None if None in parts else tuple(d for part in parts for d in part)


def bias_vector(ctx: Context, add: Any, size: int) -> np.ndarray:
    bias = next((ctx.constants[t] for t in add.input if t in ctx.constants), None)
    if bias is None or bias.size != size:
        raise Miss(f"Add {add.name!r} does not add a constant in_proj bias of {size} values")
    return ctx.real(np.reshape(bias, (-1,)))


def scale_of(ctx: Context, mul: Any, tensor: str, known: dict[str, tuple], taken: list) -> float:
    """The constant that ``mul`` scales ``tensor`` by: folded at import, or computed from sizes (torch's
    ``sqrt(1 / sqrt(q.size(-1)))`` of a size onnx could not infer: its nodes go to ``taken``), then alike for
    any value of named dims."""
    other = mul.input[1] if mul.input[0] == tensor else mul.input[0]
    runs = [computed(other, ctx, known, run, 0, taken if run else []) for run in (0, 1)]
    if any(r is None or r.size != 1 for r in runs) or not np.allclose(*runs):
        raise Miss(f"Mul {mul.name!r} does not scale by a constant")
    return float(np.ravel(runs[0])[0])


def computed(tensor: str, ctx: Context, known: dict[str, tuple], run: int, depth: int,
              nodes: list) -> np.ndarray | None:
    """``tensor``'s value from constants and the shapes of ``known`` tensors alone (named dims given
    placeholder sizes that differ per ``run``), by onnx's reference evaluator; None if it needs data."""
    node = ctx.producers.get(tensor)
    if tensor in ctx.constants or node is None or depth > 12:
        return ctx.constants.get(tensor)
    nodes.append(node)
    if node.op_type == "Shape":
        shape = known.get(node.input[0], ctx.shapes.get(node.input[0]))
        if shape is None:
            return None
        names = sorted({str(d) for d in shape if not isinstance(d, int)})
        a = ctx.attributes(node)
        dims = [d if isinstance(d, int) else (2, 7)[run] + (3, 5)[run] * names.index(str(d)) for d in shape]
        return np.array(dims[a.get("start", 0):a.get("end", None)], np.int64)
    inputs = {name: computed(name, ctx, known, run, depth + 1, nodes) for name in node.input if name}
    if any(v is None for v in inputs.values()):
        return None
    try:
        return np.array(require("onnx.reference").ReferenceEvaluator(node).run(None, inputs)[0])
    except Exception:  # noqa: BLE001 - the reference evaluator's errors share no base: not computable here
        return None


def out_projection(gemm: Any, ctx: Context, size: int) -> tuple[np.ndarray, np.ndarray]:
    a = ctx.attributes(gemm) if gemm.op_type == "Gemm" else {"transB": 0}
    w = ctx.constants.get(gemm.input[1])
    b = ctx.constants.get(gemm.input[2]) if len(gemm.input) > 2 and gemm.input[2] else np.zeros(size)
    if a.get("transA", 0) or w is None or w.shape != (size, size) or b is None or b.size not in (1, size):
        raise Miss(f"{gemm.op_type} {gemm.name!r} is not out_proj (a constant ({size}, {size}) matrix and bias, "
                    f"no transA)")
    w = (w if a.get("transB", 0) else w.T) * a.get("alpha", 1.0)
    b = np.broadcast_to(np.ravel(b) * a.get("beta", 1.0), (size,))
    return ctx.real(w), ctx.real(b)


def causal_constant(tensor: str, ctx: Context) -> list | None:
    """[] when ``tensor`` is a constant causal mask (0 on and below the diagonal, -inf or float's lowest value
    above), as a static export folds it; else None."""
    mask = ctx.constants.get(tensor)
    if mask is None or mask.ndim < 2 or mask.shape[-1] != mask.shape[-2] or any(d != 1 for d in mask.shape[:-2]):
        return None
    square = mask.reshape(mask.shape[-2:])
    above = np.triu(np.ones(square.shape, bool), 1)
    return [] if (not above.any() or masked_out(square[above])) and np.all(square[~above] == 0) else None


def subsequent_mask(tensor: str, ctx: Context) -> list | None:
    """The nodes of ``Unsqueeze(Trilu(ConstantOfShape(-inf, (n, n)), 1, upper=1))``, as torch exports
    ``generate_square_subsequent_mask(x.shape[1])`` (the Unsqueezes add leading dims)."""
    nodes, node = [], ctx.producers.get(tensor)
    while node is not None and node.op_type == "Unsqueeze" and squeeze_axes(node, ctx) == [0]:
        nodes.append(node)
        node = ctx.producers.get(node.input[0])
    if node is None or node.op_type != "Trilu" or int(ctx.attributes(node).get("upper", 1)) != 1:
        return None
    if (len(node.input) < 2 or node.input[1] not in ctx.constants
            or int(np.ravel(ctx.constants[node.input[1]])[0]) != 1):
        return None
    full = ctx.producers.get(node.input[0])
    if full is None or full.op_type != "ConstantOfShape":
        return None
    value = ctx.attributes(full).get("value")
    if value is None or not np.all(np.isneginf(ctx.to_array(value))):
        return None
    dims = target_dims(full.input[0], ctx)
    if dims is None or len(dims) != 2 or dims[0] != dims[1]:
        return None
    return [*nodes, node, full]


def attention_graph(w_in: np.ndarray, b_in: np.ndarray, heads: int, w_out: np.ndarray, b_out: np.ndarray,
           causal: bool) -> NetGraph:
    """Input (n, E) -> query, key, value (n, h, d) -> AttentionLayer -> out_proj -> Output (n, E)."""
    size = w_out.shape[0]
    layers: dict[str, Any] = {}
    edges: list[tuple] = []
    for i, name in enumerate(("query", "key", "value")):
        part = slice(i * size, (i + 1) * size)
        linear = LinearLayer((heads, size // heads), weights=w_in[part],
                             biases=b_in[part])
        layers[name] = NetMapOperator(linear)
        edges += [(NetPort("Input"), NetPort(name, "Input")),
                  (NetPort(name, "Output"), NetPort("attention", name.title()))]
    layers["attention"] = AttentionLayer("Dot", multi_head=True, mask="Causal" if causal else "None")
    layers["projection"] = NetMapOperator(LinearLayer(size, weights=w_out, biases=b_out))
    edges += [(NetPort("attention", "Output"), NetPort("projection", "Input")),
              (NetPort("projection", "Output"), NetPort("Output"))]
    return NetGraph(layers, edges)
