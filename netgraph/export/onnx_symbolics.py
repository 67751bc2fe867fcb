"""What torch's TorchScript-based ONNX exporter lacks or cannot say: ONNX forms of the hyperbolic functions
(ONNX has Sinh, Cosh, Asinh, Acosh and Atanh since opset 9; torch 2.13 exports none of them), a correct one of
atan2 (torch's is wrong on the axes), a stable one of logsigmoid, one of trunc and of erfc, and the layer
behind a refused operator or an invalid node (torch names only ``aten::cosh``, onnx's checker only the node)."""

from __future__ import annotations

import contextlib
import math
import re
import threading
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import torch
from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

from netgraph.backend.compile import variable_base
from netgraph.export.onnx_casts import element_type_name
from netgraph.export.onnx_files import ONNX_DOMAINS
from netgraph.export.onnx_attention_symbolic import ATTENTION_OPSET, scaled_dot_product_attention
from netgraph.export.onnx_group_symbolic import group_norm
from netgraph.export.onnx_torch_private import (TorchDispatchMode, custom_symbolic, drop_entry, symbolic_at,
                                                 symbolic_group, symbolic_table)
from netgraph.core.walk import nested_nodes

__all__ = ["hyperbolic_symbolics", "call_without_onnx_form", "LayerAt", "layer_of_operator", "layer_running_operator",
           "layer_of_op_type", "layer_of_node", "layer_of_line", "first_opset", "refused_type", "refused_operator"]

_HYPERBOLIC = {"sinh": "Sinh", "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh"}
HYPERBOLIC_OPSET = 9
_OPSETS = {"scaled_dot_product_attention": ATTENTION_OPSET}  # the symbolics registered from another opset


#: whether this thread runs netgraph's own export (our symbolics apply there only)
_OWN_EXPORT = threading.local()
#: netgraph's exports register and restore the symbolics one at a time
_REGISTERING = threading.RLock()


@contextlib.contextmanager
def hyperbolic_symbolics() -> Iterator[None]:
    """Export ``aten::sinh`` ... as ONNX ``Sinh`` ..., ``aten::log_sigmoid`` stably, ``aten::trunc``, ``aten::erfc``
    and ``aten::atan2`` correctly on the axes (from opset 9; below, onnx's checker rejects the model, and
    ``export_onnx`` says so) and a causal ``scaled_dot_product_attention`` of doubles (from opset 14), inside the
    block and in its thread only: another thread's ``torch.onnx.export`` meanwhile gets what torch would run without
    it (a user's own symbolic, torch's, or torch's refusal), and afterwards torch's registry is as before (a user's
    own symbolic back in place). Blocks of several threads run one at a time. torch's
    ``unregister_custom_op_symbolic`` leaves an empty entry behind, on which its exporter fails ("min() arg is an
    empty sequence"): an entry this block created is removed."""
    symbolics = {**{aten: _symbolic(op) for aten, op in _HYPERBOLIC.items()}, "atan2": _atan2,
                 "log_sigmoid": _log_sigmoid, "trunc": _trunc, "erfc": _erfc, "group_norm": group_norm,
                 "scaled_dot_product_attention": scaled_dot_product_attention}
    with _REGISTERING:
        before = {aten: _override(aten) for aten in symbolics}
        was = getattr(_OWN_EXPORT, "active", False)
        try:
            for aten, symbolic in symbolics.items():
                register_custom_op_symbolic(f"aten::{aten}", _in_own_export(aten, symbolic), _opset(aten))
            _OWN_EXPORT.active = True
            yield
        finally:
            _OWN_EXPORT.active = was
            for aten, (existed, previous) in before.items():
                _restore(aten, existed, previous)


def _opset(aten: str) -> int:
    return _OPSETS.get(aten, HYPERBOLIC_OPSET)


def _in_own_export(aten: str, ours: Any) -> Any:
    """``ours`` in netgraph's own export; in another thread's, the symbolic torch ran for ``aten::<aten>`` at that
    export's opset before ours was registered (its table read now, at registration), or torch's refusal."""
    name, table = f"aten::{aten}", symbolic_table(f"aten::{aten}")

    def symbolic(g: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_OWN_EXPORT, "active", False):
            return ours(g, *args, **kwargs)
        theirs = symbolic_at(table, g.opset)
        if theirs is None:
            raise torch.onnx.errors.UnsupportedOperatorError(name, g.opset, min(table) if table else None)
        return theirs(g, *args, **kwargs)
    return symbolic


