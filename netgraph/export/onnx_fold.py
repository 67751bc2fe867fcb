"""Constants computed at import (``import_onnx``): nodes whose inputs are all constants become one constant.

Each is sized before it is computed (from onnx's shape inference, else from its inputs): one over the
``port_elements`` limit is a SpecError naming the node, so that a small file (a ConstantOfShape of
(100000, 100000), a broadcasting Add of two long vectors) cannot make the import allocate gigabytes.
An Expand of a constant to a known shape is broadcast as ONNX's Expand does; to a shape that names the batch
(or another dynamic dim) it is broadcast along the known dims only (the rest broadcast at run time).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netgraph.core.errors import SpecError
from netgraph.core.limits import current_limits, raise_hint
from netgraph.export.onnx_ops import ELEMENTWISE_OPS, THREADING_OPS, squeeze_axes
from netgraph.export.onnx_problems import node_path

__all__ = ["FOLDABLE", "ConstantFolding", "constant_of_node"]

#: Deterministic ops computed once, by onnx's reference evaluator, when all their inputs are constants.
FOLDABLE = frozenset({*ELEMENTWISE_OPS, *THREADING_OPS, "Neg", "Reciprocal", "Reshape", "Squeeze", "Transpose",
                      "Concat", "Slice", "Gather", "Equal", "Where", "Mod", "ConstantOfShape", "Range", "Not", "Trilu",
                      "DequantizeLinear",  # a weight-only quantized model's weights: (q - zero point) * scale
                      "ReduceProd"})  # x.std(): the count of the reduced elements, a product of known sizes
_BROADCASTING = frozenset({*THREADING_OPS, "Equal", "Where", "Mod"})


#: A Constant node's value attributes other than ``value`` (a tensor), and the dtype ONNX gives each.
_CONSTANT_ATTRIBUTES = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64,
                        "value_ints": np.int64}


def constant_of_node(onnx: Any, node: Any) -> np.ndarray | None:
    """The value of a Constant node: its ``value`` tensor, or its ``value_float(s)``/``value_int(s)`` (as onnxscript,
    torch's dynamo exporter and other tools write them); None for another kind (strings, a sparse tensor)."""
    for attribute in node.attribute:
        if attribute.name == "value":
            return np.array(onnx.numpy_helper.to_array(attribute.t))
        if attribute.name in _CONSTANT_ATTRIBUTES:
            return np.array(onnx.helper.get_attribute_value(attribute), dtype=_CONSTANT_ATTRIBUTES[attribute.name])
    return None


def constant_limit(integer_range: bool) -> tuple[int, str, str | None]:
    """The most elements a constant computed at import may hold, the message's words for it and how to raise it."""
    limit, range_limit = current_limits().port_elements, current_limits().range_elements
    if integer_range and range_limit < limit:
        return range_limit, f"{range_limit:,}, the most an integer Range (of sizes or indices) holds (the " \
                            f"range_elements limit; {raise_hint('range_elements')})", raise_hint("range_elements")
    return limit, f"the port_elements limit ({limit:,}; {raise_hint('port_elements')})", raise_hint("port_elements")


class ConstantFolding:
    """The import's constant folding (mixed into its builder: ``constants``, ``shapes``, ``ctx``, ``where``,
    ``evaluator``, ``onnx`` and ``_attributes`` are the builder's)."""

    def _fold_constant(self, node: Any) -> bool:
        """Identity, Cast, Unsqueeze and Expand of a constant give a constant, and so does any deterministic op of
        constants (``FOLDABLE``)."""
        if node.op_type in FOLDABLE and node.input and all(not i or i in self.constants for i in node.input):
            self._check_size(node)
            return self._evaluate(node)
        if node.op_type not in ("Identity", "Cast", "Unsqueeze", "Expand") or node.input[0] not in self.constants:
            return False
        value = self.constants[node.input[0]]
        if node.op_type == "Unsqueeze":
            axes = squeeze_axes(node, self.ctx, value.ndim)
            if axes is None:
                return False
            value = np.expand_dims(value, tuple(axes))
        if node.op_type == "Expand":
            value = self._expanded(node, value)
        if node.op_type == "Cast":  # to its type (pads, a Pad's input, are cast to int64)
            value = value.astype(self.onnx.helper.tensor_dtype_to_np_dtype(int(self._attributes(node)["to"])))
        self.constants[node.output[0]] = value
        return True

    def _expanded(self, node: Any, value: np.ndarray) -> np.ndarray:
        """ONNX's Expand (a two-way broadcast) of a constant; dims of the target that are not known at import (the
        batch, a length) count as 1, so the constant broadcasts along them where it is used."""
        target = self.constants.get(node.input[1]) if len(node.input) > 1 else None
        dims = (tuple(int(d) for d in np.ravel(target)) if target is not None
                else tuple(d if isinstance(d, int) else 1 for d in self.ctx.symbols.get(node.input[1], ())))
        try:
            shape = np.broadcast_shapes(value.shape, dims)
        except ValueError:
            raise SpecError(f"{self.where}: node {node.name or node.op_type!r} (Expand) cannot broadcast its constant "
                            f"of shape {list(value.shape)} to {list(dims)}", kind="malformed-node",
                            layer=self._node_path(node), found=node.op_type) from None
        self._check_size(node, shape)
        return np.broadcast_to(value, shape).copy()

    def _check_size(self, node: Any, shape: tuple | None = None) -> None:
        """SpecError naming ``node`` when the constant it computes holds more than ``port_elements`` elements."""
        shape = shape if shape is not None else self._folded_shape(node)
        start = self.constants.get(node.input[0]) if node.op_type == "Range" and node.input else None
        limit, words, hint = constant_limit(start is not None and start.dtype.kind in "iu")
        if shape is None or math.prod(shape) <= limit:
            return
        raise SpecError(f"{self.where}: node {node.name or node.op_type!r} ({node.op_type}) computes a constant of "
                        f"shape {list(shape)} ({math.prod(shape):,} elements) at import, more than {words}",
                        kind="constant-too-large",
                        layer=self._node_path(node), file=self.where, found=list(shape), expected=limit, hint=hint)

    def _node_path(self, node: Any) -> tuple[str]:
        """A Diagnostic's ``layer`` for ``node`` (``onnx_problems.node_path``)."""
        return node_path(node, next(i for i, n in enumerate(self.graph.node) if n is node))

    def _folded_shape(self, node: Any) -> tuple | None:
        """The shape of the constant ``node`` computes: as onnx's shape inference says, else from its inputs."""
        inferred = self.shapes.get(node.output[0]) if node.output else None
        if inferred is not None and all(isinstance(d, int) and d >= 0 for d in inferred):
            return tuple(inferred)
        values = [self.constants.get(i) for i in node.input]
        try:
            if node.op_type == "ConstantOfShape":
                return tuple(max(int(d), 0) for d in np.ravel(values[0]))
            if node.op_type == "Range":
                start, limit, delta = (float(np.ravel(v)[0]) for v in values[:3])
                return (max(math.ceil((limit - start) / delta), 0),) if delta else None
            if node.op_type in _BROADCASTING:
                return np.broadcast_shapes(*(v.shape for v in values if v is not None))
        except (ValueError, TypeError, IndexError, OverflowError):  # malformed: the evaluator will refuse it
            return None
        return None

    def _evaluate(self, node: Any) -> bool:
        try:
            values = self.evaluator(node).run(None, {i: self.constants[i] for i in node.input if i})
        except Exception:  # noqa: BLE001 - the reference evaluator's errors share no base; then it is not folded
            return False
        self.constants.update((name, np.array(v)) for name, v in zip(node.output, values) if name)
        return True
