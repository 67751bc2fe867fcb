"""A map-style ``torch.utils.data.Dataset`` given as training data: batched by a shuffling DataLoader whose
missing items and unbatchable items are DataErrors naming the data, not torch's IndexError or stack errors. Its
batches of dicts are ``NumberedBatch``es: each example's index in the Dataset travels with them (``examples``), so a
problem names the example as the Dataset holds it, whatever the shuffle drew."""

from __future__ import annotations

import collections
import contextlib
import random
import sys
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.core.tensors import native_array
from netgraph.backend.port_tensors import beyond_float64, data_tensor
from netgraph.core.errors import DataError
from netgraph.core.wording import counted, first_few, type_label
from netgraph.train.data_columns import beyond_float64_error, example_keys_error
from netgraph.train.data_pairs import is_pair_of_values, pair_dict
from netgraph.train.data_sets import data_error

__all__ = ["checked_loader", "checked_dataset", "reads_kept_by", "dataset_items", "checked_dataset_of", "NumberedBatch",
           "read_once", "keeping_reads", "forget_reads", "pair_items"]

_UNREAD = object()  # no item kept at an index


def checked_loader(dataset: Any, what: str, batch_size: int) -> torch.utils.data.DataLoader:
    """A shuffling DataLoader of ``batch_size`` over ``dataset`` (checked: a length, no IndexError, batchable items)
    whose batches are ``NumberedBatch``es."""
    return torch.utils.data.DataLoader(checked_dataset_of(dataset, what), batch_size=batch_size, shuffle=True,
                                       collate_fn=_Collate(what))


def checked_dataset(loader: Any) -> torch.utils.data.Dataset | None:
    """The Dataset a ``checked_loader`` batches (checked, or a Subset of a checked one), None for any other loader
    (a user's DataLoader)."""
    dataset = getattr(loader, "dataset", None)
    return dataset if _checked_below(dataset) is not None else None


def reads_kept_by(loader: Any) -> torch.utils.data.Dataset | None:
    """The checked Dataset (or a Subset of one) whose items ``loader`` reads, which keeps the reads made before
    training (``keeping_reads``) and forgets them after a pass (``forget_reads``): a ``checked_loader``'s, or the one
    named by the loader's ``read_items`` (an ``EncodedLoader`` of a Dataset's images); None for any other loader."""
    dataset = checked_dataset(loader)
    return dataset if dataset is not None else getattr(loader, "read_items", None)


def dataset_items(dataset: Any, what: str) -> list:
    """Every item of a map-style ``dataset``, read now (checked as ``checked_loader``'s: a length, no IndexError)."""
    checked = checked_dataset_of(dataset, what)
    return [checked[i] for i in range(len(checked))]


def checked_dataset_of(dataset: Any, what: str) -> torch.utils.data.Dataset:
    """``dataset`` (map-style) checked as ``checked_loader``'s is (a length, no IndexError), its items unread: as it
    is where it is checked already (``read_once``, or a Subset of such), so that one Dataset keeps its reads."""
    return dataset if _checked_below(dataset) is not None else _CheckedDataset(dataset, what)


def _checked_below(dataset: Any) -> _CheckedDataset | None:
    """The checked Dataset ``dataset`` is, or the one below its Subsets and PairItems; None where there is none."""
    while isinstance(dataset, (torch.utils.data.Subset, PairItems)):
        dataset = dataset.dataset
    return dataset if isinstance(dataset, _CheckedDataset) else None


def read_once(dataset: Any, what: Any) -> Any:
    """A map-style Dataset with a length as a checked one whose items read to check the data are kept to train on
    (``keeping_reads``), so that each is read once; any other data as it is."""
    if isinstance(dataset, (torch.utils.data.IterableDataset, _CheckedDataset)) or \
            not isinstance(dataset, torch.utils.data.Dataset) or not hasattr(dataset, "__len__"):
        return dataset
    return _CheckedDataset(dataset, what)


