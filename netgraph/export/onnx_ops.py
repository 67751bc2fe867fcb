"""One converter per ONNX op: an ONNX node -> one of our layers (or an alias for a no-op).

A converter gets the node and the ``Context`` (constant values, inferred shapes, attributes) and returns a
``Converted`` (the layer and the tensors feeding its input ports in order, or ``alias`` for a pass-through node:
Identity, Dropout, a same-shape Reshape); it raises ``Unsupported``, with the reason, where nothing is equivalent."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from netgraph.core.chain import NetChain
from netgraph.core.frozen_values import frozen_value
from netgraph.core.graph import NetGraph
from netgraph.core.wording import counted
from netgraph.export.onnx_casts import element_type_name, moves_values
from netgraph.layers import (DotLayer, ElementwiseLayer, FlattenLayer, LinearLayer,
                             NetMapOperator, ReshapeLayer, SoftmaxLayer, ThreadingLayer, TransposeLayer)

__all__ = ["CONVERTERS", "Context", "Converted", "Unsupported", "ELEMENTWISE_OPS", "THREADING_OPS", "SHAPE_INPUTS",
           "linear_of", "with_biases", "mapped", "int_option", "symmetric_pads", "text", "refuse", "squeeze_axes",
           "product_by_constant", "RECURRENT_OPS"]

#: ONNX elementwise ops -> ElementwiseLayer function names.
ELEMENTWISE_OPS = {"Relu": "Ramp", "Tanh": "Tanh", "Sigmoid": "LogisticSigmoid", "Exp": "Exp", "Log": "Log",
                   "Sin": "Sin", "Cos": "Cos", "Abs": "Abs", "Sqrt": "Sqrt", "Erf": "Erf", "Softplus": "Softplus",
                   "Softsign": "SoftSign", "Selu": "SELU", "Floor": "Floor", "Ceil": "Ceiling", "Sign": "Sign",
                   "Tan": "Tan", "Atan": "ArcTan", "Asin": "ArcSin", "Acos": "ArcCos", "Sinh": "Sinh",
                   "Cosh": "Cosh", "Asinh": "ArcSinh", "Acosh": "ArcCosh", "Atanh": "ArcTanh", "Round": "Round",
                   "Mish": "Mish", "HardSwish": "HardSwish"}
#: ONNX element-wise ops of two inputs (Sum, Mean, Max, Min: any number) -> ThreadingLayer functions; Mean has none
#: (``_threading`` writes its expression, (#1 + ... + #n) / n).
THREADING_OPS = {"Add": "Plus", "Mul": "Times", "Sub": "Subtract", "Div": "Divide", "Pow": "Power", "Max": "Max",
                 "Min": "Min", "Sum": "Plus", "Mean": None}
_VARIADIC = frozenset({"Sum", "Mean", "Max", "Min"})
#: Input slots that carry shapes, not data: the nodes computing them are dropped with their consumer.
#: A recurrent node's initial states count as such: torch fills them with ConstantOfShape of zeros of a
#: shape computed from the input, and the LSTM/GRU converter refuses any initial state but zero.
SHAPE_INPUTS = {"Reshape": (1,), "Expand": (1,), "ConstantOfShape": (0,), "LSTM": (5, 6), "GRU": (5,), "RNN": (5,),
                "Resize": (1, 2, 3), "If": (0,)}  # an If's condition: a size compared (onnx_branches)


class Unsupported(Exception):
    """This node's options have no equivalent among our layers (the message says why); where it is about one ONNX
    attribute's value, ``attribute`` names it, ``found`` is its value and ``expected`` what maps (when one can say);
    each is kept hashable as a Diagnostic keeps it (``frozen_value``; an array by its values)."""

    def __init__(self, message: str, *, attribute: str | None = None, expected: Any = None, found: Any = None):
        super().__init__(message)
        self.attribute, self.expected, self.found = attribute, _frozen(expected), _frozen(found)

    @classmethod
    def joined(cls, problems: list, message: str) -> "Unsupported":
        """``message`` for a list of ``problems`` (texts, or Unsupported for one attribute's value), with the fields
        of the one problem naming an attribute when exactly one does."""
        named = [p for p in problems if getattr(p, "attribute", None)]
        one = named[0] if len(named) == 1 else cls("")
        return cls(message, attribute=one.attribute, expected=one.expected, found=one.found)


def _frozen(value: Any) -> Any:
    """``value`` hashable as a Diagnostic keeps it (``frozen_value``), an array by its values (a shape's, a pad's)."""
    return frozen_value(value.tolist() if isinstance(value, np.ndarray) else value)


@dataclasses.dataclass
class Converted:
    layer: Any = None
    inputs: tuple[str, ...] = ()
    alias: str | None = None
    constants: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)  # port index -> array
    fold: int | None = None  # leading dims merged into the output's batch (None: as the input's, if shape-agnostic)


@dataclasses.dataclass
class Context:
    constants: dict[str, np.ndarray]
    shapes: dict[str, tuple | None]
    attributes: Callable[[Any], dict[str, Any]]
    consumers: dict[str, list]
    producers: dict[str, Any] = dataclasses.field(default_factory=dict)  # tensor -> the node computing it
    to_array: Callable[[Any], np.ndarray] = np.asarray  # an attribute's TensorProto -> array
    graph_outputs: frozenset[str] = frozenset()
    folds: dict[str, int] = dataclasses.field(default_factory=dict)  # tensor -> dims merged into its batch
    symbols: dict[str, tuple] = dataclasses.field(default_factory=dict)  # shape computation -> its dims
    opset: int = 13  # the model's default-domain opset (the importer sets it)
    refusals: dict[str, str] = dataclasses.field(default_factory=dict)  # tensor -> why a pattern there failed
    batch_dims: frozenset = frozenset()  # the graph inputs' first dims, as named (shape values name the batch so)
    folded_sizes: dict[str, tuple] = dataclasses.field(default_factory=dict)  # a folded batch's dim -> merged sizes
    fold_levels: dict[str, tuple | None] = dataclasses.field(default_factory=dict)  # tensor -> its folded sizes
    exporter_made: frozenset = frozenset()  # initializers torch's dynamo exporter folded or took from a buffer
    parameters: frozenset | None = None  # a dynamo file's initializers of the module's parameters (None: no such file)
    decisions: dict[str, int] = dataclasses.field(default_factory=dict)  # ArgMax output -> its classes (decoded)
    integers: frozenset = frozenset()  # tensors of an integer element type, as ONNX inferred them
    time_major_uses: set = dataclasses.field(default_factory=set)  # ids of nodes a pattern reads a recurrence by
    glued_states: frozenset = frozenset()  # the recurrences' initial states given as data (data_states: state glue)
    lookups: set = dataclasses.field(default_factory=set)  # outputs an index input's table gives (onnx_lookups)
    netgraph_file: bool = False  # export_onnx's own file (its producer "netgraph"): its patterns are our layers'
    real_dtype: type = np.float32  # the dtype of the model's real data (``onnx_names.real_dtype``): its arrays'

    def const(self, name: str, what: str) -> np.ndarray:
        if name not in self.constants:
            raise Unsupported(f"its {what} ({name!r}) is computed, not a constant",
                              expected=f"a constant {what}", found=f"a computed {what}")
        return self.constants[name]

    def real(self, values: Any) -> np.ndarray:
        """``values`` as a new array of the model's real dtype: a float64 model's constants are not rounded."""
        return np.array(values, dtype=self.real_dtype, order="C")

    def rank(self, name: str) -> int | None:
        return None if (shape := self.shapes.get(name)) is None else len(shape)


def squeeze_axes(node: Any, ctx: Context, rank: int | None = None) -> list[int] | None:
    """A Squeeze's or Unsqueeze's axes (or a Reduce node's), non-negative and sorted: from its constant input 1
    (opset 13 on; 18 for a Reduce), else its ``axes`` attribute; a negative one counts from the end of the output
    (Unsqueeze) or the input (Squeeze, a Reduce), of
    ``rank`` dims when given (the input's). A Squeeze without axes removes the dims of size 1, read from its input's
    shape when every dim of it is known. None when they cannot be told (a computed input 1, an unknown rank)."""
    given = node.input[1] if len(node.input) > 1 and node.input[1] else None
    axes = ctx.constants.get(given) if given else ctx.attributes(node).get("axes")
    shape = ctx.shapes.get(node.input[0])
    rank = len(shape) if rank is None and shape is not None else rank
    if axes is None:
        known = not given and node.op_type == "Squeeze" and shape is not None
        return [k for k, d in enumerate(shape) if d == 1] if known and all(isinstance(d, int) for d in shape) else None
    axes = [int(a) for a in np.ravel(axes)]
    end = None if rank is None else rank + (len(axes) if node.op_type == "Unsqueeze" else 0)
    if any(a < 0 for a in axes) and end is None:
        return None
    return sorted(a + end if a < 0 else a for a in axes)


def consecutive_runs(indices: list[int]) -> list[list[int]]:
    """``indices`` cut into runs of consecutive ones of one sign ([0, 1, 3, -2, -1] -> [[0, 1], [3], [-2, -1]])."""
    runs = [[indices[0]]]
    for i in indices[1:]:
        if i == runs[-1][-1] + 1 and (i < 0) == (runs[-1][-1] < 0):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _gemm(node: Any, ctx: Context) -> Converted:
    a = ctx.attributes(node)
    if a.get("transA", 0) or ctx.rank(node.input[0]) not in (2, None):
        transposed = bool(a.get("transA", 0))
        raise Unsupported("only Gemm on (batch, features) inputs without transA maps to LinearLayer",
                          attribute="transA" if transposed else None, expected=0 if transposed else "rank 2",
                          found=a["transA"] if transposed else ctx.rank(node.input[0]))
    w = ctx.const(node.input[1], "weight matrix") * a.get("alpha", 1.0)
    w = w if a.get("transB", 0) else w.T
    bias = ctx.constants.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if len(node.input) > 2 and node.input[2] and bias is None:
        raise Unsupported("its bias is computed, not a constant", expected="a constant bias", found="a computed bias")
    b = False if bias is None else np.array(_row(bias * a.get("beta", 1.0), int(w.shape[0])))  # no C: no biases
    linear = LinearLayer(int(w.shape[0]), weights=np.ascontiguousarray(w), biases=b)
    fold = ctx.folds.get(node.input[0], 0)
    return Converted(mapped(linear, fold), (node.input[0],), fold=fold)


def _row(bias: np.ndarray, size: int) -> np.ndarray:
    """A Gemm's bias C (a scalar, (N,), (1, N) or (1, 1): the same for every example) as a vector of ``size``."""
    if bias.ndim > 2 or (bias.ndim == 2 and bias.shape[0] != 1):
        raise Unsupported(f"its bias has shape {bias.shape}, which differs per example; (N,) or (1, N) maps to biases",
                          expected="(N,) or (1, N)", found=tuple(bias.shape))
    try:
        return np.array(np.broadcast_to(bias, (1, size))[0])
    except ValueError:
        raise Unsupported(f"its bias of shape {bias.shape} does not broadcast to ({size},)",
                          expected=(size,), found=tuple(bias.shape)) from None


def mapped(layer: Any, levels: int) -> Any:
    """``layer`` applied to every element of ``levels`` leading levels (nested NetMapOperators)."""
    for _ in range(levels):
        layer = NetMapOperator(layer)
    return layer


def _matmul(node: Any, ctx: Context) -> Converted:
    """x W: a LinearLayer on (batch, features); on (batch, n1, ..., features) one mapped over n1, ... (a channels-last
    image too); x y of two computed (batch, ..., n, m) tensors: DotLayer (mapped over the dims before n, m)."""
    if (left := ctx.constants.get(node.input[0])) is not None and node.input[1] not in ctx.constants:
        raise Unsupported(f"MatMul of the constant {node.input[0]!r} of shape {np.shape(left)} by a computed tensor "
                          f"of shape {ctx.shapes.get(node.input[1])}: a constant maps to LinearLayer only as the right "
                          f"operand (x W)", expected="a constant right operand", found=tuple(np.shape(left)))
    if node.input[1] not in ctx.constants:
        return _batched_product(node, ctx)
    return product_by_constant(node.input[0], ctx.constants[node.input[1]], ctx)


def product_by_constant(x: str, matrix: np.ndarray, ctx: Context) -> Converted:
    """x M by a constant matrix (d, e) or vector (d,) M: a LinearLayer, mapped over the dims between."""
    rank = ctx.rank(x)
    if rank is None or rank < 2:
        raise Unsupported("only MatMul of a (batch, ..., features) input by a constant matrix maps to LinearLayer",
                          expected="rank >= 2", found=rank)
    w = np.asarray(matrix).T
    if w.ndim not in (1, 2):
        raise Unsupported(f"MatMul by a constant of shape {w.T.shape} (a matrix or a vector maps to LinearLayer)",
                          expected="a matrix or a vector", found=tuple(w.T.shape))
    size: Any = () if w.ndim == 1 else int(w.shape[0])  # x v with a vector v: one number per row
    w = w.reshape(1, -1) if w.ndim == 1 else w
    linear = LinearLayer(size, weights=np.ascontiguousarray(w), biases=False)  # a following Add gives it biases
    layer = linear if rank == 2 else mapped(NetMapOperator(NetGraph({"linear": linear}, [])), rank - 3)
    return Converted(layer, (x,))


def _batched_product(node: Any, ctx: Context) -> Converted:
    """x y of two computed (batch, ..., n, m) tensors with the same leading dims: DotLayer, mapped over them."""
    a, b = (ctx.shapes.get(name) for name in node.input)
    if a is None or b is None or len(a) != len(b) or len(a) < 3 or any(
            x != y and isinstance(x, int) and isinstance(y, int) for x, y in zip(a[1:-2], b[1:-2])):
        raise Unsupported(f"a product of two computed tensors maps to DotLayer only for (batch, ..., n, m) "
                          f"shapes of equal rank >= 3 without broadcasting, found {a} and {b}",
                          expected="(batch, ..., n, m) shapes of equal rank >= 3", found=(a, b))
    return Converted(mapped(DotLayer(), len(a) - 3), tuple(node.input))


def linear_of(layer: Any) -> tuple[Any, str]:
    """The LinearLayer that a MatMul became (itself or the one mapped over the dims between) and its biases' name."""
    if not isinstance(layer, NetMapOperator):
        return layer, "Biases"
    (name, inner), = layer.net.layers.items()  # its one layer: 'linear', or the next map
    linear, biases = linear_of(inner)
    return linear, f"net.{name}.{biases}"


def with_biases(layer: Any, biases: np.ndarray) -> Any:
    """The LinearLayer a MatMul became (itself or mapped, as ``linear_of`` finds it) given ``biases``."""
    if not isinstance(layer, NetMapOperator):
        return layer.replace(biases=biases)
    (name, inner), = layer.net.layers.items()
    return layer.replace(net=layer.net.replace_layers({name: with_biases(inner, biases)}))


def text(value: Any) -> str:
    """An ONNX string attribute (bytes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def refuse(problems: list, layer: str) -> None:
    """Unsupported naming every option of a node that ``layer`` has no equivalent of (texts, or Unsupported for one
    attribute's value); nothing when none."""
    if problems:
        verb = "has" if len(problems) == 1 else "have"
        raise Unsupported.joined(problems, f"{' and '.join(map(str, problems))} {verb} no {layer} equivalent")


def int_option(values: Any, default: int) -> Any:
    """An ONNX ints attribute as a tuple of ints, ``default`` when absent or empty."""
    return default if not values else tuple(int(v) for v in values)


def symmetric_pads(a: dict) -> Any:
    """A Conv/Pool/ConvTranspose node's ``pads`` as our ``padding_size`` (refused unless explicit and symmetric)."""
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise Unsupported(f"auto_pad={text(a['auto_pad'])!r} is not supported here (explicit symmetric pads are; "
                          f"a Conv's or a pool's VALID and SAME are)", attribute="auto_pad",
                          expected="NOTSET", found=text(a["auto_pad"]))
    pads = list(a.get("pads", ()))
    half = len(pads) // 2
    if pads[:half] != pads[half:]:
        raise Unsupported(f"asymmetric pads {pads} have no padding_size equivalent", attribute="pads",
                          expected="symmetric pads", found=pads)
    return int_option(pads[:half], 0)


def _elementwise(node: Any, ctx: Context) -> Converted:
    return Converted(ElementwiseLayer(ELEMENTWISE_OPS[node.op_type]), (node.input[0],))


def _softmax(node: Any, ctx: Context) -> Converted:
    """SoftmaxLayer over ``axis``; before opset 13, over all dims from ``axis`` on (ONNX's input coerced to 2-D,
    default axis 1): a FlattenLayer of them, the softmax, a ReshapeLayer back (mapped over the dims before)."""
    old = ctx.opset < 13
    shape = ctx.shapes.get(node.input[0])
    given = int(ctx.attributes(node).get("axis", 1 if old else -1))
    axis = given + len(shape) if given < 0 and shape is not None else given
    if axis == 0:
        raise Unsupported(f"{node.op_type} over the batch dim", attribute="axis", expected="a non-batch axis",
                          found=given)
    last = len(shape) - 1 if shape is not None else -1
    if not old or axis == last:
        return Converted(SoftmaxLayer(level=axis), (node.input[0],))
    if shape is None or not all(isinstance(d, int) for d in shape[axis:]):
        raise Unsupported(f"{node.op_type} (opset {ctx.opset}) normalises over all dims from axis {axis} on, "
                          f"which needs their sizes known, found input shape {shape}", attribute="axis",
                          expected=last, found=given)  # (the last axis maps whatever the sizes)
    flat = NetChain([FlattenLayer(), SoftmaxLayer(), ReshapeLayer(tuple(shape[axis:]))])
    return Converted(mapped(flat, axis - 1), (node.input[0],))


def _log_softmax(node: Any, ctx: Context) -> Converted:
    """Softmax then Log (log-probabilities below about -87 underflow to -inf in float32, unlike ONNX's)."""
    softmax = _softmax(node, ctx).layer
    return Converted(NetChain([softmax, ElementwiseLayer("Log")]), (node.input[0],))


def _threading(node: Any, ctx: Context) -> Converted:
    """A ThreadingLayer of the op over its inputs (constants: ConstantArrayLayers); a variadic op of one: its input."""
    n = len(node.input)
    if n != 2 and (node.op_type not in _VARIADIC or n == 0):
        raise Unsupported(f"{node.op_type} with {counted(n, 'input')}", expected=2, found=n)
    if n == 1:
        return Converted(alias=node.input[0])
    constants = {i: ctx.constants[name] for i, name in enumerate(node.input) if name in ctx.constants}
    if len(constants) == n:
        raise Unsupported("all its operands are constants", expected="a computed operand",
                          found="constant operands only")
    data = max((t for t in node.input if t not in ctx.constants), key=lambda t: ctx.rank(t) or 0)
    rank = ctx.rank(data)  # the data's, batch dim included
    for value in constants.values():
        if rank is not None and (value.ndim > rank or (value.ndim == rank and value.shape[0] != 1)):
            raise Unsupported(f"its constant operand of shape {list(value.shape)} broadcasts against the batch dim "
                              f"of {data!r} (rank {rank}): it would vary along the batch or move it; "
                              f"a constant operand must broadcast over the dims after the batch",
                              expected="a constant that broadcasts over the dims after the batch",
                              found=tuple(value.shape))
    layer = ThreadingLayer(f"({' + '.join(f'#{k}' for k in range(1, n + 1))}) / {n}") if node.op_type == "Mean" \
        else ThreadingLayer(THREADING_OPS[node.op_type], inputs=n)  # Mean: their sum over n
    return Converted(layer, tuple(node.input), constants=constants)


def perm_of(node: Any, ctx: Context) -> list[int]:
    """A Transpose's perm; where it has none, ONNX's default: its input's dims reversed ([] for an unknown rank)."""
    return [int(p) for p in ctx.attributes(node).get("perm", range((ctx.rank(node.input[0]) or 0) - 1, -1, -1))]


def _transpose(node: Any, ctx: Context) -> Converted:
    return transposed(node, perm_of(node, ctx), ctx)


def transposed(node: Any, perm: list[int], ctx: Context) -> Converted:
    """A TransposeLayer of ``node``'s input by ONNX's ``perm`` (batch first); Unsupported where it moves the batch."""
    if not perm or perm[0] != 0:
        hint = _time_major_hint(node, ctx) if perm[:2] == [1, 0] else ""
        hint = f"{hint}; {ctx.refusals[node.output[0]]}" if node.output[0] in ctx.refusals else hint
        raise Unsupported(f"perm {perm} moves the batch dim{hint}", attribute="perm",
                          expected="a perm keeping dim 0 first", found=perm)
    inner = [p - 1 for p in perm[1:]]  # output dim j takes input dim inner[j]; ours: input level k -> perm[k]
    return Converted(TransposeLayer(tuple(inner.index(k) + 1 for k in range(len(inner)))), (node.input[0],))


def _time_major_hint(node: Any, ctx: Context) -> str:
    """Why a Transpose to a (length, batch, ...) layout does not import: a recurrence's input (its layout glue, which
    imports where nothing else reads the time-major sequence), else nn.MultiheadAttention's export."""
    recurrence = next((c.op_type for c, i in ctx.consumers.get(node.output[0], ()) if c.op_type in RECURRENT_OPS
                       and i == 0), None)
    if recurrence is not None:
        article = "a" if recurrence == "GRU" else "an"  # an LSTM, an RNN
        return (f" to a (length, batch, ...) layout, as torch exports the input of {article} {recurrence} "
                f"(batch_first=False); netgraph keeps the batch first and reads that Transpose as the recurrence's "
                f"layout only where nothing else reads the time-major sequence (a graph output or another node here): "
                f"give them the batch-first sequence")
    return (" to a (length, batch, ...) layout, as torch exports nn.MultiheadAttention (also inside "
            "nn.TransformerEncoderLayer); netgraph keeps the batch first: write attention as "
            "scaled_dot_product_attention on (batch, heads, length, dim) tensors")


RECURRENT_OPS = ("LSTM", "GRU", "RNN")  #: the ONNX recurrences, which read a (length, batch, ...) input


def _identity(node: Any, ctx: Context) -> Converted:
    return Converted(alias=node.input[0])


def _dropout(node: Any, ctx: Context) -> Converted:
    """Inference-mode Dropout: an identity. One whose training_mode input is true drops at random in onnxruntime."""
    if len(node.input) > 2 and node.input[2]:
        training, ratio = ctx.constants.get(node.input[2]), ctx.constants.get(node.input[1]) if node.input[1] else 0.5
        if training is None or (bool(np.ravel(training)[0]) and (ratio is None or float(np.ravel(ratio)[0]) != 0)):
            raise Unsupported("training_mode is true or computed: it drops elements at random (only an inference-"
                              "mode Dropout, an identity, imports)",
                              expected=False, found="computed" if training is None else True)
    return Converted(alias=node.input[0])


def _cast(node: Any, ctx: Context) -> Converted:
    # to FLOAT (1), DOUBLE (11): no-ops on real data; to INT32, INT64 of integers: on indices, lengths (moves_values)
    to, integer = int(ctx.attributes(node).get("to", 0)), node.input[0] in ctx.integers
    if to not in (1, 11) and not moves_values(node, 0, integer):
        raise Unsupported(f"a Cast of {'an integer' if integer else 'a real or bool'} tensor to {element_type_name(to)}"
                          " is not supported: only one to float32 or float64 (a no-op on real data), or of an integer"
                          " to int32 or int64", attribute="to", expected=[1, 11, 6, 7], found=to)
    return Converted(alias=node.input[0])


CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "Gemm": _gemm, "MatMul": _matmul, "Softmax": _softmax, "LogSoftmax": _log_softmax, "Transpose": _transpose,
    "Identity": _identity, "Dropout": _dropout, "Cast": _cast,
    **{op: _elementwise for op in ELEMENTWISE_OPS}, **{op: _threading for op in THREADING_OPS},
}

