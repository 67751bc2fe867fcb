"""The graph port names of an imported ONNX model. A port keeps its tensor's name (made an identifier by
``onnx_names.port_names``) unless torch's exporter made that name up because the user gave none: TorchScript's
debug names (an output ``21``, an input ``onnx::Gemm_0``) and the dynamo exporter's output named after the op that
computes it (``linear``, ``tanh``, ``sum_1``: a graph output whose metadata names no original node, so
``output_names`` did not set it, computed by the torch.fx node of that name). Those ports are ``Input`` and
``Output`` as our nets' are (``Output1``, ``Output2``... where several are); ``onnx_port_names`` tells every port's
ONNX name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from netgraph.export.deps import require
from netgraph.export.onnx_files import model_path, read_model
from netgraph.export.onnx_names import port_names

__all__ = ["graph_port_names", "model_inputs", "onnx_port_names", "producers_of", "value_shape", "value_shapes"]

_TORCHSCRIPT = re.compile(r"\d+|onnx::\w+_\d+")  # a value's debug name: its number, or the op it feeds and a number
_ORIGINAL = "pkg.torch.onnx.original_node_name"  # the dynamo exporter's, on an output that output_names renamed
_OUTPUT_KIND = "pkg.torch.export.graph_signature.OutputSpec.kind"  # the dynamo exporter's, on each output
_FX_NODE = "pkg.torch.onnx.fx_node"  # the dynamo exporter's, on each node: "%tanh : [num_users=1] = ..."


def onnx_port_names(path: str | os.PathLike) -> dict[str, str]:
    """{port name: ONNX tensor name} of each graph input and output of the model at ``path`` as ``import_onnx``
    names them (``{"Input": "onnx::Gemm_0", "Output": "3"}`` for a TorchScript export given no names): the names to
    feed onnxruntime the imported net's data by."""
    onnx = require("onnx")
    path = model_path(path)
    graph = read_model(onnx, path).graph
    inputs = model_inputs(graph)
    names = graph_port_names(inputs, graph.output, producers_of(graph.node), set())
    return dict(zip(names, [*inputs, *(o.name for o in graph.output)]))


def model_inputs(graph: Any) -> list[str]:
    """The names of the graph's inputs that are data (an initializer named as an input is a default, no port): the
    import's ports, as ``import_onnx`` reads them (a Constant node's output named as an input, a tensor defined
    twice, is refused there)."""
    initializers = {t.name for t in graph.initializer}
    return [v.name for v in graph.input if v.name not in initializers]


def graph_port_names(inputs: list[str], outputs: Iterable[Any], producers: Mapping[str, Any],
                     taken: set[str]) -> list[str]:
    """The port names of the graph ``inputs`` (names) and ``outputs`` (ValueInfos) in order, ``taken`` extended:
    each made-up name replaced by ``Input``/``Output`` (numbered where several are), then ``port_names``, the names
    the user gave first: a user's ``Input`` keeps its name and a made-up one is numbered past it.

    >>> graph_port_names(["onnx::Gemm_0", "Input"], [], {}, set())
    ['Input_2', 'Input']
    """
    outputs = list(outputs)
    made_up = [bool(_TORCHSCRIPT.fullmatch(name)) for name in inputs]
    made_up += [_made_up_output(o, producers.get(o.name)) for o in outputs]
    names = [*_standard(inputs, made_up[:len(inputs)], "Input"),
             *_standard([o.name for o in outputs], made_up[len(inputs):], "Output")]
    order = sorted(range(len(names)), key=made_up.__getitem__)  # the user's names first, each group in order
    named = dict(zip(order, port_names([names[i] for i in order], taken)))
    return [named[i] for i in range(len(names))]


def _made_up_output(value: Any, producer: Any) -> bool:
    """Whether a graph output's name is one torch's exporter made up (see the module's docstring)."""
    if _TORCHSCRIPT.fullmatch(value.name):
        return True
    props = {p.key: p.value for p in value.metadata_props}
    if _OUTPUT_KIND not in props or _ORIGINAL in props or producer is None:
        return False
    fx_node = next((p.value for p in producer.metadata_props if p.key == _FX_NODE), "")
    return fx_node.startswith(f"%{value.name} ")


def _standard(names: list[str], made_up: list[bool], base: str) -> list[str]:
    """``names`` with each made-up one ``base``, numbered from 1 where several are."""
    count, number = sum(made_up), 0
    out = []
    for name, replaced in zip(names, made_up):
        number += replaced
        out.append((f"{base}{number}" if count > 1 else base) if replaced else name)
    return out


def producers_of(nodes: Iterable[Any]) -> dict[str, Any]:
    """Each tensor that ``nodes`` compute -> the node computing it."""
    return {output: node for node in nodes for output in node.output if output}


def value_shapes(graph: Any) -> dict[str, tuple | None]:
    """{name: ``value_shape``} of the graph's inputs, then of its value_info and outputs that have a shape (an output
    of no shape keeps its input's); linear in their number."""
    shapes = {v.name: value_shape(v) for v in graph.input}
    for value in (*graph.value_info, *graph.output):
        if (shape := value_shape(value)) is not None:
            shapes[value.name] = shape
    return shapes


def value_shape(value: Any) -> tuple | None:
    """A ValueInfoProto's dims (an int, else its name, else "?"); None where it has no shape."""
    tensor = value.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tensor.shape.dim)
