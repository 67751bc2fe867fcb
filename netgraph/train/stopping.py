"""net_train's training_stopping_criterion: 'Loss', a patience, a metric name, f(info) -> stop?, or a dict with our
keys or Wolfram's (Criterion, Patience, InitialPatience, Improvement, AbsoluteChange, RelativeChange).

>>> parse_stopping({"Patience": 3}).patience
3
>>> parse_stopping({"Criterion": "Loss", "Patience": 1, "AbsoluteChange": 0.1}).improvement
('absolute', 0.1)
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.train.callables import call_user, refuse_misfit
from netgraph.train.metrics import NAMES, STOPPING, maximize, round_metric_name
from netgraph.train.option_keys import snake, snake_keys
from netgraph.train.options import check_number

__all__ = ["Stopping", "parse_stopping", "ended_before", "time_used_up", "TrainingDataStopping", "asks_to_stop",
           "progress_stops"]


class TrainingDataStopping(UserWarning):
    """Early stopping watches ``watched`` (the training loss, or a training metric) as no validation set was given
    (``text``: the message in other words, the command line's)."""

    def __init__(self, watched: str, text: str | None = None):
        super().__init__(text or f"training_stopping_criterion watches the {watched} because no validation_set was "
                                 f"given; give validation_set=0.1 (or data) to stop on held-out data")
        self.watched = watched


@dataclasses.dataclass(frozen=True)
class Stopping:
    """Early stopping: stop once the loss has not improved for ``patience`` rounds after ``initial_patience``.

    Patience 0 and 1 both stop at the first round that does not improve.
    """

    criterion: Any = "loss"  # "loss" (validation loss, or the round loss without a validation set) or f(info)
    patience: int = 0
    initial_patience: int = 0
    improvement: tuple[str, float] = ("absolute", 0.0)
    metric: str | None = None  # a metric's name or label: watch it (validation, else training) instead of the loss
    maximize: bool = False  # the watched metric improves upwards (accuracy), not downwards (errors)

    def met(self, rounds: int, stale: int) -> bool:
        """Whether a patience criterion stops training after ``rounds`` rounds, ``stale`` of them without improving."""
        return not callable(self.criterion) and rounds > self.initial_patience and stale >= max(1, self.patience)

    def improved(self, best: float | None, new: float, threshold: bool = True) -> bool:
        """Whether ``new`` beats ``best``: by the ``improvement`` asked for (patience), or at all (``threshold``
        False: the best net, the lowest loss whatever the threshold). A NaN or infinite value is never the best nor
        a baseline: the first finite one after it improves (a threshold relative to an infinite best would be NaN)."""
        if not math.isfinite(new):
            return False
        if best is None or not math.isfinite(best):
            return True
        if self.maximize:
            best, new = -best, -new
        kind, amount = self.improvement if threshold else ("absolute", 0.0)
        return new < best - amount if kind == "absolute" else new < best - amount * abs(best)


def ended_before(stopping: Stopping | None, max_time: float | None, progress: Any) -> str | None:
    """Why a run resumed at ``progress`` (its rounds, stale rounds and elapsed seconds) had already ended, or None:
    its patience ran out, its stopping function ended it (``criterion_stopped``: a function's answer is not asked
    again), or its time was spent (one more batch would make a round of one batch)."""
    if stopping is not None and (stopping.met(progress.rounds, progress.stale) or (
            callable(stopping.criterion) and progress.criterion_stopped)):
        return "TrainingStoppingCriterion"
    return "MaxTrainingTime" if time_used_up(max_time, progress.elapsed) else None


def time_used_up(max_time: float | None, elapsed: float, on_any: Callable[[bool], bool] = bool) -> bool:
    """Whether ``elapsed`` seconds use up max_training_time (None or 0: no limit); ``on_any`` (a distributed run's
    ``any``, asked only where there is a limit) makes it so on every process when it is so on one."""
    return bool(max_time) and on_any(elapsed >= max_time)


def _refused(subject: str, detail: str, kind: str, found: Any, expected: Any = None) -> OptionError:
    """The OptionError "``subject`` ``detail``" about training_stopping_criterion: its ``kind``, the value ``found``
    (a list or mapping as a tuple, as a Diagnostic keeps it) and what was ``expected``, so that a reader naming the
    option its own way (the command line's --stop-on) need not parse the message."""
    return OptionError(f"{subject} {detail}", option=STOPPING, kind=kind, found=found, expected=expected,
                       detail=detail)


def _bool_item(result: Any) -> Any:
    """A 0-d bool tensor or array's value; any other ``result`` as it is."""
    if isinstance(result, (torch.Tensor, np.ndarray)) and result.ndim == 0 and result.dtype in (torch.bool, np.bool_):
        return result.item()
    return result


_STOP_WORD = "StopTraining"


def progress_stops(result: Any, r: int) -> bool:
    """Whether a progress function's ``result`` after round ``r`` stops training: "StopTraining" or True (a 0-d bool
    tensor too) stops; any other string is refused (an OptionError: a typo, "stoptraining", would go on unseen); None,
    False and other values (what its last call returned, file.write's count) go on."""
    result = _bool_item(result)
    if isinstance(result, str):  # compared only as a string: an array's == is elementwise
        if result == _STOP_WORD:
            return True
        expected = f"{_STOP_WORD!r} or True (stop), None or False (go on)"
        raise OptionError(f"the progress function returned {result!r:.60} after round {r}"
                          f"{did_you_mean(result, [_STOP_WORD])}; return {expected}", option="progress",
                          kind="option-value", found=result, expected=expected)
    return isinstance(result, (bool, np.bool_)) and bool(result)


def asks_to_stop(criterion: Callable[[Any], Any], info: Any, r: int) -> bool:
    """Whether the function ``criterion`` stops training after round ``r``: True, False or None (go on), 0 or 1, a
    0-d bool tensor or array; OptionError for any other result (a NaN, a tensor of several values) rather than a
    guess at what it means, and for an exception it raises (``call_user``)."""
    result = _bool_item(call_user(criterion, info, option=STOPPING, where=lambda: f"after round {r}"))
    if result is None or isinstance(result, (bool, np.bool_)) or isinstance(result, int) and result in (0, 1):
        return bool(result)
    shown = f"{type(result).__name__} {result!r:.60}"
    raise _refused(STOPPING, f"function returned {shown}; it must return True (stop after this round) or False (go "
                   f"on): a bool, or a 0-d bool tensor", "option-value", shown, "True or False")


def _number(value: Any, key: str, integer: bool = False) -> Any:
    """One of the criterion's numbers (>= 0): ``check_number``'s OptionError names ``key`` and the option."""
    return check_number(value, key, integer=integer, strict=False, keyword=STOPPING)


_IMPROVEMENT = "a number, ('absolute', v) or ('relative', v)"


def _improvement(value: Any) -> tuple[str, float]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return "absolute", _number(value, "improvement")
    pair = next(iter(value.items())) if isinstance(value, Mapping) and len(value) == 1 else value
    if isinstance(pair, (tuple, list)) and len(pair) == 2:
        kind = snake(pair[0]).replace("_change", "")
        if kind in ("absolute", "relative"):
            return kind, _number(pair[1], "improvement")
    raise _refused("improvement", f"must be {_IMPROVEMENT} (Wolfram's 'AbsoluteChange'/'RelativeChange' work too); "
                   f"found {value!r}", "option-value", value, _IMPROVEMENT)


def parse_stopping(spec: Any) -> Stopping | None:
    """None, 'Loss', a patience (int), a function f(info) -> stop?, or a dict of Stopping's fields."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, str) and snake(spec) in ("loss", "validation_loss"):
        return Stopping()
    if isinstance(spec, str):
        return _metric_stopping(spec, Stopping())
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):  # numpy's integers too
        return Stopping(patience=_number(spec, STOPPING, integer=True))
    if callable(spec):
        refuse_misfit(spec, STOPPING, "f(info)")
        return Stopping(criterion=spec)
    if isinstance(spec, Mapping):
        return _stopping_dict(spec)
    raise _refused(STOPPING, f"must be None, 'Loss', a metric name, a patience (int), a function f(info) -> bool or "
                   f"a dict (criterion, patience, initial_patience, improvement); found {spec!r}", "option-value", spec,
                   "None, 'Loss', a metric name, a patience (int), a function or a dict")


_STOPPING_KEYS = ("criterion", "patience", "initial_patience", "improvement", "absolute_change", "relative_change")


def _stopping_dict(spec: Mapping) -> Stopping:
    """The dict form: our keys or Wolfram's ("Criterion", "Patience", "AbsoluteChange", ...); messages name the
    keys as the user wrote them."""
    fields, spelled = snake_keys(spec, STOPPING)
    unknown = [k for k in fields if k not in _STOPPING_KEYS]
    if unknown:
        key = spelled[unknown[0]]
        raise _refused(STOPPING, f"has no key {key!r}{did_you_mean(unknown[0], _STOPPING_KEYS)}; it takes "
                       f"{list(_STOPPING_KEYS)}", "unknown-key", key, _STOPPING_KEYS)
    changes = [k for k in ("improvement", "absolute_change", "relative_change") if k in fields]
    if len(changes) > 1:
        raise _refused(STOPPING, f"gives the improvement twice (under {' and '.join(repr(spelled[k]) for k in changes)}"
                       f"); give one of them", "option-combination", tuple(spelled[k] for k in changes))
    improvement = _improvement(fields.get("improvement", 0.0))
    if changes and changes[0] != "improvement":  # Wolfram's "AbsoluteChange" -> v / "RelativeChange" -> v
        improvement = changes[0].replace("_change", ""), _number(fields[changes[0]], spelled[changes[0]])
    criterion = fields.get("criterion", "loss")
    if not callable(criterion) and not isinstance(criterion, str):
        raise _refused(f"{STOPPING} key {spelled['criterion']!r}", f"must be 'Loss', a metric name or a function, "
                       f"found {criterion!r}", "option-value", criterion, "'Loss', a metric name or a function")
    refuse_misfit(criterion, STOPPING, "f(info)", f"{STOPPING} key {spelled.get('criterion')!r}")
    stopping = Stopping(criterion if callable(criterion) else "loss",
                        *(_number(fields.get(k, 0), spelled.get(k, k), integer=True)
                          for k in ("patience", "initial_patience")),
                        improvement)
    if isinstance(criterion, str) and snake(criterion) not in ("loss", "validation_loss"):
        return _metric_stopping(criterion, stopping)
    return stopping


def _metric_stopping(name: str, stopping: Stopping) -> Stopping:
    """Watch metric ``name`` ('Accuracy', 'Output/Accuracy'): higher is better for the classification metrics."""
    metric = name.split("/")[-1]
    try:
        up = maximize(metric)
    except OptionError:
        names = [*(() if "/" in name else ("Loss", "ValidationLoss")), *NAMES]
        starts = [n for n in names if metric and n.lower().startswith(metric.lower())]
        hint = f" (did you mean {starts[0]!r}?)" if len(starts) == 1 else did_you_mean(metric, names)
        raise _refused(f"{STOPPING} {name!r}", f"is neither 'Loss', 'ValidationLoss' nor a metric{hint}; metrics: "
                       f"{', '.join(NAMES)}", "unknown-metric", name, tuple(names)) from None
    round_metric_name(metric, STOPPING)  # a matrix (ConfusionMatrix) is no round's number to watch
    return dataclasses.replace(stopping, metric=name, maximize=up)
