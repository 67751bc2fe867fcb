"""``checked_outputs``: what a module returned, checked against the output shapes its user gave where it could not run
on meta tensors (data-dependent shapes: a TorchLayer's module, a FunctionLayer's Python function), so nothing checked
them when the net was built; ``checked_call`` writes the compiled forward's call of it.

>>> import torch
>>> checked_outputs(torch.zeros(2, 3), ((3,),), ("t",), ("Output",), "TorchLayer", "outputs").shape
torch.Size([2, 3])
>>> checked_outputs(torch.zeros(6), ((3,),), ("t",), ("Output",), "TorchLayer", "outputs")
Traceback (most recent call last):
netgraph.core.errors.ShapeError: layer 't' (TorchLayer) port 'Output': the module returned shape (6), where outputs= gave (b, 3) with b the batch size; give the shapes it returns in outputs=, or make it return those
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from netgraph.core.errors import ShapeError
from netgraph.core.layer import EmitContext
from netgraph.core.naming_scope import quoted
from netgraph.core.tracing import tracing
from netgraph.core.types import REAL, format_shape
from netgraph.core.wording import counted

__all__ = ["checked_outputs", "checked_call", "recast_call", "outputs_to_recast", "INFER", "copied_if_changed",
           "first_real"]

#: ``checked_outputs``' option for a user's own layer type, whose output shapes its ``infer()`` gives
INFER = "infer()"
#: where a module keeps the positions of the inputs it was seen to change in place at its first real call
_CHANGED = "_netgraph_changed_inputs"


def copied_if_changed(module: Any, *args: torch.Tensor) -> Any:
    """``module(*args)`` for a module that could not run on meta tensors: the inputs it changes in place (seen at its
    first real call, run on copies, by their ``_version``) copied at each call, the others given as they are."""
    changed = module.__dict__.get(_CHANGED)
    if changed is None:
        copies = [a.clone() for a in args]
        out = module(*copies)
        if not tracing() and not any(c.is_inference() for c in copies):  # else no version counter: copy next time
            module.__dict__[_CHANGED] = frozenset(i for i, c in enumerate(copies) if c._version)
        return out
    return module(*[a.clone() if i in changed else a for i, a in enumerate(args)]) if changed else module(*args)


def checked_call(call: str, ctx: EmitContext, ports: Sequence[str], type_name: str, option: str,
                 inputs: Sequence[str] | None = None) -> str:
    """The code of ``checked_outputs`` around ``call``, the layer's module call, with the ports' shapes of ``ctx``;
    with ``inputs`` (the layer's input ports), floating outputs of another dtype cast as ``recast_call`` casts them."""
    shapes = tuple(tuple(ctx.types[p].shape) for p in ports)
    cast = "" if inputs is None else f", {_cast_target(ctx, inputs)}"
    return (f"checked_outputs({call}, {shapes!r}, {tuple(ctx.path)!r}, {tuple(ports)!r}, {type_name!r}, "
            f"{option!r}{cast})")


def first_real(inputs: Sequence[str], types: Any) -> int | None:
    """The position in ``inputs`` (port names, typed by ``types``) of the first Real one, whose dtype a module's
    floating outputs of another precision are cast to; None where none is Real: the working precision is.

    >>> from netgraph.core.types import PortType
    >>> first_real(["Index", "Input"], {"Index": PortType((), "Integer"), "Input": PortType((2,), REAL)})
    1
    """
    return next((k for k, port in enumerate(inputs) if types[port].dtype == REAL), None)


def _cast_target(ctx: EmitContext, inputs: Sequence[str]) -> str:
    """The code of the dtype a module's floating output of another precision is cast to (``first_real``)."""
    real = first_real(inputs, ctx.types)
    return f"{ctx.args[real]}.dtype" if real is not None else f"torch.{str(torch.get_default_dtype())[6:]}"


def recast_call(call: str, ctx: EmitContext, inputs: Sequence[str], dtypes: Sequence[torch.dtype],
                outputs: Sequence[str] = ()) -> str:
    """``call``, its outputs that the meta probe found floating in another dtype than the working precision (``dtypes``:
    a module's ``x.double()``) cast to its first real input's dtype (else the working precision): the layers they
    feed compute in that one (torch's "mat1 and mat2 must have the same dtype" otherwise), as net(x) casts its data;
    so are integer (or boolean) outputs of the ``outputs`` ports typed Real (a FunctionLayer's Python function's).

    >>> from netgraph.core.types import PortType
    >>> ctx = EmitContext("m", ("x",), "b", {"Input": PortType((2,), REAL)})
    >>> recast_call("m(x)", ctx, ["Input"], [torch.float64]), recast_call("m(x)", ctx, ["Input"], [torch.float32])
    ('m(x).to(x.dtype)', 'm(x)')
    """
    recast = outputs_to_recast(dtypes, ctx.types, outputs)
    if not any(recast):
        return call
    to = _cast_target(ctx, inputs)
    return f"{call}.to({to})" if len(recast) == 1 else \
        f"tuple(o.to({to}) if cast else o for o, cast in zip({call}, {recast!r}))"


def outputs_to_recast(dtypes: Sequence[torch.dtype], types: Any, outputs: Sequence[str] = ()) -> tuple[bool, ...]:
    """For a module's outputs the meta probe found of ``dtypes``: which to cast (floating, not the working precision;
    any not floating where the port of ``outputs``, typed by ``types``, is Real) to the dtype ``first_real`` names.
    Shared by the compiled forward (``recast_call``) and the interpreter.

    >>> from netgraph.core.types import PortType
    >>> outputs_to_recast([torch.float64, torch.int64], {})
    (True, False)
    """
    working = torch.get_default_dtype()
    real_out = [types[port].dtype == REAL for port in outputs] or [False] * len(dtypes)
    return tuple(d != working if d.is_floating_point else bool(is_real and not d.is_complex)
                 for d, is_real in zip(dtypes, real_out))


def checked_outputs(out: Any, shapes: tuple[tuple, ...], path: tuple[str, ...], ports: tuple[str, ...],
                    type_name: str, option: str, dtype: torch.dtype | None = None) -> Any:
    """``out`` (a tensor, or a tuple of one per port) when each output has its port's ``shapes`` after one batch dim
    (a variable length, a name, takes any size here: ``netgraph.backend.output_lengths`` checks it), its floating
    outputs of another dtype cast to ``dtype`` if given; else a ShapeError naming the layer at ``path``, the port and
    the ``option`` that gave the shape. Traced code (fx, ``torch.compile``, ``vmap``) is not checked, as torch's own
    modules are not."""
    if len(ports) == 1 and isinstance(out, torch.Tensor) and out.dim() == len(shapes[0]) + 1 \
            and out.shape[1:] == shapes[0] and (dtype is None or out.dtype is dtype or not out.is_floating_point()):
        return out  # the common case in one comparison (a variable length, a name, equals no size: checked below)
    if tracing():
        return out
    many = len(ports) > 1
    outs = out if many and isinstance(out, (tuple, list)) else (out,)
    whole = many and outs is not out  # one value (a tensor, a dict) for several ports: none of them
    what = "function" if type_name == "FunctionLayer" else "module"
    if not whole and len(outs) != len(ports):
        raise ShapeError(f"layer {'/'.join(path) or '1'!r} ({type_name}): the {what} returned "
                         f"{counted(len(outs), 'output')}, where the layer has output ports {list(ports)}",
                         kind="layer-contract", layer=path, expected=len(ports), found=len(outs))
    for port, shape, value in zip(ports, shapes, outs):
        found = tuple(value.shape) if isinstance(value, torch.Tensor) and not whole else None
        if found is None or len(found) != len(shape) + 1 or \
                not all(isinstance(d, str) or d == n for d, n in zip(shape, found[1:])):
            raise _port_error(path, type_name, what, option, port, shape, found, value)
    if dtype is None or not many and (out.dtype is dtype or not out.is_floating_point()):
        return out
    if not any(o.is_floating_point() and o.dtype != dtype for o in outs):
        return out
    cast = tuple(o.to(dtype) if o.is_floating_point() else o for o in outs)
    return cast if many else cast[0]


def _port_error(path: tuple[str, ...], type_name: str, what: str, option: str, port: str, shape: tuple,
                found: tuple | None, value: Any) -> ShapeError:
    """The ShapeError for an output ``value`` (of shape ``found``, None for no tensor) that is not the ``shape`` that
    ``option`` gave ``port``."""
    said = f"shape {format_shape(found)}" if found is not None else type(value).__name__
    given, remedy = (f"{option} gives", f"make {option} give the shapes it returns") if option == INFER else \
        (f"{option}= gave", f"give the shapes it returns in {option}=")
    return ShapeError(f"layer {'/'.join(path) or '1'!r} ({type_name}) port {quoted(port)}: the {what} returned {said}, "
                      f"where {given} (b{', ' if shape else ''}{format_shape(shape)[1:-1]}) with b the batch size; "
                      f"{remedy}, or make it return those", kind="layer-contract", layer=path, port=port,
                      expected=shape, found=found)
