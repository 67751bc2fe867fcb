"""Checks of training data beyond one key's shape: keys whose expected shapes share a variable length name (``"n"``:
a sequence input and the sequence target of an output that keeps its length) hold equal lengths; a hint for
examples that come grouped in batches (an extra dim after the examples' one); and the examples holding NaN or
infinite values.

Without the length check, a target one element short met the loss layer inside the first step that drew it, as
"input ports 'Input' and 'Target' share the length n" of the loss layer's own ports (mid-training, naming neither
the data keys nor an example).

>>> import torch
>>> from netgraph.core.types import INTEGER, PortType
>>> from netgraph.train.data import Expect
>>> expect = {"Input": Expect(PortType(("n",), INTEGER), "input port 'Input'"),
...           "Target": Expect(PortType(("n",), INTEGER), "target of output port 'Output'")}
>>> [p.message for p in shared_length_problems({"Input": torch.zeros(4, 8), "Target": torch.zeros(4, 7)}, expect)]
["input port 'Input' (key 'Input') and target of output port 'Output' (key 'Target') share the length n, found 8 and 7"]
>>> batches_hint((2,), (4, 16, 2), listed=True).split("?")[0]
'; examples in batches (a list of batch dicts)'
>>> batches_hint((2,), (4, 16, 2), False), batches_hint((2,), (16, 2), True), batches_hint(("n", 3), (4, 5, 3), True)
('', '', '')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from netgraph.core.types import format_shape
from netgraph.train.data_lengths import LENGTHS
from netgraph.core.errors import Diagnostic
from netgraph.train.data_sets import data_problem, raise_data
from netgraph.core.wording import counted

__all__ = ["first_example", "shared_length_problems", "batches_hint", "example_shape_problems", "unpadded_problems",
           "example_length_problems", "check_example_shapes", "sequence_problems", "non_finite", "non_finite_data",
           "examples_at", "first_nonfinite_example", "example_at"]


def shared_length_problems(cols: Mapping[str, torch.Tensor], expect: Mapping[str, Any]) -> list[Diagnostic]:
    """A message for each key whose length named like another key's (in ``expect``'s shapes) differs from it in
    ``cols`` (checked columns, examples along dim 0: a dense batch, whose examples all share their lengths)."""
    first: dict[str, tuple[str, int]] = {}  # length name -> (key, size) where it was first seen
    problems = []
    for key, x in cols.items():
        shape = expect[key].type.shape if key in expect else None
        for axis, dim in enumerate(shape or ()):
            if not isinstance(dim, str) or x.dim() <= axis + 1:
                continue
            size = x.shape[axis + 1]
            seen = first.setdefault(dim, (key, size))
            if seen[0] != key and seen[1] != size:
                problems.append(data_problem("data-shape", f"{expect[seen[0]].what} (key {seen[0]!r}) and "
                                             f"{expect[key].what} (key {key!r}) share the length {dim}, found "
                                             f"{seen[1]} and {size}", key, expected=seen[1], found=size))
    return problems


def batches_hint(shape: tuple, found: tuple, listed: bool) -> str:
    """'; ...' when ``found`` (examples first) is a batch of ``shape`` with one more dim after the examples' one, in
    data that came as a list (``listed``: each item one example, which a list of batch dicts is not)."""
    if not listed:
        return ""
    inner = tuple(found[2:])
    fits = len(found) == len(shape) + 2 and all(d is None or isinstance(d, str) or d == n for d, n in zip(shape, inner))
    if not fits:
        return ""
    return ("; examples in batches (a list of batch dicts)? net_train reads each item of a list as one example: join "
            "the batches along dim 0 (torch.cat), or give a DataLoader")


def example_shape_problems(cols: Mapping[str, Any], expect: Mapping[str, Any], listed: bool = False,
                           numbers: Sequence[int] | None = None) -> list[Diagnostic]:
    """A message for each list column (one tensor per example, of different shapes) holding an example whose shape
    its port does not take (a fixed dim of another size, another rank), naming the first and how many: a bucket of
    such examples said only "expected shape (b, 2) ... found (1, 3)" of a length bucket. ``listed``: the columns of a
    list of example dicts; ``numbers``: each example's index in the data given, the columns a part of it."""
    problems = []
    for key, values in cols.items():
        shape = expect[key].type.shape if key in expect else None
        if not isinstance(values, list) or shape is None:
            continue
        bad = [i for i, v in enumerate(values) if v.dim() != len(shape) or
               any(isinstance(d, int) and d != n for d, n in zip(shape, v.shape))]
        if bad:
            found = tuple(values[bad[0]].shape)
            problems.append(data_problem("data-shape", f"{expect[key].what} (key {key!r}): expected each example of "
                                         f"shape {format_shape(shape)}, found {format_shape(found)}"
                                         f"{example_at(bad, len(values), numbers)}"
                                         f"{batches_hint(shape, (len(values), *found), listed)}", key,
                                         expected=shape, found=found, example=_number(bad[0], numbers)))
    return problems


