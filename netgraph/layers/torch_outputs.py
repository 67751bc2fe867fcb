"""``checked_outputs``: what a TorchLayer's module returned, checked against the output shapes its user gave where the
module could not run on meta tensors (data-dependent shapes), so nothing checked them when the net was built.

>>> import torch
>>> checked_outputs(torch.zeros(2, 3), ((3,),), ("t",), ("Output",)).shape
torch.Size([2, 3])
>>> checked_outputs(torch.zeros(6), ((3,),), ("t",), ("Output",))
Traceback (most recent call last):
netgraph.core.errors.ShapeError: layer 't' (TorchLayer) port 'Output': the module returned shape (6), where outputs= gave (b, 3) with b the batch size; give the shapes it returns in outputs=, or make it return those
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.errors import ShapeError
from netgraph.core.tracing import tracing
from netgraph.core.types import format_shape

__all__ = ["checked_outputs"]


def checked_outputs(out: Any, shapes: tuple[tuple, ...], path: tuple[str, ...], ports: tuple[str, ...]) -> Any:
    """``out`` (a tensor, or a tuple of one per port) when each output has its port's ``shapes`` after one batch dim
    (a variable length, a name, takes any size); else a ShapeError naming the layer at ``path`` and the port. Traced
    code (fx, ``torch.compile``, ``vmap``) is not checked, as torch's own modules are not."""
    if tracing():
        return out
    outs = out if isinstance(out, tuple) else (out,)
    for port, shape, value in zip(ports, shapes, outs):
        found = tuple(value.shape) if isinstance(value, torch.Tensor) else None
        if found is not None and len(found) == len(shape) + 1 and \
                all(isinstance(d, str) or d == n for d, n in zip(shape, found[1:])):
            continue
        where = "/".join(path) or "1"
        said = format_shape(found) if found is not None else type(value).__name__
        raise ShapeError(f"layer {where!r} (TorchLayer) port {port!r}: the module returned "
                         f"{'shape ' if found is not None else ''}{said}, where outputs= gave "
                         f"(b{', ' if shape else ''}{format_shape(shape)[1:-1]}) with b the batch size; give the shapes "
                         f"it returns in outputs=, or make it return those", kind="layer-contract", layer=path,
                         port=port, expected=shape, found=found)
    return out
