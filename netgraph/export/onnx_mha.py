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
from netgraph.export.onnx_attention import causal_mask, causal_attention
from netgraph.export.onnx_mha_parts import (Miss, attention_graph, batch_heads, bias_vector, causal_constant, expect,
                                            mask_inputs, out_projection, perm_of, scale_of, subsequent_mask,
                                            target_dims)
from netgraph.export.onnx_ops import Context, Converted, squeeze_axes
from netgraph.export.onnx_recurrent_glue import batch_first_perm, time_major_output
from netgraph.export.onnx_uses import uses_besides

__all__ = ["attention_patterns", "multihead_attention"]

_NEED_WEIGHTS = ("its scores are computed with batch and heads merged ((b h, n, n), a Transpose [1, 0, 2] of q "
                 "scaled directly), as torch exports need_weights=True (the default): call the module with "
                 "need_weights=False")


def attention_patterns(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """Both attention patterns: ``multihead_attention`` first (its score MatMuls are not another's), then
    ``causal_attention`` (onnx_attention) among the nodes left."""
    found, claimed = multihead_attention(nodes, ctx)
    more, taken = causal_attention([n for n in nodes if id(n) not in claimed], ctx)
    return {**found, **more}, claimed | taken


def multihead_attention(nodes: Any, ctx: Context) -> tuple[dict[int, Converted], set[int]]:
    """The last Transpose of each matched attention (by ``id``) -> its layer fed by the first Transpose's input,
    and the ids of the nodes it takes the place of. Over a recurrence's output torch drops the first Transpose
    with the recurrence's own [1, 0, 2] (they cancel): the match starts at the time-major sequence, which the
    recurrence's glue makes our batch-first one, and its in_proj MatMul is noted in ``ctx.time_major_uses``."""
    found: dict[int, Converted] = {}
    claimed: set[int] = set()
    for node in nodes:
        time_major = _time_major(node, ctx)
        if not time_major and (node.op_type != "Transpose" or perm_of(node, ctx) != [1, 0, 2]
                               or ctx.rank(node.input[0]) != 3):
            continue
        walk = _Walk(ctx, node, time_major)
        try:
            end, layer = walk.match()
        except (ValueError, TypeError, KeyError, IndexError):  # a malformed node: its own conversion says why
            continue
        except Miss as miss:
            if walk.started:  # over a recurrence, its refusal of the time-major use tells it
                ctx.refusals[node.output[0]] = (f"it starts nn.MultiheadAttention's export, which imports as "
                                                f"self-attention (batch_first=True, need_weights=False), but {miss}")
                claimed.update(id(n) for n in miss.nodes)  # refused with the attention, not each on its own
            continue
        found[id(end)] = Converted(layer, (node.output[0] if time_major else node.input[0],))
        claimed.update(id(n) for n in walk.taken if n is not end)
        if time_major:
            ctx.time_major_uses.add(id(walk.taken[0]))
    return found, claimed


def _time_major(node: Any, ctx: Context) -> bool:
    """Whether ``node`` gives a recurrence's output sequence time-major (after its glue) to a MatMul."""
    return bool(node.output) and time_major_output(node.output[0], ctx) is not None and any(
        c.op_type == "MatMul" and i == 0 for c, i in ctx.consumers.get(node.output[0], ()))


class _Walk:
    """One match, from the first Transpose on (from the time-major sequence given by ``first``, not taken, where
    ``time_major``): the nodes taken, and whether it got past the in_proj MatMul."""

    def __init__(self, ctx: Context, first: Any, time_major: bool = False):
        self.ctx, self.first, self.time_major, self.started = ctx, first, time_major, False
        self.taken = [] if time_major else [first]

    def next(self, node: Any, op: str, what: str, slot: int | None = 0) -> Any:
        """The only use of ``node``'s output but Shapes (which only size Reshapes), an ``op`` at input ``slot``."""
        tensor = node.output[0]
        uses = uses_besides(tensor, self.ctx, ("Shape",))
        if uses is None or len(uses) != 1 or uses[0][0].op_type != op or (slot is not None and uses[0][1] != slot):
            listed = ", ".join(f"{c.op_type} {c.name!r}" for c, _ in uses or ())
            found = "a graph output" if uses is None else listed or "no use"
            raise Miss(f"the output of {node.op_type} {node.name!r} should go only to {what}; found {found}")
        self.taken.append(uses[0][0])
        return uses[0][0]

    def match(self) -> tuple[Any, NetGraph]:
        ctx, first = self.ctx, self.first
        t_shape = ctx.shapes.get(first.output[0]) or (None,) * 3
        x_shape = (t_shape[1], t_shape[0], t_shape[2]) if self.time_major else ctx.shapes[first.input[0]]
        size = x_shape[2]
        matmul = self._in_proj() if self.time_major else self.next(first, "MatMul", "the in_proj MatMul")
        w_in = ctx.constants.get(matmul.input[1])
        if w_in is None or not isinstance(size, int):
            raise Miss("no in_proj")  # not this pattern: the Transpose's own refusal stands
        self.started = True
        if w_in.shape != (size, 3 * size):
            raise Miss(f"its in_proj MatMul {matmul.name!r} multiplies by a {w_in.shape} matrix, not ({size}, "
                        f"{3 * size}) (one packed projection of query, key and value: cross-attention and kdim/vdim "
                        f"do not import)")
        add, b_in = matmul, ctx.real(np.zeros(3 * size))  # no Add: bias=False
        if any(c.op_type == "Add" for c, _ in ctx.consumers.get(matmul.output[0], ())):
            add = self.next(matmul, "Add", "the in_proj bias Add", None)
            b_in = bias_vector(ctx, add, 3 * size)
        shaped = self.next(add, "Reshape", "a Reshape to (n, b, 3, E)")
        expect(target_dims(shaped.input[1], ctx), lambda t: len(t) == 4 and t[2:] == (3, size) and t[:2].count(-1) < 2
                and all(a in (b, 0, -1) for a, b in zip(t[:2], t_shape[:2])), shaped, f"(n, b, 3, {size})")
        node = shaped
        for op, check, what in (("Unsqueeze", [0], "axes"), ("Transpose", [3, 1, 2, 0, 4], "perm"),
                                ("Squeeze", [3], "axes")):
            node = self.next(node, op, f"{op} {what} {check}")
            found = squeeze_axes(node, ctx) if what == "axes" else perm_of(node, ctx)
            expect(found, lambda v, c=check: v == c, node, check)
        q, k, v, heads = self._heads(node, size, x_shape[0], t_shape[0])
        scale_q = self.next(q, "Mul", "a Mul by d^(-1/4)", None)
        k_t = self._key_transposed(k)
        scale_k = self.next(k_t, "Mul", "a Mul by d^(-1/4)", None)
        scores = self.next(scale_q, "MatMul", "the score MatMul")
        if self.next(scale_k, "MatMul", "the score MatMul", 1) is not scores:
            raise Miss(f"q and kᵀ do not meet in one MatMul {scores.name!r}")
        known = {t: target_dims(n.input[1], ctx) for t, n in ((q.output[0], q), (k.output[0], k), (v.output[0], v))}
        known[k_t.output[0]] = tuple(known[k.output[0]][i] for i in (0, 1, 3, 2))
        scale = (scale_of(ctx, scale_q, q.output[0], known, self.taken) *
                 scale_of(ctx, scale_k, k_t.output[0], known, self.taken))
        if not np.isclose(scale * np.sqrt(size // heads), 1.0, rtol=1e-4):
            raise Miss(f"its scores are scaled by {scale:.6g}, not 1/sqrt({size // heads})")
        causal, softmax = self._mask(scores)
        axis = int(ctx.attributes(softmax).get("axis", 1 if ctx.opset < 13 else -1))
        expect(axis, lambda a: a in (-1, 3), softmax, "the last axis")
        out = self.next(softmax, "MatMul", "the MatMul by v")
        if self.next(v, "MatMul", "the MatMul by v", 1) is not out:
            raise Miss(f"v does not go to the MatMul {out.name!r} after the Softmax")
        node = self.next(out, "Transpose", "a Transpose [2, 0, 1, 3]")
        expect(perm_of(node, ctx), lambda p: p == [2, 0, 1, 3], node, [2, 0, 1, 3])
        node = self.next(node, "Reshape", f"a Reshape to (n b, {size})")
        expect(target_dims(node.input[1], ctx), lambda t: len(t) == 2 and t[1] == size, node, f"(n b, {size})")
        gemm = self.next(node, "MatMul" if self._use_is(node, "MatMul") else "Gemm", "the out_proj Gemm")
        w_out, b_out = out_projection(gemm, ctx, size)  # a MatMul without bias (bias=False)
        node = self.next(gemm, "Reshape", f"a Reshape to (n, b, {size})")
        expect(target_dims(node.input[1], ctx), lambda t: len(t) == 3 and t[2] == size, node, f"(n, b, {size})")
        end = self.next(node, "Transpose", "the last Transpose [1, 0, 2]")
        expect(perm_of(end, ctx), lambda p: p == [1, 0, 2], end, [1, 0, 2])
        return end, attention_graph(ctx.real(w_in.T), b_in, heads, w_out, b_out, causal)

    def _in_proj(self) -> Any:
        """The one MatMul reading the time-major sequence (its other uses make it batch-first again: a residual)."""
        read = uses_besides(self.first.output[0], self.ctx, ("Shape",))
        if read is None:
            raise Miss(f"the sequence {self.first.output[0]!r} is a graph output too")
        uses = [(c, i) for c, i in read if batch_first_perm(c, self.ctx) is None]
        if len(uses) != 1 or uses[0][0].op_type != "MatMul" or uses[0][1] != 0:
            raise Miss(f"the sequence {self.first.output[0]!r} goes to {len(uses)} nodes, not one in_proj MatMul")
        self.taken.append(uses[0][0])
        return uses[0][0]

    def _heads(self, squeezed: Any, size: int, batch: Any, length: Any) -> tuple[Any, Any, Any, int]:
        """q, k, v: Gather i -> Reshape (n, b h, d) -> Transpose [1, 0, 2] -> Reshape (b, h, n, d); and h. torch's
        dynamo exporter writes the batch (and b h) as -1 where the length is static."""
        ctx, found, heads = self.ctx, {}, set()
        uses = [c for c, _ in uses_besides(squeezed.output[0], ctx, ("Shape",)) or ()]  # an output: not the pattern
        for gather in uses:
            index = ctx.constants.get(gather.input[1]) if gather.op_type == "Gather" else None
            if index is None or index.size != 1 or int(ctx.attributes(gather).get("axis", 0)) != 0:
                raise Miss(f"{gather.op_type} {gather.name!r} is not a Gather of q, k or v")
            self.taken.append(gather)
            found[int(index)] = gather
        if sorted(found) != [0, 1, 2] or len(uses) != 3:
            raise Miss(f"the packed q, k, v after {squeezed.name!r} are not taken once each by Gathers 0, 1, 2")
        paths = []
        for index in range(3):
            merged = self.next(found[index], "Reshape", "a Reshape to (n, b h, d)")
            expect(target_dims(merged.input[1], ctx), lambda t: len(t) == 3, merged, "(n, b h, d)")
            swapped = self.next(merged, "Transpose", "a Transpose [1, 0, 2]")
            expect(perm_of(swapped, ctx), lambda p: p == [1, 0, 2], swapped, [1, 0, 2])
            uses = [c for c, _ in uses_besides(swapped.output[0], ctx, ("Shape",)) or ()]  # next() refuses an output
            if index == 0 and len(uses) == 1 and uses[0].op_type in ("Mul", "MatMul"):
                raise Miss(_NEED_WEIGHTS)
            split = self.next(swapped, "Reshape", "a Reshape to (b, h, n, d)")
            t = target_dims(split.input[1], ctx)
            first, mid, last = target_dims(merged.input[1], ctx)  # n, b h and d of the (n, b h, d) Reshape if known
            expect(t, lambda t: len(t) == 4 and (t[0] == batch or (t[0] == -1 and t[2] == length))
                    and isinstance(t[1], int) and isinstance(t[3], int) and t[1] > 0 and t[1] * t[3] == size
                    and last in (t[3], None) and (batch_heads(mid, batch, t[1]) or (mid == -1 and first == length)),
                    split, f"(b, h, n, d), h d = {size}")
            heads.add(t[1])
            paths.append(split)
        if len(heads) != 1:
            raise Miss(f"q, k and v are split into different head counts {sorted(heads)}")
        return (*paths, heads.pop())

    def _key_transposed(self, k: Any) -> Any:
        """The node giving kᵀ (b, h, d, n): a Transpose [0, 1, 3, 2] (TorchScript exporter), or the dynamo
        exporter's Reshape to (b h, n, d) -> Transpose [0, 2, 1] -> Reshape to (b, h, d, n)."""
        ctx = self.ctx
        if not self._use_is(k, "Reshape"):
            k_t = self.next(k, "Transpose", "a Transpose [0, 1, 3, 2]")
            expect(perm_of(k_t, ctx), lambda p: p == [0, 1, 3, 2], k_t, [0, 1, 3, 2])
            return k_t
        _, heads, n, d = target_dims(k.input[1], ctx)
        merged = self.next(k, "Reshape", "a Reshape to (b h, n, d)")
        expect(target_dims(merged.input[1], ctx), lambda t: len(t) == 3 and t[1:] == (n, d), merged,
               f"(b h, {n}, {d})")
        swapped = self.next(merged, "Transpose", "a Transpose [0, 2, 1]")
        expect(perm_of(swapped, ctx), lambda p: p == [0, 2, 1], swapped, [0, 2, 1])
        split = self.next(swapped, "Reshape", "a Reshape to (b, h, d, n)")
        expect(target_dims(split.input[1], ctx), lambda t: len(t) == 4 and t[1:] == (heads, d, n), split,
                f"(b, {heads}, {d}, {n})")
        return split

    def _mask(self, scores: Any) -> tuple[bool, Any]:
        """Whether the scores get torch's causal mask (its nodes taken), and the Softmax."""
        node = self.next(scores, "Add" if self._use_is(scores, "Add") else "Softmax", "the Softmax (or a mask Add)")
        if node.op_type == "Softmax":
            return False, node
        mask = node.input[1] if node.input[0] == scores.output[0] else node.input[0]
        nodes = next((found for match in (causal_constant, causal_mask, subsequent_mask)
                      if (found := match(mask, self.ctx)) is not None), None)
        if nodes is None:
            inputs, computing = mask_inputs(mask, node, self.ctx)
            if inputs:
                raise Miss(f"the mask added by {node.name!r} is computed from graph input "
                            f"{', '.join(map(repr, inputs))} (a key_padding_mask, or an attn_mask given with each "
                            f"call): AttentionLayer takes no mask as data, only torch's causal mask imports (export "
                            f"the module without key_padding_mask and call the imported net on sequences of their own "
                            f"lengths: netgraph leaves out each sequence's padded keys)", computing)
            raise Miss(f"the mask added by {node.name!r} is not causal (torch's is_causal=True, or "
                        f"generate_square_subsequent_mask); other masks do not import")
        self.taken.extend(nodes)
        return True, self.next(node, "Softmax", "the Softmax", None)

    def _use_is(self, node: Any, op: str) -> bool:
        return any(c.op_type == op for c, _ in self.ctx.consumers.get(node.output[0], ()))
