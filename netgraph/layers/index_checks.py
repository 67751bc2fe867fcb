"""The check of a tensor of indices (an EmbeddingLayer's input, a loss's class target): an integer dtype, every value
in range, else a DataError naming the first value out of it by its example."""

from __future__ import annotations

import torch

from netgraph.core.error_places import Where, located_error
from netgraph.core.errors import DataError
from netgraph.core.tracing import no_values, symbolic_tracing

__all__ = ["check_indices"]


def check_indices(x: torch.Tensor, count: int, where: str, past_hint: str = "", layer: tuple[str, ...] | None = None,
                  port: str | None = None) -> torch.Tensor:
    """``x`` when every value is an index in [0, count), else DataError naming ``where``, the range and the first
    value out of it by its example (a located_error: a map or fold around names its element too; its
    Diagnostic's ``layer`` path and ``port`` as given), with ``past_hint`` for an index >= count (neither is checked
    under torch.fx.symbolic_trace, nor the range in code traced by torch.compile or torch.export, where
    data-dependent ints cannot be read: F.embedding refuses such an index there).

    >>> check_indices(torch.tensor([0, 2]), 3, "EmbeddingLayer port 'Input'").tolist()
    [0, 2]
    >>> check_indices(torch.tensor([3]), 3, "EmbeddingLayer port 'Input'")
    Traceback (most recent call last):
    ...
    netgraph.core.errors.DataError: EmbeddingLayer port 'Input' takes indices in [0, 3), found values from 3 to 3 (the first out of range: 3 at example 0)
    """
    if symbolic_tracing():  # fx's proxies have no dtype or values to read: F.embedding refuses a wrong index
        return x
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise DataError(f"{where} takes integer indices (an integer dtype such as torch.long), found dtype {x.dtype}; "
                        f"convert with .long()", kind="data-dtype", layer=layer, port=port,
                        expected="Integer", found=x.dtype)
    wrapped = x.dtype == torch.uint64  # .long() wraps its values from 2**63 to negative ones, which no one gave
    if x.dtype not in (torch.int64, torch.int32):  # uint8, int16 ...: F.embedding takes neither
        x = x.long()
    if no_values(x):  # traced code (torch.export, torch.compile), module.to("meta"): no values known
        return x
    # one read of both ends (a host sync on a GPU: this runs on every call); no values: none out of range
    low, high = torch.stack(torch.aminmax(x)).tolist() if x.numel() else (0, -1)
    if low < 0 or high >= count:
        first = tuple(int(i) for i in ((x < 0) | (x >= count)).nonzero()[0])
        value, hint = int(x[first]), past_hint if high >= count else ""
        error = located_error([Where(first[0], first[1:])], lambda at: (
            f"{where} takes indices in [0, {count}), found values from {low} to {high} (the first out of range: "
            f"{value} at {at[0].by_example()}){hint}"), kind="data-range", layer=layer, port=port,
            expected=(0, count - 1), found=(low, high))
        error.blames_inputs = wrapped and low < 0  # a compiled module's input check names the uint64 input instead
        raise error
    return x