def _restore(aten: str, existed: bool, previous: Any) -> None:
    """torch's registry entry of ``aten::<aten>`` as it was: the user's own symbolic back, or ours removed (an
    entry ours created in one step: ``unregister_custom_op_symbolic`` would leave it empty for a moment, on which
    another thread's export fails with "min() arg is an empty sequence")."""
    name, opset = f"aten::{aten}", _opset(aten)
    if previous is not None:
        register_custom_op_symbolic(name, previous, opset)
    elif not existed:
        drop_entry(name)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unregister_custom_op_symbolic(name, opset)


def _override(aten: str) -> tuple[bool, Any]:
    """Whether torch's registry has an entry for ``aten::<aten>``, and the custom symbolic registered for it at the
    opset ours is (None when none)."""
    return symbolic_group(f"aten::{aten}") is not None, custom_symbolic(f"aten::{aten}", _opset(aten))


def _symbolic(op: str) -> Any:
    def symbolic(g: Any, x: Any) -> Any:
        return g.op(op, x)
    return symbolic


def _atan2(g: Any, y: Any, x: Any) -> Any:
    """torch's ``atan2(y, x)`` off the origin, signed zeros included: Atan(y / x), plus Pi when x is negative or -0.
    and y is not (+0. too), minus Pi when both are. torch's own form added Pi only for y > 0 (atan2(0., -1.) was -Pi)
    and read x = -0. as positive (atan2(1., -0.) was -Pi/2); a zero's sign is read from 1/z's (Less only: opset 9)."""
    zero = g.op("Constant", value_t=torch.tensor(0.0))
    pi = g.op("Constant", value_t=torch.tensor(math.pi))
    one = g.op("Constant", value_t=torch.tensor(1.0))

    def negative(z: Any) -> Any:  # z < 0 or z is -0.
        return g.op("Or", g.op("Less", z, zero), g.op("Less", g.op("Div", one, z), zero))
    angle = g.op("Atan", g.op("Div", y, x))
    turned = g.op("Where", negative(y), g.op("Sub", angle, pi), g.op("Add", angle, pi))
    return g.op("Where", negative(x), turned, angle)


def _log_sigmoid(g: Any, x: Any) -> Any:
    """torch's ``logsigmoid(x)`` as -Softplus(-x): torch's own Log(Sigmoid(x)) underflows to -inf far left (-40)."""
    return g.op("Neg", g.op("Softplus", g.op("Neg", x)))


def _trunc(g: Any, x: Any) -> Any:
    """torch's ``trunc(x)`` (IntegerPart, FractionalPart), which torch does not export: Ceil below 0, else Floor
    (onnxruntime gives 0. where torch gives -0., for x in (-1, 0))."""
    negative = g.op("Less", x, g.op("Constant", value_t=torch.tensor(0.0)))
    return g.op("Where", negative, g.op("Ceil", x), g.op("Floor", x))


def _erfc(g: Any, x: Any) -> Any:
    """torch's ``erfc(x)`` (Erfc, which torch does not export) as 1 - Erf(x): exact up to float32's rounding of 1
    (values below about 6e-8, x over 3.8, come out as 0)."""
    return g.op("Sub", g.op("Constant", value_t=torch.tensor(1.0)), g.op("Erf", x))


class LayerAt(NamedTuple):
    """The layer behind a refused operator or node: its path and its type as shown ("ElementwiseLayer 'Cosh'");
    as text, "layer 'enc/1' (LinearLayer)", as the export's messages name it."""

    path: tuple
    kind: str

    def __str__(self) -> str:
        return f"layer {'/'.join(map(str, self.path))!r} ({self.kind})"


def refused_operator(message: str) -> str | None:
    """The torch operator (``aten::digamma``) that torch's refusal ``message`` names (it has no field for it)."""
    found = re.search(r"aten::\w+", message)
    return found.group(0) if found else None


def layer_of_operator(net: Any, code: str, message: str, module: Any = None) -> LayerAt | None:
    """The layer (shown "layer 'enc/act2' (ElementwiseLayer 'Cosh')") whose generated line calls the torch operator
    that ``message`` (torch's refusal, naming ``aten::cosh``) names; None when no line says. With the compiled
    ``module``, the forwards of its operators' inner nets are searched too ("layer 'map/net/l1' (LinearLayer)")."""
    operator = refused_operator(message)
    if not operator:
        return None
    call = re.compile(rf"\b{re.escape(operator.removeprefix('aten::').rstrip('_'))}_?\(")
    inner = [] if module is None else [(tuple(name.split(".")), sub) for name, sub in module.named_modules()
                                       if name and isinstance(getattr(sub, "code", None), str) and hasattr(sub, "net")]
    for prefix, (owner, text) in [((), (net, code)), *((p, (sub.net, sub.code)) for p, sub in inner)]:
        for line in text.splitlines():
            target, equals, value = line.strip().partition(" = ")
            if equals and call.search(value) and (where := _layer_named(owner, target, prefix=prefix)):
                return where
    return None


