"""The index ranges of Restricted input ports (declared, or inferred from an inner net: ``checked_coders``) checked on
streamed data (a generator, a Dataset, a DataLoader) as each batch arrives, before its step: in-memory data has every
example checked once (``encoded_columns``); a batch's min and max are compared first, so a batch inside the range
costs one reduction a port (``torch.aminmax``).

>>> import torch
>>> from netgraph import EmbeddingLayer, NetChain, Restricted
>>> net = NetChain([EmbeddingLayer(2, n=8)], input=Restricted("Integer", (0, 3), shape=()))
>>> batch = {"Input": torch.tensor([1, 5])}
>>> check_batch_ranges(net, "training data", batch, 2, [10, 11])  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
netgraph.core.errors.DataError: training data (batch 2; examples by their index in the Dataset): input port 'Input'
    (Restricted('Integer', 0..3)): example 11: index 5 is outside the port's range 0..3
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from netgraph.core.coders import Restricted
from netgraph.core.port_coders import checked_coders
from netgraph.data.encoding import range_refusal
from netgraph.train.data import Streamed, batch_part
from netgraph.train.data_sets import data_error, part_of

__all__ = ["check_streamed_ranges", "check_batch_ranges"]


def check_streamed_ranges(net: Any, data: Any, what: Any) -> None:
    """Have each batch of streamed ``data`` checked against the net's input ranges (none for in-memory data, whose
    examples are checked when read, or a net without ranged inputs)."""
    ranged = {port: c for port, c in checked_coders(net).items() if isinstance(c, Restricted)}
    if isinstance(data, Streamed) and ranged:
        data.batch_checks.append(functools.partial(_check_ranged, ranged, what))  # the coders found once, not a batch


def check_batch_ranges(net: Any, what: Any, cols: dict[str, Any], index: int | str,
                       numbers: list[int] | None = None) -> None:
    """The DataError in-memory data gets for the first index outside its port's range in batch ``index`` (its
    examples ``numbers`` of a Dataset, where known; else by their row in the batch)."""
    ranged = {port: c for port, c in checked_coders(net).items() if isinstance(c, Restricted)}
    _check_ranged(ranged, what, cols, index, numbers)


def _check_ranged(ranged: dict[str, Restricted], what: Any, cols: dict[str, Any], index: int | str,
                  numbers: list[int] | None = None) -> None:
    """``check_batch_ranges`` with the net's Restricted coders by port, ``ranged``, found beforehand."""
    for port, coder in ranged.items():
        values = cols.get(port)
        if values is None or _inside(coder, values):
            continue
        rows = list(values) if isinstance(values, torch.Tensor) and values.dim() else values
        if refusal := range_refusal(coder, port, rows, numbers=numbers):
            raise data_error(part_of(what, batch_part(index, numbers)), refusal[0], **refusal[1])


def _inside(coder: Restricted, values: Any) -> bool:
    """Whether a batch tensor's indices are all in the range, by its min and max (one reduction, one read); False for
    anything else (ragged sequences in a list, floats), which ``range_refusal`` reads example by example."""
    if not isinstance(values, torch.Tensor) or values.is_floating_point() or not values.numel():
        return False
    low, high = coder.index_span
    smallest, largest = torch.stack(torch.aminmax(values)).tolist()
    return low <= smallest and largest <= high