def unpadded_problems(cols: Mapping[str, Any], expect: Mapping[str, Any], listed: bool = False) -> list[Diagnostic]:
    """A message for each tensor column whose length is named like the first dim of a list column's (a sequence
    target beside ragged input sequences) and which holds one length where the list's examples differ: sequences
    padded to the longest without their ``<key>.lengths`` (a batch said only "share the length n, found 2 and 5");
    ``listed``: the columns of a list of example dicts, where each example gives its own length instead."""
    ragged = {expect[k].type.shape[0]: (k, [len(x) for x in v]) for k, v in cols.items() if isinstance(v, list) and
              k in expect and expect[k].type.shape and isinstance(expect[k].type.shape[0], str)}
    problems = []
    for key, x in cols.items():
        shape = expect[key].type.shape if key in expect and not isinstance(x, list) else None
        for axis, dim in enumerate(shape or ()):
            if dim in ragged and x.dim() > axis + 1 and len(set(ragged[dim][1])) > 1:
                other, lengths = ragged[dim]
                problems.append(data_problem("data-shape", f"{expect[key].what} (key {key!r}) shares the length "
                                             f"{dim} with {expect[other].what} (key {other!r}), whose examples have "
                                             f"lengths {_listed(lengths)}, but holds them all of length "
                                             f"{x.shape[axis + 1]}: if they are padded to the longest, "
                                             f"{_unpadding(key, listed)}", key, expected=tuple(lengths),
                                             found=x.shape[axis + 1]))
                break
    return problems


def example_length_problems(cols: Mapping[str, Any], expect: Mapping[str, Any],
                            numbers: Sequence[int] | None = None) -> list[Diagnostic]:
    """A message for each list column (one tensor per example) whose length named like another column's (a sequence
    target already encoded beside its input sequences) differs from it at some example, naming the first example,
    both keys and both lengths and how many: a batch said only "share the length n, found 6 and 5". A tensor column
    (one length for all) is compared with a list whose examples share one length too (``unpadded_problems`` tells
    it from ragged ones). ``numbers``: each example's index in the data given, the columns a part of it."""
    first: dict[str, tuple[str, list]] = {}  # length name -> (key, each example's size) where it was first seen
    problems = []
    for key, values in cols.items():
        shape = expect[key].type.shape if key in expect else None
        for axis, dim in enumerate(shape or ()):
            if not isinstance(dim, str) or (sizes := _example_sizes(values, axis)) is None:
                continue
            seen, theirs = first.setdefault(dim, (key, sizes))
            if seen == key or not _comparable(cols[seen], theirs, values, sizes):
                continue
            bad = [i for i, (a, b) in enumerate(zip(theirs, sizes)) if None not in (a, b) and a != b]
            if bad:
                problems.append(data_problem("data-shape", f"{expect[seen].what} (key {seen!r}) and "
                                             f"{expect[key].what} (key {key!r}) share the length {dim}, found "
                                             f"{theirs[bad[0]]} and {sizes[bad[0]]}"
                                             f"{_where(bad, theirs, sizes, numbers)}", key, expected=theirs[bad[0]],
                                             found=sizes[bad[0]], example=_number(bad[0], numbers)))
    return problems


