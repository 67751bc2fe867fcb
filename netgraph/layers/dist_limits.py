"""The range of parameters each distribution's sampler can draw from without overflowing.

Draws are made in the parameters' dtype (``range_dtype``): float32, whose largest value is about 3.4e38, float64
(1.8e308), or a half type, whose draws (made in float32 where torch has no kernel of theirs) are held in its range:
float16's is 65504, bfloat16's about float32's. torch's Poisson sampler (behind Poisson and NegativeBinomial)
returns int64 counts and gives -2**63 for every draw once its mean passes about 9.2e18, whatever the dtype. Every
parameter must lie within ``param_max`` (±1e38 in float32, ±65504 in float16), and each distribution bounds its
draws (``_draw_bound``: the largest |draw| reached with probability above about 1e-12, from 8 standard normal
deviations, exponential noise up to 30 and the Gamma tails below) by its ``DRAW_LIMIT`` (``FLOAT_MAX`` there stands
for the dtype's range: ``draw_limit``: 1e304 in float64, 65504 in float16). That holds for the samplers that work in
log space too (generalized Gamma, InverseGamma, LogGamma): a parameter set whose draws would pass the dtype's range
is refused, as for Weibull, never clamped silently. Constant parameters are checked when the distribution is built,
before any dtype: in float32; and in float16 when a layer draws in it (``unfit_dtypes``), against its range and its
smallest normal number (``dist_held.unfit_dtypes``).

>>> float(gamma_upper(torch.tensor(1.0, dtype=torch.float64)))   # 1 + 8 + 30
39.0
>>> PARAM_MAX, COUNT_MAX == 2.0 ** 62, param_max(torch.float64), param_max(torch.float16)
(1e+38, True, 1e+303, 65504.0)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["PARAM_MAX", "FLOAT_MAX", "FLOAT64_PARAM_MAX", "FLOAT64_DRAW_MAX", "range_dtype", "param_max", "draw_limit",
           "COUNT_MAX", "Z_MAX", "E_MAX", "gamma_upper", "log_gamma_lower", "exp_bound", "overflow_problems",
           "named_overflow_problems", "integer_limit", "first_unheld_integer", "largest"]

PARAM_MAX = 1e38  #: any parameter: within float32's range with room for arithmetic on it
FLOAT_MAX = float(torch.finfo(torch.float32).max)  #: continuous draws stay finite in float32
FLOAT64_PARAM_MAX = 1e303  #: any parameter in float64, as PARAM_MAX in float32
FLOAT64_DRAW_MAX = 1e304  #: continuous float64 draws: within float64's range (1.8e308), below exp_bound's cap
COUNT_MAX = 2.0 ** 62  #: torch.poisson's int64 counts overflow at 2**63 (to -9.22e18 for every draw)
Z_MAX = 8.0  #: |standard normal| noise reached with probability above ~1e-15
E_MAX = 30.0  #: standard exponential noise (and -log U) reached with probability above ~1e-13


def range_dtype(values: Sequence[Any]) -> torch.dtype:
    """The dtype whose range bounds draws from parameter ``values`` (numbers, tensors, '#slot' strings): their
    floating tensors' dtypes promoted as torch's arithmetic on them promotes them (float16 with float32: float32),
    float32 where there is none.

    >>> range_dtype([1.0, torch.ones(2, dtype=torch.float16)]), range_dtype([torch.ones(1, dtype=torch.bfloat16)])
    (torch.float16, torch.bfloat16)
    """
    dtypes = [v.dtype for v in values if isinstance(v, torch.Tensor) and v.is_floating_point()]
    return functools.reduce(torch.promote_types, dtypes) if dtypes else torch.float32


def param_max(dtype: torch.dtype) -> float:
    """The size any parameter must stay within in ``dtype`` (``range_dtype``): float16's largest value, else
    ``PARAM_MAX`` (bfloat16 has float32's range) or ``FLOAT64_PARAM_MAX``."""
    if dtype == torch.float16:
        return float(torch.finfo(dtype).max)
    return FLOAT64_PARAM_MAX if dtype == torch.float64 else PARAM_MAX


def draw_limit(dist: Any, dtype: torch.dtype) -> float:
    """``dist``'s ``DRAW_LIMIT`` in ``dtype``: ``FLOAT_MAX`` (float32's range) stands for the largest value of
    ``dtype`` (``FLOAT64_DRAW_MAX`` in float64); another (torch's int64 counts) holds in any dtype."""
    if dist.DRAW_LIMIT != FLOAT_MAX or dtype == torch.float32:
        return dist.DRAW_LIMIT
    return FLOAT64_DRAW_MAX if dtype == torch.float64 else float(torch.finfo(dtype).max)


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def gamma_upper(alpha: torch.Tensor) -> torch.Tensor:
    """An upper bound of a Gamma(alpha, 1) draw, exceeded with probability below ~1e-12."""
    return alpha + Z_MAX * alpha.sqrt() + E_MAX


def log_gamma_lower(alpha: torch.Tensor) -> torch.Tensor:
    """A lower bound of log G, G ~ Gamma(alpha, 1), undercut with probability below ~1e-13 (P(G < g) ≤ g^α/Γ(α+1))."""
    small = (torch.lgamma(alpha + 1) - E_MAX) / alpha
    large = (alpha - Z_MAX * alpha.sqrt()).clamp(min=1.0).log()
    return torch.where(alpha > 4 * Z_MAX ** 2, large, small)


def exp_bound(log_bound: torch.Tensor) -> torch.Tensor:
    """e^log_bound, finite in float64 (capped at e^700, beyond any ``draw_limit``)."""
    return log_bound.clamp(max=700.0).exp()


def _as64(values: Sequence[Any]) -> list[torch.Tensor]:
    return [(v.detach() if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=torch.float64, device="cpu"))
            .to(torch.float64)
            for v in values]


