"""Draws held at the dtype's smallest normal number by a scale: the samplers of Weibull, Gamma, InverseGamma,
LogGamma and Erlang (its scale 1/λ) raise a positive draw that falls below that number to it
(``dist_tensors.floor_normal``, ``safe_exp``). A scale (or rate) holding more than ``HELD_SHARE_MAX`` of the draws
there is refused: below that number, or just above it (Weibull(2, 1.2e-38) in float32 holds 62%). The standard draw's
own floor, which a tiny shape reaches at scale 1 (Gamma(0.01, 1) holds 4 in 10 in float32), is not refused: such
shapes are drawn in log space where scored, unbiased in value and gradient (the README's "implicit" estimator).

Each such distribution gives the share from its CDF at that number (``held_share``), monotone in each parameter: its
largest value over tensors' ranges lies at a corner of their (min, max), bounded first in floats (``held_bounds``) on
those few numbers (``_corner_share``); only where a corner may hold too many are the parameters checked elementwise,
and then only the elements whose scale is below one that the bounds find safe (``_safe_scale``; at most 1: a scale of
1 or more holds no more than the standard draw), gathered first: usually none or few.
A refusal names the exact bound of the scale (3 digits, rounded to the side that holds at most that share).

>>> from netgraph.layers.distributions import GammaDistribution, WeibullDistribution
>>> beta = torch.tensor([1.0, 1.2e-38], dtype=torch.float64)
>>> below_normal(WeibullDistribution(2.0, 1.0), {"beta": (1.2e-38, 1.0)}, [2.0, beta, 0.0])[0][2:]
('>= 1.18e-37', 1.2e-38)
>>> below_normal(GammaDistribution(100.0, 1.0), {}, [100.0, 1e-39, 1.0, 0.0])  # G > 11.7 nearly always
[]
>>> below_normal(GammaDistribution(0.01, 1.0), {}, [0.01, 0.5, 1.0, 0.0])  # 41% held at scale 1 already
[]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import torch

from netgraph.layers.dist_limits import named_overflow_problems, param_max

__all__ = ["HELD_SHARE_MAX", "holds_draws", "constant_extremes", "below_normal", "held_problem", "gammainc_at_log",
           "unfit_dtypes", "lower_gamma_bounds", "upper_gamma_bounds"]

HELD_SHARE_MAX = 0.01  #: the share of draws the parameters may leave held at the smallest normal number
_STEPS = 64  #: bisection steps in log space for a bound (its relative error ~1e-17)
_CUT_STEPS = 12  #: bisection steps for ``_safe_scale``: a cut within ~2e-4 of its log's range, at every call


class HeldProblem(NamedTuple):
    """A refusal: the parameter named, the message, the Diagnostic's expected and found, and whether a larger value
    of the parameter holds fewer draws."""
    name: str
    text: str
    expected: str
    found: float
    larger: bool


def holds_draws(dist: Any) -> bool:
    """Whether ``dist``'s sampler holds draws at the smallest normal number by a scale (or rate, ``NORMAL_SCALES``,
    ``NORMAL_RATES``): it defines ``held_share(floor, *params)``, the share of draws below ``floor`` for float64
    parameters, monotone in each, and ``held_bounds``, (lower, upper) bounds of it for numbers
    (``lower_gamma_bounds``, ``upper_gamma_bounds``)."""
    return hasattr(type(dist), "held_share")


def gammainc_at_log(a: torch.Tensor, log_x: torch.Tensor) -> torch.Tensor:
    """P(a, e^log_x), the regularized lower incomplete gamma function, where e^log_x underflows float64 too: there
    x^a/Γ(a + 1), its leading term (exact to a relative x)."""
    log_x = torch.as_tensor(log_x, dtype=a.dtype)
    small = log_x < -700.0
    return torch.where(small, (a * log_x - torch.lgamma(a + 1)).exp(),
                       torch.special.gammainc(a, torch.where(small, 0.0, log_x).exp()))


def lower_gamma_bounds(a: float, log_x: float) -> tuple[float, float]:
    """Bounds of P(a, e^log_x) (a Gamma(a, 1) draw below x = e^log_x), in floats: x^a e^(−x)/Γ(a + 1) and
    x^a/Γ(a + 1), both tight at small x.

    >>> [round(b, 3) for b in lower_gamma_bounds(0.005, math.log(1.1754944e-38))]
    [0.648, 0.648]
    """
    lead = a * log_x - math.lgamma(a + 1)
    return math.exp(min(lead - math.exp(min(log_x, 700.0)), 0.0)), math.exp(min(lead, 0.0))


def upper_gamma_bounds(a: float, log_y: float) -> tuple[float, float]:
    """Bounds of Q(a, e^log_y) (a Gamma(a, 1) draw above y = e^log_y), in floats: 0 and Chernoff's (y/a)^a e^(a − y)
    for y > a, else 1."""
    y = math.exp(min(log_y, 700.0))
    return 0.0, 1.0 if y <= a else math.exp(min(a * (log_y - math.log(a)) + a - y, 0.0))


def constant_extremes(dist: Any) -> dict[str, tuple[float, float]]:
    """The (min, max) of each of ``dist``'s constant tensor parameters, as float64 numbers, where its sampler holds
    draws (``holds_draws``); else none. Read once per distribution (``_check_constants``) and kept.

    >>> from netgraph.layers.distributions import NormalDistribution, WeibullDistribution
    >>> constant_extremes(WeibullDistribution("#a", [1.0, 3.0])), constant_extremes(NormalDistribution(0.0, [2.0]))
    ({'beta': (1.0, 3.0)}, {})
    """
    if not holds_draws(dist):
        return {}
    values = {n: v.detach().to(torch.float64) for n, v in zip(dist.PARAMS, dist.params) if isinstance(v, torch.Tensor)}
    return {n: (float(v.min()), float(v.max())) for n, v in values.items() if v.numel()}


def _scale_index(dist: Any) -> tuple[int, bool]:
    """(the index in ``dist.PARAMS`` of its scale or rate, whether it is a scale)."""
    name = (*dist.NORMAL_SCALES, *dist.NORMAL_RATES)[0]
    return dist.PARAMS.index(name), name in dist.NORMAL_SCALES


def _ranges(dist: Any, extremes: dict[str, tuple[float, float]], values: Sequence[Any]) -> list[tuple] | None:
    """Each parameter's (min, max) (a number's: itself, once; the location's: any one value, it only shifts the
    draws); None where a tensor's are not known."""
    ranges = []
    for name, value in zip(dist.PARAMS, values):
        if isinstance(value, torch.Tensor) and name not in extremes:
            return None
        lo, hi = extremes[name] if isinstance(value, torch.Tensor) else (float(value), float(value))
        ranges.append((lo,) if lo == hi or name == dist.LOCATION else (lo, hi))
    return ranges


