"""The checks an ``EncodedDataset`` runs on every example before training (of a Dataset read item by item, item 0):
each value can be encoded (labels, image headers, texts), holds no NaN, and a tagger's labels are as many as its input
sequence's positions.

Every failure is collected and raised together as one DataError naming the port and each example by its number in
the user's data (``bad_examples``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from netgraph.data.errors import Reason
from netgraph.train.encoded_loader import bad_examples
from netgraph.train.item_columns import ItemColumn

__all__ = ["check_examples", "first_fields", "label_count_problems"]


def check_examples(dataset: Any, keep: bool = True) -> dict[str, list[torch.Tensor]]:
    """Every example of ``dataset`` (an ``EncodedDataset``) checked: one DataError listing the failures by the
    example's number in the user's data; the label counts are checked once every value can be encoded. Of a
    Dataset's items (``ItemColumn``: reading one runs its ``__getitem__``, which opens its image) only item 0 is read
    here, every key of it; each other item is checked as the loader reads it (``EncodedDataset.__getitem__``).
    Returns the tensors encoded while checking, by key, of each key whose every example was encoded whole (values
    held in memory, no image file): training reuses them, encoding each value once (``keep=False``: none are kept,
    as where training encodes batch by batch)."""
    lazy = any(isinstance(values, ItemColumn) for values in dataset.columns.values())
    examples = range(min(1, dataset.size)) if lazy else None
    problems, positions = [], {}  # positions: (key, example) -> its encoded sequence's length, for the label counts
    fields = {}  # the first problem's Diagnostic fields: its example, and where known, expected and found
    encoded = {}  # key -> each example's tensor, while every one of them is a tensor
    for key, values in dataset.columns.items():
        if isinstance(values, torch.Tensor):
            problems += _nan_problems(dataset, key, values)
            continue
        tensors = [] if keep and examples is None else None
        for i in range(len(values)) if examples is None else examples:
            reason = dataset.encoded(key, i, header_only=True)
            if tensors is not None and isinstance(reason, torch.Tensor):
                tensors.append(reason)
            else:
                tensors = None
            if isinstance(reason, Reason):
                fields = fields if problems else first_fields(dataset, i, reason)
                said = f"{dataset.port_words(key)}: {dataset.example_name(i, key)}: {reason}"
                problems.append((dataset.ports[key], said))
            elif isinstance(reason, torch.Tensor) and reason.dim():
                positions[key, i] = len(reason)
        if tensors is not None:
            encoded[key] = tensors
    if not problems and (counts := label_count_problems(dataset, positions, examples)):
        problems, fields = [(port, words) for port, words, _ in counts], counts[0][2]
    if problems:
        raise bad_examples(dataset.what, problems, **fields)
    return encoded


def first_fields(dataset: Any, i: int, reason: Reason) -> dict[str, Any]:
    """The Diagnostic fields of example ``i``'s problem ``reason``; a table's file and line where known."""
    return {**example_fields(dataset, i), "expected": reason.expected, "found": reason.found}


def example_fields(dataset: Any, i: int) -> dict[str, Any]:
    """The Diagnostic fields naming example ``i``: its number in the user's data, and a table row's file and line."""
    n = dataset.index[i]
    if dataset.rows is None:  # not read from a table (a user's own places name no file and line)
        return {"example": n}
    file, line = dataset.rows[n]
    return {"example": n, "file": file, "line": line}


def _nan_problems(dataset: Any, key: str, values: torch.Tensor) -> list[tuple[str, str]]:
    """Each example holding NaN in a tensor given at ``key`` (one that is checked for NaN)."""
    if key not in dataset.nan_checked or not values.is_floating_point() or not values.numel():
        return []
    rows = values.reshape(len(values), -1).isnan().any(1)
    return [(dataset.ports[key], f"{dataset.port_words(key)}: {dataset.example_name(i, key)}: holds NaN, which "
                                 f"makes the loss non-finite; remove or fix such examples")
            for i in rows.nonzero().flatten().tolist()]


def label_count_problems(dataset: Any, positions: dict | None = None,
                         examples: Sequence[int] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """Each example (of ``examples``, default all) whose labels (a tagger's target) are not as many as its input
    sequence's positions, where the output's length is the input's (one length name), naming both keys and both
    lengths: (port, words, Diagnostic fields) each. ``positions``: the lengths already found encoding the inputs
    (the others are encoded here)."""
    positions = {} if positions is None else positions
    problems = []
    for key in dataset.sequences:
        length = dataset.port_types[dataset.ports[key]].shape[0]  # a length name ("n"): None joins no lengths
        for source in (k for k in dataset.columns if k in dataset.inputs and isinstance(length, str)
                       and dataset.port_types[k].shape[:1] == (length,)):
            for i in range(dataset.size) if examples is None else examples:
                labels, count = dataset.columns[key][i], positions.get((source, i))
                if count is None:
                    given = dataset.encoded(source, i)
                    count = len(given) if isinstance(given, torch.Tensor) and given.dim() else None
                if count is not None and count != len(labels):
                    problems.append((dataset.ports[key], f"{dataset.port_words(key)}: {dataset.example_name(i, key)}: "
                                                         f"{len(labels)} labels, but input port {source!r} has "
                                                         f"{count} positions (length {length}); give one label "
                                                         f"per position", example_fields(dataset, i)))
    return problems