class _FirstCaller(TorchDispatchMode):
    """Records the names of the running submodules when ``operator`` first runs."""

    def __init__(self, operator: str) -> None:
        super().__init__()
        self.operator, self.running, self.found = operator, [], None

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        if self.found is None and f"{func.namespace}::{func.overloadpacket.__name__}" == self.operator:
            self.found = list(self.running)
        return func(*args, **(kwargs or {}))


def layer_running_operator(net: Any, module: Any, inputs: tuple, message: str) -> LayerAt | None:
    """The (shown "layer 'kl' (KLDivergenceLayer)") innermost layer whose module runs the torch operator ``message``
    names (``aten::digamma``) when the compiled ``module`` runs on ``inputs``: an operator inside a layer's module,
    which no line of the generated code calls; None when none does or the run fails."""
    operator = refused_operator(message)
    if not operator:
        return None
    mode, hooks = _FirstCaller(operator), []
    for name, sub in module.named_modules():
        if name:
            hooks += [sub.register_forward_pre_hook(lambda m, a, name=name: mode.running.append(name)),
                      sub.register_forward_hook(lambda m, a, o: mode.running.pop())]
    try:
        with torch.no_grad(), mode:
            module(*inputs)
    except Exception:  # noqa: BLE001 - a hint only: the export's own error stands
        pass
    finally:
        for hook in hooks:
            hook.remove()
    layers = {path: node.layer.type_name for path, node in nested_nodes(net)}
    for name in reversed(mode.found or []):
        parts = tuple(name.split("."))
        for end in range(len(parts), 0, -1):  # a layer's own inner modules (kl.p) belong to it
            if parts[:end] in layers:
                return LayerAt(parts[:end], layers[parts[:end]])
    return None


#: torch functions of our generated code that ONNX has no form for -> what the user wrote, and why.
_WITHOUT_ONNX_FORM = {"matrix_norm": "Norm of a matrix (its largest singular value) has no ONNX form: it needs a "
                                     "singular value decomposition, which ONNX lacks",
                      "lgamma": "Gamma and LogGamma (computed through log|Gamma|, torch's lgamma) have no ONNX form: "
                                "ONNX has no gamma function",
                      "erfinv": "InverseErf and InverseErfc (torch's erfinv) have no ONNX form: ONNX has no inverse "
                                "error function"}


def call_without_onnx_form(net: Any, code: str, module: Any = None) -> str:
    """"layer 'enc/g' (FunctionLayer): Norm of a matrix ..." for the first layer whose generated line calls a torch
    function ONNX has no form for (in the compiled ``module``'s inner nets too); '' when none does."""
    for call, why in _WITHOUT_ONNX_FORM.items():
        where = layer_of_operator(net, code, f"aten::{call}", module)
        if where:
            return f"{where}: {why}"
    return ""


#: torch functions of our generated code that torch exports through an ONNX op of another name.
_CALLS_OF_OP = {"Erf": ("gelu", "erf")}


def layer_of_op_type(net: Any, code: str, op_type: str, module: Any = None) -> LayerAt | None:
    """The layer whose generated line calls a torch function that torch exports as ONNX ``op_type`` (GELU's
    ``gelu`` as Erf; in the compiled ``module``'s inner nets too); None when no line says."""
    for call in _CALLS_OF_OP.get(op_type, (op_type.lower(),)):
        where = layer_of_operator(net, code, f"aten::{call}", module)
        if where:
            return where
    return None


def first_opset(onnx: Any, op_type: str, typed: tuple[str, str] | None = None) -> int | None:
    """The first opset of ONNX's default domain that defines ``op_type`` (Erf: 9); with ``typed`` (a type parameter
    and a type: ("T", "tensor(int64)")), the first whose ``op_type`` takes that type there (Clip of int64: 12);
    None for an op it lacks."""
    versions = [s.since_version for s in onnx.defs.get_all_schemas_with_history()
                if s.name == op_type and s.domain in ONNX_DOMAINS and (typed is None or any(
                    c.type_param_str == typed[0] and typed[1] in c.allowed_type_strs for c in s.type_constraints))]
    return min(versions) if versions else None