def _safe_scale(dist: Any, extremes: dict[str, tuple[float, float]], values: Sequence[Any], tiny: float) -> float:
    """A scale (rate) at or above (below) which no element holds over ``HELD_SHARE_MAX``: 1 (a scale of 1 or more
    holds no more than the standard draw), or less (more) where the share's bound ``held_bounds`` at every corner
    of the other parameters' ranges says so (``_CUT_STEPS`` bisection steps of its log)."""
    ranges, (at, scale) = _ranges(dist, extremes, values), _scale_index(dist)
    if ranges is None:
        return 1.0
    sign = 1.0 if scale else -1.0  # the log of a scale: minus a rate's

    def safe(log_scale: float) -> bool:
        ranges[at] = (math.exp(sign * log_scale),)
        return max(dist.held_bounds(tiny, *corner)[1] for corner in itertools.product(*ranges)) <= HELD_SHARE_MAX
    try:
        unsafe, good = sign * math.log(ranges[at][0] if scale else ranges[at][-1]), 0.0
        if unsafe >= good or not safe(good):
            return 1.0
        if safe(unsafe):  # the smallest scale too (its corners' bounds once failed to be read): none may hold
            return math.exp(sign * unsafe)
        for _ in range(_CUT_STEPS):
            middle = (unsafe + good) / 2
            unsafe, good = (unsafe, middle) if safe(middle) else (middle, good)
    except (ValueError, OverflowError):  # a value off the parameter's range, the checks off
        return 1.0
    return math.exp(sign * good)


