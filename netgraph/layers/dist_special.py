"""lgamma differences for the discrete log-masses, without the cancellation of lgammas at large arguments.

float32's lgamma(2**24) is 2.6e8, held to within 16: a difference of such lgammas (a log-mass's coefficient, 33.3
for a NegativeBinomial with n = 3 at a count of 2**24) lost every digit. ``log_orderings`` takes the difference
through log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b) in R's form for a large argument (``lbeta``, from
Stirling's series), as its rounding is that of the result, not of the lgammas. It is one autograd step (one call in
fx's graph) with its gradient in closed form, the digamma differences shifted up and differenced by series
(``digamma_gap``: no cancellation at a large n either), at about the cost of the plain lgammas and their gradient.

>>> x = torch.tensor([0.0, 3.0, 2.0 ** 24])
>>> [round(v, 4) for v in log_orderings(x, torch.full_like(x, 3.0)).tolist()]  # log((x + 1)(x + 2) / 2)
[0.0, 2.3026, 32.5779]
"""

from __future__ import annotations

import math

import torch

from netgraph.core.tracing import no_values
from netgraph.layers.dist_tensors import tiny_of

__all__ = ["log_orderings", "stirling_remainder", "digamma_gap", "STIRLING_FROM", "stirling_error", "deviance",
           "SADDLE_FROM", "needs_saddle", "below_saddle", "digamma_rest",
           "poisson_saddle"]

#: From this argument up ``stirling_remainder`` holds to float64's precision (its next term is below 2e-15).
STIRLING_FROM = 20.0
#: The series' coefficients B₂ₖ / (2k (2k − 1)), k = 1..4, of 1/z^(2k−1).
_SERIES = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680)
#: Where the lgammas' side caps its arguments: below float32's lgamma overflow (4e36), far above STIRLING_FROM.
_CAP = 1e30
#: digamma(z) − log z + 1/(2z): −B₂ₖ / (2k), k = 1..6, of 1/z^(2k) (the next term is below 1e-15 from z = 10).
_DIGAMMA_SERIES = (-1 / 12, 1 / 120, -1 / 252, 1 / 240, -1 / 132, 691 / 32760)
#: ``digamma_gap`` takes its series this far up (a + K >= 10).
_DIGAMMA_SHIFT = 10


def _even_series(z: torch.Tensor, coefficients: tuple) -> torch.Tensor:
    """Σₖ coefficients[k] · w^k, w = 1/z², k from 0, in Horner's form."""
    w = (z * z).reciprocal_()
    total = torch.mul(w, coefficients[-1]).add_(coefficients[-2])
    for c in reversed(coefficients[:-2]):
        total.mul_(w).add_(c)
    return total


def stirling_remainder(z: torch.Tensor) -> torch.Tensor:
    """lgamma(z) − ((z − ½) log z − z + ½ log 2π), for z >= ``STIRLING_FROM`` (Stirling's series, four terms).

    >>> import math
    >>> z = torch.tensor([20.0, 1e6], dtype=torch.float64)
    >>> err = stirling_remainder(z) - (torch.lgamma(z) - ((z - 0.5) * z.log() - z + 0.5 * math.log(2 * math.pi)))
    >>> bool(err[0].abs() < 1e-14)
    True
    """
    return _even_series(z, _SERIES).div_(z)


def digamma_rest(z: torch.Tensor) -> torch.Tensor:
    """digamma(z) − log z, for z >= ``_DIGAMMA_SHIFT`` (its asymptotic series)."""
    return (_even_series(z, _DIGAMMA_SERIES) / z - 0.5) / z


