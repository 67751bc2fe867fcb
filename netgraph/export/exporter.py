"""``export_onnx(net, path)``: a NetGraph as an ONNX model, through torch's TorchScript-based exporter.

Why that exporter (``torch.onnx.export(..., dynamo=False)``) and not the ``torch.export`` one: in
torch 2.13 both export every catalogue family, but the TorchScript one takes well under a second
per net where the dynamo one takes 5 to 25 s on CPU, needs ``onnxscript``, and must be told
symbolic dims through ``torch.export.Dim`` constraints that a generated forward easily
specialises away. Graph ports become the ONNX input and output names; the batch dim is dynamic
(``batch``), and so is every variable dim of a port (``"n"`` in its shape).
"""

from __future__ import annotations

import contextlib
import io
import json
import numbers
import os
import re
from pathlib import Path
from typing import Any

import torch
from torch.onnx import _constants as _torch_onnx

from netgraph import __version__
from netgraph.backend.derived_lengths import example_lengths
from netgraph.core.coders import Labelled
from netgraph.core.errors import DataError, NetGraphError, OptionError, ShapeError
from netgraph.core.files import atomic_replace
from netgraph.core.graph import NetGraph
from netgraph.core.layer_surgery import as_net
from netgraph.core.muted_outputs import require_outputs
from netgraph.core.names import fresh_name
from netgraph.core.output_paths import refuse_folder_path
from netgraph.core.types import INTEGER
from netgraph.core.walk import nested_nodes
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.core.wording import first_few
from netgraph.export.deps import require
from netgraph.export.onnx_files import model_path
from netgraph.export.onnx_coders import CODERS_KEY, coders_metadata
from netgraph.export.onnx_labels import LABELS_KEY
from netgraph.export.onnx_tied import SHARED_KEY, shared_record
from netgraph.export.onnx_quiet import quiet
from netgraph.export.onnx_symbolics import (call_without_onnx_form, first_opset, hyperbolic_symbolics, layer_of_node,
                                            layer_of_line, layer_of_op_type, layer_of_operator, layer_running_operator,
                                            refused_operator, refused_type)

__all__ = ["export_onnx", "EXPORTABLE_DISTRIBUTIONS", "OPSETS", "check_opset", "example_inputs", "dynamic_axes",
           "batch_name"]

#: RandomArrayLayer distributions whose draws onnxruntime reproduces (RandomNormalLike,
#: RandomUniformLike; checked statistically by the tests). The others are refused with an
#: OptionError naming the layer: gamma, Poisson, binomial and exponential sampling have no ONNX
#: op, and torch's Bernoulli export gives draws whose statistics differ from torch's.
EXPORTABLE_DISTRIBUTIONS = frozenset({"NormalDistribution", "UniformDistribution"})
_TRACE_BATCH, _TRACE_LENGTH = 2, 3
#: The opsets torch's TorchScript-based exporter supports (above them it only warns, then may write a model
#: it disclaims; below, or far above, it fails after printing its whole IR graph).
OPSETS = range(_torch_onnx.ONNX_MIN_OPSET, _torch_onnx.ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET + 1)


def check_opset(opset: Any, label: str = "opset") -> int | None:
    """``opset`` as an int (None: torch's default); OptionError unless it is an integer in ``OPSETS`` (a numpy
    integer counts; a bool or a float does not). The message calls it ``label`` (the command line: "--opset")."""
    if opset is None:
        return None
    if isinstance(opset, bool) or not isinstance(opset, numbers.Integral):
        raise OptionError(f"{label} must be an int, found {type(opset).__name__} {opset!r}", option="opset",
                          kind="option-value", expected="an int", found=opset)
    if int(opset) in OPSETS:
        return int(opset)
    raise OptionError(f"{label} {int(opset)} is outside the opsets torch's ONNX exporter supports ("
                      f"{OPSETS.start} to {OPSETS.stop - 1}; default {_torch_onnx.ONNX_DEFAULT_OPSET})",
                      option="opset", kind="option-value", expected=(OPSETS.start, OPSETS.stop - 1), found=opset)


