"""A map-style Dataset's items as columns by key, read one item at a time as they are indexed: a Dataset of images
(files, PIL images) is read batch by batch in the DataLoader's processes, never all at once before training.

>>> class Items(torch.utils.data.Dataset):
...     def __len__(self):
...         return 3
...     def __getitem__(self, i):
...         return {"Input": f"{i}.png", "Output": "cat"}
>>> columns = item_columns(Items(), ["Input", "Output"], Items()[0])
>>> len(columns["Input"]), columns["Input"][2], columns["Output"].subset([2, 0])[1]
(3, '2.png', 'cat')
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from netgraph.core.errors import NetGraphError
from netgraph.core.wording import type_label, value_kind
from netgraph.data.errors import ExampleError
from netgraph.train.data_columns import example_keys_error
from netgraph.train.data_sets import TRAINING, data_error
from netgraph.train.datasets import first_is_pair

__all__ = ["ItemColumn", "item_columns"]


class _Items:
    """The Dataset's items by number, the last one read kept until ``forget`` (an example's keys are read one after
    another from one read of its item); ``keys``: item 0's, which every item must hold, no more (``what`` names the
    data in the refusal)."""

    def __init__(self, dataset: Any, first: Any, what: Any = TRAINING):
        self.dataset, self.last = dataset, (0, first)
        self.keys, self.what = list(first), what
        self.key_set = frozenset(first)  # (compared with each item read)

    def __getstate__(self) -> dict:  # to a worker process: the item kept stays here
        return {**self.__dict__, "last": (None, None)}

    def __len__(self) -> int:
        return len(self.dataset)

    def item(self, i: int) -> Any:
        if self.last[0] != i:
            self.last = (None, None)  # a failed read keeps no older item
            try:
                item = self.dataset[i]
            except NetGraphError:
                raise  # netgraph's own error (the item made with netgraph): its kind and fields as they are
            except Exception as exc:  # noqa: BLE001 - the user's __getitem__ (a broken image it opens): said by item
                raise ExampleError(f"the Dataset's item raised {type(exc).__name__}: {exc}") from None
            self.check_keys(item, i)  # (an item refused is not kept: read again, it is refused again)
            self.last = (i, item)
        return self.last[1]

    def check_keys(self, item: Any, number: int) -> None:
        """A DataError (kind example-keys) where item ``number``, a Mapping, holds other keys than item 0, as a plain
        Dataset's batches are refused (``datasets._check_keys``): an extra key was ignored, and a missing one no such
        error; one of kind data-form where it is no Mapping (a list, None: it holds none of item 0's keys), which
        asks for an (input, target) pair where item 0 was one. Once per item read, not per column."""
        if not isinstance(item, Mapping):
            pair = first_is_pair(self.dataset)
            form = "an (input, target) pair, as example 0 is" if pair else \
                f"a dict of the keys example 0 has {self.keys}"
            raise data_error(self.what, f"every example must be {form}; example {number} is {value_kind(item)}",
                             kind="data-form", example=number, expected="an (input, target) pair" if pair else
                             tuple(self.keys), found=type_label(item))
        if item.keys() != self.key_set:
            raise example_keys_error(self.what, self.keys, number, list(item))

    def forget(self) -> None:
        """The example read is done: a later read of its item (a later batch's, round's) reads it anew."""
        self.last = (None, None)


class ItemColumn(Sequence):
    """Key ``key`` of the items numbered ``index`` (all when None), each read when indexed."""

    def __init__(self, items: _Items, key: Any, index: list[int] | None = None):
        self.items, self.key, self.index = items, key, index

    def __len__(self) -> int:
        return len(self.items) if self.index is None else len(self.index)

    def __getitem__(self, i: Any) -> Any:
        i = operator.index(i)  # one item at a time: an int (numpy's too), never a slice
        number = i if self.index is None else self.index[i]
        return self.items.item(number)[self.key]  # (an item's form and keys checked as it is read: check_keys)

    def read_items(self) -> torch.utils.data.Dataset:
        """The Dataset this column reads its items from: the whole, or a Subset of it (``index``)."""
        whole = self.items.dataset
        return whole if self.index is None else torch.utils.data.Subset(whole, self.index)

    def forget_item(self) -> None:
        """The example read is done (``_Items.forget``): every column sharing these items reads its item anew."""
        self.items.forget()

    def subset(self, index: list[int]) -> ItemColumn:
        """The items numbered ``index`` of this column (a held-out split), still unread."""
        mine = index if self.index is None else [self.index[i] for i in index]
        return ItemColumn(self.items, self.key, mine)


def item_columns(dataset: torch.utils.data.Dataset, keys: Sequence[Any], first: Any,
                 what: Any = TRAINING) -> dict[str, ItemColumn]:
    """The columns ``keys`` of ``dataset`` (map-style, its length checked), sharing one reader of its items;
    ``first``: item 0, which the caller has read (not read again for the example being read: ``forget_item``),
    whose keys every item must hold (``what``: the data, as refusals name it)."""
    items = _Items(dataset, first, what)
    return {str(key): ItemColumn(items, key) for key in keys}
