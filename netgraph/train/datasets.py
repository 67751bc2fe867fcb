"""A map-style ``torch.utils.data.Dataset`` given as training data: batched by a shuffling DataLoader whose
missing items and unbatchable items are DataErrors naming the data, not torch's IndexError or stack errors."""

from __future__ import annotations

import functools
from typing import Any

import torch

from netgraph.core.tensors import as_tensor, native_array
from netgraph.core.wording import counted, type_label
from netgraph.train.data_sets import data_error

__all__ = ["checked_loader", "checked_dataset", "dataset_items", "checked_dataset_of"]


def checked_loader(dataset: Any, what: str, batch_size: int) -> torch.utils.data.DataLoader:
    """A shuffling DataLoader of ``batch_size`` over ``dataset`` (checked: a length, no IndexError, batchable items)."""
    return torch.utils.data.DataLoader(_CheckedDataset(dataset, what), batch_size=batch_size, shuffle=True,
                                       collate_fn=functools.partial(_collate, what=what))


def checked_dataset(loader: Any) -> torch.utils.data.Dataset | None:
    """The Dataset a ``checked_loader`` batches (checked), None for any other loader (a user's DataLoader)."""
    dataset = getattr(loader, "dataset", None)
    return dataset if isinstance(dataset, _CheckedDataset) else None


def dataset_items(dataset: Any, what: str) -> list:
    """Every item of a map-style ``dataset``, read now (checked as ``checked_loader``'s: a length, no IndexError)."""
    checked = _CheckedDataset(dataset, what)
    return [checked[i] for i in range(len(checked))]


def checked_dataset_of(dataset: Any, what: str) -> torch.utils.data.Dataset:
    """``dataset`` (map-style) checked as ``checked_loader``'s is (a length, no IndexError), its items unread."""
    return _CheckedDataset(dataset, what)


class _CheckedDataset(torch.utils.data.Dataset):
    """A map-style Dataset whose length is checked and whose missing items are a DataError, not an IndexError."""

    def __init__(self, dataset: Any, what: str):
        try:
            self.size = len(dataset)
        except TypeError as exc:
            raise data_error(what, f"a Dataset must have a length (__len__): {exc}",
                             kind="data-form", expected="a Dataset with a length", found=type_label(dataset)) from None
        if not isinstance(self.size, int) or self.size < 1:
            raise data_error(what, f"the Dataset is empty (len() is {self.size!r})",
                             kind="missing-data", expected="one item or more", found=self.size)
        self.dataset, self.what = dataset, what

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> Any:
        try:
            return self.dataset[index]
        except IndexError as exc:
            raise data_error(self.what, f"the Dataset says it has {counted(self.size, 'item')} but item {index} raised "
                            f"IndexError: {exc}", kind="dataset-length", expected=self.size, found=index) from None


def _collate(items: list, what: str) -> Any:
    """torch's default collation; items it cannot stack (no dicts of equal-shaped arrays) are a DataError. Values
    given as Python lists are made tensors first: torch's collation would transpose them (a list of tensors, one
    per position, which is no batch); numpy arrays in the other byte order, which torch refuses, are made native."""
    try:
        if isinstance(items[0], dict):
            items = [{k: as_tensor(v) if isinstance(v, (list, tuple)) else native_array(v) for k, v in item.items()}
                     if isinstance(item, dict) else item for item in items]
        return torch.utils.data.default_collate(items)
    except (TypeError, RuntimeError, ValueError, KeyError) as exc:
        raise data_error(what, f"the Dataset's items cannot be batched (each must be a dict of port -> "
                        f"array, all of one shape): {exc}",
                        kind="data-form", expected="items of dicts of port -> array, all of one shape") from None
