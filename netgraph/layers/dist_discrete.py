"""Discrete distributions: counts and coin flips, differentiated by the score function.

Bernoulli, Binomial, Poisson and NegativeBinomial draw integers (as floats) that carry no pathwise
gradient; their default estimator is the score function with a baseline, whose term the compiled
module collects (``module.surrogate_loss(losses)``, see ``netgraph.layers.estimators``). Opt-in, biased:
``"straight_through"`` (the gradient of the mean), and for Bernoulli ``"relaxed"`` (Concrete).
DiscreteUniform's parameters are integers and get no gradient.

>>> NegativeBinomialDistribution(3, 0.25).mean()   # failures before 3 successes, success probability 1/4
9.0
>>> BinomialDistribution(10, 0.3).variance() == 10 * 0.3 * 0.7
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.layers.count_samplers import binomial_counts, poisson_counts
from netgraph.layers.dist_base import Distribution, full, log_or_tiny, noise, tensors
from netgraph.layers.dist_constraints import (COUNT, INTEGER, NONNEGATIVE, POSITIVE, UNIT, UNIT_LEFT_OPEN,
                                             raise_constant_problems)
from netgraph.core.errors import OptionError
from netgraph.core.option_problems import ARGUMENT_KIND
from netgraph.core.torch_state import working_dtype
from netgraph.layers.dist_limits import COUNT_MAX, E_MAX, Z_MAX, first_unheld_integer, gamma_upper, integer_limit
from netgraph.layers.dist_special import (SADDLE_FROM, deviance, log_orderings, needs_saddle, poisson_saddle,
                                         stirling_error)
from netgraph.layers.dist_tensors import eps_of, is_tensor

__all__ = ["BernoulliDistribution", "BinomialDistribution", "PoissonDistribution",
           "NegativeBinomialDistribution", "DiscreteUniformDistribution"]


class _Discrete(Distribution):
    discrete = True
    ESTIMATORS = ("score_function", "straight_through")
    SCORE_PARAM = None  # the parameter whose score ``score_grad`` gives (estimators.score_handle)
    CERTAIN_AT: tuple[float, ...] = ()  # values of SCORE_PARAM at which every draw is the same (``certain``)

    def log_prob(self, x: Any, params: Sequence[Any] = ()) -> torch.Tensor:
        """``Distribution.log_prob``, with counts given as an integer or boolean tensor read as the float counts they
        are (fx's traced values keep their own dtype: no branch on it there)."""
        if isinstance(x, torch.Tensor) and not x.is_floating_point():
            x = x.to(working_dtype())
        return super().log_prob(x, params)

    def certain(self, params: Sequence[Any]) -> torch.Tensor | None:
        """Where every draw is the same value (SCORE_PARAM at a boundary: Poisson μ = 0, a probability of 0 or 1), a
        bool tensor; None where it never is. There no estimator from the draws is unbiased (the derivative, e.g.
        f(1) − f(0) for Poisson at μ = 0, needs the loss at a value never drawn): the surrogate scores them 0.

        >>> PoissonDistribution("#mu").certain([torch.tensor([0.0, 2.0])]).tolist()
        [True, False]
        """
        if not self.CERTAIN_AT:
            return None
        value = torch.as_tensor(params[self.PARAMS.index(self.SCORE_PARAM)]).detach()
        return functools.reduce(torch.logical_or, [value == at for at in self.CERTAIN_AT])

    def _outside(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """Off the support: not a count, or a count these parameters never draw (``_off_support``); NaN, for which
        no comparison holds (``x > x.floor()``, not ``x != x.floor()``), is not marked, so its log-mass stays NaN."""
        values = [v.detach() for v in tensors(params, x)]
        return (x < 0) | (x > x.floor()) | self._off_support(x, *values)

    def _off_support(self, x: torch.Tensor, *params: torch.Tensor) -> torch.Tensor | bool:
        return False

    def score_grad(self, x: torch.Tensor, params: Sequence[torch.Tensor], g: torch.Tensor) -> torch.Tensor:
        """g · ∂ log_prob(x, params)/∂ SCORE_PARAM for draws ``x`` (``g`` broadcast against x), the same
        values autograd gives for ``log_prob`` (the same operations; tests/test_discrete_log_mass.py)."""
        raise NotImplementedError


def _binomial_saddle(x: torch.Tensor, n: torch.Tensor, p: torch.Tensor, rest: torch.Tensor | None = None
                     ) -> torch.Tensor:
    """log(C(n, x) p^x (1 − p)^(n − x)) in Loader's form (R's dbinom_raw), for 0 < x < n and 0 < p < 1; ``rest``:
    n − x where the caller has it exactly (n = n' + x rounds x away in float32 where n' >> x)."""
    rest = n - x if rest is None else rest
    stirling = stirling_error(n) - stirling_error(x) - stirling_error(rest)
    return stirling - deviance(x, n * p) - deviance(rest, n * (1 - p)) - 0.5 * torch.log(2 * math.pi * x * rest / n)


def _log_q(p: torch.Tensor) -> torch.Tensor:
    """log(1 − p) with log1p's value (1 − p rounds: float32 at p = 1e-9 gave 0) and ``log_or_tiny(1 − p)``'s gradient,
    finite at p = 1 (there log1p(−(1 − eps/2)), of the largest float below 1)."""
    log_q = log_or_tiny(1 - p)
    return log_q + (torch.log1p(-p.clamp(max=1 - eps_of(p) / 2)) - log_q).detach()


def _nograd(p: Any) -> Any:
    return p.detach() if is_tensor(p) else p


class BernoulliDistribution(_Discrete):
    """BernoulliDistribution(p): 1 with probability p, else 0.

    Estimators: ``"score_function"`` (default; score w.r.t. the logit is b − p), ``"straight_through"``
    (b forward, ∂b/∂p := 1), ``"relaxed"`` (a Concrete / RelaxedBernoulli draw in (0, 1) with a temperature).

    >>> BernoulliDistribution(0.3).mean(), round(BernoulliDistribution(0.3).variance(), 4)  # p, p (1 - p)
    (0.3, 0.21)
    """

    PARAMS = ("p",)
    CONSTRAINTS = {"p": UNIT}
    ROLES = {"p": "probability of 1"}
    ESTIMATORS = ("score_function", "straight_through", "relaxed")

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (p,) = params
        return torch.bernoulli(full(_nograd(p), shape, params))

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        (p,) = tensors(params, x)  # x is a draw, 0 or 1: log p where x = 1, log(1 - p) where x = 0
        return torch.addcmul(1 - x, p, 2 * x - 1).log()

    def _off_support(self, x, p):
        return x > 1

    SCORE_PARAM, CERTAIN_AT = "p", (0.0, 1.0)

    def score_grad(self, x, params, g):
        (p,) = params  # log_prob's (g / (1 - x + p(2x - 1)))(2x - 1) at x = 1: g / p, at x = 0: g / (p - 1)
        return g / (p - (1 - x))

    def relaxed(self, params: Sequence[Any], shape: tuple, temperature: float) -> torch.Tensor:
        """A Concrete draw σ((logit p + log U − log(1−U))/τ), differentiable in p."""
        (p,) = params
        u = noise(shape, params, "uniform")
        eps = eps_of(u)
        u = u.clamp(eps, 1 - eps)
        p = p.clamp(eps, 1 - eps) if is_tensor(p) else min(max(p, eps), 1 - eps)
        logit = torch.logit(p) if is_tensor(p) else math.log(p / (1 - p))
        return torch.sigmoid((logit + torch.log(u) - torch.log1p(-u)) / temperature)

    def relaxed_log_prob(self, y: torch.Tensor, params: Sequence[Any], temperature: float) -> torch.Tensor:
        """The Concrete (RelaxedBernoulli) log-density of a relaxed draw ``y`` in (0, 1)."""
        (p,) = tensors(params, y)
        eps = eps_of(y)
        y, p = y.clamp(eps, 1 - eps), p.clamp(eps, 1 - eps)
        x = torch.log(y) - torch.log1p(-y)  # the draw in logit space
        diff = torch.logit(p) - x * temperature
        softplus = torch.nn.functional.softplus
        return math.log(temperature) + diff - 2 * softplus(diff) + softplus(-x) + softplus(x)

    def _mean(self, p):
        return p

    def _variance(self, p):
        return p * (1 - p)


class BinomialDistribution(_Discrete):
    """BinomialDistribution(n, p): successes in n trials (integer n: no gradient), success probability p.

    >>> BinomialDistribution(10, 0.3).mean(), round(BinomialDistribution(10, 0.3).variance(), 4)  # n p, n p (1 - p)
    (3.0, 2.1)
    """

    PARAMS = ("n", "p")
    CONSTRAINTS = {"n": COUNT, "p": UNIT}
    ROLES = {"n": "number of trials, an integer", "p": "success probability"}
    INTEGER_PARAMS = ("n",)

    BOUND_SLOPES = {"n": 1, "p": 1}  # the bound is n

    def _draw_bound(self, n, p):
        return n

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        n, p = params
        prob = full(_nograd(p), shape, params)
        if isinstance(prob, torch.Tensor) and prob.is_meta:  # torch has no meta kernel for binomial
            return torch.empty_like(prob)
        count = full(_nograd(n), shape, params).to(prob.dtype)
        unknown = count.isnan()  # torch.binomial never returns for a NaN count: draw 0 there, then NaN
        wide = torch.promote_types(prob.dtype, torch.float64)  # float32's sampler is off from n = 1e8 (variance +25%)
        drawn = binomial_counts(count.masked_fill(unknown, 0.0).to(wide).contiguous(), prob.to(wide).contiguous())
        return drawn.to(prob.dtype).masked_fill_(unknown, math.nan)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """The lgammas' form where n < ``SADDLE_FROM`` (from there with log1p(−p)), x is 0 or n, or p is 0 or 1; else
        Loader's (R's dbinom_raw), whose terms do not cancel (float32's lgamma sum at n = 1e7 was 8.6 off)."""
        n, p = tensors(params, x)
        n = n.detach()
        comb = torch.lgamma(n + 1) - torch.lgamma(x + 1) - torch.lgamma(n - x + 1) + x * log_or_tiny(p)
        large = n >= SADDLE_FROM
        if not needs_saddle(large):  # below, (n − x) log(1 − p)'s rounding is under 256 eps
            return comb + (n - x) * log_or_tiny(1 - p)
        plain = comb + (n - x) * _log_q(p)
        big = large & (x >= 1) & (n - x >= 1) & (p > 0) & (p < 1)
        xs, ns, ps = torch.where(big, x, 1.0), torch.where(big, n, 2.0), torch.where(big, p, 0.5)  # finite where unused
        return torch.where(big, _binomial_saddle(xs, ns, ps), plain)

    def _off_support(self, x, n, p):
        return (x > n) | ((p == 0) & (x > 0)) | ((p == 1) & (x < n))

    SCORE_PARAM, CERTAIN_AT = "p", (0.0, 1.0)

    def score_grad(self, x, params, g):
        n, p = params  # g x / (p + tiny) - g (n - x) / (1 - p + tiny)
        tiny = torch.finfo(p.dtype).tiny
        return (g * x).div_(p + tiny).addcdiv_((n - x).mul_(g), (1 - p).add_(tiny), value=-1)

    def _mean(self, n, p):
        return n * p

    def _variance(self, n, p):
        return n * p * (1 - p)


class PoissonDistribution(_Discrete):
    """PoissonDistribution(μ): mean μ (μ = 0 draws 0, the limit; Wolfram needs μ > 0). Score w.r.t. μ: N/μ − 1.

    >>> PoissonDistribution(2.5).mean(), PoissonDistribution(2.5).variance()
    (2.5, 2.5)
    """

    PARAMS = ("mu",)
    CONSTRAINTS = {"mu": NONNEGATIVE}
    ROLES = {"mu": "mean"}
    DRAW_LIMIT = COUNT_MAX  # torch.poisson's int64 counts

    BOUND_SLOPES = {"mu": 1}

    def _draw_bound(self, mu):
        return mu + Z_MAX * mu.sqrt() + E_MAX

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        (mu,) = params
        return poisson_counts(full(_nograd(mu), shape, params).contiguous())

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """x log μ − μ − lgamma(x + 1), from a count of ``SADDLE_FROM`` up in Loader's form −deviance(x, μ) −
        ½ log 2πx − stirling_error(x), whose terms do not cancel (float32's sum at μ = x = 1e9 was +2048, for −11.3)."""
        (mu,) = tensors(params, x)
        big = (x >= SADDLE_FROM) & (mu > 0)
        plain = x * log_or_tiny(mu) - mu - torch.lgamma(x + 1)
        if not needs_saddle(big):
            return plain
        xs, mus = torch.where(big, x, SADDLE_FROM), torch.where(big, mu, SADDLE_FROM)  # finite where unused
        return torch.where(big, poisson_saddle(xs, mus), plain)

    def _off_support(self, x, mu):
        return (mu == 0) & (x > 0)

    SCORE_PARAM, CERTAIN_AT = "mu", (0.0,)

    def score_grad(self, x, params, g):
        (mu,) = params  # g x / (mu + tiny) - g
        return torch.addcdiv(-g, g * x, mu + torch.finfo(mu.dtype).tiny)

    def _mean(self, mu):
        return mu

    def _variance(self, mu):
        return mu


class NegativeBinomialDistribution(_Discrete):
    """NegativeBinomialDistribution(n, p): **failures** before n successes (real n > 0), success probability p.

    torch's ``NegativeBinomial(total_count=n, probs=1−p)`` counts the same thing with p flipped. Drawn as
    Poisson(λ) with λ ~ Gamma(n, scale (1−p)/p). Mean n(1−p)/p, variance n(1−p)/p².

    >>> NegativeBinomialDistribution(3, 0.5).mean(), NegativeBinomialDistribution(3, 0.5).variance()
    (3.0, 6.0)
    """

    PARAMS = ("n", "p")
    CONSTRAINTS = {"n": POSITIVE, "p": UNIT_LEFT_OPEN}
    ROLES = {"n": "number of successes", "p": "success probability"}
    COUNT_PARAMS = ("n",)
    DRAW_LIMIT = COUNT_MAX  # torch.poisson's int64 counts

    BOUND_SLOPES = {"n": 1, "p": -1}  # more successes to wait for, or a smaller success probability: more failures

    def _draw_bound(self, n, p):
        rate = gamma_upper(n) * (1 - p) / p
        return rate + Z_MAX * rate.sqrt() + E_MAX

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        n, p = (_nograd(v) for v in params)
        n, p = full(n, shape, params), full(p, shape, params)
        rate = torch._standard_gamma(n.contiguous()) * (1 - p) / p
        return poisson_counts(rate)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """The log-mass, its coefficient without the lgammas' cancellation (``log_orderings``) and x log(1 − p) with
        log1p's value (1 − p rounds: float32's x log(1 − p) at p = 1e-6, x = 2**24 was −17.0 for −16.78); its gradient
        −x / (1 − p + tiny), finite at p = 1, is ``score_grad``'s, to the bit."""
        n, p = tensors(params, x)
        plain = log_orderings(x, n) + n * p.log() + x * _log_q(p)
        big = (n >= SADDLE_FROM) & (x >= SADDLE_FROM) & (p < 1)  # its terms cancel: Loader's form (R's dnbinom)
        if not needs_saddle(big):
            return plain
        xs, ns, ps = torch.where(big, x, 1.0), torch.where(big, n, 1.0), torch.where(big, p, 0.5)  # finite if unused
        total = ns + xs  # R's dnbinom: n/(n + x) times the Binomial(n + x, p) mass of n
        return torch.where(big, _binomial_saddle(ns, total, ps, rest=xs) + (ns / total).log(), plain)

    def _off_support(self, x, n, p):
        return (p == 1) & (x > 0)

    SCORE_PARAM, CERTAIN_AT = "p", (1.0,)

    def score_grad(self, x, params, g):
        n, p = params  # g n / p - g x / (1 - p + tiny)
        return torch.addcdiv((g * n) / p, g * x, (1 - p).add_(torch.finfo(p.dtype).tiny), value=-1)

    def _mean(self, n, p):
        return n * (1 - p) / p

    def _variance(self, n, p):
        return n * (1 - p) / p ** 2


class DiscreteUniformDistribution(Distribution):
    """DiscreteUniformDistribution([imin, imax]): integers imin..imax, equally likely (imin = imax draws imin; Wolfram
    needs imin < imax). No gradient (integers)."""

    PARAMS = ("imin", "imax")
    ONE_LIST = True
    CONSTRAINTS = {"imin": INTEGER, "imax": INTEGER}
    ROLES = {"imin": "smallest integer", "imax": "largest integer"}
    ESTIMATORS = ("none",)
    INTEGER_PARAMS = ("imin", "imax")
    EXACT_INTEGERS = ("imin", "imax")  # float32 holds every integer only within ±2**24: beyond, draws round off
    ORDERED = ("imin", "imax", False)
    BOUND_SLOPES = {"imin": 0, "imax": 0}  # the bound |imin| + |imax| + 1 grows with their sizes
    discrete = True

    def __init__(self, bounds: Sequence[Any] = (), *rest: Any, **named: Any):
        if named:
            self._refuse_named(named)
        if rest or isinstance(bounds, (int, float, str, torch.Tensor)) or len(bounds) != 2:
            raise OptionError("DiscreteUniformDistribution takes one list argument [imin, imax], e.g. "
                              f"DiscreteUniformDistribution([1, 6]); found {(bounds, *rest)!r}", kind=ARGUMENT_KIND)
        super().__init__(*bounds)
        unheld = first_unheld_integer(self.PARAMS, self.params, torch.float64)
        if unheld is not None:
            name, value = unheld
            raise_constant_problems(type(self).__name__, [(name, (
                f"parameter {self.role(name)} = {value:.0f} lies beyond ±2**53 = {integer_limit(torch.float64):.0f}, "
                "the integers float64 (the widest dtype drawn in) holds exactly, so its draws would round off "
                "[imin, imax]; narrow the range"))])

    @property
    def args(self) -> list:
        return [super().args]

    def _draw_bound(self, imin, imax):
        return imin.abs() + imax.abs() + 1

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """imin + ⌊(imax − imin + 1)·U⌋, counted in float64 (exact for every range the draw's dtype holds: float32's
        24 bits of U and of the range's width left some integers of a range wider than 2**24 never drawn), cast
        to the bounds' dtype and kept within them (the module refuses bounds that dtype cannot hold)."""
        lo, hi = (full(_nograd(v), shape, params) for v in params)
        u = noise(shape, params, "uniform", torch.float64)
        lo64, hi64 = lo.to(torch.float64), hi.to(torch.float64)
        x = (lo64 + torch.floor((hi64 - lo64 + 1) * u)).to(torch.promote_types(lo.dtype, hi.dtype))
        return torch.minimum(torch.maximum(x, lo), hi)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        lo, hi = tensors(params, x)
        return -(hi - lo + 1).log() + 0 * x

    def _outside(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        lo, hi = (v.detach() for v in tensors(params, x))
        return (x < lo) | (x > hi) | (x > x.floor())

    def _mean(self, lo, hi):
        return (lo + hi) / 2

    def _variance(self, lo, hi):
        return ((hi - lo + 1) ** 2 - 1) / 12

    def __repr__(self) -> str:
        return f"DiscreteUniformDistribution({self.args[0]!r})"
