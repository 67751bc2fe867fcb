"""Checks of what a user's own layer type builds, so a mistake is one error naming the layer, not torch's later.

``build`` must return an ``nn.Module`` holding each of the layer's arrays under its name; and for a layer class
defined outside netgraph that is called as its module
(no ``emit`` of its own), the module is run once on meta tensors (no memory, no compute) of the inferred input
shapes: outputs of another number, shape or kind (Real / Integer) than ``infer`` gave are a ShapeError when the net
is compiled; floating outputs of another precision (``x.double()``) are cast by the compiled forward and the
interpreter (``recast_call``), as a TorchLayer's: the module itself is left as it is.
Variable lengths take a probe size each (``first_probe_shapes``): a dim named by a length is checked at each call
(``netgraph.backend.output_lengths``). A module that cannot run on meta tensors is checked at each call instead
(``checked_outputs``: the number, kind and shape of its outputs, a named dim taking any size).
"""

from __future__ import annotations

import ast
import contextvars
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

import torch
from torch import nn

from netgraph.backend.deep_module import modules_below
from netgraph.core.errors import OptionError, ShapeError
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.naming_scope import quoted, shown_layer, shown_path
from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.scoped_values import scoped
from netgraph.core.types import INTEGER, PortType, format_shape
from netgraph.core.wording import counted
from netgraph.layers._modules import meta_call, meta_inputs
from netgraph.layers.function_lengths import first_probe_shapes
from netgraph.layers.given_outputs import INFER, checked_call, recast_call
from netgraph.layers.kl_divergence import KLModule
from netgraph.layers.random_module import RandomModule

__all__ = ["check_built", "check_emitted", "own_block", "writing_casts"]

_BATCH = 3


def check_built(layer: Layer, types: Mapping[str, PortType], built: Any,
                where: str) -> tuple[torch.dtype, ...] | None:
    """Raise OptionError when ``built`` is no module, ShapeError when its outputs disagree with ``types``; the dtypes
    of its outputs on meta tensors where one is floating in another precision than the working one (else none);
    None where the module cannot run on meta tensors (``own_block`` checks its outputs at each call)."""
    if not isinstance(built, nn.Module):
        raise OptionError(f"{where}: {layer.type_name}.build() must return a torch.nn.Module, returned "
                          f"{type(built).__name__}", kind="layer-contract", expected="a torch.nn.Module",
                          found=type(built).__name__)
    cls = type(layer)
    if is_netgraph_class(cls):
        return ()
    state = built.state_dict()
    missing = [name for name in layer.arrays if name not in state]
    if missing:
        raise OptionError(f"{where}: the module from {layer.type_name}.build() holds no parameter or buffer named "
                          f"{missing[0]!r} for array {missing[0]!r} (it has {sorted(state)}); name it after the array "
                          f"(self.{missing[0]} = nn.Parameter(...)), so that training updates the array and "
                          f"module.to_net() carries it back"[:500], kind="layer-contract", expected=missing[0],
                          found=tuple(sorted(state)))
    if cls.emit is not Layer.emit or cls.emit_block is not Layer.emit_block:
        return ()
    ins = [types[p] for p in layer.input_ports]
    if any(t.shape is None for t in ins):
        return ()
    concrete = first_probe_shapes([tuple(t.shape) for t in ins])  # each length at a probe size (named dims: per call)
    outs, args = _meta_outputs(built, [PortType(s, t.dtype) for s, t in zip(concrete, ins)])
    if outs is None:
        return None
    changed = [p for p, a in zip(layer.input_ports, args) if a._version]
    if changed:
        raise OptionError(f"{where}: the module from {layer.type_name}.build() changes its input {changed[0]!r} "
                          f"in place (seen on meta tensors), so other layers reading that tensor, and the caller's "
                          f"own input, would see the change; compute out of place (x * 2, not x.mul_(2)), or wrap the "
                          f"module in a TorchLayer, which gives such a module a copy", kind="layer-contract",
                          port=changed[0], expected="out of place", found="in place")
    expected = [types[p] for p in layer.output_ports]
    if not all(isinstance(o, torch.Tensor) for o in outs):  # None, a dict: the layers it feeds would fail in torch
        found = type(outs[0]).__name__ if len(outs) == 1 else f"({', '.join(type(o).__name__ for o in outs)})"
        raise ShapeError(f"{where}: the module from {layer.type_name}.build() must return one tensor per output port "
                         f"{list(layer.output_ports)} (a tuple of them for several), returned {found}",
                         kind="layer-contract", expected=counted(len(expected), "tensor"), found=found)
    if len(outs) != len(expected):
        raise ShapeError(f"{where}: the module from {layer.type_name}.build() gives {counted(len(outs), 'output')}, but the "
                         f"layer has output ports {list(layer.output_ports)}", kind="layer-contract",
                         expected=len(expected), found=len(outs))
    for port, out, want in zip(layer.output_ports, outs, expected):
        found = tuple(out.shape[1:]) if out.dim() else None
        fits = found is not None and len(found) == len(want.shape) and all(
            not isinstance(w, int) or w == f for w, f in zip(want.shape, found))
        kind = INTEGER if not (out.is_floating_point() or out.is_complex()) else "Real"
        if not fits or (want.dtype is not None and kind != want.dtype):
            shown = "no batch dim" if found is None else f"{format_shape(found)} {kind}"
            raise ShapeError(f"{where}: port {quoted(port)}: infer() gives {format_shape(want.shape)} {want.dtype}, "
                             f"but the module from {layer.type_name}.build() gives {shown} (checked on meta tensors "
                             f"of the input shapes, batch dim first)", kind="layer-contract", port=port,
                             expected=(want.shape, want.dtype), found=shown)
    other = any(out.is_floating_point() and out.dtype != torch.get_default_dtype() for out in outs)  # x.double()
    return tuple(out.dtype for out in outs) if other else ()