def _where(bad: list[int], one: list, other: list, numbers: Sequence[int] | None = None) -> str:
    """Which examples differ: ' in all 12 examples' where each column holds one length, else the first and how many."""
    if len(bad) == len(one) > 1 and len(set(one)) == len(set(other)) == 1:
        return f" in all {len(one)} examples"
    return example_at(bad, len(one), numbers)


def example_at(bad: list[int], total: int, numbers: Sequence[int] | None = None) -> str:
    """" at example 7 (2 of 20 examples)": the first of examples ``bad`` (of ``total``) and how many; with ``numbers``
    (each example's index in the data given, the examples a part of it), " at example 5 (and examples 10, 12)"."""
    if numbers is not None:  # the data's indices (a count of the part's examples would read as the data's)
        found = sorted(numbers[i] for i in bad)
        return f" at example {found[0]}" + (f" (and {_others(found)})" if len(found) > 1 else "")
    return f" at example {bad[0]}" + (f" ({len(bad)} of {total} examples)" if len(bad) > 1 else "")


def _number(example: int, numbers: Sequence[int] | None) -> int:
    """The index in the data given of ``example`` (of a part of it, ``numbers``)."""
    return example if numbers is None else numbers[example]


def _example_sizes(values: Any, axis: int) -> list[int | None] | None:
    """Each example's size along ``axis`` of its port's shape: of a list column's tensors, or of a tensor column's
    (examples along dim 0, all of one size); None for a tensor column without that axis."""
    if isinstance(values, list):
        return [v.shape[axis] if v.dim() > axis else None for v in values]
    if isinstance(values, torch.Tensor) and values.dim() > axis + 1:
        return [values.shape[axis + 1]] * values.shape[0]
    return None


def _comparable(one: Any, its_sizes: list, other: Any, other_sizes: list) -> bool:
    """Whether two columns' lengths are this check's to compare: not two tensor columns (each batch checks those),
    nor a tensor column beside ragged lists (padded sequences, ``unpadded_problems``)."""
    listed = [isinstance(one, list), isinstance(other, list)]
    if all(listed):
        return True
    return any(listed) and len(set(its_sizes if listed[0] else other_sizes)) <= 1


def _unpadding(key: str, listed: bool) -> str:
    if listed:
        return f"give each example's sequence at its own length under {key!r}"
    return f"give their lengths under key {key + LENGTHS!r} beside it (one per example)"


def _listed(values: list[int]) -> str:
    return str(values) if len(values) <= 8 else f"[{', '.join(map(str, values[:8]))}, ...]"


def check_example_shapes(loader: Any, expect: Mapping[str, Any], what: str) -> None:
    """One DataError listing ``example_shape_problems``, ``unpadded_problems`` and ``example_length_problems`` of
    in-memory data of different shapes (a loader holding list columns: length buckets); nothing for any other loader
    (a DataLoader's examples are checked batch by batch, ``shared_length_problems``). A part of the data given (its
    ``numbers``) names its examples by their indices in the data given."""
    cols = getattr(loader, "cols", None)
    if isinstance(cols, Mapping):
        listed, numbers = getattr(loader, "listed", False), getattr(loader, "numbers", None)
        raise_data(sequence_problems(cols, numbers) or example_shape_problems(cols, expect, listed, numbers)
                   + unpadded_problems(cols, expect, listed) + example_length_problems(cols, expect, numbers), what)


def sequence_problems(cols: Mapping[str, Any], numbers: Sequence[int] | None = None) -> list[Diagnostic]:
    """The first example of a list column (one tensor per example) that is a scalar, or else of length 0 (padded, it
    would train on the other examples' padding; alone, fail inside torch): its index in the data given (``numbers``,
    the columns a part of it)."""
    listed = [(k, v) for k, v in cols.items() if isinstance(v, list)]
    for rule, expected, problem in ((lambda x: x.dim() == 0, "rank >= 1", "is a scalar; each example of a list needs "
                                     "a sequence dim first"),
                                    (lambda x: x.shape[0] == 0, "length >= 1", "has length 0; each length must be at "
                                     "least 1")):
        for key, values in listed:
            i = next((i for i, x in enumerate(values) if rule(x)), None)
            if i is not None:
                example = _number(i, numbers)
                return [data_problem("data-shape", f"key {key!r}: example {example} {problem}", key, layer=(),
                                     example=example, expected=expected, found=tuple(values[i].shape))]
    return []


