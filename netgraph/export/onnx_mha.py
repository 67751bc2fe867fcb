"""``nn.MultiheadAttention(E, h, batch_first=True)`` self-attention as torch exports it -> a small NetGraph.

torch's TorchScript exporter writes ``attn(x, x, x, need_weights=False)`` in a (length, batch, ...) layout, batch
and heads merged in between: ``Transpose [1, 0, 2]`` -> ``MatMul`` (in_proj) + ``Add`` -> ``Reshape`` (n, b, 3, E)
-> ``Unsqueeze 0``, ``Transpose [3, 1, 2, 0, 4]``, ``Squeeze 3`` -> ``Gather`` 0, 1, 2 (q, k, v), each ``Reshape``
(n, b h, d) -> ``Transpose [1, 0, 2]`` -> ``Reshape`` (b, h, n, d); q and kᵀ (``Transpose [0, 1, 3, 2]``) each times
d^(-1/4) -> ``MatMul`` (+ a causal mask) -> ``Softmax`` -> ``MatMul`` v -> ``Transpose [2, 0, 1, 3]`` -> ``Reshape``
(n b, E) -> ``Gemm`` (out_proj) -> ``Reshape`` (n, b, E) -> ``Transpose [1, 0, 2]``. No node of it maps to a layer,
so the whole is matched before conversion and becomes, in place of the last Transpose: ``NetMapOperator`` of
``LinearLayer((h, d))`` for each of query, key and value (in_proj's thirds) -> ``AttentionLayer("Dot",
multi_head=True)`` (``mask="Causal"`` for torch's causal masks: ``is_causal=True``, or
``generate_square_subsequent_mask``) -> ``NetMapOperator`` of ``LinearLayer(E)``. torch writes the exported length
into k's and v's Reshapes, so the model itself runs only at that length; the imported net, as the module, at any.
torch's dynamo exporter writes the same but kᵀ as ``Reshape`` (b h, n, d) -> ``Transpose [0, 2, 1]`` -> ``Reshape``
(b, h, d, n), and, at a static length, the batch (and b h) as -1 in the Reshape targets.
Where the match stops after the in_proj MatMul (``need_weights=True``, cross-attention, another mask), the reason
is left for the first Transpose's refusal (``Context.refusals``); a mask computed from a graph input (a
``key_padding_mask``) is named there, and the nodes computing it are refused with the attention, not each apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.deps import require
from netgraph.export.onnx_attention import causal_mask, causal_attention, masked_out
from netgraph.export.onnx_ops import SHAPE_INPUTS, Context, Converted, squeeze_axes
from netgraph.layers import AttentionLayer, LinearLayer, NetMapOperator

__all__ = ["attention_patterns", "multihead_attention"]

_NEED_WEIGHTS = ("its scores are computed with batch and heads merged ((b h, n, n), a Transpose [1, 0, 2] of q "
                 "scaled directly), as torch exports need_weights=True (the default): call the module with "
                 "need_weights=False")


class _Miss(Exception):
    """Where the pattern stops matching (the message says what was expected and found); ``nodes``: those computing
    a mask given as data, used by nothing else, whose own refusals this one stands for."""

    def __init__(self, message: str, nodes: list | None = None):
        super().__init__(message)
        self.nodes = nodes or []


def attention_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Both attention patterns: ``multihead_attention`` first (its score MatMuls are not another's), then
    ``causal_attention`` (onnx_attention) among the nodes left."""
    found, claimed = multihead_attention(nodes, ctx)
    more, taken = causal_attention([n for n in nodes if id(n) not in claimed], ctx)
    return {**found, **more}, claimed | taken