def check_emitted(layer: Layer, block: Any, where: str) -> None:
    """OptionError when a user's ``emit`` / ``emit_block`` gave no Python code (not text, or not parsing)."""
    name = "emit_block" if type(layer).emit_block is not Layer.emit_block else "emit"
    if not isinstance(block, list) or not all(isinstance(line, str) for line in block):
        found = block if not isinstance(block, list) else next(x for x in block if not isinstance(x, str))
        raise OptionError(f"{where}: {layer.type_name}.{name}() must give Python code as text, gave "
                          f"{type(found).__name__} {found!r}"[:400], kind="layer-contract", expected="Python code",
                          found=type(found).__name__)
    try:
        ast.parse("\n".join(block))
    except SyntaxError as exc:
        raise OptionError(f"{where}: {layer.type_name}.{name}() gave code that is not Python ({exc.msg}): "
                          f"{chr(10).join(block)!r}"[:400], kind="layer-contract", expected="Python code",
                          found=exc.msg) from None


def own_block(net: Any, node: Any, ctx: EmitContext, block: list[str]) -> list[str]:
    """``block``, a user's own layer's statements, checked (``check_emitted``); of its default ``emit``, its module's
    outputs of another precision cast (``recast_call``) where ``writing_casts`` gave the dtypes the meta run found,
    or checked at each call (``checked_call``) where it gave None: the module could not run on meta tensors."""
    check_emitted(node.layer, block, net.describe((node.path, None)))
    held = _OWN_DTYPES.get()
    dtypes = held[1].get(node.path, ()) if held is not None and held[0] is net else ()
    if dtypes == ():
        return block
    targets, call = block[0].split(" = ", 1)
    if dtypes is None:
        layer = node.layer
        return [f"{targets} = {checked_call(call, ctx, layer.output_ports, layer.type_name, INFER, layer.input_ports)}"]
    return [f"{targets} = {recast_call(call, ctx, node.layer.input_ports, dtypes)}"]


def writing_casts(net: Any, dtypes: Mapping[tuple, tuple]) -> AbstractContextManager:
    """While ``net``'s forward is written inside, ``own_block`` casts the outputs of users' own modules of another
    precision (``dtypes`` by path, the meta run's)."""
    return scoped(_OWN_DTYPES, (net, dtypes))


def _meta_outputs(module: nn.Module, ins: list[PortType]) -> tuple[list[torch.Tensor] | None, tuple]:
    """The module's outputs on meta inputs of these types (batch 3), or None when it raises on them; and the
    inputs (their version counters tell whether the module changed them)."""
    args = meta_inputs([t.shape for t in ins], [t.dtype == INTEGER for t in ins], _BATCH)
    try:
        out = meta_call(module, args if ins else (_BATCH,))
    except Exception:  # user code that needs real values (or real tensors it holds): left to run for real
        return None, args
    return list(out) if isinstance(out, (tuple, list)) else [out], args


_INNER: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("inner_build", default=None)
_OWN_DTYPES: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("own_dtypes", default=None)


def inner_build(checks: bool | str | None, shared: Any = None) -> AbstractContextManager:
    """An operator's inner nets are being compiled, with the outer module's distribution ``checks`` (None: the
    global setting); the outermost compile labels their layers once. ``shared``: what the outer build hands its
    inner builds (``inner_shared``)."""
    return scoped(_INNER, (checks, shared))


def outside_inner_build() -> AbstractContextManager:
    """No operator's inner nets are being compiled: for a user layer's build(), whose own compiles (of a helper net)
    are outermost ones, with their own checks, labels and readiness."""
    return scoped(_INNER, None)


def compiling_inner() -> bool:
    """Whether an operator's inner nets are being compiled (whose inputs are the operator's, not the data)."""
    return _INNER.get() is not None


def inner_shared() -> Any:
    """What the build of the operator whose inner nets are compiling handed them (``inner_build``); None outermost."""
    inner = _INNER.get()
    return None if inner is None else inner[1]


def inner_checks(checks: bool | str | None) -> bool | str | None:
    """``checks`` given to a compile, or, when None inside an operator's build, the outer module's."""
    inner = _INNER.get()
    return checks if checks is not None or inner is None else inner[0]


def label_inner_layers(operators: list[tuple[tuple[str, ...], nn.Module]]) -> None:
    """The modules of the operators' inner nets' layers (operators by path), labelled by their whole paths
    (``layer 'map/net/emb' (EmbeddingLayer)``) for their errors, once, by the outermost compile."""
    if _INNER.get() is not None:
        return
    roots = [(path + (name,), sub) for path, built in operators for name, sub in built._modules.items()
             if sub is not None]
    for where, module in modules_below(roots):
        kind = module.__dict__.get("layer_type")  # set with its label by the inner net's compile
        if kind is not None:
            module.layer_label, module.layer_path = shown_layer(where, kind), where
        elif isinstance(module, (RandomModule, KLModule)) and module.label is None:  # else named by its net's code
            module.label, module.path = f"layer {shown_path(where)!r}", where  # the path: its Diagnostics' layer
