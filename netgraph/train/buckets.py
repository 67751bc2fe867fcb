"""Training on sequences of different lengths: batches drawn from one length bucket at a time.

Data given as a dict whose values include lists of tensors (one per example, of different lengths) is
served by ``LengthBuckets``: the example indices are grouped by length (by the tuple of shapes of every
ragged key), each bucket is shuffled and cut into batches, and the batches of all buckets are shuffled
together, each pass drawing from torch's generator (which ``net_train`` seeds every round from its
``random_seed``). Every batch is dense; nothing is padded.

>>> import torch
>>> data = {"Input": [torch.zeros(3), torch.zeros(5), torch.ones(3)], "Target": torch.tensor([0, 1, 2])}
>>> buckets = LengthBuckets(data, 2, "training data")
>>> len(buckets), sorted(tuple(b["Input"].shape) for b in buckets)
(2, [(1, 5), (2, 3)])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import torch

from netgraph.backend.masks import Padded, as_lists, pad
from netgraph.backend.ragged import is_ragged, shape_groups
from netgraph.core.errors import DataError
from netgraph.train.data_sets import data_error
from netgraph.core.tensors import as_tensor
from netgraph.core.torch_state import forked_generator
from netgraph.core.wording import type_label

__all__ = ["LengthBuckets", "PaddedBatches", "has_ragged", "length_batches", "in_order"]


def has_ragged(data: Any) -> bool:
    """Whether ``data`` is a dict with a ragged value (a list of tensors or arrays, one per example)."""
    return isinstance(data, Mapping) and any(is_ragged(v) for v in data.values())


def _column(key: str, value: Any, what: str) -> Any:
    try:
        if isinstance(value, Padded):
            return as_lists(value, key, f"{what}: key")
        if is_ragged(value):
            return [as_tensor(v) for v in value]
        return value.detach() if isinstance(value, torch.Tensor) else as_tensor(value)
    except DataError:  # a Padded value's own check, which names the key already
        raise
    except (TypeError, ValueError, RuntimeError) as exc:
        raise data_error(what, f"key {key!r}: cannot make a tensor from it: {exc}",
                         kind="not-a-tensor", layer=(), port=key, found=type_label(value)) from None


def length_batches(groups: list[list[int]], batch_size: int,
                   generator: torch.Generator | None = None) -> list[list[int]]:
    """Batches of indices, each from one group: every group shuffled and cut, the batches shuffled together (orders
    drawn from ``generator``, or torch's global one)."""
    batches = []
    for group in groups:
        shuffled = [group[i] for i in torch.randperm(len(group), generator=generator).tolist()]
        batches += [shuffled[i:i + batch_size] for i in range(0, len(shuffled), batch_size)]
    return [batches[j] for j in torch.randperm(len(batches), generator=generator).tolist()]


class LengthBuckets:
    """An iterable of dense batch dicts from ragged columns; ``len()`` is the number of batches per pass."""

    whole_batches = True  # every process of a distributed run takes its slice of each batch (data.Streamed)
    numbers: list[int] | None = None  # each example's index in the data the user gave, where these are a part of it
    shuffled = True  # False: each pass in the data's order (``in_order``: a validation's, net_measurements')

    def __init__(self, data: Mapping, batch_size: int, what: str, listed: bool = False,
                 numbers: list[int] | None = None):
        self.cols = {str(k): _column(str(k), v, what) for k, v in data.items()}
        self.numbers = numbers
        self.listed = listed  # the columns of a list of example dicts (whose keys take no '<key>.lengths')
        counts = {k: len(v) for k, v in self.cols.items()}
        if len(set(counts.values())) > 1:
            raise data_error(what, f"every key must hold the same number of examples, found {counts}",
                             kind="data-shape", layer=(), found=tuple(counts.items()))
        ragged = [k for k, v in self.cols.items() if isinstance(v, list)]  # scalar or empty examples: checked
        # with the data's other example shapes, in the part they lie in (``data_checks.check_example_shapes``)
        total = next(iter(counts.values()))
        self.groups = shape_groups(self.cols, ragged, total)
        self.batch_size, self.dataset = batch_size, range(total)

    def __len__(self) -> int:
        return sum(math.ceil(len(g) / self.batch_size) for g in self.groups)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        return (batch for _, batch in self.indexed())

    def indexed(self) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
        """Each batch of one pass with its examples' indices in the data (the order is drawn as the pass starts)."""
        for idx in self._orders():
            yield self._numbered(idx), self._batch(idx)

    def _numbered(self, idx: list[int]) -> list[int]:
        """The indices in the data given of these examples (of a part of it, ``numbers``)."""
        return idx if self.numbers is None else [self.numbers[i] for i in idx]

    def _orders(self) -> list[list[int]]:
        if not self.shuffled:
            size = self.batch_size
            return [group[i:i + size] for group in self.groups for i in range(0, len(group), size)]
        return length_batches(self.groups, self.batch_size)

    def with_columns(self, cols: Mapping, what: str, numbers: list[int] | None = None) -> LengthBuckets:
        """Batches of this kind (and batch size) from other columns, such as a part of these (whose examples are
        ``numbers`` of the data given)."""
        buckets = LengthBuckets(cols, self.batch_size, what, self.listed, numbers)
        return PaddedBatches(buckets, self.arguments) if isinstance(self, PaddedBatches) else buckets

    def samples(self) -> list[tuple[list[int], dict[str, torch.Tensor]]]:
        """A batch of every bucket (all its examples), with its examples' indices in the data, for checking the whole
        data before training."""
        return [(self._numbered(group), self._batch(group)) for group in self.groups]

    def _batch(self, idx: list[int]) -> dict[str, torch.Tensor]:
        index = torch.tensor(idx)
        out = {}
        for k, v in self.cols.items():
            try:
                out[k] = torch.stack([v[i] for i in idx]) if isinstance(v, list) else v[index]
            except RuntimeError as exc:
                raise DataError(f"key {k!r}: examples {idx[:5]} of one length bucket have different shapes: "
                                f"{exc}", **_shapes(k, v, idx)) from None
        return out


class PaddedBatches(LengthBuckets):
    """Batches of examples of any lengths, in a shuffled order, each ragged key padded to its batch's longest
    sequence and its lengths given under ``arguments[key]`` (the padded module's lengths argument)."""

    def __init__(self, buckets: LengthBuckets, arguments: dict[str, str]):
        self.__dict__.update(buckets.__dict__)
        self.arguments = arguments

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def _orders(self) -> list[list[int]]:
        order = torch.randperm(len(self.dataset)).tolist() if self.shuffled else list(self.dataset)
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def samples(self) -> list[tuple[list[int], dict[str, torch.Tensor]]]:
        """Every example, in padded batches of up to 1024 with their indices in the data (for checking the whole data
        before training)."""
        chunks = [list(self.dataset[i:i + 1024]) for i in range(0, len(self.dataset), 1024)]
        return [(self._numbered(idx), self._batch(idx)) for idx in chunks]

    def _batch(self, idx: list[int]) -> dict[str, torch.Tensor]:
        index, out = torch.tensor(idx), {}
        for k, v in self.cols.items():
            if not isinstance(v, list):
                out[k] = v[index]
                continue
            try:
                out[k], out[self.arguments[k]] = pad([v[i] for i in idx])
            except RuntimeError as exc:
                raise DataError(f"key {k!r}: examples {idx[:5]} differ in more than their lengths: {exc}",
                                **_shapes(k, v, idx)) from None
        return out


def _shapes(key: str, values: list[torch.Tensor], idx: list[int]) -> dict[str, Any]:
    """The Diagnostic fields of examples ``idx`` (the first 5) of list column ``key`` that cannot be stacked."""
    return {"kind": "data-shape", "layer": (), "port": key, "found": tuple(tuple(values[i].shape) for i in idx[:5])}


def in_order(data: Any) -> Any:
    """``data`` (a pass's: validation's, net_measurements'), its variable-length sequences in memory batched in the
    data's order, not shuffled: each pass alike, so that net_measurements on the validation data gives the
    validation's loss exactly (float sums in another order differ in the last digits). Other data as it is."""
    loader = getattr(data, "loader", None)
    if isinstance(loader, LengthBuckets):
        loader.shuffled = False
    return data


def seeded(batches: Iterable, seed: int) -> Iterator:
    """``batches`` in the order they draw from torch's generator seeded with ``seed`` (the same on every process of
    a distributed run), leaving that generator as it was."""
    with forked_generator(seed):
        iterator = iter(batches)
        first = next(iterator, None)  # a generator draws its order when it starts
    return itertools.chain([first] if first is not None else [], iterator)


def process_share(n: int, rank: int, world: int) -> tuple[torch.Tensor, int]:
    """The positions of process ``rank``'s slice of an ``n``-example batch, as ``tensor_split`` splits it, and how
    many of them count: a process left without an example gets the first as a stand-in, which counts 0."""
    if rank >= n:
        return torch.arange(1), 0
    idx = torch.arange(n).tensor_split(world)[rank]
    return idx, len(idx)
