"""What is wrong with the inputs a compiled module was called with, asked only after its forward failed.

A compiled module is plain torch: its forward checks nothing it need not (``net(x)`` checks the data), so a
tensor of the wrong shape fails deep inside torch ("mat1 and mat2 shapes cannot be multiplied"). When a forward
fails, ``CompiledNet`` asks ``input_problem`` whether the inputs fit the net's input ports, and raises a
DataError naming the port, the expected and the found shape in place of torch's error; the successful call
pays nothing for it.
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.types import INTEGER, format_shape

__all__ = ["input_problem"]


def input_problem(net: Any, args: tuple, kwargs: dict[str, Any], real: torch.dtype | None) -> tuple[str, str] | None:
    """(port, message) for the first input of a module call that does not fit its port, or None; ``real`` is the
    dtype of the module's floating arrays (None: it has none).

    >>> from netgraph import LinearLayer, NetChain
    >>> input_problem(NetChain([LinearLayer(2)], input=3), (torch.zeros(4, 5),), {}, torch.float32)[1]
    "input port 'Input': the compiled module takes shape (b, 3) with b the batch size, found (4, 5)"
    """
    given = dict(zip(net.input_ports, args)) | {k: v for k, v in kwargs.items() if k in net.input_ports}
    for port, value in given.items():
        t = net.port_types[port]
        if not isinstance(value, torch.Tensor) or t.shape is None:
            continue
        if problem := _problem(port, t.shape, t.dtype == INTEGER, value, real):
            return port, problem
    return None


def _problem(port: str, shape: tuple, integer: bool, x: torch.Tensor, real: torch.dtype | None) -> str | None:
    expected = f"(b, {format_shape(shape)[1:-1]})" if shape else "(b)"
    if x.dim() == len(shape) and x.dim() > 0 and _fits(shape, x.shape):
        return (f"input port {port!r}: the compiled module takes a batch, shape {expected}, found one example "
                f"{tuple(x.shape)}; give x.unsqueeze(0) (net(x) takes one example or a batch)")
    if x.dim() != len(shape) + 1 or not _fits(shape, x.shape[1:]):
        return (f"input port {port!r}: the compiled module takes shape {expected} with b the batch size, found "
                f"{tuple(x.shape)}")
    if integer and (x.is_floating_point() or x.is_complex()):
        return (f"input port {port!r} takes integer indices (dtype Integer), found dtype {x.dtype}; net(x) takes "
                f"integral floats, the module does not: x.long()")
    if not integer and real is not None and x.dtype != real:
        return (f"input port {port!r}: the compiled module computes in {real}, found dtype {x.dtype}; net(x) casts "
                f"the data, the module does not: x.to({real})")
    return None


def _fits(shape: tuple, dims: Any) -> bool:
    return all(d is None or isinstance(d, str) or d == n for d, n in zip(shape, dims))