def _corner_share(dist: Any, extremes: dict[str, tuple[float, float]], values: Sequence[Any], tiny: float) -> float:
    """A bound of the share the scale holds over the corners of the parameters' ranges (numbers: themselves; tensors:
    their ``extremes``; the location: any one value, it only shifts the draws), the scale's range cut at 1 (a scale
    of 1 or more holds no more than the standard draw itself); inf where a tensor's are not known. 0 where at every
    corner the standard draw (scale 1) holds over ``HELD_SHARE_MAX`` itself (so it does everywhere: a tiny shape).
    First by the share's bounds ``held_bounds`` in floats (a few microseconds: this runs at every call), then by the
    share itself."""
    ranges, (at, scale) = _ranges(dist, extremes, values), _scale_index(dist)
    if ranges is None:
        return math.inf
    lo, hi = ranges[at][0], ranges[at][-1]
    if (lo >= 1.0) if scale else (hi <= 1.0):  # the scale holds no more than the standard draw itself
        return 0.0
    ranges[at] = (lo, min(hi, 1.0)) if scale else (max(lo, 1.0), hi)
    corners = list(itertools.product(*ranges))
    units = [tuple(1.0 if i == at else v for i, v in enumerate(corner)) for corner in corners]
    try:
        if max(dist.held_bounds(tiny, *corner)[1] for corner in corners) <= HELD_SHARE_MAX or \
                min(dist.held_bounds(tiny, *unit)[0] for unit in units) > HELD_SHARE_MAX:
            return 0.0
    except (ValueError, OverflowError):  # a value off the parameter's range, the checks off: the share itself says
        pass
    share = dist.held_share(tiny, *torch.tensor(corners + units, dtype=torch.float64).unbind(1))
    own, held = torch.stack([share[len(corners):].min(), share[:len(corners)].max()]).tolist()
    return 0.0 if own > HELD_SHARE_MAX else held  # the standard draw holds that much itself everywhere: not the scale


def _scale_held(dist: Any, tiny: float, params: list[torch.Tensor]) -> torch.Tensor:
    """The share held at ``tiny`` where the scale holds it: 0 where the standard draw (at scale 1) holds more than
    ``HELD_SHARE_MAX`` itself, or the scale is at least 1 (a rate at most 1)."""
    at, _ = _scale_index(dist)
    unit = [torch.ones_like(p) if i == at else p for i, p in enumerate(params)]
    own = dist.held_share(tiny, *unit)
    return torch.where(own <= HELD_SHARE_MAX, dist.held_share(tiny, *params), 0.0)


def held_problem(dist: Any, extremes: dict[str, tuple[float, float]], values: Sequence[Any],
                 dtype: torch.dtype = torch.float32) -> HeldProblem | None:
    """The refusal of parameter ``values`` (numbers or tensors, in ``dist.PARAMS`` order; ``extremes``: each
    tensor's (min, max)) that hold more than ``HELD_SHARE_MAX`` of the draws at ``dtype``'s smallest normal number,
    at the element holding most; None where none do, or while a value is a '#slot' (checked at the call)."""
    if not holds_draws(dist) or any(isinstance(v, str) for v in values):
        return None
    tiny = torch.finfo(dtype).tiny
    if _corner_share(dist, extremes, values, tiny) <= HELD_SHARE_MAX:
        return None
    params = _may_hold(dist, values, _safe_scale(dist, extremes, values, tiny))
    if params is None:
        return None
    share = _scale_held(dist, tiny, params)
    worst = int(share.argmax())
    held = float(share[worst])
    return _refusal(dist, [float(p.expand(share.shape)[worst]) for p in params], held, dtype) \
        if held > HELD_SHARE_MAX else None


def _may_hold(dist: Any, values: Sequence[Any], safe: float) -> list[torch.Tensor] | None:
    """The elements of parameter ``values`` whose scale is below ``safe`` (rate above), gathered (flat, in float64;
    a number: one element): the only ones that may hold too many draws, usually none or few; None where none do."""
    at, scale = _scale_index(dist)
    params = [v.detach() if isinstance(v, torch.Tensor) else torch.tensor([float(v)], dtype=torch.float64)
              for v in values]  # a check: no graph, no warning
    shape = torch.broadcast_shapes(*(p.shape for p in params))
    index = (params[at] < safe if scale else params[at] > safe).expand(shape).reshape(-1).nonzero().squeeze(1)
    if not len(index):
        return None
    return [(p if p.numel() == 1 else p.expand(shape).reshape(-1).index_select(0, index)).to(torch.float64).reshape(-1)
            for p in params]


