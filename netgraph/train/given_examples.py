"""The examples of net_train's data as the user gave them, read where a layer refused a 0 that the cast to the working
precision may have made (1e-300 in float32): from the data in memory by its index, or from the batch a loader gave
(a Dataset, a DataLoader, an image folder), which keeps its values as given only where the cast made one of them 0."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from netgraph.backend.masks import Padded
from netgraph.core.naming_scope import quoted
from netgraph.train.data_pairs import is_pair, is_pair_of_values
from netgraph.train.data_sets import HELD_OUT, held_fraction

__all__ = ["GivenExamples", "given_examples", "example_given", "underflowed"]


class GivenExamples:
    """``example_given`` of ``data`` as a call ``(port, i)``, and ``source``: the words naming the data set (``kind``,
    and the file or folder it was read from where ``given``, the data as the user gave it, is a path). ``batches``:
    the loader (``Streamed``) whose last batch's values as given (``uncast``) are read where ``data`` holds none."""

    def __init__(self, data: Any, inputs: tuple[str, ...], kind: str, given: Any = None, batches: Any = None):
        self.data, self.inputs, self.batches, self.kind = data, inputs, batches, kind
        self.source = f"the {kind} in {quoted(str(given))}" if isinstance(given, (str, os.PathLike)) else f"the {kind}"

    def __call__(self, port: str, i: int) -> Any:
        value = example_given(self.data, port, i, self.inputs)
        if value is None and self.batches is not None and self.batches.uncast is not None:
            columns, examples = self.batches.uncast
            if port in columns:
                return columns[port][examples.index(i) if examples is not None else i]
        return value

    def source_of(self, examples: Sequence[int] | None) -> str:
        """The words naming the data set an example lies in: of a loader's batch whose examples are not numbered
        (``examples`` None), its row in that batch."""
        in_memory = isinstance(self.data, (Mapping, list, tuple))
        batch_row = self.batches is not None and examples is None and not in_memory
        return f"this batch of {self.source}" if batch_row else self.source


def given_examples(data: Any, validation_set: Any, paths: tuple[Any, Any], inputs: tuple[str, ...], train: Any,
                   validation: Any) -> tuple[GivenExamples, GivenExamples]:
    """(training, validation) examples as given, read for a value the cast made 0: the part held out by a fraction
    ``validation_set`` read from the data given (its examples named by their indices there), else the validation data
    given; each from its loader's batch (``train``, ``validation``: ``Streamed``) where it is no data in memory."""
    held = held_fraction(validation_set) is not None
    loader = lambda source: source if hasattr(source, "last_given") else None  # noqa: E731 - a Streamed
    return (GivenExamples(data, inputs, "training data", paths[0], loader(train)),
            GivenExamples(data if held else validation_set, inputs, str(HELD_OUT) if held else
                          "validation data (validation_set)", paths[0] if held else paths[1], loader(validation)))


def underflowed(given: Mapping[str, Any], cast: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The columns of a batch ``given`` whose cast to a narrower float (``cast``: float64 to float32) made a nonzero
    value 0 (1e-50): one count of nonzeros each, only where a float column narrowed."""
    return {k: x for k, x in given.items() if isinstance(x, torch.Tensor) and x.is_floating_point() and k in cast
            and cast[k].is_floating_point() and cast[k].dtype.itemsize < x.dtype.itemsize
            and int(torch.count_nonzero(cast[k])) != int(torch.count_nonzero(x))}


def example_given(data: Any, port: str, i: int, inputs: tuple[str, ...]) -> Any:
    """Example ``i`` of ``data`` at ``port`` as the user gave it, in the form ``gather`` reads it: a dict of columns
    (Padded ones too), a pair (inputs, targets) or a list of example dicts or of pairs (whose first part feeds the one
    input of ``inputs``); None for other data."""
    if isinstance(data, Mapping):
        return _row(data.get(port), i)
    if is_pair_of_values(data):  # (inputs, targets): the inputs a column, never a list of two examples
        return _row(data[0], i) if inputs == (port,) else None
    if isinstance(data, (list, tuple)) and i < len(data):
        item = data[i]
        if isinstance(item, Mapping):
            return item.get(port)
        if is_pair(item) and inputs == (port,):
            return item[0]
    return None


def _row(column: Any, i: int) -> Any:
    """Example ``i`` of a column as given (a Padded one's without its padding); None for no column."""
    if isinstance(column, Padded):
        return column.data[i, :int(column.lengths[i])]
    return None if column is None else column[i]