@contextlib.contextmanager
def keeping_reads(dataset: Any) -> Iterator[None]:
    """Items of checked ``dataset`` read inside are kept, each given once more when next asked for (training's own
    read of it): read to check the data before training, they are not read again. An item whose read drew from
    torch's, Python's or numpy's global generator (a random transform) is not kept: the run draws it anew (from its
    own seeded state: torch's). A Subset's: the checked Dataset's below it. Any other dataset: nothing."""
    if (dataset := _checked_below(dataset)) is None:
        yield
        return
    dataset.keeping = True
    try:
        yield
    finally:
        dataset.keeping = False


def forget_reads(dataset: Any) -> None:
    """Drop the items ``dataset`` (checked) and the checked Dataset under it still keep: a pass over the data has
    read what it wanted, and a later pass reads each item afresh (a random transform draws anew). Below a Subset,
    only that Subset's items: the rest (a held-out part's, sharing the whole) are the other part's to read."""
    indices = None  # below a Subset: its items' indices in the dataset reached
    while dataset is not None:
        if isinstance(dataset, _CheckedDataset):
            for i in list(dataset.kept) if indices is None else indices & dataset.kept.keys():
                del dataset.kept[i]
        if isinstance(dataset, torch.utils.data.Subset):
            indices = set(dataset.indices) if indices is None else {dataset.indices[i] for i in indices}
        dataset = getattr(dataset, "dataset", None)  # a Subset's, a checked Dataset's


class NumberedBatch(dict):
    """A batch dict of a ``checked_loader``; ``examples``: each row's index in the Dataset given."""

    def __init__(self, cols: dict, examples: list[int]):
        super().__init__(cols)
        self.examples = examples


class _NumberedItems(list):
    """The items of a batch with ``examples``, their indices in the checked Dataset (of a Subset of it: in the
    whole, as torch's ``Subset.__getitems__`` asks for them), for ``_collate``."""

    def __init__(self, items: list, examples: list[int]):
        super().__init__(items)
        self.examples = examples


class _CheckedDataset(torch.utils.data.Dataset):
    """A map-style Dataset whose length is checked and whose missing items are a DataError, not an IndexError; the
    one place that keeps the items read before training (``keeping_reads``). A DataLoader's batch of its items
    comes numbered (``__getitems__``)."""

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
        self.kept: dict[int, Any] = {}  # items read to check the data, each given once more (``keeping_reads``)
        self.keeping = False

    def __getstate__(self) -> dict:
        return {**self.__dict__, "kept": {}, "keeping": False}  # to another process: the items kept stay here

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> Any:
        if torch.utils.data.get_worker_info() is not None:  # a worker's copy (forked: with this process's items kept)
            return self._read(index)  # neither keeps nor reuses: a persistent worker would reuse one in a later round
        item = self.kept.get(index, _UNREAD) if self.keeping else self.kept.pop(index, _UNREAD)
        if item is _UNREAD:
            before = _rng_states() if self.keeping else None
            item = self._read(index)
            if before is not None and _same(before, _rng_states()):  # no random transform: the run's own read
                self.kept[index] = item  # (its draws seeded) would give the same item
        return item

    def __getitems__(self, indices: list[int]) -> _NumberedItems:
        """The items a DataLoader batches (torch's fetcher asks for them so), numbered for ``_collate``."""
        return _NumberedItems([self[i] for i in indices], list(indices))

    def _read(self, index: int) -> Any:
        try:
            return self.dataset[index]
        except IndexError as exc:
            raise data_error(self.what, f"the Dataset says it has {counted(self.size, 'item')} but item {index} raised "
                            f"IndexError: {exc}", kind="dataset-length", expected=self.size, found=index) from None
        except StopIteration:  # escaping the loader's next(), it would end the round there, silently
            raise data_error(self.what, f"item {index} raised StopIteration, which would end the round early; the "
                            f"Dataset's __getitem__ must return the item or raise another error", kind="dataset-stop",
                            expected="an item", found=index) from None


def pair_items(dataset: Any, ports: tuple[str, str]) -> Any:
    """A checked ``dataset`` (``read_once``'s) as ``PairItems`` feeding ``ports`` (a net's one input and one output,
    as a list of pairs feeds them); any other data as it is. No item is read here."""
    return PairItems(dataset, ports) if isinstance(dataset, _CheckedDataset) else dataset


