"""Gamma-family distributions, differentiable by implicit reparameterization through the Gamma draw.

Gamma, Chi, Nakagami, ChiSquare, Erlang (LogGamma, ExpGamma, InverseGamma: ``dist_gamma_log``). Every draw goes through
``log_standard_gamma`` (torch's ``_standard_gamma``, whose backward is −(∂F/∂α)/p, plus a log-space boost
below shape 1), so shapes as small as 0.01 give finite draws and finite gradients; draws below the smallest normal
float are a normal float a shade above it (float32: 1.1754997e-38), never 0, even where subnormals are flushed.

>>> GammaDistribution(2, 3).mean()        # shape 2, SCALE 3 (torch uses rate)
6.0
>>> ErlangDistribution(2, 4).mean()       # k = 2, RATE 4
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.layers.dist_base import Distribution, full, log_standard_gamma, safe_exp, standard_gamma, tensors
from netgraph.layers.dist_constraints import POSITIVE, POSITIVE_INT, REAL
from netgraph.layers.dist_tensors import floor_normal, is_tensor, on_support, tiny_of, xlogy
from netgraph.layers.dist_held import gammainc_at_log, lower_gamma_bounds
from netgraph.layers.dist_limits import exp_bound, gamma_upper
from netgraph.layers.dist_special import SADDLE_FROM, below_saddle, poisson_saddle
from netgraph.layers.gamma_ratios import log_ratio, ratio_excess, ratio_gap
from netgraph.layers.log_space_draws import GammaTransformDraws

__all__ = ["GammaDistribution", "ChiDistribution", "NakagamiDistribution", "ChiSquareDistribution",
           "ErlangDistribution"]


def _log_gamma_draw(alpha: Any, shape: tuple, params: Sequence[Any]) -> torch.Tensor:
    return log_standard_gamma(full(alpha, shape, params))


def _gamma_draw(alpha: Any, shape: tuple, params: Sequence[Any]) -> torch.Tensor:
    return standard_gamma(full(alpha, shape, params))


def _ratio(b: torch.Tensor, d: Any) -> torch.Tensor:
    """Γ(b + d)/Γ(b), exact also for large b (``gamma_ratios``)."""
    return log_ratio(b, d).exp()


def _log(p: Any) -> Any:
    return p.log() if is_tensor(p) else math.log(p)


def _plain(x: Any, value: float) -> bool:
    return isinstance(x, float) and x == value


def _large(alpha: torch.Tensor, s: torch.Tensor) -> torch.Tensor | None:
    """Where a log-density at s > 0 of a transform of G ~ Gamma(α, 1) needs ``_saddle_where`` (α − 1 >= SADDLE_FROM),
    or None where every α is known to be below it (``below_saddle``)."""
    return None if below_saddle(alpha) else (alpha - 1 >= SADDLE_FROM) & (s > 0)


def _saddle_where(big: torch.Tensor, alpha: torch.Tensor, u: torch.Tensor, log_jacobian: Any,
                  plain: torch.Tensor) -> torch.Tensor:
    """plain, and where big log_jacobian + G's log-density (α − 1) log u − u − lgamma(α) at u in Loader's form (the
    Poisson log-mass of α − 1 at mean u), whose terms do not cancel (float32 at α = 1e7 was 15 off). u and
    log_jacobian are the caller's, from stand-ins where big is False (finite there, so their gradients are too)."""
    return torch.where(big, poisson_saddle(torch.where(big, alpha - 1, SADDLE_FROM), u) + log_jacobian, plain)


class _GammaLike(Distribution):
    ESTIMATORS = ("implicit", "score_function")


class _GeneralizedGamma(_GammaLike):
    """The (α, β) / (α, β, γ, μ) parameters shared by GammaDistribution and InverseGammaDistribution."""

    PARAMS = ("alpha", "beta", "gamma", "mu")
    ARITIES = (2, 4)
    DEFAULTS = {"gamma": 1.0, "mu": 0.0}
    CONSTRAINTS = {"alpha": POSITIVE, "beta": POSITIVE, "gamma": POSITIVE, "mu": REAL}
    NORMAL_SCALES = ("beta",)  # its draws (β times a positive one) are held >= the smallest normal number
    ROLES = {"alpha": "shape", "beta": "scale", "gamma": "power", "mu": "location"}
    SUPPORT_PARAMS = ("mu",)  # bounds the support: no score-function gradient
    LOCATION = "mu"