def _at(t: torch.Tensor, flat_index: int, shape: torch.Size) -> float:
    return float(t.expand(shape).reshape(-1)[flat_index]) if t.dim() else float(t)


def _bounds_draws(dist: Any) -> bool:
    """Whether the distribution bounds its draws (defines ``_draw_bound``; the base's says None: always bounded)."""
    owner = next((cls for cls in type(dist).__mro__ if "_draw_bound" in vars(cls)), None)
    return owner is not None and owner.__qualname__ != "Distribution"


def _sample_aligned(dist: Any, values: Sequence[Any], batched: list[bool]) -> list[torch.Tensor]:
    """A vector distribution's parameters (float64) with their sample dims lined up as RandomArrayLayer lines them
    up: size-1 dims inserted after the first (the batch) of a ``batched`` one (a port's data as given) with fewer; a
    constant's broadcast right-aligned as they are (a scalar distribution's broadcast as numpy's do)."""
    values = _as64(values)
    ranks = getattr(dist, "PARAM_EVENT_RANKS", {})
    if not ranks:
        return values
    sample = [v.dim() - ranks.get(n, 0) for n, v in zip(dist.PARAMS, values)]
    most = max(sample, default=0)
    return [v[(slice(None),) + (None,) * (most - r)] if b and 0 < r < most else v
            for v, r, b in zip(values, sample, batched)]


def _per_coordinate(dist: Any, values: list[torch.Tensor]) -> list[torch.Tensor]:
    """The parameters lined up with a bound of each draw coordinate: a vector distribution's k×k matrix parameter by
    its diagonal (the entry of each coordinate's own row), the rest as they are."""
    ranks = getattr(dist, "PARAM_EVENT_RANKS", {})
    return [v.diagonal(dim1=-2, dim2=-1) if ranks.get(n) == 2 else v for n, v in zip(dist.PARAMS, values)]


def _worst(extremes: tuple[float, float], slope: int) -> float:
    """The end of a parameter's range that makes the bound largest: max (+1), min (-1), larger in size (0)."""
    lo, hi = extremes
    return hi if slope > 0 else lo if slope < 0 else (lo if abs(lo) > abs(hi) else hi)


def _corner_within(dist: Any, values: Sequence[Any], extremes: dict[str, tuple[float, float]] | None,
                   limit: float) -> bool:
    """Whether the draws stay within ``limit`` (``draw_limit``) at the parameters' worst corner: each tensor's max
    where the bound grows with it, its min where it shrinks, its end of larger size where it grows with the size
    (``BOUND_SLOPES`` +1, -1, 0); then they do at every element too. A matrix parameter's corner is a 1×1 matrix:
    a covariance's largest element is a variance, on its diagonal."""
    slopes = getattr(dist, "BOUND_SLOPES", None)
    if not slopes or extremes is None:
        return False
    corner = []
    for name, v in zip(dist.PARAMS, values):
        if isinstance(v, torch.Tensor) and (name not in extremes or name not in slopes):
            return False
        corner.append(_worst(extremes[name], slopes[name]) if isinstance(v, torch.Tensor) else float(v))
    ranks = getattr(dist, "PARAM_EVENT_RANKS", {})  # a vector distribution's corner: a 1-vector, a 1×1 matrix
    shaped = (torch.full((1,) * ranks.get(n, 0), c, dtype=torch.float64, device="cpu")
              for n, c in zip(dist.PARAMS, corner))
    return float(dist._draw_bound(*shaped).max()) <= limit


