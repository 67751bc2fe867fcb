"""A data loader's batches that hold ``Padded(data, lengths)`` values (``pad_sequence`` and a collate_fn make them):
each such key's padded data and, under the net's lengths argument, its lengths, as netgraph's own padded batches of
a list of sequences carry them (``netgraph.train.padded_data`` chooses the padded module and names the arguments).

>>> import torch
>>> from netgraph.train.data_columns import Expect
>>> from netgraph.core.types import INTEGER, PortType
>>> expect = {"Input_lengths": Expect(PortType((), INTEGER), "lengths", optional=True, lengths_of="Input")}
>>> cols = unpadded({"Input": Padded(torch.zeros(2, 3), [1, 3])}, expect, "training data")
>>> sorted(cols), cols["Input_lengths"].tolist()
(['Input', 'Input_lengths'], [1, 3])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.backend.masks import Padded, check_padded, unpad
from netgraph.backend.ragged import is_ragged
from netgraph.core.wording import first_few
from netgraph.train.data_columns import Expect
from netgraph.train.data_sets import data_error

__all__ = ["Padded", "padded_keys", "sample_of", "unpadded", "as_sequences", "refuse_listed_sequences",
           "stacked_examples"]


def padded_keys(batch: Mapping) -> list[str]:
    """The keys of ``batch`` that hold Padded values."""
    return [str(k) for k, v in batch.items() if isinstance(v, Padded)]


def refuse_listed_sequences(batch: Mapping, what: Any) -> None:
    """A DataError for a key of a data loader's batch holding sequences of different lengths as a list, one per
    example (the form net(x) and a dict of data take): a loader's batch holds each key as one tensor, or Padded."""
    for key, value in batch.items():
        if not is_ragged(value) or isinstance(value, Padded):
            continue
        lengths = [len(v) if getattr(v, "ndim", 1) else 0 for v in value]
        if len(set(lengths)) > 1:
            raise data_error(what, f"key {str(key)!r} holds a list of {len(value)} sequences of different lengths "
                             f"({first_few(lengths)}); a batch from a data loader or iterator holds each key as one "
                             f"tensor: give Padded(torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True), "
                             f"lengths) from its collate_fn, or give net_train the sequences themselves "
                             f"({{{str(key)!r}: [sequence, ...], ...}}), which it batches by length",
                             kind="data-form", port=str(key), expected="a tensor or Padded",
                             found=f"a list of {len(value)} sequences")


def stacked_examples(batch: Mapping) -> Mapping:
    """``batch`` with each key holding a list of tensors of one shape, one per example (a collate_fn's list), stacked
    as net(x) stacks such a list: where the batch's other keys, as tensors, show as many examples as the list holds
    and no tensor's first dim is that number. torch's default collate makes a list too, of one tensor per position
    of a Python list in each item, each with the batch's examples first: where that may be it, the list is kept (the
    DataError where it is read says what to give)."""
    sizes = {len(v) for v in batch.values() if isinstance(v, torch.Tensor) and v.ndim}
    if len(sizes) != 1:
        return batch
    size = sizes.pop()
    stacked = {}
    for key, value in batch.items():
        if type(value) is list and len(value) == size and all(isinstance(v, torch.Tensor) for v in value) \
                and len({v.shape for v in value}) == 1 and (value[0].ndim == 0 or len(value[0]) != size):
            stacked[key] = torch.stack(value)
    return {**batch, **stacked} if stacked else batch


def sample_of(batch: Mapping, what: Any) -> dict[str, Any]:
    """``batch`` with each Padded value's data (checked, its padding filled) in its place: what it shows of the keys'
    dtypes and shapes."""
    return {k: check_padded(str(k), v, f"{what}: key")[0] if isinstance(v, Padded) else v for k, v in batch.items()}


def _lengths_keys(expect: Mapping[str, Expect]) -> dict[str, str]:
    return {e.lengths_of: k for k, e in expect.items() if e.lengths_of is not None}


def unpadded(batch: Mapping, expect: Mapping[str, Expect], what: Any) -> dict[str, Any]:
    """``batch`` with each Padded value as its data, its lengths under the key ``expect`` gives them (the padded
    module's argument); a DataError for a Padded key the net is not run with lengths of."""
    keys = padded_keys(batch)
    if not keys:
        return dict(batch)
    arguments = _lengths_keys(expect)
    out = {}
    for k, v in batch.items():
        k = str(k)
        if not isinstance(v, Padded):
            out[k] = v
        elif k not in arguments:
            raise data_error(what, f"key {k!r} ({expect[k].what if k in expect else 'no port'}) holds Padded "
                                   f"sequences, but the net is run here without their lengths (the training data's "
                                   f"first batch gave none there); give every batch of sequences in one form",
                                   kind="padded-data", port=k)
        else:
            out[k], out[arguments[k]] = check_padded(k, v, f"{what}: key")
    return out


def as_sequences(cols: Mapping[str, torch.Tensor], expect: Mapping[str, Expect]) -> dict[str, Any]:
    """``cols`` with each padded input cut to a list of its sequences (each example's own length), for the checks
    of lengths a layer needs."""
    arguments = _lengths_keys(expect)
    return {k: unpad(v, cols[arguments[k]]) if arguments.get(k) in cols else v for k, v in cols.items()}