def export_onnx(net: Any, path: str | os.PathLike, *, opset: int | None = None, name: str | None = None,
                description: str | None = None) -> Path:
    """Write ``net`` (initialised) to ``path`` as an ONNX model; returns the path as given (a link's, not the file
    it leads to, which is written through, as ``save`` and ``render`` return it).

    ``opset`` defaults to torch's; one outside ``OPSETS`` is an OptionError. ``name`` and ``description`` go
    into the model's metadata (``metadata_props`` keys ``name``, ``description``, and ``doc_string``). Layers
    are exported in inference mode (dropout off, batch norm with its moving statistics). A layer alone is exported
    as the net of it alone, ``NetGraph(layer)`` (Wolfram's Export["x.onnx", layer]).

    >>> import tempfile, netgraph
    >>> net = netgraph.net_initialize(netgraph.NetChain([3, "Tanh"], input=4), seed=0)
    >>> export_onnx(net, f"{tempfile.mkdtemp()}/tanh.onnx", name="Tiny").name
    'tanh.onnx'
    """
    opset = check_opset(opset)
    net = as_net(net)
    _check_arguments(net, name, description)
    require_outputs(net, "export_onnx", "to export")  # a model of no outputs, which onnxruntime cannot load
    given, path = path, model_path(path, "export_onnx")  # before the export's work (an int failed once written)
    _check_suffix(path, given)
    onnx = require("onnx")
    _refuse_unexportable(net, opset)
    module = net.compile().eval()
    if without := call_without_onnx_form(net, module.code, module):  # torch's refusal named only its own function
        raise OptionError(f"cannot export {without}", kind="unexportable", found=without)
    data = _export_bytes(net, module, opset)
    model = onnx.load_from_string(data)
    _keep_unused_inputs(model, net)
    _declare_output_sizes(model, net)
    _check_model(onnx, model, net, module, opset)
    _add_metadata(model, net, name or "NetGraph", description)
    try:
        atomic_replace(path, model.SerializeToString())
    except (OSError, ValueError, TypeError) as exc:  # a missing folder, a name too long, a NUL byte
        raise NetGraphError(f"cannot write the ONNX model to {path[:200]!r}: "
                            f"{getattr(exc, 'strerror', None) or exc}", kind="unwritable-file",
                            found=path,
                            detail=str(getattr(exc, 'strerror', None) or exc)) from None
    return Path(path)


def _check_arguments(net: Any, name: Any, description: Any) -> None:
    if not isinstance(net, NetGraph):
        note = compiled_module_note(net) or " (load a spec file with netgraph.load)"
        raise OptionError(f"export_onnx needs a NetGraph, a NetChain or a layer; found {type(net).__name__}{note}",
                          hint=compiled_module_hint(net), kind="not-a-net", expected="a NetGraph, a NetChain or a layer",
                          found=type(net).__name__)
    for option, value in (("name", name), ("description", description)):
        if value is not None and not isinstance(value, str):
            raise OptionError(f"export_onnx {option}= must be a string (or None), found {type(value).__name__} "
                              f"{str(value)[:60]!r}", option=option, kind="option-value",
                              expected="a string or None", found=value)


#: Suffixes of netgraph's own files, which ``load`` and the command line read as such: no ONNX model goes there.
_OWN_SUFFIXES = {".yaml": "a spec", ".yml": "a spec", ".safetensors": "a spec's arrays"}


def _check_suffix(path: str, given: Any) -> None:
    """OptionError ``output-path`` for a path of netgraph's own files, or one ending with a separator (a folder:
    ``Path`` dropped the separator, and the file ``t.onnx`` was written for ``t.onnx/``); ``given``: the path as the
    user gave it (bytes shown as bytes)."""
    refuse_folder_path(given, "export_onnx", "model.onnx", expected="a path ending in .onnx")
    suffix = os.path.splitext(path)[1].lower()
    if suffix in _OWN_SUFFIXES:  # the path shown as given: bytes as bytes, not fsdecode's '\udcff'
        shown = raw if isinstance(raw := os.fspath(given), bytes) else path
        raise OptionError(f"export_onnx(net, {shown!r}) writes an ONNX model, not {_OWN_SUFFIXES[suffix]}: give the "
                          f"path the suffix .onnx (save(net, path) writes a spec)", option="path", kind="output-path",
                          expected="a path ending in .onnx", found=path)


def example_inputs(net: Any, batch: int = _TRACE_BATCH, length: int = _TRACE_LENGTH, seed: int = 0) -> dict:
    """Random tensors for every graph input: ``batch`` examples, variable dims of size ``length``."""
    generator = torch.Generator().manual_seed(seed)
    tensors, lengths = {}, example_lengths(net, length)  # a kernel of 3 after a pooling needs more than 3
    types = net.port_types
    for port in net.input_ports:
        t = types[port]
        shape = (batch, *(lengths.get(d, length) if isinstance(d, str) else d for d in t.shape))
        if t.dtype == INTEGER:
            tensors[port] = torch.randint(0, 2, shape, generator=generator)
        else:
            tensors[port] = torch.randn(shape, generator=generator)
    return tensors


