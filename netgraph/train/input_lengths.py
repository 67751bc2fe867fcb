"""The check, before any training step, that the data's input lengths are ones the net takes: long enough for every
layer that shortens them (a kernel of 3 needs 3), and of the multiple a declared name says (``"h_times_4"``).

It is ``check_derived_lengths``, the check ``net(x)`` makes, run on the data to train on: without it the first step's
forward raised it, as a TrainingError at round 1, batch 1, after the data check had passed. A user's loader has each
batch checked as it arrives (a few comparisons a batch): a later batch's forward raised it, as a TrainingError too."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import torch

from netgraph.backend.derived_lengths import check_derived_lengths
from netgraph.core.errors import DataError, raise_all
from netgraph.layers.bad_index import examples_at
from netgraph.train.buckets import LengthBuckets
from netgraph.train.data import Streamed, batch_part
from netgraph.train.data_sets import part_of, ref
from netgraph.train.in_memory import InMemory
from netgraph.train.streamed_labels import read_streamed_labels
from netgraph.train.streamed_ranges import check_streamed_ranges

__all__ = ["check_data_lengths"]


def check_data_lengths(net: Any, data: Any, what: Any) -> None:
    """'bad <what>: <the DataError net(x) gives>' for input lengths ``net`` does not take, in checked data (InMemory
    columns, length buckets: every example, named by its index in the data given; another loader: its first batch
    now, and every batch as it arrives, before its step: 'bad <what> (batch 3): ...'; its indices too, against the
    ports' ranges: ``check_streamed_ranges``)."""
    if data is None:
        return
    if isinstance(data, Streamed) and not isinstance(data.loader, LengthBuckets):
        check_streamed_ranges(net, data, what)  # each batch's indices, as in-memory examples' are when read
        read_streamed_labels(net, data)  # bool labels at class ports: labels, as in memory
        data.batch_checks.append(functools.partial(_check_batch, net, what))
        data.check(data.first_raw, data.first_index)
        return
    what, cols, numbers = _inputs(data, what)
    _check(net, cols, numbers, what)


def _check_batch(net: Any, what: Any, cols: dict[str, Any], index: int | str, numbers: list[int] | None = None) -> None:
    """The check on batch ``index`` of a loader; a Dataset's (``numbers``: its examples' indices there) names the
    first example too short by its index in the Dataset, as its other data errors do: the dense batch is checked,
    and only a batch that fails is checked again a row at a time, to name the row (each step's check stays cheap)."""
    where = part_of(what, batch_part(index, numbers))
    try:
        _check(net, cols, None, where)
        return
    except DataError as error:
        if numbers is None:
            raise
        dense_error = error
    rows = {k: list(v) if isinstance(v, torch.Tensor) and v.dim() > 1 else v for k, v in cols.items()}
    _check(net, rows, numbers, where)  # one length a row, renumbered to the Dataset's
    raise dense_error


def _check(net: Any, cols: dict[str, Any], numbers: list[int] | None, what: Any) -> None:
    """The check on columns ``cols`` (examples ``numbers`` of the data given, where known) of data ``what``."""
    if not all(port in cols for port in net.input_ports):
        return

    def sizes(port: str, axis: int) -> Any:
        x = cols[port]
        return [example.shape[axis] for example in x] if isinstance(x, list) else x.shape[axis + 1]

    try:
        with examples_at(numbers) if numbers is not None else contextlib.nullcontext():
            check_derived_lengths(net, sizes)
    except DataError as error:
        raise_all(error.diagnostics, DataError, f"bad {what}", data=ref(what))


def _inputs(data: InMemory | Streamed, what: Any) -> tuple[Any, dict[str, Any], list[int] | None]:
    """(what they are, the columns to check, their examples' indices in the data given where these are a part)."""
    if isinstance(data, InMemory):
        return what, data.cols, data.numbers
    return what, data.loader.cols, data.loader.numbers
