"""A fraction of in-memory training data held out for validation (``net_train(..., validation_set=0.2)``): columns,
and ragged columns (length buckets, padded batches) split alike."""

from __future__ import annotations

import math
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.train.buckets import LengthBuckets
from netgraph.train.data import Streamed
from netgraph.train.data_sets import HELD_OUT
from netgraph.core.wording import counted

__all__ = ["split_fraction", "split_ragged", "held_out"]


def split_fraction(cols: dict[str, Any], fraction: float, seed: int) -> tuple[dict, dict]:
    """(training, validation) columns: a random ``fraction`` of the examples held out (ragged lists split alike)."""
    parts = held_out(len(next(iter(cols.values()))), fraction, seed)
    return tuple({c: x[idx] if isinstance(x, torch.Tensor) else [x[i] for i in idx.tolist()] for c, x in cols.items()}
                 for idx in parts)


def held_out(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(training, validation) example numbers of ``n``, each ascending: a random ``ceil(fraction * n)`` held out,
    the one rule for every kind of data; OptionError when either part would be empty."""
    k = math.ceil(fraction * n)
    if not 0 < k < n:
        detail = (f"leaves {counted(n - k, 'training example')} and {counted(k, 'validation example')} out of {n}; "
                  f"both need at least one")
        raise OptionError(f"validation_set={fraction} {detail}", option="validation_set", kind="validation-split",
                          found=fraction, detail=detail)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:-k].sort().values, order[-k:].sort().values


def split_ragged(raw: Streamed, fraction: float, seed: int) -> tuple[Streamed, Streamed] | None:
    """Ragged in-memory data (length buckets, or padded batches) split as ``split_fraction`` splits columns:
    (training, validation) of the same kind; None for other streamed data (a DataLoader)."""
    loader = raw.loader
    if not isinstance(loader, LengthBuckets):
        return None
    parts = split_fraction(loader.cols, fraction, seed)
    return tuple(Streamed(loader.with_columns(cols, what), what)  # type: ignore[return-value]
                 for cols, what in zip(parts, (raw.what, HELD_OUT)))
