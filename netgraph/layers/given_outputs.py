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

__all__ = ["checked_outputs", "checked_call", "recast_call", "outputs_to_recast", "INFER"]

#: ``checked_outputs``' option for a user's own layer type, whose output shapes its ``infer()`` gives
INFER = "infer()"


def checked_call(call: str, ctx: EmitContext, ports: Sequence[str], type_name: str, option: str,
                 inputs: Sequence[str] | None = None) -> str:
    """The code of ``checked_outputs`` around ``call``, the layer's module call, with the ports' shapes of ``ctx``;
    with ``inputs`` (the layer's input ports), floating outputs of another dtype cast as ``recast_call`` casts them."""
    shapes = tuple(tuple(ctx.types[p].shape) for p in ports)
    cast = "" if inputs is None else f", {_cast_target(ctx, inputs)}"
    return (f"checked_outputs({call}, {shapes!r}, {tuple(ctx.path)!r}, {tuple(ports)!r}, {type_name!r}, "
            f"{option!r}{cast})")


def _cast_target(ctx: EmitContext, inputs: Sequence[str]) -> str:
    """The dtype a module's floating output of another precision is cast to: its first real input's, else the
    working precision's."""
    real = next((k for k, port in enumerate(inputs) if ctx.types[port].dtype == REAL), None)
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
    recast, _ = outputs_to_recast(dtypes, inputs, ctx.types, outputs)
    if not any(recast):
        return call
    to = _cast_target(ctx, inputs)
    return f"{call}.to({to})" if len(recast) == 1 else \
        f"tuple(o.to({to}) if cast else o for o, cast in zip({call}, {recast!r}))"


def outputs_to_recast(dtypes: Sequence[torch.dtype], inputs: Sequence[str], types: Any,
                      outputs: Sequence[str] = ()) -> tuple[tuple, int | None]:
    """For a module's outputs the meta probe found of ``dtypes``: which to cast (floating, not the working precision;
    any not floating where the port of ``outputs``, if given, is Real), and the position in ``inputs`` (port names,
    typed by ``types``) of the first real one, whose dtype they take (None: the working precision's). Shared by the
    compiled forward (``recast_call``) and the interpreter.

    >>> from netgraph.core.types import PortType
    >>> outputs_to_recast([torch.float64, torch.int64], ["Index", "Input"], {"Index": PortType((), "Integer"),
    ...                                                                      "Input": PortType((2,), REAL)})
    ((True, False), 1)
    """
    working = torch.get_default_dtype()
    real = next((k for k, port in enumerate(inputs) if types[port].dtype == REAL), None)
    real_out = [types[port].dtype == REAL for port in outputs] or [False] * len(dtypes)
    return tuple(d != working if d.is_floating_point else bool(is_real and not d.is_complex)
                 for d, is_real in zip(dtypes, real_out)), real


def checked_outputs(out: Any, shapes: tuple[tuple, ...], path: tuple[str, ...], ports: tuple[str, ...],
                    type_name: str, option: str, dtype: torch.dtype | None = None) -> Any:
    """``out`` (a tensor, or a tuple of one per port) when each output has its port's ``shapes`` after one batch dim
    (a variable length, a name, takes any size), its floating outputs of another dtype cast to ``dtype`` if given;
    else a ShapeError naming the layer at ``path``, the port and the ``option`` that gave the shape. Traced code
    (fx, ``torch.compile``, ``vmap``) is not checked, as torch's own modules are not."""
    if tracing():
        return out
    outs = out if isinstance(out, (tuple, list)) and len(ports) > 1 else (out,)
    what = "function" if type_name == "FunctionLayer" else "module"
    if len(outs) != len(ports):
        raise ShapeError(f"layer {'/'.join(path) or '1'!r} ({type_name}): the {what} returned {len(outs)} outputs, "
                         f"where the layer has output ports {list(ports)}", kind="layer-contract", layer=path,
                         expected=len(ports), found=len(outs))
    for port, shape, value in zip(ports, shapes, outs):
        found = tuple(value.shape) if isinstance(value, torch.Tensor) else None
        if found is not None and len(found) == len(shape) + 1 and \
                all(isinstance(d, str) or d == n for d, n in zip(shape, found[1:])):
            continue
        where = "/".join(path) or "1"
        said = f"shape {format_shape(found)}" if found is not None else type(value).__name__
        given, remedy = (f"{option} gives", f"make {option} give the shapes it returns") if option == INFER else \
            (f"{option}= gave", f"give the shapes it returns in {option}=")
        raise ShapeError(f"layer {where!r} ({type_name}) port {quoted(port)}: the {what} returned {said}, where "
                         f"{given} (b{', ' if shape else ''}{format_shape(shape)[1:-1]}) with b the batch size; "
                         f"{remedy}, or make it return those", kind="layer-contract", layer=path, port=port,
                         expected=shape, found=found)
    if dtype is None or not any(o.is_floating_point() and o.dtype != dtype for o in outs):
        return out
    cast = tuple(o.to(dtype) if o.is_floating_point() else o for o in outs)
    return cast if len(ports) > 1 else cast[0]
