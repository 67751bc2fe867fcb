"""What torch's TorchScript-based ONNX exporter lacks or cannot say: ONNX forms of the hyperbolic functions
(ONNX has Sinh, Cosh, Asinh, Acosh and Atanh since opset 9; torch 2.13 exports none of them), and the layer
behind a refused operator or an invalid node (torch names only ``aten::cosh``, onnx's checker only the node)."""

from __future__ import annotations

import re

from torch.onnx import register_custom_op_symbolic
from typing import Any

from netgraph.core.walk import nested_nodes

__all__ = ["hyperbolic_symbolics", "layer_of_operator", "layer_of_node"]

_HYPERBOLIC = {"sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh"}
HYPERBOLIC_OPSET = 9


def hyperbolic_symbolics() -> None:
    """Export ``aten::sinh`` ... as ONNX ``Sinh`` ... (from opset 9; below, onnx's checker rejects the model, and
    ``export_onnx`` says so). Registered once, for good: torch's ``unregister_custom_op_symbolic`` leaves an entry
    without versions behind, on which its exporter later fails ("min() arg is an empty sequence")."""
    global _REGISTERED
    if _REGISTERED:
        return
    for aten, op in _HYPERBOLIC.items():
        register_custom_op_symbolic(f"aten::{aten}", _symbolic(op), HYPERBOLIC_OPSET)
    _REGISTERED = True


_REGISTERED = False


def _symbolic(op: str) -> Any:
    def symbolic(g: Any, x: Any) -> Any:
        return g.op(op, x)
    return symbolic


def layer_of_operator(net: Any, code: str, message: str) -> str:
    """"layer 'enc/act2' (ElementwiseLayer 'Cosh')" for the layer whose generated line calls the torch operator
    that ``message`` (torch's refusal, naming ``aten::cosh``) names; '' when no line says."""
    found = re.search(r"aten::(\w+)", message)
    if not found:
        return ""
    call = re.compile(rf"\b{re.escape(found.group(1).rstrip('_'))}_?\(")
    for line in code.splitlines():
        target, equals, value = line.strip().partition(" = ")
        if equals and call.search(value):
            where = _layer_named(net, target)
            if where:
                return where
    return ""


def layer_of_node(net: Any, node_name: str) -> str:
    """The layer an exported node comes from: torch names nodes by module scope (``/enc/ConstantOfShape``)."""
    parts = [p for p in node_name.split("/") if p][:-1]
    while parts:
        where = _layer_named(net, "_".join(parts), exact=True)
        if where:
            return where
        parts.pop()
    return ""


def _layer_named(net: Any, variable: str, exact: bool = False) -> str:
    """"layer ..." for the nested layer whose path joined by '_' is ``variable`` (or starts it)."""
    best = None
    for path, node in nested_nodes(net):
        stem = "_".join(map(str, path))
        if variable == stem or (not exact and variable.startswith(f"{stem}_")):
            if best is None or len(path) > len(best[0]):
                best = (path, node.layer)
    if best is None:
        return ""
    path, layer = best
    function = layer.options().get("function") if layer.type_name == "ElementwiseLayer" else None
    shown = f" {function!r}" if isinstance(function, str) else ""
    return f"layer {'/'.join(map(str, path))!r} ({layer.type_name}{shown})"
