"""Metric histories, one value per round per label: appending a round and reading the latest values (the progress
lines, TensorBoard, a progress function's ``info`` and ``NetTrainResults`` read them alike)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["append_values", "latest_values", "measured_labels"]


def append_values(history: dict[str, list[float]], values: dict[str, float], rounds: int) -> None:
    """Append round ``rounds``'s values, so that every label holds one value per round: a label first measured
    now (a run resumed with new metrics) gets NaN for the rounds before, a label not measured now gets NaN."""
    for label in {**history, **values}:
        past = history.setdefault(label, [])
        past.extend([math.nan] * (rounds - 1 - len(past)))
        past.append(values.get(label, math.nan))


def latest_values(history: dict[str, list[float]], measured: Any = ()) -> dict[str, float]:
    """Each ``measured`` label's latest value, NaN where it was undefined (ROC AUC of one class); without
    ``measured``, each label's whose latest value is not NaN (not measured in the latest round).

    >>> latest_values({"AUC": [0.5, math.nan], "MSE": [1.0, 2.0], "Old": [3.0, math.nan]}, ["AUC", "MSE"])
    {'AUC': nan, 'MSE': 2.0}
    >>> latest_values({"AUC": [0.5, math.nan], "MSE": [1.0, 2.0]})
    {'MSE': 2.0}
    """
    if measured:
        return {k: history[k][-1] for k in measured if history.get(k)}
    return {k: v[-1] for k, v in history.items() if v and not math.isnan(v[-1])}


def measured_labels(meter: Any) -> tuple[str, ...]:
    """The labels of the metrics ``meter`` measures (a ``Meter``; None measures none)."""
    return tuple(m.label for m in getattr(meter, "measured", ()))
