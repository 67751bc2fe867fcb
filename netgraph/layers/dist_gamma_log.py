"""The Gamma family's log and inverse transforms: LogGamma, ExpGamma, InverseGamma, drawn through log G (finite at
tiny shapes) and differentiable by implicit reparameterization as ``dist_gamma``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.layers.dist_constraints import POSITIVE, REAL
from netgraph.layers.dist_gamma import (_gamma_draw, _GammaLike, _GeneralizedGamma, _large, _log, _log_gamma_draw,
                                        _plain, _ratio, _saddle_where)
from netgraph.layers.dist_held import gammainc_at_log, lower_gamma_bounds, upper_gamma_bounds
from netgraph.layers.dist_limits import exp_bound, gamma_upper, log_gamma_lower
from netgraph.layers.dist_tensors import (eps_of, floor_normal, log_max_of, on_support, safe_exp, tensors, tiny_of,
                                         xlogy)
from netgraph.layers.gamma_ratios import ratio_excess
from netgraph.layers.log_space_draws import GammaTransformDraws

__all__ = ["LogGammaDistribution", "ExpGammaDistribution", "InverseGammaDistribution"]

_INF = math.inf


def log_expm1_of_log(log_y: torch.Tensor) -> torch.Tensor:
    """log(e^y − 1) of y = e^log_y, without y's under- or overflow: log_y + log((e^y − 1)/y) up to y = 1, and
    y + log(1 − e^−y) above; log_y itself where y is below the smallest normal number (the ratio is 1 there)."""
    y = log_y.exp()
    small = y <= 1
    normal = small & (y >= tiny_of(y))
    near = torch.where(normal, y, 1.0)  # stand-ins where unused: finite, so are their gradients
    far = torch.where(small, 1.0, y)
    low = torch.where(normal, log_y + torch.log(torch.expm1(near) / near), log_y)
    return torch.where(small, low, far + torch.log(-torch.expm1(-far)))


class LogGammaDistribution(_GammaLike, GammaTransformDraws):
    """LogGammaDistribution(α, β, μ): shapes α, β, location μ; support [μ, ∞). μ − 1 + e^Y, Y ~ Gamma(α, scale β).

    Density (x−μ+1)^(−1−1/β)·log(x−μ+1)^(α−1)/(β^α Γ(α)). Heavy-tailed: the mean is finite only for β < 1
    and the variance only for β < 1/2 (``inf`` otherwise). Scored draws are drawn in log space, log(e^Y − 1) from
    log Y = log β + log G: at tiny α, where Y falls below the smallest normal number, x − μ ≈ Y is Gamma(α, scale
    β)'s draw.

    >>> LogGammaDistribution(2, 1, 0).mean(), LogGammaDistribution(2, 0.25, 0).mean() < float("inf")
    (inf, True)
    """

    PARAMS = ("alpha", "beta", "mu")
    CONSTRAINTS = {"alpha": POSITIVE, "beta": POSITIVE, "mu": REAL}
    NORMAL_SCALES = ("beta",)  # its draws (β times a positive one) are held >= the smallest normal number
    ROLES = {"alpha": "shape", "beta": "shape", "mu": "location"}
    SUPPORT_PARAMS = ("mu",)  # bounds the support: no score-function gradient
    LOCATION = "mu"

    BOUND_SLOPES = {"alpha": 1, "beta": 1, "mu": 0}

    def _draw_bound(self, alpha, beta, mu):
        return mu.abs() + exp_bound(beta * gamma_upper(alpha))  # e^Y, Y = βG below β·gamma_upper(α)

    def held_share(self, floor, alpha, beta, mu):
        return gammainc_at_log(alpha, math.log(floor) - beta.log())  # P(Y = βG < floor)

    def held_bounds(self, floor, alpha, beta, mu):
        return lower_gamma_bounds(alpha, math.log(floor) - math.log(beta))

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """e^Y − 1 directly (a draw nothing scores: cheaper than log space; scored ones use ``rsample_log``)."""
        alpha, beta, mu = params
        y = floor_normal(beta * _gamma_draw(alpha, shape, params))  # β < 1: G's floor times β is subnormal
        x = torch.expm1(y.clamp(max=log_max_of(y)))
        return x if _plain(mu, 0.0) else x + mu

    POWER = False  # scored by _log_prob where x is a normal number

    def _gamma_transform(self, params):  # Y = βG at location 0; where Y is tiny, x = e^Y − 1 is Y
        return params[0], 1, _log(params[1])

    def rsample_log(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        return log_expm1_of_log(super().rsample_log(params, shape))

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """From a shape α of ``SADDLE_FROM`` + 1 up: −y − log β + G's log-density at u = y/β in Loader's form, y =
        log(x − μ + 1), whose terms do not cancel (float64 at α = 1e8 was 3e-7 off)."""
        alpha, beta, mu = tensors(params, x)
        z = x - mu  # below eps log1p(z) is z, and torch's log1p of a tiny z is 0 under set_flush_denormal(True)
        y = torch.where(z < eps_of(z), z, torch.log1p(z)).clamp(min=0)
        plain = (-1 - 1 / beta) * y + xlogy(alpha - 1, y) - alpha * beta.log() - torch.lgamma(alpha)
        big = _large(alpha, y)
        if big is None:
            return on_support(z, plain)
        r = torch.where(big, y, 1.0)  # Y = βG, dY/dx = e^−Y
        return on_support(z, _saddle_where(big, alpha, r / beta, -r - beta.log(), plain))

    def _mean(self, alpha, beta, mu):
        ok = beta < 1
        return torch.where(ok, mu - 1 + (-alpha * torch.log1p(-torch.where(ok, beta, 0.0))).exp(), _INF)

    def _variance(self, alpha, beta, mu):
        """(1−2β)^−α − (1−β)^−2α = (1−β)^−2α·(((1−2β)/(1−β)²)^−α − 1), (1−2β)/(1−β)² = 1 − (β/(1−β))²: no
        difference of two near powers (it came out negative at α = 1e8, β = 1e-8)."""
        ok = beta < 0.5
        b = torch.where(ok, beta, 0.0)
        value = (-2 * alpha * torch.log1p(-b)).exp() * torch.expm1(-alpha * torch.log1p(-(b / (1 - b)) ** 2))
        return torch.where(ok, value, _INF) + 0 * mu


class ExpGammaDistribution(_GammaLike):
    """ExpGammaDistribution(κ, θ, μ): shape κ, scale θ, location μ; support ℝ. μ + θ·log G, G ~ Gamma(κ, 1).

    Not to be confused with LogGammaDistribution. log G is drawn in log space (finite at tiny κ).

    >>> round(ExpGammaDistribution(2, 1, 0).mean(), 4)  # μ + θ ψ(κ): ψ(2) = 1 − Euler's γ
    0.4228
    """

    PARAMS = ("kappa", "theta", "mu")
    CONSTRAINTS = {"kappa": POSITIVE, "theta": POSITIVE, "mu": REAL}
    ROLES = {"kappa": "shape", "theta": "scale", "mu": "location"}

    def _draw_bound(self, kappa, theta, mu):
        return mu.abs() + theta * torch.maximum(log_gamma_lower(kappa).abs(), gamma_upper(kappa).log().abs())

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        kappa, theta, mu = params
        return mu + theta * _log_gamma_draw(kappa, shape, params)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        kappa, theta, mu = tensors(params, x)
        z = (x - mu) / theta
        plain = kappa * z - z.exp() - theta.log() - torch.lgamma(kappa)
        big = _large(kappa, log_max_of(z) - z.abs())  # G = e^z, dG/dx = e^z/θ, where e^z is a normal float
        if big is None:
            return plain
        zb = torch.where(big, z, 0.0)
        return _saddle_where(big, kappa, zb.exp(), zb - theta.log(), plain)

    def _mean(self, kappa, theta, mu):
        return mu + theta * torch.digamma(kappa)

    def _variance(self, kappa, theta, mu):
        return theta ** 2 * torch.polygamma(1, kappa) + 0 * mu


class InverseGammaDistribution(_GeneralizedGamma):
    """InverseGammaDistribution(α, β): shape α, scale β, β/G with G ~ Gamma(α, 1); (α, β, γ, μ): μ + β·G^(−1/γ).

    The mean needs α > 1 (αγ > 1) and the variance α > 2 (αγ > 2); ``inf`` otherwise.

    >>> InverseGammaDistribution(3, 2).mean(), InverseGammaDistribution(1, 2).mean()  # β/(α−1); inf for α ≤ 1
    (1.0, inf)
    """

    BOUND_SLOPES = {"alpha": -1, "beta": 1, "mu": 0}  # not gamma: the sign of log G's lower bound decides

    def _draw_bound(self, alpha, beta, gamma, mu):
        return mu.abs() + exp_bound(beta.log() - log_gamma_lower(alpha) / gamma)  # β·G^(-1/γ), G's lower tail

    def held_share(self, floor, alpha, beta, gamma, mu):
        return torch.special.gammaincc(alpha, (beta / floor) ** gamma)  # P(β·G^(-1/γ) < floor)

    def held_bounds(self, floor, alpha, beta, gamma, mu):
        return upper_gamma_bounds(alpha, gamma * (math.log(beta) - math.log(floor)))

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        alpha, beta, gamma, mu = params
        log_g = _log_gamma_draw(alpha, shape, params)
        x = safe_exp(_log(beta) - (log_g if _plain(gamma, 1.0) else log_g / gamma))
        return x if _plain(mu, 0.0) else x + mu

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        alpha, beta, gamma, mu = tensors(params, x)
        t = (x - mu) / beta
        s = torch.where(t > 0, t, 1.0)  # the density vanishes at t = 0 too (e^(-t^-gamma) wins)
        value = gamma.log() - beta.log() - torch.lgamma(alpha) + (-1 - alpha * gamma) * s.log() - s ** -gamma
        big = _large(alpha, t)
        if big is not None:  # G = s^−γ, |dG/dx| = γ s^(−γ−1)/β
            r = torch.where(big, s, 1.0)
            value = _saddle_where(big, alpha, r ** -gamma, gamma.log() - beta.log() - (1 + gamma) * r.log(), value)
        return torch.where(t > 0, value, -math.inf)

    def _mean(self, alpha, beta, gamma, mu):
        ok = alpha * gamma > 1
        a = torch.where(ok, alpha, 2.0)
        g = torch.where(ok, gamma, 1.0)
        return torch.where(ok, mu + beta * _ratio(a, -1 / g), _INF)

    def _variance(self, alpha, beta, gamma, mu):
        ok = alpha * gamma > 2
        a = torch.where(ok, alpha, 3.0)
        g = torch.where(ok, gamma, 1.0)
        return torch.where(ok, beta ** 2 * ratio_excess(a, -1 / g), _INF) + 0 * mu