def overflow_problems(dist: Any, values: Sequence[Any], names: Sequence[str] | None = None,
                      extremes: dict[str, tuple[float, float]] | None = None, dtype: torch.dtype | None = None
                      ) -> list[str]:
    """Messages for parameters (numbers or tensors, in ``dist.PARAMS`` order) beyond the sampler's range in
    ``dtype``, by default their ``range_dtype`` (``named_overflow_problems``' messages)."""
    dtype = range_dtype(values) if dtype is None else dtype
    return [text for _, text in named_overflow_problems(dist, values, names, extremes, dtype)]


def named_overflow_problems(dist: Any, values: Sequence[Any], names: Sequence[str] | None = None,
                            extremes: dict[str, tuple[float, float]] | None = None,
                            dtype: torch.dtype = torch.float32) -> list[tuple[str | None, str]]:
    """(parameter, message) for parameters (numbers or tensors, in ``dist.PARAMS`` order) beyond the sampler's range
    in ``dtype`` (constants: float32); the parameter is None for a bound of the draws, which they set together.

    ``names`` restricts the per-parameter check to those parameters; the joint bound of the draws is
    checked only when every value is given (no '#slot' strings), first at the worst corner of the tensors'
    ``extremes`` (name -> (min, max)) where the distribution declares ``BOUND_SLOPES``, elementwise if that fails.
    """
    problems, largest_param, limit = [], param_max(dtype), draw_limit(dist, dtype)
    pairs = [(n, v) for n, v in zip(dist.PARAMS, values) if not isinstance(v, str) and (names is None or n in names)]
    for (name, _), v in zip(pairs, _as64([v for _, v in pairs])):
        big = v.abs() > largest_param
        if v.numel() and bool(big.any()):
            found = float(v.reshape(-1)[int(big.reshape(-1).nonzero()[0])])
            problems.append((name, f"parameter {dist.role(name)} must lie within ±{largest_param:g} (draws overflow "
                                   f"{_dtype_name(dtype)} beyond), found {found!r}"))
    if (problems or any(isinstance(v, str) for v in values) or not _bounds_draws(dist)
            or _corner_within(dist, values, extremes, limit)):
        return problems
    full = _sample_aligned(dist, values, [v is not c for v, c in zip(values, dist.params)])  # run time: batched
    bound = dist._draw_bound(*full)
    if bound is None:
        return []
    bad = ~(bound <= limit)  # NaN is bad too
    if not bool(bad.any()):
        return []
    coordinates = _per_coordinate(dist, full)
    shape = torch.broadcast_shapes(bound.shape, *(v.shape for v in coordinates))
    i = int(bad.expand(shape).reshape(-1).nonzero()[0])
    given = dist.PARAMS[:getattr(dist, "nargs", 0)] or dist.PARAMS  # not the defaults an arity leaves out
    shown = ", ".join(f"{dist.role(n)} = {_at(v, i, shape):g}" for n, v in zip(given, coordinates))
    what = ("counts beyond torch's int64 Poisson sampler" if dist.DRAW_LIMIT == COUNT_MAX
            else f"values beyond {_dtype_name(dtype)}'s range (inf)")
    return [(None, f"parameters {shown} give draws up to about {_at(bound, i, shape):.3g}, {what}; keep draws "
                   f"below {limit:.3g}")]



def integer_limit(dtype: torch.dtype) -> float:
    """The size up to which ``dtype`` holds every integer exactly: 2**24 for float32, 2**53 for float64.

    >>> integer_limit(torch.float32) == 2 ** 24, integer_limit(torch.float64) == 2 ** 53
    (True, True)
    """
    return 2 / torch.finfo(dtype).eps


def largest(extremes: tuple[float, float]) -> float:
    """Of a tensor's (min, max), the one of larger size (the max where they tie): its element of largest size.

    >>> largest((-5.0, 3.0)), largest((-3.0, 3.0))
    (-5.0, 3.0)
    """
    lo, hi = extremes
    return lo if abs(lo) > abs(hi) else hi


def first_unheld_integer(names: Sequence[str], values: Sequence[Any], dtype: torch.dtype) -> tuple[str, float] | None:
    """(name, value) of the first of ``values`` (numbers, tensors, or None: not checked) beyond ``integer_limit(dtype)``
    in size, its element of largest size for a tensor; None when every one fits.

    >>> first_unheld_integer(["imin", "imax"], [0.0, torch.tensor([3.0, -2.0 ** 25])], torch.float32)
    ('imax', -33554432.0)
    """
    limit = integer_limit(dtype)
    for name, value in zip(names, values):
        if isinstance(value, torch.Tensor) and value.numel():
            flat = value.detach().reshape(-1)
            value = float(flat[flat.abs().argmax()])
        if isinstance(value, (int, float)) and not abs(value) <= limit:
            return name, float(value)
    return None