def refused_type(onnx: Any, model: Any, node_name: str, opset: int) -> tuple[str, str] | None:
    """(type parameter, type) of the first input of node ``node_name`` whose type (from onnx's shape inference) its
    op's schema at ``opset`` does not allow: a Clip of int64 at opset 11 -> ("T", "tensor(int64)"); else None."""
    node = next((n for n in model.graph.node if n.name == node_name), None)
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, node.domain) if node is not None else None
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False).graph
    except (onnx.defs.SchemaError, onnx.shape_inference.InferenceError):
        return None
    if schema is None or not schema.inputs:
        return None
    elements = {v.name: v.type.tensor_type.elem_type for v in (*inferred.input, *inferred.value_info, *inferred.output)}
    elements.update({t.name: t.data_type for t in inferred.initializer})
    allowed = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}
    for k, name in enumerate(node.input):
        parameter = schema.inputs[min(k, len(schema.inputs) - 1)].type_str  # the last one repeats (variadic)
        if elements.get(name) and parameter in allowed:
            found = f"tensor({element_type_name(elements[name])})"
            if found not in allowed[parameter]:
                return parameter, found
    return None


def layer_of_line(net: Any, module: Any, stack: str) -> LayerAt | None:
    """The layer of the generated forward's line that a node's Python ``stack`` (a verbose export's doc_string,
    innermost frame first) runs last: ``<netgraph-compiled-...>(5): forward``, line 5 ``x1 = ...``: layer 1. The
    frames are followed from the compiled ``module`` inwards, each line's call of an inner net (``self.a.map.net(``)
    naming the next: a line of an operator's inner forward names its inner layer ("a/map/net/pad"); identical inner
    nets share one forward, so where a line's call is ambiguous the outer layer is named."""
    frames = re.findall(r"(<netgraph-compiled-[^>]*>)\((\d+)\): forward", stack)[::-1]
    owner, prefix, where = module, (), None
    for k, (filename, line) in enumerate(frames):
        lines = owner.code.splitlines() if isinstance(getattr(owner, "code", None), str) else []
        if _forward_file(owner) != filename or not hasattr(owner, "net") or not 0 < int(line) <= len(lines):
            break
        target, equals, _ = lines[int(line) - 1].strip().partition(" = ")
        where = (equals and _layer_named(owner.net if prefix else net, target, prefix=prefix)) or where
        called = {attr: sub for attr in re.findall(r"self\.([\w.]+)\(", lines[int(line) - 1])
                  if k + 1 < len(frames) and _forward_file(sub := _submodule(owner, attr)) == frames[k + 1][0]}
        if len(called) != 1:
            break
        (attr, owner), = called.items()
        prefix = (*prefix, *attr.split("."))
    return where


def _forward_file(module: Any) -> str | None:
    """The file name of a compiled module's generated forward (None for another)."""
    return type(module).forward.__code__.co_filename if isinstance(getattr(module, "code", None), str) else None


def _submodule(owner: Any, attr: str) -> Any:
    """``owner``'s submodule at the dotted ``attr``; None where there is none."""
    try:
        return owner.get_submodule(attr)
    except AttributeError:
        return None


def layer_of_node(net: Any, node_name: str) -> LayerAt | None:
    """The layer an exported node comes from: torch names nodes by module scope (``/enc/ConstantOfShape``)."""
    parts = [p for p in node_name.split("/") if p][:-1]
    while parts:
        where = _layer_named(net, "_".join(parts), exact=True)
        if where:
            return where
        parts.pop()
    return None


def _layer_named(net: Any, variable: str, exact: bool = False, prefix: tuple = ()) -> LayerAt | None:
    """The nested layer whose path joined by '_' is ``variable`` (or starts it); ``prefix``: the path
    of the operator's inner net ``net`` is (its layers are named from the outer net)."""
    best = None
    for path, node in nested_nodes(net):
        stem = variable_base("_".join(map(str, path)))  # as the compiled forward names it: layer 1 is x1
        if variable == stem or (not exact and variable.startswith(f"{stem}_")):
            if best is None or len(path) > len(best[0]):
                best = (path, node.layer)
    if best is None:
        return None
    path, layer = best
    function = layer.options().get("function") if layer.type_name == "ElementwiseLayer" else None
    shown = f" {function!r}" if isinstance(function, str) else ""
    return LayerAt((*prefix, *path), f"{layer.type_name}{shown}")
