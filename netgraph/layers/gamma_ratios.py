"""Ratios of gamma functions, Γ(b + d)/Γ(b), for the Gamma family's closed-form means and variances.

``lgamma(b + d) - lgamma(b)`` cancels for large b: both are about b·log b, so GammaDistribution(1e12, 2).mean() came
out 0.2% low and GammaDistribution(1e30, 2).mean() as 2.0; in float32 (a layer's ``eval_mode="mean"``) shape 1e4
was 0.8% off. From b = 20 on the ratio is Stirling's series of both, differenced term by term. Variances subtract
two such ratios (ν − mean² for Chi) and cancel again: they are written through ``log_ratio_tail``, the log-ratio
less its leading d·log b, whose asymptotic series in 1/b keeps the small difference exact.

>>> round(float(log_ratio(torch.tensor(1e30, dtype=torch.float64), 1.0).exp() / 1e30), 12)   # Γ(b + 1)/Γ(b) = b
1.0
>>> round(float(ratio_gap(torch.tensor(1e12, dtype=torch.float64))), 6)   # b − (Γ(b + ½)/Γ(b))² → 1/4
0.25
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["log_ratio", "log_ratio_tail", "ratio_excess", "ratio_gap"]

STIRLING_FROM = 20.0  #: from here Stirling's series (5 terms) is exact to ~1e-17; below, lgamma's difference is
SERIES_FROM = 1000.0  #: b ≥ this·max(1, |d|): ``log_ratio_tail`` by its series in 1/b (next term below 1e-16)


def _stirling_rest(x: torch.Tensor) -> torch.Tensor:
    """lgamma(x) − ((x − ½)·log x − x + ½·log 2π): Stirling's series to 1/x⁹."""
    r = 1 / x
    r2 = r * r
    return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))))


def log_ratio(b: torch.Tensor, d: Any) -> torch.Tensor:
    """log Γ(b + d) − log Γ(b), for b > 0 and b + d > 0; exact also where b is large beside d."""
    d = torch.as_tensor(d, dtype=b.dtype, device=b.device)
    large = (b >= STIRLING_FROM) & (b + d >= STIRLING_FROM)
    bl, dl = torch.where(large, b, STIRLING_FROM), torch.where(large, d, 0.0)  # no NaN in the branch not taken
    stirling = ((bl - 0.5) * torch.log1p(dl / bl) + dl * torch.log(bl + dl) - dl
                + _stirling_rest(bl + dl) - _stirling_rest(bl))
    bs = torch.where(large, 1.0, b)
    return torch.where(large, stirling, torch.lgamma(bs + torch.where(large, 0.0, d)) - torch.lgamma(bs))


def log_ratio_tail(b: torch.Tensor, d: Any) -> torch.Tensor:
    """``log_ratio(b, d) − d·log b``: Σₙ (−1)ⁿ⁺¹ (Bₙ₊₁(d) − Bₙ₊₁)/(n(n+1)bⁿ) (Bernoulli polynomials) for large b, where
    the difference would cancel."""
    d = torch.as_tensor(d, dtype=b.dtype, device=b.device)
    series = b >= SERIES_FROM * d.abs().clamp(min=1.0)
    bs = torch.where(series, b, SERIES_FROM * d.abs().clamp(min=1.0))
    r = 1 / bs
    d2 = d * d
    terms = r * ((d2 - d) / 2 - r * ((d2 * d - 1.5 * d2 + 0.5 * d) / 6 - r * ((d2 * d2 - 2 * d2 * d + d2) / 12
                 - r * (d2 * d2 * d - 2.5 * d2 * d2 + (5 / 3) * d2 * d - d / 6) / 20)))
    bd = torch.where(series, 1.0, b)
    return torch.where(series, terms, log_ratio(bd, torch.where(series, 0.0, d)) - d * bd.log())


def ratio_excess(b: torch.Tensor, e: Any) -> torch.Tensor:
    """Γ(b + 2e)/Γ(b) − (Γ(b + e)/Γ(b))², a variance's two moments' difference, without their cancellation."""
    return (2 * log_ratio(b, e)).exp() * torch.expm1(log_ratio_tail(b, 2 * e) - 2 * log_ratio_tail(b, e))


def ratio_gap(b: torch.Tensor) -> torch.Tensor:
    """b − (Γ(b + ½)/Γ(b))² (Chi's and Nakagami's variances), without the cancellation: about ¼ for large b."""
    return -b * torch.expm1(2 * log_ratio_tail(b, 0.5))