def digamma_gap(a: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """digamma(a + d) − digamma(a), for a > 0 and a + d > 0, in one form without cancellation, with no branches:
    shifted up by K = ``_DIGAMMA_SHIFT`` (digamma(z) = digamma(z + K) − Σⱼ₌₀ᴷ⁻¹ 1/(z + j)), it is
    log1p(d / (a + K)) + the series' difference at a + d + K and a + K + d Σⱼ 1/((a + j)(a + d + j)), its j = 0
    term taken as d / (a + d) / a (finite, and 0 at d = 0, at a tiny a too). The digammas of a = 1e8, d = 3
    cancelled to every digit; two of torch's digammas (a scalar loop) cost twice this on 1024×256.

    >>> a = torch.tensor([2.5, 1e8], dtype=torch.float64)
    >>> [f"{v:.6g}" for v in digamma_gap(a, torch.tensor([1.0, 3.0], dtype=torch.float64)).tolist()]  # 1/a, ≈ 3/a
    ['0.4', '3e-08']
    """
    b = a + d
    ak, bk = a + _DIGAMMA_SHIFT, b + _DIGAMMA_SHIFT
    total = torch.log1p(d / ak).add_(digamma_rest(bk)).sub_(digamma_rest(ak))
    ab, step = a * b, a + b  # (a + j)(b + j), advanced in place: autograd keeps reciprocals' results, not arguments
    steps = ab.add_(step).add_(1).reciprocal().clone()  # j = 1; a copy to add to: autograd keeps the reciprocal
    for j in range(2, _DIGAMMA_SHIFT):
        steps.add_(ab.add_(step).add_(2 * j - 1).reciprocal())
    # j = 0 as d / b / a: 1 / (a b) overflows at a tiny a (float32: a < 1e-19), and inf · (d = 0) was NaN
    return total.add_(steps.mul_(d)).add_(d / b / a)  # not addcmul_, which vmap runs element by element


def _log_beta(lo: torch.Tensor, big: torch.Tensor, lgamma_lo: torch.Tensor) -> torch.Tensor:
    """log B(lo, big) for big >= ``STIRLING_FROM``, R's ``lbeta`` form (overwrites big; in place, no autograd)."""
    total = lo + big
    log_beta = stirling_remainder(big).sub_(stirling_remainder(total)).add_(lgamma_lo).add_(lo)
    log_beta.sub_(total.log().mul_(lo))
    return log_beta.add_(big.sub_(0.5).mul_(torch.div(lo, total).neg_().log1p_()))


def _coefficient(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """``log_orderings``' value (no autograd: the caller's step has its gradient; in place where it can)."""
    x1, s = x + 1, x + n
    lo, hi = torch.minimum(n, x1), torch.maximum(n, x1)
    # 1 where hi >= STIRLING_FROM and x > 0 (x = 0: the lgammas' exact 0), else 0, in float arithmetic: converting a
    # bool mask costs eight adds
    stirling = (hi - (STIRLING_FROM - 1)).clamp(0, 1).floor_().mul_(x.clamp(0, 1).ceil_())
    lgamma_lo, big, log_s = torch.lgamma(lo), hi.clamp(min=STIRLING_FROM), s.log()  # big: a stand-in where hi is small
    # the lgammas' side: arguments capped (both alike, so x = 0 stays 0) where lgamma would overflow: finite for lerp
    direct = s.clamp(max=_CAP).lgamma_().sub_(hi.clamp(max=_CAP).lgamma_()).sub_(lgamma_lo)  # clamp, not clamp_ (vmap)
    return torch.lerp(direct, _log_beta(lo, big, lgamma_lo).add_(log_s).neg_(), stirling)  # weight 0 or 1: exact


class _LogOrderings(torch.autograd.Function):
    """``log_orderings`` as one autograd step: d/dn = digamma(x + n) − digamma(n), d/dx = digamma(x + n) −
    digamma(x + 1) (``digamma_gap``), differentiable again (its backward is made of torch ops)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, n):
        return _coefficient(x, n)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad):
        x, n = ctx.saved_tensors
        dx, dn = ctx.needs_input_grad
        return (grad * digamma_gap(x + 1, n - 1) if dx else None, grad * digamma_gap(n, x) if dn else None)


@torch.fx.wrap  # a call in fx's graph: fx does not trace into an autograd.Function
def _log_orderings(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    x, n = torch.broadcast_tensors(x, n)
    return _LogOrderings.apply(x, n)


def log_orderings(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """lgamma(x + n) − lgamma(n) − lgamma(x + 1) for a count x >= 0 and a real n > 0 (the log of the number of orders
    of x failures before the n-th success, for an integer n): the lgammas themselves where both n and x + 1 are below
    ``STIRLING_FROM`` (or x = 0: exactly 0), else −log(x + n) − log B(n, x + 1) with the larger argument's lgamma
    differences from Stirling's series. Differentiable in both, at large arguments too (``digamma_gap``).
    """
    return _log_orderings(x, n)


def stirling_error(z: torch.Tensor) -> torch.Tensor:
    """lgamma(z + 1) − ((z + ½) log z − z + ½ log 2π) for z > 0: Stirling's series from ``STIRLING_FROM`` up (there it
    is ``stirling_remainder(z)``, written out of place, so differentiable in z), else the lgamma itself.

    >>> [f"{v:.6f}" for v in stirling_error(torch.tensor([1.0, 30.0], dtype=torch.float64)).tolist()]  # 1/(12z) - ...
    ['0.081061', '0.002778']
    """
    big = z >= STIRLING_FROM
    zs = torch.where(big, z, STIRLING_FROM)  # the series' argument where z is small: no 1/0 in its gradient
    w = (zs * zs).reciprocal()
    series = (_SERIES[0] + w * (_SERIES[1] + w * (_SERIES[2] + w * _SERIES[3]))) / zs
    small = torch.where(big, 1.0, z)  # the lgammas' argument where z is large (their value is not used there)
    direct = torch.lgamma(small + 1) - (small + 0.5) * small.log() + small - 0.5 * math.log(2 * math.pi)
    return torch.where(big, series, direct)


def deviance(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """x log(x / m) + m − x for x > 0 and m > 0 (Loader's bd0), without the cancellation of its terms, which a
    log-mass at large counts inherits: near m, (x − m)v + 2x Σⱼ v^(2j+1)/(2j+1) with v = (x − m)/(x + m) (R's series),
    else x log(x/m) + (m − x), whose terms do not cancel there (log x − log m where x/m under- or overflows).

    >>> round(float(deviance(torch.tensor(1e6 + 1e3, dtype=torch.float64), torch.tensor(1e6))), 6)  # ≈ (x − m)²/2m
    0.499833
    """
    near = (x - m).abs() < 0.1 * (x + m)
    v = (x - m) / (x + m)
    v2 = torch.where(near, v * v, 0.0)
    odd = torch.zeros_like(v2)  # Σⱼ v^(2j−2)/(2j+1), j = 1..12, in Horner's form (|v| < 1/19: the next term < 1e-17)
    for j in range(12, 0, -1):
        odd = odd * v2 + 1 / (2 * j + 1)
    series = (x - m) * v + 2 * x * v * v2 * odd
    logs = x.log() - m.log()  # the gradient's (x/m's would overflow at m = 1e-20 in float32)
    ratio = (x / m).detach()
    normal = (ratio >= tiny_of(ratio)) & (ratio < math.inf)  # there log(x/m), one rounding
    log_ratio = logs + (torch.where(normal, ratio, 1.0).log() - logs).where(normal, 0.0).detach()
    return torch.where(near, series, x * log_ratio + (m - x))


#: From this count up (and n, for Binomial and NegativeBinomial; the shape α − 1 for Gamma) a log-mass or log-density
#: is Loader's saddle-point form: below it the plain form's terms cancel to within 2e-4 in float32 and cost a sixth as
#: much.
SADDLE_FROM = 256.0


def needs_saddle(big: torch.Tensor) -> bool:
    """Whether a log-mass needs its saddle-point form anywhere (always in traced code, under vmap and on the meta
    device, where the mask's values are unknown): small counts skip its cost."""
    return no_values(big) or bool(big.any())


def below_saddle(alpha: torch.Tensor) -> bool:
    """Whether every shape α is known to be below ``SADDLE_FROM`` + 1 (never in traced code, under vmap or on the meta
    device): one pass over α, so small shapes skip the mask's cost."""
    return not no_values(alpha) and (alpha.numel() == 0 or float(alpha.detach().max()) < SADDLE_FROM + 1)


def poisson_saddle(k: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """k log λ − λ − lgamma(k + 1) for k >= ``STIRLING_FROM`` (real) and λ > 0, in Loader's form −deviance(k, λ) −
    ½ log 2πk − stirling_error(k), whose terms do not cancel."""
    return -deviance(k, lam) - 0.5 * torch.log(2 * math.pi * k) - stirling_error(k)