def first_is_pair(dataset: Any) -> bool:
    """Whether ``dataset`` is a ``PairItems`` whose item 0, read already, was an (input, target) pair."""
    return isinstance(dataset, PairItems) and dataset.pair_at_zero


class PairItems(torch.utils.data.Dataset):
    """A checked Dataset whose items that are (input, target) pairs are read as the dict {``ports[0]``: input,
    ``ports[1]``: target}, as a list of such pairs is read; other items as they are."""

    def __init__(self, dataset: _CheckedDataset, ports: tuple[str, str]):
        self.dataset, self.ports, self.pair_at_zero = dataset, ports, False  # (whether item 0, once read, was one)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        item = self.dataset[index]
        if index == 0:
            self.pair_at_zero = is_pair_of_values(item)
        return self._as_dict(item)

    def __getitems__(self, indices: list[int]) -> _NumberedItems:
        items = self.dataset.__getitems__(indices)
        return _NumberedItems(list(map(self._as_dict, items)), items.examples)

    def _as_dict(self, item: Any) -> Any:
        return pair_dict(item, self.ports)


def _rng_states() -> list[Any]:
    """The random states a Dataset's transform may draw from: torch's CPU generator's and each GPU's once CUDA is
    started, Python's ``random``'s and numpy's global (legacy) generator's once ``numpy.random`` is imported (None
    before: never imported for this)."""
    numpy_random = sys.modules.get("numpy.random")
    legacy = None if numpy_random is None else numpy_random.get_state()  # (name, key array, position, ...)
    return [random.getstate(), None if legacy is None else (legacy[0], legacy[1].tobytes(), *legacy[2:]),
            torch.get_rng_state(), *(torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else ())]


def _same(states: list[Any], now: list[Any]) -> bool:
    """Whether no random state changed (CUDA started or numpy's generator imported between counts as a change)."""
    return len(states) == len(now) and states[:2] == now[:2] and all(map(torch.equal, states[2:], now[2:]))


class _Collate:
    """``_collate`` for one loader, which keeps the keys its first batch's items hold (``keys``): every later
    batch's items must hold them too; ``first``: those items' indices in the Dataset (None where not known), which a
    refusal names too, since the odd one may be there (a first batch of one item, or of odd items alone)."""

    def __init__(self, what: str):
        self.what, self.keys, self.first = what, None, None

    def __call__(self, items: list) -> Any:
        return _collate(items, self.what, self)


def _collate(items: list, what: str, loader: _Collate | None = None) -> Any:
    """torch's default collation; items it cannot stack (no dicts of equal-shaped arrays) are a DataError. Values
    given as Python lists are made tensors first: torch's collation would transpose them (a list of tensors, one
    per position, which is no batch); numpy arrays in the other byte order, which torch refuses, are made native.
    Numbered items (``_NumberedItems``) make a ``NumberedBatch`` of dicts; ``loader`` keeps the first batch's keys."""
    numbers = getattr(items, "examples", None)
    dicts = [isinstance(item, dict) for item in items]
    if any(dicts) and not all(dicts):  # the first item that is no dict, wherever it stands in the batch
        odd = dicts.index(False)
        example = numbers[odd] if numbers is not None else odd
        name = f"item {example} of the Dataset" if numbers is not None else f"entry {odd} of the batch"
        raise data_error(what, f"the Dataset's items cannot be batched: {name} is {type_label(items[odd])}, where "
                         f"the batch's others are dicts of port -> array", example=example, kind="data-form",
                         expected="a dict of port -> array", found=type_label(items[odd]))
    if all(dicts):
        _check_keys(items, numbers, what, loader)
    try:
        if all(dicts):
            items = [{k: _value(v, k, j, numbers, what) for k, v in item.items()} for j, item in enumerate(items)]
        batch = torch.utils.data.default_collate(items)
    except DataError:  # a value beyond any float (``_value``)
        raise
    except (TypeError, RuntimeError, ValueError, KeyError, OverflowError) as exc:
        odd, example = _odd_item(items, numbers)
        raise data_error(what, f"the Dataset's items cannot be batched (each must be a dict of port -> "
                        f"array, all of one shape): {exc}{odd}", example=example,
                        kind="data-form", expected="items of dicts of port -> array, all of one shape") from None
    return NumberedBatch(batch, numbers) if numbers is not None and isinstance(batch, dict) else batch