def dynamic_axes(net: Any) -> dict[str, dict[int, str]]:
    """ONNX dynamic axes by port: the batch dim (0) and every variable dim, named as in the port's shape."""
    axes, batch = {}, batch_name(net)
    types = net.port_types
    for port in (*net.input_ports, *net.output_ports):
        shape = types[port].shape
        axes[port] = {0: batch, **{i + 1: str(d) for i, d in enumerate(shape) if isinstance(d, str)}}
    return axes if net.input_ports else {}


def batch_name(net: Any) -> str:
    """The batch axis's dim_param: ``batch``, or ``batch_2``, ... when a port's variable length is named so (equal
    dim_params mean equal sizes in ONNX)."""
    lengths = {d for p in (*net.input_ports, *net.output_ports) for d in net.port_types[p].shape or ()
               if isinstance(d, str)}
    return fresh_name("batch", lengths, "_")


#: the lowest opset at which torch's exporter writes each layer type that needs more than its minimum (found by
#: exporting each form at every opset: torch 2.13 writes interpolate's Resize from opset 11 only)
MIN_OPSETS = {"ResizeLayer": 11}


def _refuse_unexportable(net: Any, opset: int | None) -> None:
    _refuse_variable_folds(net)
    top = {node.path for node in net.ir.nodes}
    for path, node in nested_nodes(net):  # inside operators too
        layer = node.layer
        where = net.describe((path, None)) if path in top else f"layer {'/'.join(path)!r} ({layer.type_name})"
        if (need := MIN_OPSETS.get(layer.type_name, 0)) > (opset or _DEFAULT_OPSET):
            raise OptionError(f"{where} cannot be exported at opset {opset}: torch's ONNX exporter writes it from "
                              f"opset {need}; export at opset {need} or higher", layer=path, option="opset",
                              kind="opset-too-low", expected=need, found=opset)
        distribution = layer.options().get("distribution") if layer.type_name == "RandomArrayLayer" else None
        if layer.type_name == "KLDivergenceLayer" and getattr(layer, "resolved_method", None) == "monte_carlo":
            distribution = layer.p  # a Monte Carlo estimate draws from p
        kind = type(distribution).__name__
        if distribution is not None and kind not in EXPORTABLE_DISTRIBUTIONS:
            raise OptionError(f"{where} samples {kind}, which has no faithful ONNX form; "
                              f"exportable distributions: "
                              f"{', '.join(sorted(EXPORTABLE_DISTRIBUTIONS))}", layer=path, option="distribution",
                              kind="unexportable", expected=tuple(sorted(EXPORTABLE_DISTRIBUTIONS)), found=kind)


def _refuse_variable_folds(net: Any) -> None:
    """ShapeError naming the first NetFoldOperator whose sequence length is variable: its forward is a Python
    loop, which the tracer unrolls to the tracing length, so the model would be wrong at any other length."""
    for path, node in nested_nodes(net):
        if node.layer.type_name != "NetFoldOperator":
            continue
        port = node.layer.elements[0]
        shape = node.types[port].shape
        if shape is None or not isinstance(shape[0], int):
            length = "unknown" if shape is None else repr(shape[0])
            raise ShapeError(f"NetFoldOperator {'/'.join(path)!r} folds over a sequence of variable length "
                             f"({length}, its port {port!r}); torch's ONNX exporter unrolls the fold's loop to "
                             f"one length, so the model would be wrong at any other: give the sequence a fixed "
                             f"length (e.g. a graph input of shape [7, ...]) to export it", layer=path, port=port,
                             kind="variable-length", expected="a fixed length", found=None if shape is None else shape[0])


