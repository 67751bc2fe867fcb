"""A list of tensors or numpy arrays, one per example, as one batch: at a port of fixed shape
(``ragged.stacked_examples``) and at one of unknown shape (``data_shapes.shaped_by_data``) alike. A tuple is no such
list at either (``port_tensors`` says to give one batched tensor or a list).

>>> stacked_batch("Input", [torch.zeros(3), torch.ones(3, dtype=torch.float64)], rank=1).dtype
torch.float64
>>> stacked_batch("Input", [torch.zeros(3), torch.zeros(4)], rank=1) is None  # ragged: ragged_ports says so
True
"""

from __future__ import annotations

from typing import Any

import numpy
import torch

from netgraph.core.errors import DataError
from netgraph.core.naming_scope import quoted
from netgraph.core.tensors import as_tensor
from netgraph.core.types import format_shape
from netgraph.core.wording import counted

__all__ = ["is_example_list", "refuse_nested", "stacked_batch"]


def is_example_list(value: Any) -> bool:
    """Whether ``value`` is a non-empty list of tensors or numpy arrays (one per example).

    >>> is_example_list([torch.zeros(2)]), is_example_list((torch.zeros(2),)), is_example_list([])
    (True, False, False)
    """
    return type(value) is list and bool(value) and all(isinstance(v, (torch.Tensor, numpy.ndarray)) for v in value)


def refuse_nested(port: str, examples: list) -> None:
    """A DataError naming the first example of ``examples`` that is a nested tensor: it has no shape to read, and
    is no one example (as a bare nested tensor at a port is told)."""
    nested = next((i for i, t in enumerate(examples) if isinstance(t, torch.Tensor) and t.is_nested), None)
    if nested is not None:
        raise DataError(f"input port {quoted(port)}: example {nested} of the list is a nested tensor; each example is "
                        f"one dense tensor: give the list of its tensors (x.unbind()), one per example", port=port,
                        layer=(), example=nested, kind="data-layout", expected="strided", found="nested")


def stacked_batch(port: str, examples: list, rank: int | None) -> torch.Tensor | None:
    """``examples`` stacked into one batch in their promoted dtype (``torch.stack`` keeps the autograd graph), where
    each has the port's example ``rank`` (None: a port of unknown shape, whose examples must share one shape). None
    for examples of different shapes at a port of known rank (ragged data: ``ragged_ports`` refuses it or runs it by
    length). A DataError for tensors on different devices, tensors each one dim more than an example (batches: join
    them with torch.cat), examples of different shapes at a port of unknown shape, or a nested tensor as an example."""
    tensors = [as_tensor(v) for v in examples]
    refuse_nested(port, tensors)
    devices = sorted({str(t.device) for t in tensors})
    if len(devices) > 1:
        raise DataError(f"input port {quoted(port)}: its {len(tensors)} examples are on different devices "
                        f"({', '.join(devices)}); move them to one first, e.g. [x.to('cpu') for x in examples]",
                        port=port, layer=(), kind="data-device", expected="one device", found=tuple(devices))
    shapes = sorted({tuple(t.shape) for t in tensors})
    if rank is not None and all(len(s) == rank + 1 for s in shapes):
        raise DataError(f"input port {quoted(port)} takes examples of rank {rank}, but it was given a list of "
                        f"{counted(len(tensors), 'tensor')} of shape {', '.join(map(format_shape, shapes[:3]))}, "
                        f"each a batch: join them into one batch with torch.cat(batches), or give one tensor per "
                        f"example",
                        port=port, layer=(), kind="data-shape", expected=rank, found=tuple(shapes))
    if len(shapes) > 1 or rank is not None and len(shapes[0]) != rank:
        if rank is not None:
            return None
        raise DataError(f"input port {quoted(port)} has an unknown shape and its examples have different shapes "
                        f"{', '.join(map(format_shape, shapes[:3]))}: give the port a shape, with \"n\" for a "
                        f"variable length (e.g. NetGraph(net, {port}=['n', 3]) or layer.replace(input=...))",
                        port=port, layer=(), kind="data-shape", found=shapes)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return torch.stack([t.to(dtype) for t in tensors])