def _check_keys(items: list[dict], numbers: list[int] | None, what: Any, loader: _Collate | None) -> None:
    """A DataError (kind example-keys) for the first item (by its index in the Dataset where ``numbers`` are known,
    else by its place in the batch) whose keys are not those most items of the batch hold, or where all hold the
    same keys, not those of the ``loader``'s first batch (kept there); torch's collation would drop a key the
    batch's first item lacks and fail on one it has."""
    keys = [item.keys() for item in items]
    if all(k == keys[0] for k in keys):
        if loader is not None and loader.keys is None:
            loader.keys, loader.first = list(keys[0]), numbers
        if loader is None or keys[0] == set(loader.keys):
            return
        expected, odd, reference = loader.keys, range(len(keys)), f"the first batch's items{_named(loader.first)} have"
    else:
        common = collections.Counter(frozenset(k) for k in keys).most_common(1)[0][0]
        expected = next(k for k in keys if k == common)
        odd, reference = [j for j, k in enumerate(keys) if k != common], "most items of its batch have"
    if numbers is None:
        raise example_keys_error(what, expected, None, keys[odd[0]], reference, name=f"entry {odd[0]} of the batch")
    j = min(odd, key=lambda j: numbers[j])
    raise example_keys_error(what, expected, numbers[j], keys[j], reference)


def _named(examples: list[int] | None, shown: int = 5) -> str:
    """`` (items 3, 8 of the Dataset)``: the indices ``examples``, the first ``shown`` of them; '' where unknown."""
    if not examples:
        return ""
    return f" (item{'s' * (len(examples) > 1)} {first_few(examples, most=shown)} of the Dataset)"


def _value(value: Any, key: str, j: int, numbers: list[int] | None, what: Any) -> Any:
    """Item ``j`` of a batch's ``value`` at ``key`` ready to collate: a Python list or int as a tensor (ints beyond
    int64 as float64, as net(x) reads them; one beyond any float a DataError naming the item, by its index in the
    Dataset where ``numbers`` are known), anything else native."""
    if type(value) not in (list, tuple, int):
        return native_array(value)
    try:
        return data_tensor(value)
    except (ValueError, RuntimeError, OverflowError):
        if (huge := beyond_float64(value)) is None:
            raise
        raise _beyond_float64(huge, key, j, numbers, what) from None


def _beyond_float64(huge: int, key: str, j: int, numbers: list[int] | None, what: Any) -> DataError:
    """The DataError (kind precision-range) for an int ``huge`` beyond any float at ``key`` of item ``j`` of a batch
    (by its index in the Dataset where ``numbers`` are known)."""
    example = numbers[j] if numbers is not None else j
    name = f"item {example} of the Dataset" if numbers is not None else f"entry {j} of the batch"
    return beyond_float64_error(what, key, name, example, huge)


def _odd_item(items: list, numbers: list[int] | None) -> tuple[str, int | None]:
    """('; item 13 (key 'Input') has shape (3,), most items of its batch (2,)', 13): the first item (by its index in
    the Dataset, ``numbers``; else by its place in the batch) whose array at a key is not of the shape most items of
    the batch have there, and that index; ('', None) when none is found."""
    rows = [item for item in items if isinstance(item, dict)]
    for key in dict.fromkeys(k for item in rows for k in item):
        shapes = [tuple(getattr(item[key], "shape", ())) if key in item else None for item in rows]
        common = collections.Counter(s for s in shapes if s is not None).most_common(1)[0][0]
        odd = [j for j, shape in enumerate(shapes) if shape not in (None, common)]
        if odd:
            j = min(odd, key=lambda j: numbers[j]) if numbers is not None else odd[0]
            name = f"item {numbers[j]}" if numbers is not None else f"entry {j} of the batch"
            return f"; {name} (key {key!r}) has shape {shapes[j]}, most items of its batch {common}", \
                numbers[j] if numbers is not None else j
    return "", None
