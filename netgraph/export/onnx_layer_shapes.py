"""The shapes and batch folds of an imported layer's output (mixed into ``importer``'s builder: ``shapes`` and
``ctx`` are the builder's): our layer's own shape inference where onnx's lost sizes, and the fold (see
``onnx_reshape``) a layer's output inherits from its inputs; the ConstantArrayLayer of a constant operand."""

from __future__ import annotations

from typing import Any

import numpy as np

from netgraph.core.types import REAL, PortType
from netgraph.export.onnx_names import known_dim
from netgraph.export.onnx_ops import Context, Converted, Unsupported
from netgraph.export.onnx_recurrent import RECURRENT_OPS
from netgraph.layers import ConstantArrayLayer

__all__ = ["SHAPE_AGNOSTIC", "LayerShapes", "constant_layer"]

#: Layers that compute element by element, so work on a tensor whose batch is folded (see onnx_reshape).
SHAPE_AGNOSTIC = ("ElementwiseLayer", "FunctionLayer", "ThreadingLayer")


class LayerShapes:
    """The builder's shape and fold bookkeeping of each converted node."""

    def _infer_shape(self, node: Any, converted: Converted) -> None:
        """Where onnx's shape inference lost the output's sizes (dims 'unk__N', e.g. after a Pad whose pads are
        computed), our layer's own inference from its inputs' shapes (a constant operand's as its layer has it)
        gives them to later nodes."""
        out = self.shapes.get(node.output[0])
        if ((out is not None and all(known_dim(d) for d in out)) or self.ctx.folds.get(node.output[0])
                or any(getattr(self.ctx.producers.get(t), "op_type", None) in RECURRENT_OPS  # its layout is ONNX's
                       for t in converted.inputs) or node.op_type in RECURRENT_OPS):
            return
        layer, batch = converted.layer, None
        types = dict(layer.declared_types())
        for index, (port, tensor) in enumerate(zip(layer.input_ports, converted.inputs)):
            if index in converted.constants:
                types[port] = constant_layer(converted.constants[index], out, self.ctx).declared_types()["Output"]
                continue
            shape = self.shapes.get(tensor)
            if shape is None or not all(known_dim(d) for d in shape[1:]) or self.ctx.folds.get(tensor):
                return
            types[port], batch = PortType(tuple(shape[1:]), REAL), shape[0] if batch is None else batch
        if batch is None or len(layer.output_ports) != 1:
            return
        try:
            found = layer.infer(types)[layer.output_ports[0]].shape
        except Exception:  # noqa: BLE001 - not known here: onnx's shape stays
            return
        if found is not None and all(known_dim(d) for d in found) and (out is None or len(out) == len(found) + 1):
            self.shapes[node.output[0]] = (batch, *found)

    def _inherited_levels(self, converted: Converted, fold: int) -> tuple | None:
        """The sizes of the folded levels of an output of ``fold`` levels: those of its first input folded alike
        (a layer mapped over them keeps them); None where unknown."""
        inputs = (converted.alias,) if converted.alias is not None else converted.inputs
        return next((self.ctx.fold_levels.get(t) for t in inputs if self.ctx.folds.get(t, 0) == fold), None)

    def _fold(self, node: Any, converted: Converted) -> int:
        """The output's fold (see onnx_reshape): the converter's, else its inputs' if all alike (a constant operand
        only of an element-by-element layer: ``_threading`` checked it broadcasts over the dims after the batch)."""
        if converted.fold is not None:
            return converted.fold
        inputs = (converted.alias,) if converted.alias is not None else converted.inputs
        folds = {self.ctx.folds.get(t, 0) for i, t in enumerate(inputs) if i not in converted.constants}
        if folds <= {0}:
            return 0
        kind = "an alias" if converted.layer is None else converted.layer.type_name
        elementwise = kind in ("an alias", *SHAPE_AGNOSTIC)
        if len(folds) == 1 and (elementwise or not converted.constants):
            if self.shapes.get(node.output[0]) is None and elementwise:
                self.shapes[node.output[0]] = self.shapes.get(inputs[0])  # element by element: the input's shape
            return folds.pop()
        raise Unsupported(f"{kind} of tensors whose batch dim torch merged with other dims (a map) differently: a "
                          f"layer maps over the merged dims of inputs merged alike",
                          expected="inputs whose batch dims torch merged alike", found="inputs merged differently")


def constant_layer(array: np.ndarray, shape: tuple | None, ctx: Context) -> Any:
    """A ConstantArrayLayer for a broadcast operand: batch dim dropped, broadcast to x's shape, of the model's dtype"""
    value = array[0] if shape is not None and array.ndim == len(shape) and array.shape[0] == 1 else array
    if shape is not None and all(isinstance(d, int) for d in shape[1:]):
        value = np.broadcast_to(value, tuple(shape[1:]))
    return ConstantArrayLayer(array=ctx.real(value))
