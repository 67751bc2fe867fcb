"""Continuous distributions with explicit pathwise (reparameterized) draws, in Wolfram's conventions.

Normal, Uniform, Exponential, Maxwell, Rayleigh, HalfNormal, Weibull. Each draw is a differentiable
function of the parameters and parameter-free noise, so gradients are exact per draw.

>>> WeibullDistribution(2, 3).mean() == 3 * math.gamma(1.5)   # shape 2, scale 3 (torch's order is reversed)
True
>>> HalfNormalDistribution(2).mean()                          # theta, not sigma: mean 1/theta
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from netgraph.layers.dist_base import Distribution, noise, safe_exp, tensors
from netgraph.layers.dist_constraints import POSITIVE, REAL
from netgraph.layers.dist_tensors import floor_normal, on_support, xlogy
from netgraph.layers.dist_limits import E_MAX, Z_MAX
from netgraph.core.errors import OptionError
from netgraph.core.option_problems import ARGUMENT_KIND

__all__ = ["NormalDistribution", "UniformDistribution", "ExponentialDistribution", "MaxwellDistribution",
           "RayleighDistribution", "HalfNormalDistribution", "WeibullDistribution"]

_LOG_2PI = math.log(2 * math.pi)


class NormalDistribution(Distribution):
    """NormalDistribution(μ, σ): mean μ, standard deviation σ (default 0, 1). Pathwise: μ + σ·ε.

    >>> NormalDistribution().args, NormalDistribution(1, 2).mean()
    ([0.0, 1.0], 1.0)
    """

    PARAMS = ("mu", "sigma")
    ARITIES = (0, 2)
    DEFAULTS = {"mu": 0.0, "sigma": 1.0}
    CONSTRAINTS = {"mu": REAL, "sigma": POSITIVE}
    ROLES = {"mu": "mean", "sigma": "standard deviation"}

    @property
    def args(self) -> list:
        return super().args if self.nargs else [0.0, 1.0]

    BOUND_SLOPES = {"mu": 0, "sigma": 1}

    def _draw_bound(self, mu, sigma):
        return mu.abs() + Z_MAX * sigma

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        mu, sigma = params
        return mu + sigma * noise(shape, params)

    def rsample_code(self, params: Sequence[str], noise_code: Callable[[str], str]) -> str:
        """The same draw as ``rsample``, as inline code for the compiled forward."""
        mu, sigma = params
        return f"{mu} + {sigma} * {noise_code('normal')}"

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        mu, sigma = tensors(params, x)
        return -((x - mu) / sigma) ** 2 / 2 - sigma.log() - _LOG_2PI / 2

    def _mean(self, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return mu + 0 * sigma

    def _variance(self, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return sigma ** 2 + 0 * mu


class UniformDistribution(Distribution):
    """UniformDistribution([min, max]) (one list argument; default [0, 1]). Pathwise: min + (max−min)·U.

    The support moves with the parameters, so there is no score-function form; ∂x/∂min = 1−U, ∂x/∂max = U.

    >>> UniformDistribution(["#a", "#b"]).slots, UniformDistribution([1, 3]).variance() == 4 / 12
    (('a', 'b'), True)
    """

    PARAMS = ("min", "max")
    ONE_LIST = True
    ARITIES = (2,)
    CONSTRAINTS = {"min": REAL, "max": REAL}
    ESTIMATORS = ("pathwise",)

    def __init__(self, bounds: Sequence[Any] = (0.0, 1.0), *rest: Any, **named: Any):
        if named:
            self._refuse_named(named)
        if rest or isinstance(bounds, (int, float, str, torch.Tensor)) or len(bounds) != 2:
            raise OptionError("UniformDistribution takes one list argument [min, max], e.g. "
                              f"UniformDistribution([0, 1]) or UniformDistribution(['#a', '#b']); found "
                              f"{(bounds, *rest)!r}", kind=ARGUMENT_KIND)
        super().__init__(*bounds)

    @property
    def args(self) -> list:
        return [super().args]

    BOUND_SLOPES = {"min": 0, "max": 0}
    ORDERED = ("min", "max", True)

    def _draw_bound(self, low, high):
        return low.abs() + high.abs()  # high - low stays finite too

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        low, high = params
        return low + (high - low) * noise(shape, params, "uniform")

    def rsample_code(self, params: Sequence[str], noise_code: Callable[[str], str]) -> str:
        """The same draw as ``rsample``, as inline code for the compiled forward."""
        low, high = params
        return f"{low} + ({high} - {low}) * {noise_code('uniform')}"

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        low, high = tensors(params, x)
        inside = (x >= low) & (x <= high)
        return torch.where(inside, -(high - low).log(), -math.inf)

    def _mean(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        return (low + high) / 2

    def _variance(self, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        return (high - low) ** 2 / 12

    def __repr__(self) -> str:
        return f"UniformDistribution({self.args[0]!r})"


class ExponentialDistribution(Distribution):
    """ExponentialDistribution(λ): **rate** λ, mean 1/λ. Pathwise: E/λ with E ~ Exponential(1).

    >>> ExponentialDistribution(2).mean(), ExponentialDistribution(2).variance()  # 1/λ, 1/λ²
    (0.5, 0.25)
    """

    PARAMS = ("lam",)
    CONSTRAINTS = {"lam": POSITIVE}
    ROLES = {"lam": "rate λ"}

    BOUND_SLOPES = {"lam": -1}

    def _draw_bound(self, lam):
        return E_MAX / lam

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (rate,) = params
        return noise(shape, params, "exponential") / rate

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (rate,) = tensors(params, x)
        return on_support(x, rate.log() - rate * x)

    def _mean(self, rate: torch.Tensor) -> torch.Tensor:
        return 1 / rate

    def _variance(self, rate: torch.Tensor) -> torch.Tensor:
        return 1 / rate ** 2


class MaxwellDistribution(Distribution):
    """MaxwellDistribution(σ): scale σ, density ∝ x²·exp(−x²/2σ²). Pathwise: σ·‖Z‖, Z ~ N(0, I₃).

    >>> import math
    >>> math.isclose(MaxwellDistribution(1).mean(), 2 * math.sqrt(2 / math.pi))  # 2σ √(2/π)
    True
    """

    PARAMS = ("sigma",)
    CONSTRAINTS = {"sigma": POSITIVE}
    ROLES = {"sigma": "scale"}

    BOUND_SLOPES = {"sigma": 1}

    def _draw_bound(self, sigma):
        return 2 * Z_MAX * sigma

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (sigma,) = params
        return sigma * torch.linalg.vector_norm(noise((*shape, 3), params), dim=-1)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (sigma,) = tensors(params, x)
        # x/σ first (here and below): σ² alone may overflow or underflow
        return on_support(x, 0.5 * math.log(2 / math.pi) + 2 * x.clamp(min=0).log() - 3 * sigma.log()
                          - (x / sigma) ** 2 / 2)

    def _mean(self, sigma: torch.Tensor) -> torch.Tensor:
        return 2 * sigma * math.sqrt(2 / math.pi)

    def _variance(self, sigma: torch.Tensor) -> torch.Tensor:
        return sigma ** 2 * (3 * math.pi - 8) / math.pi


class RayleighDistribution(Distribution):
    """RayleighDistribution(σ): density (x/σ²)·exp(−x²/2σ²). Pathwise: σ·√(2E), E ~ Exponential(1).

    >>> import math
    >>> math.isclose(RayleighDistribution(1).mean(), math.sqrt(math.pi / 2))  # σ √(π/2)
    True
    """

    PARAMS = ("sigma",)
    CONSTRAINTS = {"sigma": POSITIVE}
    ROLES = {"sigma": "scale"}

    BOUND_SLOPES = {"sigma": 1}

    def _draw_bound(self, sigma):
        return (2 * E_MAX) ** 0.5 * sigma

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (sigma,) = params
        return sigma * (2 * noise(shape, params, "exponential")).sqrt()

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (sigma,) = tensors(params, x)
        return on_support(x, x.clamp(min=0).log() - 2 * sigma.log() - (x / sigma) ** 2 / 2)

    def _mean(self, sigma: torch.Tensor) -> torch.Tensor:
        return sigma * math.sqrt(math.pi / 2)

    def _variance(self, sigma: torch.Tensor) -> torch.Tensor:
        return (4 - math.pi) / 2 * sigma ** 2


class HalfNormalDistribution(Distribution):
    """HalfNormalDistribution(θ): **θ, not σ**: density (2θ/π)·exp(−x²θ²/π), mean 1/θ. Pathwise: |Z|·√(π/2)/θ.

    >>> import math
    >>> math.isclose(HalfNormalDistribution(2).variance(), (math.pi - 2) / (2 * 2 ** 2))  # (π − 2) / 2θ²
    True
    """

    PARAMS = ("theta",)
    CONSTRAINTS = {"theta": POSITIVE}
    ROLES = {"theta": "inverse scale: mean 1/theta"}

    BOUND_SLOPES = {"theta": -1}

    def _draw_bound(self, theta):
        return Z_MAX * math.sqrt(math.pi / 2) / theta

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (theta,) = params
        return noise(shape, params).abs() * (math.sqrt(math.pi / 2) / theta)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (theta,) = tensors(params, x)
        return on_support(x, (2 * theta / math.pi).log() - (x * theta) ** 2 / math.pi)  # x·θ first: θ² may overflow

    def _mean(self, theta: torch.Tensor) -> torch.Tensor:
        return 1 / theta

    def _variance(self, theta: torch.Tensor) -> torch.Tensor:
        return (math.pi - 2) / (2 * theta ** 2)


class WeibullDistribution(Distribution):
    """WeibullDistribution(α, β) or (α, β, μ): **shape α, scale β**, location μ. Pathwise: μ + β·E^(1/α).

    torch's ``Weibull(scale, concentration)`` takes them in the opposite order.

    >>> import math
    >>> math.isclose(WeibullDistribution(2, 3).variance(), 9 * (math.gamma(2) - math.gamma(1.5) ** 2))
    True
    """

    PARAMS = ("alpha", "beta", "mu")
    ARITIES = (2, 3)
    DEFAULTS = {"mu": 0.0}
    CONSTRAINTS = {"alpha": POSITIVE, "beta": POSITIVE, "mu": REAL}
    NORMAL_SCALES = ("beta",)  # its draws (β times a positive one) are held >= the smallest normal number
    ROLES = {"alpha": "shape", "beta": "scale", "mu": "location"}
    SUPPORT_PARAMS = ("mu",)  # bounds the support: no score-function gradient
    LOCATION = "mu"

    BOUND_SLOPES = {"alpha": -1, "beta": 1, "mu": 0}

    def _draw_bound(self, alpha, beta, mu):
        return mu.abs() + beta * E_MAX ** (1 / alpha)

    def held_share(self, floor, alpha, beta, mu):
        return -torch.expm1(-(floor / beta) ** alpha)  # P(β·E^(1/α) < floor)

    def held_bounds(self, floor, alpha, beta, mu):
        share = -math.expm1(-math.exp(min(alpha * (math.log(floor) - math.log(beta)), 700.0)))
        return share, share

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        alpha, beta, mu = params
        x = floor_normal(beta * safe_exp(noise(shape, params, "exponential").log() / alpha))  # a tiny shape: never 0
        return x if isinstance(mu, float) and mu == 0 else x + mu

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        alpha, beta, mu = tensors(params, x)
        z = (x - mu) / beta
        s = z.clamp(min=0)
        return on_support(z, alpha.log() - beta.log() + xlogy(alpha - 1, s) - s ** alpha)

    def _mean(self, alpha: torch.Tensor, beta: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
        return mu + beta * torch.lgamma(1 + 1 / alpha).exp()

    def _variance(self, alpha: torch.Tensor, beta: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
        """β²·(Γ(1 + 2/α) − Γ(1 + 1/α)²) = β²·Γ(1 + 1/α)²·expm1(_gamma_gap(1/α)): no difference of two numbers near 1
        at large α (α = 1e8 gave noise)."""
        eps = 1 / alpha
        return beta ** 2 * (2 * torch.lgamma(1 + eps)).exp() * torch.expm1(_gamma_gap(eps)) + 0 * mu


#: (−1)^k ζ(k)(2^k − 2)/k for k = 2..10: the series of lgamma(1 + 2ε) − 2·lgamma(1 + ε) in ε (its linear terms cancel)
_GAP_SERIES = [(-1) ** k * z * (2 ** k - 2) / k for k, z in enumerate(
    [1.6449340668482264, 1.2020569031595942, 1.0823232337111382, 1.0369277551433699, 1.0173430619844491,
     1.0083492773819228, 1.0040773561979443, 1.0020083928260822, 1.0009945751278181], start=2)]


def _gamma_gap(eps: torch.Tensor) -> torch.Tensor:
    """lgamma(1 + 2ε) − 2·lgamma(1 + ε), ≈ π²ε²/6: by its series below ε = 0.01 (error below 1e-20), where the
    difference would cancel."""
    small = eps <= 0.01
    e = torch.where(small, eps, 0.01)
    series = torch.zeros_like(e)
    for c in reversed(_GAP_SERIES):
        series = (series + c) * e
    series = series * e  # from ε²
    d = torch.where(small, 1.0, eps)
    return torch.where(small, series, torch.lgamma(1 + 2 * d) - 2 * torch.lgamma(1 + d))
