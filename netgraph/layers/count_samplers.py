"""Samplers of large counts that keep Wolfram's mean and variance where torch's samplers drift: torch.poisson from a
mean of about 1e14 (3e15: variance 0.83 times the mean), torch.binomial from about 3e16 trials (2**53 at p = 1e-6:
variance +4.5%, mean 19 standard errors low), measured with 4e5 to 2e6 draws each.
"""

from __future__ import annotations

import torch

from netgraph.core.tracing import tracing

__all__ = ["NORMAL_COUNTS_FROM", "BINOMIAL_SAMPLER_MAX", "poisson_counts", "binomial_counts"]

NORMAL_COUNTS_FROM = 2.0 ** 40  # torch.poisson's variance is Wolfram's below (1e14: +0.75%, 3e15: −17%)
BINOMIAL_SAMPLER_MAX = 2.0 ** 44  # torch.binomial's draws have Wolfram's mean and variance to here (2**53: +4.5%)


def _none_beyond(beyond: torch.Tensor) -> bool:
    """Eagerly, that no element is ``beyond`` (one read: torch's sampler alone, as fast as before, then); traced
    (export, vmap, compile) or on meta tensors False: both samplers, no branch on the values."""
    if tracing() or not isinstance(beyond, torch.Tensor) or beyond.is_meta:  # fx hands a Proxy
        return False
    return not bool(beyond.any())


def _rounded_normal(mean: torch.Tensor, variance: torch.Tensor) -> torch.Tensor:
    """Counts of this mean and variance (from ``NORMAL_COUNTS_FROM``, where their skewness is below 1e-6 and their
    relative spread 1e-6: the normal law rounded is their law to float64's resolution), drawn in float64 at least;
    an infinite mean draws itself."""
    wide = torch.promote_types(mean.dtype, torch.float64)
    mu = mean.to(wide)
    x = torch.addcmul(mu, variance.to(wide).sqrt(), torch.randn_like(mu)).round_().clamp_(min=0)
    return torch.where(mu.isinf(), mu, x).to(mean.dtype)


def poisson_counts(rate: torch.Tensor) -> torch.Tensor:
    """Poisson counts of mean ``rate``: torch's sampler below ``NORMAL_COUNTS_FROM``, where it keeps Wolfram's variance
    (beyond 2**63 it drew -2**63), from there ``_rounded_normal``; an infinite rate (NegativeBinomial's p = 0) draws
    inf, its limit. Traced, every call draws both (no branch on the values).

    >>> poisson_counts(torch.tensor([0.0, float("inf"), 2.0 ** 70])).tolist()[:2]
    [0.0, inf]
    """
    normal = rate >= NORMAL_COUNTS_FROM
    if _none_beyond(normal):
        return torch.poisson(rate)
    small = torch.poisson(torch.where(normal, 0.0, rate))  # first: a seed draws what it drew before below 2**40
    return torch.where(normal, _rounded_normal(rate, rate), small)


def binomial_counts(count: torch.Tensor, prob: torch.Tensor) -> torch.Tensor:
    """Binomial(count, prob) draws in float64 tensors: torch's sampler up to ``BINOMIAL_SAMPLER_MAX`` trials; beyond,
    ``_rounded_normal`` where the variance n·m·(1 − m) (m = min(p, 1 − p)) is at least BINOMIAL_SAMPLER_MAX / 2 (so
    past ``NORMAL_COUNTS_FROM``), else thinned: Y ~ Binomial(n, m1) with m1 = BINOMIAL_SAMPLER_MAX / n by that
    normal, then Binomial(Y, m / m1) by torch's sampler: Binomial(n, m) exactly; mirrored where 1 − p < p."""
    many = count > BINOMIAL_SAMPLER_MAX
    if _none_beyond(many):
        return torch.binomial(count, prob)
    small = torch.binomial(torch.where(many, 0.0, count), prob)  # first: a seed's draws to 2**44 trials are kept
    flip = prob > 0.5
    m = torch.where(flip, 1 - prob, prob)
    m1 = (BINOMIAL_SAMPLER_MAX / count).clamp(max=0.5)
    spread = m >= m1
    first = torch.where(spread, m, m1)
    y = _rounded_normal(count * first, count * first * (1 - first)).clamp(max=count)
    few = torch.binomial(torch.where(many & ~spread, y, 0.0), torch.where(spread, 0.0, m / first))
    large = torch.where(spread, y, few)
    large = torch.where(flip, count - large, large)
    return torch.where(many, large, small)
