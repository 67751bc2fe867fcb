"""Metrics whose value is undefined on some data (R2 of one value, ROC AUC of targets of one class): NaN there,
not torchmetrics' error or 0 (``netgraph.train.metrics``)."""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["nan_where_undefined", "both_classes", "nan_seen", "NAN_SEEN"]

NAN_SEEN = "NaNSeen"  # the flag's key in a classification collection (no metric's name)


def nan_where_undefined(metric: type, defined: Any, **options: Any) -> Any:
    """``metric(**options)``, NaN where its value is undefined (``defined(metric)`` false): R2 over fewer than two
    values, where torchmetrics raises "Needs at least two samples", and ROC AUC of targets of one class, where it
    answers 0 (the worst ranking) with a warning."""
    class Undefined(metric):  # type: ignore[misc, valid-type]
        def compute(self) -> torch.Tensor:
            return super().compute() if defined(self) else torch.tensor(math.nan)
    return Undefined(**options)


def both_classes(auroc: Any) -> bool:
    """Whether a BinaryAUROC's targets so far hold both classes (its AUC is defined)."""
    target = torch.cat(auroc.target) if isinstance(auroc.target, list) else auroc.target
    return bool(target.numel()) and bool((target != target.reshape(-1)[0]).any())


def nan_seen() -> Any:
    """A torchmetrics Metric flagging a NaN prediction: a state, so checkpoints, reset and the processes' sync (any
    process's NaN) carry it with the counts; a tensor, so no device sync per batch."""
    import torchmetrics  # optional: metrics.py imports it first with the install hint

    class NaNSeen(torchmetrics.Metric):
        full_state_update = False

        def __init__(self) -> None:
            super().__init__()
            self.add_state("seen", torch.tensor(False), dist_reduce_fx="max")

        def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
            self.seen = self.seen | preds.isnan().any()

        def compute(self) -> torch.Tensor:
            return self.seen
    return NaNSeen()