def _trace_inputs(net: Any, module: torch.nn.Module) -> dict:
    """``example_inputs`` that ``module`` runs on, so its trace is that of a valid evaluation: Integer ports
    get random indices 0 or 1, else all 1 (ExtractLayer's smallest 1-based position), else all 0 (the first
    embedding or class); real ports random normal values, else uniform in [0, 1) (probabilities, as
    CrossEntropyLossLayer('Binary') takes). None runs: a DataError with the net's own error, before torch traces
    anything."""
    inputs = example_inputs(net)
    integer = [p for p in net.input_ports if net.port_types[p].dtype == INTEGER]
    real = [p for p in net.input_ports if p not in integer]
    generator = torch.Generator().manual_seed(1)
    unit = {p: torch.rand(inputs[p].shape, generator=generator) for p in real}
    fills = [{**base, **{p: torch.full_like(inputs[p], v) for p in integer}} if v is not None else base
             for base in (inputs, {**inputs, **unit}) for v in (None, *((1, 0) if integer else ()))]
    problem = None
    for trial in fills:
        try:
            with quiet(), torch.no_grad():
                module(*(trial[p] for p in net.input_ports))
            return trial
        except (ValueError, IndexError, RuntimeError) as exc:  # DataError, an index past an embedding's count
            problem = problem or exc
    tried = [f"Integer {'port' if len(integer) == 1 else 'ports'} {first_few(integer, text=repr)} random 0 or 1, all 1, "
             f"all 0"] if integer else []
    tried += [f"real {'port' if len(real) == 1 else 'ports'} {first_few(real, text=repr)} random normal, uniform in "
              f"[0, 1)"] if real else []
    raise DataError(f"export_onnx traces the net on example inputs, but none runs ({'; '.join(tried)}): "
                    f"{str(problem)[:300]}", port=(integer or real)[0], kind="trace-inputs",
                    detail=str(problem)[:300]) from None


def _export_bytes(net: Any, module: torch.nn.Module, opset: int | None, verbose: bool = False) -> bytes:
    """The model torch's exporter writes; ``verbose``: with each node's Python stack as its doc_string (where a
    refused node comes from; never in a written file: it holds the paths of the source files)."""
    inputs = _trace_inputs(net, module)
    buffer = io.BytesIO()
    try:
        # a verbose export prints its graph: only that one (on the error path) swaps the process's sys.stdout
        dump = contextlib.redirect_stdout(io.StringIO()) if verbose else contextlib.nullcontext()
        with hyperbolic_symbolics(), quiet(), torch.no_grad(), dump:
            torch.onnx.export(module, tuple(inputs[p] for p in net.input_ports), buffer, dynamo=False,
                              input_names=list(net.input_ports), output_names=list(net.output_ports),
                              dynamic_axes=dynamic_axes(net) or None, opset_version=opset, verbose=verbose)
    except torch.onnx.errors.UnsupportedOperatorError as exc:
        with quiet():  # running the module again: no InlineLayerWarning per inline layer, no ONNX log
            # (torch's UnsupportedOperatorError names its aten operator in its text alone: no field holds it)
            where = layer_of_operator(net, module.code, str(exc), module) or layer_running_operator(
                net, module, tuple(inputs[p] for p in net.input_ports), str(exc))  # operators' inner nets; modules
        first = str(exc).strip().splitlines()[0][:300]
        raise OptionError(f"torch's ONNX exporter cannot export {where or 'this net'} (opset "
                          f"{opset or _DEFAULT_OPSET}): {first}", layer=where.path if where else None,
                          option="opset" if opset and opset < _DEFAULT_OPSET else None, kind="unexportable",
                          found=refused_operator(str(exc)), detail=first) from None
    except (RuntimeError, ValueError, TypeError, torch.onnx.errors.OnnxExporterError) as exc:
        # torch's exporter gives no field for its failure: its message, whose last line follows a dump of its graph
        first = str(exc).strip().splitlines()[-1 if "Torch IR graph" in str(exc) else 0][:300]
        raise OptionError(f"torch's ONNX exporter cannot export this net (opset {opset or _DEFAULT_OPSET}): {first}",
                          option="opset", kind="unexportable", detail=first) from None
    return buffer.getvalue()


_DEFAULT_OPSET = _torch_onnx.ONNX_DEFAULT_OPSET
_HIGHER = f" (a higher opset may have one: torch's default is {_DEFAULT_OPSET})"


def _check_model(onnx: Any, model: Any, net: Any, module: Any, opset: int | None) -> None:
    """OptionError naming the node, its layer and the first opset that has its op when onnx's checker rejects the
    written model: torch writes some ops at opsets that lack them (an LSTM's ConstantOfShape at opset 7 or 8, GELU's
    Erf at 8) or for types they lack there (Equal on floats before opset 11) without a word."""
    try:  # full: with shape inference's type constraints too
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        text = str(exc).strip()
        node = _failed_node(text)
        where = (layer_of_node(net, node[0]) or layer_of_op_type(net, module.code, node[1], module)
                 or _layer_of_stack(onnx, net, module, opset, node[0]) if node else "")
        what = f"its {node[1]} node {node[0]!r}{f' from {where}' if where else ''}" if node else "it"
        typed = refused_type(onnx, model, node[0], opset or _DEFAULT_OPSET) if node else None
        first = first_opset(onnx, node[1], typed) if node else None
        has = f"{node[1]} of {typed[1]}" if node and typed else node[1] if node else ""
        need = (f"; ONNX has {has} from opset {first}: export at opset {first} or higher"
                if first and first > (opset or _DEFAULT_OPSET) else _HIGHER if opset and opset < _DEFAULT_OPSET else "")
        raise OptionError(f"torch's ONNX exporter wrote a model that is not valid ONNX at opset "
                          f"{opset or _DEFAULT_OPSET}: {what}: {text.splitlines()[0][:200]}{need}",
                          layer=where.path if where else None, option="opset", kind="invalid-model", expected=first,
                          found=opset,
                          detail=text.splitlines()[0][:200]) from None