class GammaDistribution(_GeneralizedGamma, GammaTransformDraws):
    """GammaDistribution(α, β): shape α, **scale** β; (α, β, γ, μ): generalized, μ + β·G^(1/γ), G ~ Gamma(α, 1).

    >>> GammaDistribution(2, 3).mean(), GammaDistribution(2, 3).variance()  # αβ, αβ² (β a scale, not a rate)
    (6.0, 18.0)
    """

    BOUND_SLOPES = {"alpha": 1, "beta": 1, "gamma": -1, "mu": 0}

    def _draw_bound(self, alpha, beta, gamma, mu):
        return mu.abs() + exp_bound(beta.log() + gamma_upper(alpha).log() / gamma)  # β·G^(1/γ), G < gamma_upper(α)

    def held_share(self, floor, alpha, beta, gamma, mu):
        return gammainc_at_log(alpha, gamma * (math.log(floor) - beta.log()))  # P(β·G^(1/γ) < floor)

    def held_bounds(self, floor, alpha, beta, gamma, mu):
        return lower_gamma_bounds(alpha, gamma * (math.log(floor) - math.log(beta)))

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        alpha, beta, gamma, mu = params
        if _plain(gamma, 1.0):
            x = floor_normal(beta * _gamma_draw(alpha, shape, params))  # β < 1: G's floor times β is subnormal
        else:
            x = self.draw_of_log(self.rsample_log(params, shape))  # at location 0
        return x if _plain(mu, 0.0) else x + mu

    def _gamma_transform(self, params):  # at location 0
        return params[0], params[2], _log(params[1])

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """From a shape α of ``SADDLE_FROM`` + 1 up, with u = s^γ: log γ − log β + (1 − 1/γ) log u + the Poisson
        log-mass of α − 1 at mean u in Loader's form, whose terms do not cancel (float32 at α = 1e7 was 15 off)."""
        alpha, beta, gamma, mu = tensors(params, x)
        t = (x - mu) / beta  # at t = 0 (x = mu) the limit: finite where alpha * gamma == 1, else -inf or inf
        s = t.clamp(min=0)
        power = s ** gamma
        plain = gamma.log() - beta.log() - torch.lgamma(alpha) + xlogy(alpha * gamma - 1, s) - power
        big = _large(alpha, s)
        if big is None:
            return on_support(t, plain)
        # where u under- or overflows (far from the mode) the plain terms do not cancel: log u would be ∓∞ there
        big = big & (power >= tiny_of(power)) & (power < math.inf)
        u = torch.where(big, power, 1.0)  # s^γ, normal where big; 1 where unused (finite)
        return on_support(t, _saddle_where(big, alpha, u, gamma.log() - beta.log() + (1 - 1 / gamma) * u.log(), plain))

    def _mean(self, alpha, beta, gamma, mu):
        return mu + beta * _ratio(alpha, 1 / gamma)

    def _variance(self, alpha, beta, gamma, mu):
        return beta ** 2 * ratio_excess(alpha, 1 / gamma) + 0 * mu


class ChiDistribution(_GammaLike, GammaTransformDraws):
    """ChiDistribution(ν): ν > 0 degrees of freedom (real). √(2G), G ~ Gamma(ν/2, 1).

    >>> import math
    >>> math.isclose(ChiDistribution(3).mean(), math.sqrt(2) * math.gamma(2) / math.gamma(1.5))  # √2 Γ((ν+1)/2)/Γ(ν/2)
    True
    """

    PARAMS = ("nu",)
    CONSTRAINTS = {"nu": POSITIVE}
    ROLES = {"nu": "degrees of freedom"}

    BOUND_SLOPES = {"nu": 1}

    def _draw_bound(self, nu):
        return (2 * gamma_upper(nu / 2)).sqrt()

    def _gamma_transform(self, params):
        return params[0] / 2, 2, math.log(2) / 2

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (nu,) = tensors(params, x)
        s = x.clamp(min=0)
        plain = (1 - nu / 2) * math.log(2) - torch.lgamma(nu / 2) + xlogy(nu - 1, s) - x ** 2 / 2
        big = _large(nu / 2, s)
        if big is None:
            return on_support(x, plain)
        r = torch.where(big, s, 1.0)  # G = x²/2, dG/dx = x
        return on_support(x, _saddle_where(big, nu / 2, r * r / 2, r.log(), plain))

    def _mean(self, nu):
        return math.sqrt(2) * _ratio(nu / 2, 0.5)

    def _variance(self, nu):
        return 2 * ratio_gap(nu / 2)  # ν − mean², which cancels for large ν