def multihead_attention(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last Transpose of each matched attention (by ``id``) -> its layer fed by the first Transpose's input,
    and the ids of the nodes it takes the place of."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for node in nodes:
        if node.op_type != "Transpose" or _perm(node, ctx) != [1, 0, 2] or ctx.rank(node.input[0]) != 3:
            continue
        walk = _Walk(ctx, node)
        try:
            end, layer = walk.match()
        except (ValueError, TypeError, KeyError, IndexError):  # a malformed node: its own conversion says why
            continue
        except _Miss as miss:
            if walk.started:
                ctx.refusals[node.output[0]] = (f"it starts nn.MultiheadAttention's export, which imports as "
                                                f"self-attention (batch_first=True, need_weights=False), but {miss}")
                claimed.update(id(n) for n in miss.nodes)  # refused with the attention, not each on its own
            continue
        found[id(end)] = Converted(layer, (node.input[0],))
        claimed.update(id(n) for n in walk.taken if n is not end)
    return found, claimed


class _Walk:
    """One match, from the first Transpose on: the nodes taken, and whether it got past the in_proj MatMul."""

    def __init__(self, ctx: Context, first: Any):
        self.ctx, self.first, self.taken, self.started = ctx, first, [first], False

    def next(self, node: Any, op: str, what: str, slot: int | None = 0) -> Any:
        """The only use of ``node``'s output but Shapes (which only size Reshapes), an ``op`` at input ``slot``."""
        tensor = node.output[0]
        uses = [(c, i) for c, i in self.ctx.consumers.get(tensor, ()) if c.op_type != "Shape"]
        if tensor in self.ctx.graph_outputs or len(uses) != 1 or uses[0][0].op_type != op or (
                slot is not None and uses[0][1] != slot):
            found = ", ".join(f"{c.op_type} {c.name!r}" for c, _ in uses) or "no use"
            raise _Miss(f"the output of {node.op_type} {node.name!r} should go only to {what}; found {found}")
        self.taken.append(uses[0][0])
        return uses[0][0]

    def match(self) -> tuple[Any, NetGraph]:
        ctx, first = self.ctx, self.first
        x_shape, t_shape = ctx.shapes[first.input[0]], ctx.shapes.get(first.output[0]) or (None,) * 3
        size = x_shape[2]
        matmul = self.next(first, "MatMul", "the in_proj MatMul")
        w_in = ctx.constants.get(matmul.input[1])
        if w_in is None or not isinstance(size, int):
            raise _Miss("no in_proj")  # not this pattern: the Transpose's own refusal stands
        self.started = True
        if w_in.shape != (size, 3 * size):
            raise _Miss(f"its in_proj MatMul {matmul.name!r} multiplies by a {w_in.shape} matrix, not ({size}, "
                        f"{3 * size}) (one packed projection of query, key and value: cross-attention and kdim/vdim "
                        f"do not import)")
        add, b_in = matmul, np.zeros(3 * size, np.float32)  # no Add: bias=False
        if any(c.op_type == "Add" for c, _ in ctx.consumers.get(matmul.output[0], ())):
            add = self.next(matmul, "Add", "the in_proj bias Add", None)
            b_in = _vector(ctx, add, 3 * size)
        shaped = self.next(add, "Reshape", "a Reshape to (n, b, 3, E)")
        _expect(_dims(shaped.input[1], ctx), lambda t: len(t) == 4 and t[2:] == (3, size) and t[:2].count(-1) < 2
                and all(a in (b, 0, -1) for a, b in zip(t[:2], t_shape[:2])), shaped, f"(n, b, 3, {size})")
        node = shaped
        for op, check, what in (("Unsqueeze", [0], "axes"), ("Transpose", [3, 1, 2, 0, 4], "perm"),
                                ("Squeeze", [3], "axes")):
            node = self.next(node, op, f"{op} {what} {check}")
            found = squeeze_axes(node, ctx) if what == "axes" else _perm(node, ctx)
            _expect(found, lambda v, c=check: v == c, node, check)
        q, k, v, heads = self._heads(node, size, x_shape[0], t_shape[0])
        scale_q = self.next(q, "Mul", "a Mul by d^(-1/4)", None)
        k_t = self._key_transposed(k)
        scale_k = self.next(k_t, "Mul", "a Mul by d^(-1/4)", None)
        scores = self.next(scale_q, "MatMul", "the score MatMul")
        if self.next(scale_k, "MatMul", "the score MatMul", 1) is not scores:
            raise _Miss(f"q and kᵀ do not meet in one MatMul {scores.name!r}")
        known = {t: _dims(n.input[1], ctx) for t, n in ((q.output[0], q), (k.output[0], k), (v.output[0], v))}
        known[k_t.output[0]] = tuple(known[k.output[0]][i] for i in (0, 1, 3, 2))
        scale = (_scalar(ctx, scale_q, q.output[0], known, self.taken) *
                 _scalar(ctx, scale_k, k_t.output[0], known, self.taken))
        if not np.isclose(scale * np.sqrt(size // heads), 1.0, rtol=1e-4):
            raise _Miss(f"its scores are scaled by {scale:.6g}, not 1/sqrt({size // heads})")
        causal, softmax = self._mask(scores)
        axis = int(ctx.attributes(softmax).get("axis", 1 if ctx.opset < 13 else -1))
        _expect(axis, lambda a: a in (-1, 3), softmax, "the last axis")
        out = self.next(softmax, "MatMul", "the MatMul by v")
        if self.next(v, "MatMul", "the MatMul by v", 1) is not out:
            raise _Miss(f"v does not go to the MatMul {out.name!r} after the Softmax")
        node = self.next(out, "Transpose", "a Transpose [2, 0, 1, 3]")
        _expect(_perm(node, ctx), lambda p: p == [2, 0, 1, 3], node, [2, 0, 1, 3])
        node = self.next(node, "Reshape", f"a Reshape to (n b, {size})")
        _expect(_dims(node.input[1], ctx), lambda t: len(t) == 2 and t[1] == size, node, f"(n b, {size})")
        gemm = self.next(node, "MatMul" if self._use_is(node, "MatMul") else "Gemm", "the out_proj Gemm")
        w_out, b_out = _gemm(gemm, ctx, size)  # a MatMul without bias (bias=False)
        node = self.next(gemm, "Reshape", f"a Reshape to (n, b, {size})")
        _expect(_dims(node.input[1], ctx), lambda t: len(t) == 3 and t[2] == size, node, f"(n, b, {size})")
        end = self.next(node, "Transpose", "the last Transpose [1, 0, 2]")
        _expect(_perm(end, ctx), lambda p: p == [1, 0, 2], end, [1, 0, 2])
        return end, _layer(w_in.T, b_in, heads, w_out, b_out, causal)

    def _heads(self, squeezed: Any, size: int, batch: Any, length: Any) -> tuple[Any, Any, Any, int]:
        """q, k, v: Gather i -> Reshape (n, b h, d) -> Transpose [1, 0, 2] -> Reshape (b, h, n, d); and h. torch's
        dynamo exporter writes the batch (and b h) as -1 where the length is static."""
        ctx, found, heads = self.ctx, {}, set()
        uses = [c for c, _ in ctx.consumers.get(squeezed.output[0], ()) if c.op_type != "Shape"]
        for gather in uses:
            index = ctx.constants.get(gather.input[1]) if gather.op_type == "Gather" else None
            if index is None or index.size != 1 or int(ctx.attributes(gather).get("axis", 0)) != 0:
                raise _Miss(f"{gather.op_type} {gather.name!r} is not a Gather of q, k or v")
            self.taken.append(gather)
            found[int(index)] = gather
        if sorted(found) != [0, 1, 2] or len(uses) != 3:
            raise _Miss(f"the packed q, k, v after {squeezed.name!r} are not taken once each by Gathers 0, 1, 2")
        paths = []
        for index in range(3):
            merged = self.next(found[index], "Reshape", "a Reshape to (n, b h, d)")
            _expect(_dims(merged.input[1], ctx), lambda t: len(t) == 3, merged, "(n, b h, d)")
            swapped = self.next(merged, "Transpose", "a Transpose [1, 0, 2]")
            _expect(_perm(swapped, ctx), lambda p: p == [1, 0, 2], swapped, [1, 0, 2])
            uses = [c for c, _ in ctx.consumers.get(swapped.output[0], ()) if c.op_type != "Shape"]
            if index == 0 and len(uses) == 1 and uses[0].op_type in ("Mul", "MatMul"):
                raise _Miss(_NEED_WEIGHTS)
            split = self.next(swapped, "Reshape", "a Reshape to (b, h, n, d)")
            t = _dims(split.input[1], ctx)
            first, mid, last = _dims(merged.input[1], ctx)  # n, b h and d of the (n, b h, d) Reshape, where known
            _expect(t, lambda t: len(t) == 4 and (t[0] == batch or (t[0] == -1 and t[2] == length))
                    and isinstance(t[1], int) and isinstance(t[3], int) and t[1] > 0 and t[1] * t[3] == size
                    and last in (t[3], None) and (_batch_heads(mid, batch, t[1]) or (mid == -1 and first == length)),
                    split, f"(b, h, n, d), h d = {size}")
            heads.add(t[1])
            paths.append(split)
        if len(heads) != 1:
            raise _Miss(f"q, k and v are split into different head counts {sorted(heads)}")
        return (*paths, heads.pop())

    def _key_transposed(self, k: Any) -> Any:
        """The node giving kᵀ (b, h, d, n): a Transpose [0, 1, 3, 2] (TorchScript exporter), or the dynamo
        exporter's Reshape to (b h, n, d) -> Transpose [0, 2, 1] -> Reshape to (b, h, d, n)."""
        ctx = self.ctx
        if not self._use_is(k, "Reshape"):
            k_t = self.next(k, "Transpose", "a Transpose [0, 1, 3, 2]")
            _expect(_perm(k_t, ctx), lambda p: p == [0, 1, 3, 2], k_t, [0, 1, 3, 2])
            return k_t
        _, heads, n, d = _dims(k.input[1], ctx)
        merged = self.next(k, "Reshape", "a Reshape to (b h, n, d)")
        _expect(_dims(merged.input[1], ctx), lambda t: len(t) == 3 and t[1:] == (n, d), merged, f"(b h, {n}, {d})")
        swapped = self.next(merged, "Transpose", "a Transpose [0, 2, 1]")
        _expect(_perm(swapped, ctx), lambda p: p == [0, 2, 1], swapped, [0, 2, 1])
        split = self.next(swapped, "Reshape", "a Reshape to (b, h, d, n)")
        _expect(_dims(split.input[1], ctx), lambda t: len(t) == 4 and t[1:] == (heads, d, n), split,
                f"(b, {heads}, {d}, {n})")
        return split

    def _mask(self, scores: Any) -> tuple[bool, Any]:
        """Whether the scores get torch's causal mask (its nodes taken), and the Softmax."""
        node = self.next(scores, "Add" if self._use_is(scores, "Add") else "Softmax", "the Softmax (or a mask Add)")
        if node.op_type == "Softmax":
            return False, node
        mask = node.input[1] if node.input[0] == scores.output[0] else node.input[0]
        nodes = next((found for match in (_causal_constant, causal_mask, _subsequent_mask)
                      if (found := match(mask, self.ctx)) is not None), None)
        if nodes is None:
            inputs, computing = _mask_inputs(mask, node, self.ctx)
            if inputs:
                raise _Miss(f"the mask added by {node.name!r} is computed from graph input "
                            f"{', '.join(map(repr, inputs))} (a key_padding_mask, or an attn_mask given with each "
                            f"call): AttentionLayer takes no mask as data, only torch's causal mask imports (export "
                            f"the module without key_padding_mask and call the imported net on sequences of their own "
                            f"lengths: netgraph leaves out each sequence's padded keys)", computing)
            raise _Miss(f"the mask added by {node.name!r} is not causal (torch's is_causal=True, or "
                        f"generate_square_subsequent_mask); other masks do not import")
        self.taken.extend(nodes)
        return True, self.next(node, "Softmax", "the Softmax", None)

    def _use_is(self, node: Any, op: str) -> bool:
        return any(c.op_type == op for c, _ in self.ctx.consumers.get(node.output[0], ()))


def _mask_inputs(mask: str, add: Any, ctx: Context) -> tuple[list[str], list]:
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


def _expect(value: Any, test: Any, node: Any, what: Any) -> None:
    if value is None or not test(value):
        raise _Miss(f"{node.op_type} {node.name!r} has {value}, expected {what}")


def _batch_heads(dim: Any, batch: Any, heads: int) -> bool:
    """Whether ``dim`` (None: not known at import) can be batch times heads."""
    return dim is None or dim == (batch if heads == 1 else batch * heads if isinstance(batch, int) else None)


def _perm(node: Any, ctx: Context) -> list[int]:
    return [int(p) for p in ctx.attributes(node).get("perm", ())]


def _dims(tensor: str, ctx: Context) -> tuple | None:
    """A Reshape target: ints and dim names, None for a part not known at import (a Concat of such parts)."""
    if tensor in ctx.constants:
        return tuple(int(v) for v in np.ravel(ctx.constants[tensor]))
    if tensor in ctx.symbols:
        return ctx.symbols[tensor]
    node = ctx.producers.get(tensor)
    if node is None or node.op_type != "Concat":
        return None
    parts = [_dims(name, ctx) or ((None,) if ctx.shapes.get(name) == (1,) else None) for name in node.input]
    return None if None in parts else tuple(d for part in parts for d in part)


def _vector(ctx: Context, add: Any, size: int) -> np.ndarray:
    bias = next((ctx.constants[t] for t in add.input if t in ctx.constants), None)
    if bias is None or bias.size != size:
        raise _Miss(f"Add {add.name!r} does not add a constant in_proj bias of {size} values")
    return np.reshape(bias, (-1,)).astype(np.float32)


def _scalar(ctx: Context, mul: Any, tensor: str, known: dict[str, tuple], taken: list) -> float:
    """The constant that ``mul`` scales ``tensor`` by: folded at import, or computed from sizes (torch's
    ``sqrt(1 / sqrt(q.size(-1)))`` of a size onnx could not infer: its nodes go to ``taken``), then alike for
    any value of named dims."""
    other = mul.input[1] if mul.input[0] == tensor else mul.input[0]
    runs = [_computed(other, ctx, known, run, 0, taken if run else []) for run in (0, 1)]
    if any(r is None or r.size != 1 for r in runs) or not np.allclose(*runs):
        raise _Miss(f"Mul {mul.name!r} does not scale by a constant")
    return float(np.ravel(runs[0])[0])


def _computed(tensor: str, ctx: Context, known: dict[str, tuple], run: int, depth: int,
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
    inputs = {name: _computed(name, ctx, known, run, depth + 1, nodes) for name in node.input if name}
    if any(v is None for v in inputs.values()):
        return None
    try:
        return np.array(require("onnx.reference").ReferenceEvaluator(node).run(None, inputs)[0])
    except Exception:  # noqa: BLE001 - the reference evaluator's errors share no base: not computable here
        return None


def _gemm(gemm: Any, ctx: Context, size: int) -> tuple[np.ndarray, np.ndarray]:
    a = ctx.attributes(gemm) if gemm.op_type == "Gemm" else {"transB": 0}
    w = ctx.constants.get(gemm.input[1])
    b = ctx.constants.get(gemm.input[2]) if len(gemm.input) > 2 and gemm.input[2] else np.zeros(size, np.float32)
    if a.get("transA", 0) or w is None or w.shape != (size, size) or b is None or b.size not in (1, size):
        raise _Miss(f"{gemm.op_type} {gemm.name!r} is not out_proj (a constant ({size}, {size}) matrix and bias, "
                    f"no transA)")
    w = (w if a.get("transB", 0) else w.T) * a.get("alpha", 1.0)
    b = np.broadcast_to(np.ravel(b) * a.get("beta", 1.0), (size,))
    return np.ascontiguousarray(w, np.float32), b.astype(np.float32)


def _causal_constant(tensor: str, ctx: Context) -> list | None:
    """[] when ``tensor`` is a constant causal mask (0 on and below the diagonal, -inf or float's lowest value
    above), as a static export folds it; else None."""
    mask = ctx.constants.get(tensor)
    if mask is None or mask.ndim < 2 or mask.shape[-1] != mask.shape[-2] or any(d != 1 for d in mask.shape[:-2]):
        return None
    square = mask.reshape(mask.shape[-2:])
    above = np.triu(np.ones(square.shape, bool), 1)
    return [] if (not above.any() or masked_out(square[above])) and np.all(square[~above] == 0) else None


def _subsequent_mask(tensor: str, ctx: Context) -> list | None:
    """The nodes of ``Unsqueeze(Trilu(ConstantOfShape(-inf, (n, n)), 1, upper=1))``, as torch exports
    ``generate_square_subsequent_mask(x.shape[1])`` (the Unsqueezes add leading dims)."""
    nodes, node = [], ctx.producers.get(tensor)
    while node is not None and node.op_type == "Unsqueeze" and squeeze_axes(node, ctx) == [0]:
        nodes.append(node)
        node = ctx.producers.get(node.input[0])
    if node is None or node.op_type != "Trilu" or int(ctx.attributes(node).get("upper", 1)) != 1:
        return None
    if len(node.input) < 2 or node.input[1] not in ctx.constants or int(np.ravel(ctx.constants[node.input[1]])[0]) != 1:
        return None
    full = ctx.producers.get(node.input[0])
    if full is None or full.op_type != "ConstantOfShape":
        return None
    value = ctx.attributes(full).get("value")
    if value is None or not np.all(np.isneginf(ctx.to_array(value))):
        return None
    dims = _dims(full.input[0], ctx)
    if dims is None or len(dims) != 2 or dims[0] != dims[1]:
        return None
    return [*nodes, node, full]


def _layer(w_in: np.ndarray, b_in: np.ndarray, heads: int, w_out: np.ndarray, b_out: np.ndarray,
           causal: bool) -> NetGraph:
    """Input (n, E) -> query, key, value (n, h, d) -> AttentionLayer -> out_proj -> Output (n, E)."""
    size = w_out.shape[0]
    layers: dict[str, Any] = {}
    edges: list[tuple] = []
    for i, name in enumerate(("query", "key", "value")):
        part = slice(i * size, (i + 1) * size)
        linear = LinearLayer((heads, size // heads), weights=np.ascontiguousarray(w_in[part], np.float32),
                             biases=b_in[part])
        layers[name] = NetMapOperator(linear)
        edges += [(NetPort("Input"), NetPort(name, "Input")),
                  (NetPort(name, "Output"), NetPort("attention", name.title()))]
    layers["attention"] = AttentionLayer("Dot", multi_head=True, mask="Causal" if causal else "None")
    layers["projection"] = NetMapOperator(LinearLayer(size, weights=w_out, biases=b_out))
    edges += [(NetPort("attention", "Output"), NetPort("projection", "Input")),
              (NetPort("projection", "Output"), NetPort("Output"))]
    return NetGraph(layers, edges)