def _layer_of_stack(onnx: Any, net: Any, module: Any, opset: int | None, node: str) -> Any:
    """The layer whose line of the generated forward made ``node`` (a helper's node, named with no module scope:
    a padding's index computation), read from the node's Python stack in a verbose export; None where none says."""
    try:
        model = onnx.load_from_string(_export_bytes(net, module, opset, verbose=True))
    except (NetGraphError, ValueError, RuntimeError):  # a hint only: the check's own error stands
        return None
    stack = next((n.doc_string for n in model.graph.node if n.name == node), "")
    return layer_of_line(net, module, stack)


def _failed_node(text: str) -> tuple[str, str] | None:
    """(node name, op type) of the node onnx's checker or shape inference names in ``text`` (onnx's own words)."""
    if checker := re.search(r"Name: (\S+) OpType: (\S+)", text):
        return checker.group(1), checker.group(2)
    if inference := re.search(r"\(op_type:(\S+), node name: ([^)]*)\)", text):
        return inference.group(2), inference.group(1)
    return None


def _add_metadata(model: Any, net: Any, name: str, description: str | None) -> None:
    ports = {"inputs": _shapes(net, net.input_ports), "outputs": _shapes(net, net.output_ports)}
    text = description or f"{name}: a netgraph NetGraph with inputs {ports['inputs']}, outputs {ports['outputs']}"
    model.doc_string = text
    model.producer_name, model.producer_version = "netgraph", __version__
    props = {"name": name, "description": text, "netgraph_ports": json.dumps(ports)}
    if labels := _class_labels(net):
        props[LABELS_KEY] = json.dumps(labels, default=str)
    if coders := coders_metadata(net):  # the other coders: a vocabulary, an image size, mean and std
        props[CODERS_KEY] = coders
    if shared := shared_record(net):  # which equal arrays are one: import_onnx ties only those gate blocks
        props[SHARED_KEY] = shared
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value


def _class_labels(net: Any) -> dict[str, list]:
    """The labels of each port's class encoder or decoder: the model takes and gives their indices and probabilities."""
    return {port: list(coder.labels) for port, coder in net.coders.items()
            if isinstance(coder, Labelled)}


def _shapes(net: Any, ports: tuple[str, ...]) -> dict[str, list]:
    return {p: [batch_name(net), *net.port_types[p].shape] if net.input_ports else list(net.port_types[p].shape)
            for p in ports}


def _keep_unused_inputs(model: Any, net: Any) -> None:
    """Give back the graph inputs torch's tracer dropped because no output needs them (an input whose layer's
    output is muted): users feed every port by name. Inputs keep the net's port order."""
    from onnx import TensorProto, helper  # optional: export_onnx has required onnx before calling this
    given = {v.name: v for v in model.graph.input}
    if all(p in given for p in net.input_ports):
        return
    axes = dynamic_axes(net)
    inputs = [given.pop(p) if p in given else helper.make_tensor_value_info(
        p, TensorProto.INT64 if net.port_types[p].dtype == INTEGER else TensorProto.FLOAT,
        [axes[p].get(i, d) for i, d in enumerate((None, *net.port_types[p].shape))]) for p in net.input_ports]
    inputs += given.values()  # none expected: every graph input is a port
    del model.graph.input[:]
    model.graph.input.extend(inputs)


def _declare_output_sizes(model: Any, net: Any) -> None:
    """Write the port's size into each output dim torch's shape inference left unknown (a ``DivOutput_dim_1``
    after a Median, Variance ...), so that the model's outputs declare the shapes ``netgraph_ports`` says."""
    for value in model.graph.output:
        if value.name not in net.output_ports or not net.input_ports:
            continue
        dims, shape = value.type.tensor_type.shape.dim, net.port_types[value.name].shape
        if len(dims) == len(shape) + 1:
            for dim, size in zip(dims[1:], shape):
                if isinstance(size, int) and not dim.HasField("dim_value"):
                    dim.dim_value = size