def non_finite(x: torch.Tensor, infinities: bool, of: str = "", numbers: Sequence[int] | None = None) -> str:
    """Which examples (along dim 0) of ``x`` hold NaN (or infinite values, with ``infinities``); '' when none.
    ``numbers``: each row's example index in the data given, where ``x`` is a part of it in another order (a length
    bucket), whose examples are then named by those indices."""
    if math.isfinite(float(x.sum())):  # no NaN, no infinity: a fast pass without a mask the data's size
        return ""
    rows = x.reshape(x.shape[0], -1)
    nan = rows.isnan().any(1)
    bad = nan | rows.isinf().any(1) if infinities else nan
    if not bool(bad.any()):
        return ""
    where = bad.nonzero().flatten().tolist()
    if numbers is not None:
        where = sorted(where, key=lambda row: numbers[row])
    first = where[0]
    kind = "NaN" if bool(nan[first]) else "an infinite value"
    if numbers is not None:  # the data's indices (a count of the part's examples would read as the data's)
        more = f" (also {_others([numbers[row] for row in where])})" if len(where) > 1 else ""
        return f"example {numbers[first]}{of} holds {kind}{more}"
    more = f" ({counted(len(where), 'example')} of {x.shape[0]} hold NaN{' or infinities' if infinities else ''})"
    return f"example {first}{of} holds {kind}{more if len(where) > 1 else ''}"


def _others(found: list[int]) -> str:
    """'examples 10, 12, ...': the examples after the first of ``found``, the next 8 of them."""
    rest = ", ".join(map(str, found[1:9])) + (", ..." if len(found) > 9 else "")
    return f"{'examples' if len(found) > 2 else 'example'} {rest}"


def first_nonfinite_example(x: torch.Tensor, infinities: bool, numbers: Sequence[int] | None = None) -> int | None:
    """The example ``non_finite`` names first (its index in the data given, with ``numbers``), or None."""
    rows = x.reshape(x.shape[0], -1)
    return first_example(~rows.isfinite().all(1) if infinities else rows.isnan().any(1), numbers)


def first_example(bad: torch.Tensor, numbers: Sequence[int] | None = None) -> int | None:
    """The first example ``bad`` marks (a bool per row; its index in the data given, with ``numbers``), or None."""
    where = bad.nonzero().flatten().tolist()
    if not where:
        return None
    return min(numbers[row] for row in where) if numbers is not None else where[0]


def examples_at(bad: torch.Tensor, numbers: Sequence[int] | None = None) -> str:
    """" at example 7 (2 examples of 20)": the first example ``bad`` marks (a bool per row) and how many it marks;
    with ``numbers`` (each row's index in the data given, ``x`` a part of it), " at example 5 (and examples 10, 12)"."""
    rows = bad.nonzero().flatten().tolist()
    if numbers is not None:
        return example_at(rows, bad.shape[0], numbers)
    return f" at example {rows[0]}" + (f" ({counted(len(rows), 'example')} of {bad.shape[0]})" if len(rows) > 1 else "")


def non_finite_data(batch: Mapping[str, torch.Tensor], numbers: Sequence[int] | None = None) -> str:
    """"key 'T': example 3 of the batch holds NaN" for each real key of a batch holding NaN or infinities,
    '; '-joined ('' when there is none); with ``numbers`` (each row's index in the data given), "example 13 holds"."""
    of = " of the batch" if numbers is None else ""
    found = [f"key {k!r}: {bad}" for k, v in batch.items()
             if v.is_floating_point() and v.dim() and v.numel() and (bad := non_finite(v, True, of, numbers))]
    return "; ".join(found)