class NakagamiDistribution(_GammaLike, GammaTransformDraws):
    """NakagamiDistribution(μ, ω): shape μ, spread ω = E[X²]. √(G·ω/μ), G ~ Gamma(μ, 1).

    >>> import math
    >>> math.isclose(NakagamiDistribution(1, 2).mean(), math.gamma(1.5) * math.sqrt(2))  # Γ(μ+½)/Γ(μ)·√(ω/μ)
    True
    """

    PARAMS = ("mu", "omega")
    CONSTRAINTS = {"mu": POSITIVE, "omega": POSITIVE}
    ROLES = {"mu": "shape", "omega": "spread"}

    BOUND_SLOPES = {"mu": -1, "omega": 1}

    def _draw_bound(self, mu, omega):
        return (gamma_upper(mu) * omega / mu).sqrt()

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        mu, omega = params
        log_g = _log_gamma_draw(mu, shape, params)
        return safe_exp((log_g + _log(omega) - _log(mu)) / 2)

    def _gamma_transform(self, params):
        return params[0], 2, (_log(params[1]) - _log(params[0])) / 2

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        mu, omega = tensors(params, x)
        s = x.clamp(min=0)
        # μ·(log μ − log ω) and μ·(x/√ω)²: μ/ω and x² alone pass float32's range (1e-30/1e30 is 0, (1e15)² inf)
        plain = (math.log(2) + mu * (mu.log() - omega.log()) - torch.lgamma(mu) + xlogy(2 * mu - 1, s)
                 - mu * (x / omega.sqrt()) ** 2)
        big = _large(mu, s)
        if big is None:
            return on_support(x, plain)
        r = torch.where(big, s, 1.0)  # G = μx²/ω, dG/dx = 2μx/ω
        log_jacobian = math.log(2) + mu.log() - omega.log() + r.log()
        return on_support(x, _saddle_where(big, mu, mu * (r / omega.sqrt()) ** 2, log_jacobian, plain))

    def _mean(self, mu, omega):
        return _ratio(mu, 0.5) * (omega / mu).sqrt()

    def _variance(self, mu, omega):
        return omega * ratio_gap(mu) / mu


class ChiSquareDistribution(_GammaLike, GammaTransformDraws):
    """ChiSquareDistribution(ν): 2G, G ~ Gamma(ν/2, 1); mean ν, variance 2ν.

    >>> ChiSquareDistribution(4).mean(), ChiSquareDistribution(4).variance()  # ν, 2ν
    (4.0, 8.0)
    """

    PARAMS = ("nu",)
    CONSTRAINTS = {"nu": POSITIVE}
    ROLES = {"nu": "degrees of freedom"}

    BOUND_SLOPES = {"nu": 1}

    def _draw_bound(self, nu):
        return 2 * gamma_upper(nu / 2)

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (nu,) = params
        return 2 * _gamma_draw(nu / 2, shape, params)

    def _gamma_transform(self, params):
        return params[0] / 2, 1, math.log(2)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (nu,) = tensors(params, x)
        s = x.clamp(min=0)
        plain = -nu / 2 * math.log(2) - torch.lgamma(nu / 2) + xlogy(nu / 2 - 1, s) - x / 2
        big = _large(nu / 2, s)
        if big is None:
            return on_support(x, plain)
        return on_support(x, _saddle_where(big, nu / 2, torch.where(big, s, 1.0) / 2, -math.log(2), plain))

    def _mean(self, nu):
        return nu

    def _variance(self, nu):
        return 2 * nu


class ErlangDistribution(_GammaLike):
    """ErlangDistribution(k, λ): integer k ≥ 1, **rate** λ (a sum of k Exponential(λ)). G/λ, G ~ Gamma(k, 1).

    k is an integer: it gets no gradient. λ is pathwise (∂x/∂λ = −x/λ).

    >>> ErlangDistribution(3, 2).mean(), ErlangDistribution(3, 2).variance()  # k/λ, k/λ²
    (1.5, 0.75)
    """

    PARAMS = ("k", "lam")
    CONSTRAINTS = {"k": POSITIVE_INT, "lam": POSITIVE}
    ROLES = {"k": "shape, an integer", "lam": "rate λ"}
    ESTIMATORS = ("pathwise", "score_function")
    INTEGER_PARAMS = ("k",)
    NORMAL_RATES = ("lam",)  # its draws (G/λ) are held >= the smallest normal number

    BOUND_SLOPES = {"k": 1, "lam": -1}

    def _draw_bound(self, k, lam):
        return gamma_upper(k) / lam

    def held_share(self, floor, k, lam):
        return torch.special.gammainc(k, floor * lam)  # P(G/λ < floor)

    def held_bounds(self, floor, k, lam):
        return lower_gamma_bounds(k, math.log(floor) + math.log(lam))

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        k, rate = params
        k = k.detach() if is_tensor(k) else k
        return floor_normal(_gamma_draw(k, shape, params) / rate)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        k, rate = tensors(params, x)
        s = x.clamp(min=0)
        plain = k * rate.log() - torch.lgamma(k) + xlogy(k - 1, s) - rate * x
        big = _large(k, s)
        if big is None:
            return on_support(x, plain)
        return on_support(x, _saddle_where(big, k, rate * torch.where(big, s, 1.0), rate.log(), plain))

    def _mean(self, k, rate):
        return k / rate

    def _variance(self, k, rate):
        return k / rate ** 2
