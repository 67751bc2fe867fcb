"""Validation data for net_train: a fraction of the training data held out (``validation_set=0.2``): columns, ragged
columns (length buckets, padded batches) and a Dataset's items split alike; or the validation data given."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.train.buckets import LengthBuckets
from netgraph.train.data import Columns, InMemory, Streamed, finish, gather
from netgraph.train.data_checks import check_example_shapes
from netgraph.train.data_sets import HELD_OUT, TRAINING, VALIDATION, held_fraction
from netgraph.train.datasets import checked_dataset, checked_loader
from netgraph.train.padded_data import padded_like
from netgraph.core.wording import counted, type_label

__all__ = ["training_and_validation", "split_fraction", "split_numbered", "split_counted", "split_ragged",
           "split_dataset", "held_out", "validation_name"]


def split_fraction(cols: dict[str, Any], fraction: float, seed: int) -> tuple[dict, dict]:
    """(training, validation) columns: a random ``fraction`` of the examples held out (ragged lists split alike)."""
    return tuple(part for part, _ in split_numbered(cols, fraction, seed))  # type: ignore[return-value]


def split_numbered(cols: dict[str, Any], fraction: float, seed: int) -> tuple[tuple[dict, list[int]], ...]:
    """((training columns, their examples' indices in ``cols``), (validation columns, theirs)), as
    ``split_fraction``."""
    parts = held_out(len(next(iter(cols.values()))), fraction, seed)
    return tuple(({c: x[idx] if isinstance(x, torch.Tensor) else [x[i] for i in idx.tolist()] for c, x in cols.items()},
                  idx.tolist()) for idx in parts)


def held_out(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(training, validation) example numbers of ``n``, each ascending: a random ``ceil(fraction * n)`` held out,
    the one rule for every kind of data; OptionError when either part would be empty."""
    k = _held_out_count(n, fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:-k].sort().values, order[-k:].sort().values


def _held_out_count(n: int, fraction: float) -> int:
    """``ceil(fraction * n)`` of the decimal ``fraction`` is written as (0.07 of 100 is 7, where floats make
    7.000000000000001); OptionError when it leaves either part empty."""
    k = math.ceil(Fraction(repr(float(fraction))) * n)
    if not 0 < k < n:
        detail = (f"leaves {counted(n - k, 'training example')} and {counted(k, 'validation example')} out of {n}; "
                  f"both need at least one")
        raise OptionError(f"validation_set={fraction} {detail}", option="validation_set", kind="validation-split",
                          found=fraction, detail=detail)
    return k


def split_counted(cols: dict[str, torch.Tensor], fraction: float) -> tuple[InMemory, InMemory]:
    """(training, validation) of examples that hold nothing (``net_train(net, n)``, a net without inputs): they are
    interchangeable, so the last ``ceil(fraction * n)`` are held out, with no permutation of n (up to 2**28) built.

    >>> training, validation = split_counted({"#examples": torch.zeros(10, 0)}, 0.25)
    >>> training.size, validation.size, validation.numbers
    (7, 3, range(7, 10))
    """
    n = len(next(iter(cols.values())))
    kept = n - _held_out_count(n, fraction)
    return (InMemory({c: x[:kept] for c, x in cols.items()}),
            InMemory({c: x[kept:] for c, x in cols.items()}, range(kept, n)))


def split_ragged(raw: Streamed, fraction: float, seed: int) -> tuple[Streamed, Streamed] | None:
    """Ragged in-memory data (length buckets, or padded batches) split as ``split_fraction`` splits columns:
    (training, validation) of the same kind; None for other streamed data (a DataLoader)."""
    loader = raw.loader
    if not isinstance(loader, LengthBuckets):
        return None
    parts = split_numbered(loader.cols, fraction, seed)
    return tuple(Streamed(loader.with_columns(cols, what, numbers), what)  # type: ignore[return-value]
                 for (cols, numbers), what in zip(parts, (TRAINING, HELD_OUT)))


def training_and_validation(spec: Any, raw: Any, expect: dict, allow_extra: bool, seed: int, ports: tuple,
                            batch_size: int) -> tuple[Any, Any]:
    """(training columns or loader, validation source or None); each ragged example's shape checked once, in the part
    (training, or held out by a fraction ``spec``) it lies in."""
    fraction = held_fraction(spec)
    if fraction is None:  # no split: the training data checked whole
        check_example_shapes(getattr(raw, "loader", None), expect, TRAINING)
    if spec is None:
        return raw, None
    if fraction is not None:
        if not 0 < fraction < 1:
            raise OptionError(f"validation_set as a fraction must lie strictly between 0 and 1, found {spec}",
                              option="validation_set", kind="option-value", expected="a fraction > 0 and < 1",
                              found=spec)
        if not isinstance(raw, dict):
            parts = split_ragged(raw, spec, seed) or split_dataset(raw, spec, seed)  # held out alike
            for part in parts or ():  # each example named by its index in the data given, in its part
                check_example_shapes(part.loader, expect, part.what)
            if parts is None:
                raise OptionError("validation_set=<fraction> needs in-memory data (a dict, a list of examples or a "
                                  "Dataset); for a DataLoader or another iterable, give the validation data itself "
                                  "as validation_set", kind="option-combination", option="validation_set",
                                  expected="in-memory data", found=type_label(getattr(raw, "loader", raw)))
            return parts[0], finish(parts[1], expect, allow_extra, HELD_OUT)
        if _splits_by_example(raw):  # each part checked once, its examples named as given and counted in it
            listed = getattr(raw, "listed", False)
            parts = split_numbered(raw, spec, seed)
            return tuple(finish(Columns(cols, listed, numbers), expect, allow_extra, what)
                         for (cols, numbers), what in zip(parts, (TRAINING, HELD_OUT)))
        whole = finish(raw, expect, allow_extra, TRAINING)  # data-shape errors, or examples that hold nothing
        if whole.holds_nothing:
            return split_counted(whole.cols, spec)
        train, val = split_numbered(whole.cols, spec, seed)
        return InMemory(*train), InMemory(*val)
    what = validation_name(spec)
    val_raw = gather(spec, what, ports, batch_size)
    check_example_shapes(getattr(val_raw, "loader", None), expect, what)
    return raw, finish(padded_like(val_raw, raw), expect, allow_extra, what)


def validation_name(spec: Any) -> Any:
    """How the validation data ``spec`` is named: held out by ``validation_set=<fraction>`` (the fraction, or encoded
    data's part split before, which numbers its examples) or given as ``validation_set``."""
    held = held_fraction(spec) is not None or getattr(spec, "numbers", None) is not None
    return HELD_OUT if held else VALIDATION


def _splits_by_example(raw: dict) -> bool:
    """Whether columns ``raw`` split into parts of whole examples: tensors (none nested) of one number of examples,
    which hold values (a net without inputs needs no permutation of its up to 2**28 examples)."""
    columns = list(raw.values())
    return (all(isinstance(x, torch.Tensor) and not x.is_nested and x.dim() for x in columns)
            and len({x.shape[0] for x in columns}) == 1 and any(x.numel() for x in columns))


def split_dataset(raw: Any, fraction: float, seed: int) -> tuple[Streamed, Streamed] | None:
    """A Dataset's items split as ``split_fraction`` splits columns: (training, validation) loaders of its items."""
    dataset = checked_dataset(raw.loader) if isinstance(raw, Streamed) else None
    if dataset is None:
        return None
    parts = split_fraction({"item": torch.arange(len(dataset))}, fraction, seed)
    loaders = [(checked_loader(torch.utils.data.Subset(dataset, part["item"].tolist()), what, raw.loader.batch_size),
                what) for part, what in zip(parts, (TRAINING, HELD_OUT))]
    return Streamed(*loaders[0]), Streamed(*loaders[1])
