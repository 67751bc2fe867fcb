"""The allowed values of a distribution's parameters: intervals, optionally integers only (``Constraint``)."""

from __future__ import annotations

import math

import torch

from collections.abc import Sequence

from netgraph.core.errors import Diagnostic
from netgraph.core.option_problems import VALUE_KIND, options_error

__all__ = ["Constraint", "REAL", "POSITIVE", "NONNEGATIVE", "UNIT", "UNIT_LEFT_OPEN", "COUNT", "POSITIVE_INT", "INTEGER",
           "raise_constant_problems", "read_extremes"]


class Constraint:
    """The allowed values of one parameter: an interval, optionally integers only.

    >>> POSITIVE.ok(2.0), POSITIVE.ok(0.0), POSITIVE.text
    (True, False, 'a finite number > 0')
    """

    def __init__(self, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = True,
                 hi_open: bool = True, integer: bool = False):
        self.lo, self.hi, self.lo_open, self.hi_open, self.integer = lo, hi, lo_open, hi_open, integer
        kind = "an integer" if integer else "a finite number"
        bounds = []
        if lo > -math.inf:
            bounds.append(f"{'>' if lo_open else '>='} {lo:g}")
        if hi < math.inf:
            bounds.append(f"{'<' if hi_open else '<='} {hi:g}")
        if lo > -math.inf and hi < math.inf:
            self.text = f"{kind} in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
        else:
            self.text = f"{kind} {' and '.join(bounds)}".rstrip()

    def ok(self, v: float) -> bool:
        """Whether one number satisfies the constraint (NaN and infinities never do)."""
        if not math.isfinite(v) or (self.integer and v != round(v)):
            return False
        above = v > self.lo if self.lo_open else v >= self.lo
        below = v < self.hi if self.hi_open else v <= self.hi
        return above and below

    def ok_tensor(self, t: torch.Tensor) -> bool:
        """Whether every element satisfies it: one min/max pass (NaN propagates and fails)."""
        if t.numel() == 0:
            return True
        lo, hi = torch.stack(torch.aminmax(t.detach())).tolist()
        if not (self.ok(lo) and self.ok(hi)):
            return False
        return not self.integer or bool((t == t.round()).all())


REAL = Constraint()
POSITIVE = Constraint(lo=0.0)
NONNEGATIVE = Constraint(lo=0.0, lo_open=False)
UNIT = Constraint(0.0, 1.0, lo_open=False, hi_open=False)
UNIT_LEFT_OPEN = Constraint(0.0, 1.0, lo_open=True, hi_open=False)
COUNT = Constraint(lo=0.0, lo_open=False, integer=True)
POSITIVE_INT = Constraint(lo=1.0, lo_open=False, integer=True)
INTEGER = Constraint(integer=True)


def read_extremes(tensors: Sequence[torch.Tensor], constraints: Sequence[Constraint]) -> tuple[list, list]:
    """Each tensor's (min, max) and, where its constraint takes integers only, whether it holds a fraction (None
    where it does not), read in one host sync.

    >>> read_extremes([torch.tensor([1.0, 3.5]), torch.tensor([2.0])], [REAL, INTEGER])
    ([(1.0, 3.5), (2.0, 2.0)], [None, False])
    """
    parts = [m for t in tensors for m in torch.aminmax(t.detach())]
    fractions = [(t.detach() != t.detach().round()).any().to(parts[0].dtype)
                 for t, c in zip(tensors, constraints) if c.integer]
    read = torch.stack(parts + fractions).tolist()
    flags = iter(read[len(parts):])
    return ([(read[2 * i], read[2 * i + 1]) for i in range(len(tensors))],
            [bool(next(flags)) if c.integer else None for c in constraints])


def raise_constant_problems(name: str, problems: list[tuple]) -> None:
    """One OptionError for the (parameter, message) ``problems`` of distribution ``name``'s constants (nothing when
    there are none), each its own Diagnostic naming its parameter as the option (None: several together); a problem
    (parameter, message, expected, found) also sets the Diagnostic's ``expected`` and ``found``.

    >>> raise_constant_problems("GammaDistribution", [("alpha", "bad alpha"), ("beta", "bad beta")])
    Traceback (most recent call last):
    ...
    netgraph.core.errors.OptionError: GammaDistribution: 2 problems:
      - GammaDistribution: bad alpha
      - GammaDistribution: bad beta
    """
    if problems:
        raise options_error(name, [Diagnostic(f"{name}: {text}", VALUE_KIND, option=option,
                                              expected=facts[0] if facts else None, found=facts[1] if facts else None)
                                   for option, text, *facts in problems])
