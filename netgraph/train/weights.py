"""Loss-term weights for net_train: a constant, or a linear warm-up (e.g. KL annealing).

A term of ``loss_function={...}`` is ``port: weight``, ``port: (spec, weight)`` or ``port: {mapping}``
with the keys ``loss`` (the spec: "Automatic", a loss layer or a callable; default "Automatic"),
``weight`` (the final weight, default 1), ``warmup`` (how long the weight ramps up linearly, default
0: no ramp), ``warmup_unit`` ("rounds", default, or "batches") and ``start`` (the weight at the first
step, default 0). The weight at a step is ``start + (weight - start) * min(1, t / warmup)``, where t is
the number of batches done, or of rounds done counted in fractions of a round (batches / batches per
round). The mapping form is plain data, so it works the same in Python, YAML and on the command line.

>>> s = parse_weight("KL", {"weight": 2.0, "warmup": 4})[1]
>>> [s.at(batches=b, rounds=b / 2) for b in (0, 2, 4, 8, 100)]
[0.0, 0.5, 1.0, 2.0, 2.0]
>>> s.describe()
'2 (linear warm-up from 0 over 4 rounds)'
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import Any, NoReturn

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.wording import scaled_fraction

__all__ = ["WeightSchedule", "parse_weight"]

KEYS = ("loss", "weight", "warmup", "warmup_unit", "start")
UNITS = ("rounds", "batches")


@dataclasses.dataclass(frozen=True)
class WeightSchedule:
    """A term's weight over training: constant when ``warmup`` is 0."""

    weight: float = 1.0
    warmup: float = 0.0
    unit: str = "rounds"
    start: float = 0.0

    @property
    def constant(self) -> bool:
        return self.warmup == 0

    def at(self, batches: int, rounds: float) -> float:
        """The weight after ``batches`` steps, ``rounds`` (fractional) rounds."""
        if self.constant:
            return self.weight
        t = batches if self.unit == "batches" else rounds
        if t >= self.warmup:  # the weight itself, not start + (weight - start) rounded off it (0.1 + 0.6 != 0.7)
            return self.weight
        return self.start + (self.weight - self.start) * (t / self.warmup)

    def describe(self) -> str:
        if self.constant:
            return f"{self.weight:g}"
        return f"{self.weight:g} (linear warm-up from {self.start:g} over {self.warmup:g} {self.unit})"


def _refuse(key: str, option: str | None, detail: str, found: Any, expected: Any = None) -> NoReturn:
    """OptionError for loss term ``key`` (its entry ``option``, None: the term itself, whose option is then
    'loss_function') with ``detail``, the value ``found`` and what was ``expected`` as fields too, so the command
    line can name the term its own way (``--loss: weight of 'KL' must be ...``)."""
    raise OptionError(f"loss_function[{key!r}]{f' {option}' if option else ''} {detail}", kind="loss-term", port=key,
                      option=option or "loss_function", detail=detail, found=found,
                      expected=expected)


def _number(value: Any, key: str, option: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 or value == float("inf"):
        _refuse(key, option, f"must be a finite number >= 0, found {value!r}", value, "a finite number >= 0")
    return float(value)


def parse_weight(key: str, value: Any) -> tuple[Any, WeightSchedule]:
    """(loss spec or None for automatic, schedule) from one ``loss_function`` dict value."""
    if key != "Scaled" and (weight := scaled_fraction(value)) is not None:  # a port named Scaled: (its loss, w)
        _refuse(key, None, f"is Wolfram's Scaled[{weight}]: the weight is written {key!r}: {weight} (the automatic "
                           f"loss weighted), or {key!r}: (loss, {weight})", value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return None, WeightSchedule(_number(value, key, "weight"))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], numbers.Real):
        return value[0], WeightSchedule(_number(value[1], key, "weight"))
    if not isinstance(value, Mapping):
        return value, WeightSchedule()
    unknown = [k for k in value if k not in KEYS]
    if unknown:
        _refuse(key, None, f"has no key {unknown[0]!r}{did_you_mean(str(unknown[0]), KEYS)}; it takes {list(KEYS)}",
                unknown[0], tuple(KEYS))
    unit = value.get("warmup_unit", "rounds")
    if unit not in UNITS:
        _refuse(key, "warmup_unit", f"must be 'rounds' or 'batches', found {unit!r}", unit, UNITS)
    schedule = WeightSchedule(_number(value.get("weight", 1.0), key, "weight"),
                              _number(value.get("warmup", 0), key, "warmup"), unit,
                              _number(value.get("start", 0.0), key, "start"))
    return value.get("loss"), schedule