def below_normal(dist: Any, extremes: dict[str, tuple[float, float]], values: Sequence[Any],
                 dtype: torch.dtype = torch.float32) -> list[tuple]:
    """[(parameter, message, expected, found)] of ``held_problem``: none or one."""
    problem = held_problem(dist, extremes, values, dtype)
    return [] if problem is None else [problem[:4]]


def _refusal(dist: Any, at: list[float], held: float, dtype: torch.dtype) -> HeldProblem:
    """The refusal of the parameters ``at`` (one element's): the exact bound of the scale (or rate), the others
    fixed, that holds at most ``HELD_SHARE_MAX``."""
    tiny = torch.finfo(dtype).tiny
    i, scale = _scale_index(dist)
    name = dist.PARAMS[i]
    value, larger = _bound(dist, at, i, tiny, param_max(dtype)) or ((tiny, True) if scale else (1 / tiny, False))
    others = ", ".join(f"{dist.role(n)} = {v:g}" for n, v in zip(dist.PARAMS[:dist.nargs], at)
                       if n != name and n != dist.LOCATION)
    text = (f"parameter {dist.role(name)} must be at {'least' if larger else 'most'} {value:.3g}"
            f"{f' where {others}' if others else ''}, found {at[i]!r}: {held:.0%} of draws would be held at "
            f"{str(dtype).removeprefix('torch.')}'s smallest normal number {tiny:.3g} (at most {HELD_SHARE_MAX:.0%} "
            f"may be)")
    return HeldProblem(name, text, f"{'>=' if larger else '<='} {value:.3g}", at[i], larger)


def _bound(dist: Any, at: list[float], i: int, tiny: float, largest: float) -> tuple[float, bool] | None:
    """(the bound of parameter ``i`` past which the share held at ``tiny`` is at most ``HELD_SHARE_MAX``, the others
    at ``at``; whether it is a lower bound), rounded outward to 3 digits; None where no value within (tiny, largest)
    brings it there. The share is monotone in the parameter: bisection of its log."""
    def share(log_value: float) -> float:
        return float(dist.held_share(tiny, *torch.tensor([*at[:i], math.exp(log_value), *at[i + 1:]],
                                                        dtype=torch.float64)))
    found = math.log(at[i])
    for end, larger in ((math.log(largest), True), (math.log(tiny), False)):
        if share(end) <= HELD_SHARE_MAX:
            bad, good = found, end
            for _ in range(_STEPS):
                middle = (bad + good) / 2
                bad, good = (bad, middle) if share(middle) <= HELD_SHARE_MAX else (middle, good)
            return _outward(math.exp(good), larger), larger
    return None


def _outward(value: float, up: bool) -> float:
    """``value`` to 3 significant digits, rounded up (``up``) or down.

    >>> _outward(1.1754e-37, True), _outward(1.1756e-37, False)
    (1.18e-37, 1.17e-37)
    """
    digits = math.floor(math.log10(value)) - 2
    scaled = value / 10.0 ** digits
    return float(f"{(math.ceil(scaled - 1e-9) if up else math.floor(scaled + 1e-9))}e{digits}")


def unfit_dtypes(dist: Any) -> dict[torch.dtype, tuple[str | None, str, str]]:
    """The dtypes narrower than float64 that ``dist``'s constant parameters do not fit (made, they fit float32's:
    float16's), each with its first problem and its remedy: draws that would pass the dtype's range
    (``named_overflow_problems``), else parameters holding too many draws at its smallest normal number
    (``held_problem``); none, at one check, where they fit float16's, the narrowest in both ways."""
    unfit = {}
    for dtype in (torch.float16, torch.bfloat16, torch.float32):
        if problems := named_overflow_problems(dist, dist.params, dtype=dtype):
            unfit[dtype] = (*problems[0], "give smaller constants")
        elif held := held_problem(dist, dist.held_extremes, dist.params, dtype):
            unfit[dtype] = (held.name, held.text, f"give a {'larger' if held.larger else 'smaller'} constant "
                                                  f"{held.name}")
        else:
            break  # a wider dtype's range holds them too
    return unfit
