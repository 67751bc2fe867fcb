"""KL divergences between distributions: closed forms, supports, and the Monte Carlo estimate.

``KL_CLOSED_FORMS[(p_class_name, q_class_name)](p_params, q_params)`` is KL(p ‖ q) for parameters in
Wolfram's order (lists of broadcastable tensors, every parameter of the class including defaulted ones):
elementwise for univariate distributions, one value per event (the event dims summed) for the vector
ones of ``netgraph.layers.dist_vector_kl`` (every Multinormal form pair, Categorical, Dirichlet). ``CLOSED_FORM_ARITY`` says how many leading parameters a closed form understands; it
applies only when the rest are their constant defaults (GammaDistribution(α, β), not the generalized form).
Everything else is estimated by Monte Carlo (``monte_carlo_kl``): draws from p with p's own estimator,
averaging log p − log q.

>>> import torch
>>> kl = KL_CLOSED_FORMS[("NormalDistribution", "NormalDistribution")]
>>> float(kl([torch.tensor(0.0), torch.tensor(1.0)], [torch.tensor(1.0), torch.tensor(1.0)]))
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.layers.dist_base import Distribution, xlogy
from netgraph.layers.dist_vector import VectorDistribution
from netgraph.layers.dist_vector_kl import KL_CLOSED_FORMS as VECTOR_KL_CLOSED_FORMS

__all__ = ["KL_CLOSED_FORMS", "CLOSED_FORM_ARITY", "closed_form", "support_problem", "monte_carlo_kl", "describe_estimate"]

Params = Sequence[torch.Tensor]


def _normal(p: Params, q: Params) -> torch.Tensor:
    (m1, s1), (m2, s2) = p[:2], q[:2]
    return torch.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5


def _bernoulli(p: Params, q: Params) -> torch.Tensor:
    a, b = p[0], q[0]
    return xlogy(a, a) - xlogy(a, b) + xlogy(1 - a, 1 - a) - xlogy(1 - a, 1 - b)


def _exponential(p: Params, q: Params) -> torch.Tensor:
    a, b = p[0], q[0]
    return torch.log(a / b) + b / a - 1


def _gamma(p: Params, q: Params) -> torch.Tensor:
    (a1, s1), (a2, s2) = p[:2], q[:2]  # shapes and scales
    return ((a1 - a2) * torch.digamma(a1) - torch.lgamma(a1) + torch.lgamma(a2)
            + a2 * (torch.log(s2) - torch.log(s1)) + a1 * (s1 / s2 - 1))


def _poisson(p: Params, q: Params) -> torch.Tensor:
    a, b = p[0], q[0]
    return xlogy(a, a) - xlogy(a, b) - a + b


#: (class name of p, class name of q) -> KL(p ‖ q) from Wolfram-order parameter lists (elementwise, or per event).
KL_CLOSED_FORMS: dict[tuple[str, str], Callable[[Params, Params], torch.Tensor]] = {
    **VECTOR_KL_CLOSED_FORMS,
    ("NormalDistribution", "NormalDistribution"): _normal,
    ("BernoulliDistribution", "BernoulliDistribution"): _bernoulli,
    ("ExponentialDistribution", "ExponentialDistribution"): _exponential,
    ("GammaDistribution", "GammaDistribution"): _gamma,
    ("PoissonDistribution", "PoissonDistribution"): _poisson,
}
#: class name -> how many leading parameters its closed forms read (the others must be their defaults).
CLOSED_FORM_ARITY: dict[str, int] = {"GammaDistribution": 2}


def _at_defaults(dist: Distribution) -> bool:
    n = CLOSED_FORM_ARITY.get(type(dist).__name__, len(dist.PARAMS))
    return all(isinstance(v, float) and v == dist.DEFAULTS.get(name)
               for name, v in zip(dist.PARAMS[n:], dist.params[n:]))


def closed_form(p: Distribution, q: Distribution) -> Callable[[Params, Params], torch.Tensor] | None:
    """The closed form of KL(p ‖ q) for these two distributions, or None (then: Monte Carlo)."""
    fn = KL_CLOSED_FORMS.get((type(p).__name__, type(q).__name__))
    return fn if fn is not None and _at_defaults(p) and _at_defaults(q) else None


# -- supports ------------------------------------------------------------------------------------------------
# (lower, upper) bound kinds: "-inf"/"inf" unbounded, "0" / "1" fixed, "param" set by a parameter.
_POSITIVE = ("0", "inf")
_SUPPORTS: dict[str, Callable[[Distribution], tuple[str, str]]] = {
    "NormalDistribution": lambda d: ("-inf", "inf"), "ExpGammaDistribution": lambda d: ("-inf", "inf"),
    **{name: (lambda d: _POSITIVE) for name in (
        "ExponentialDistribution", "MaxwellDistribution", "RayleighDistribution", "HalfNormalDistribution",
        "ChiDistribution", "NakagamiDistribution", "ChiSquareDistribution", "ErlangDistribution",
        "PoissonDistribution", "NegativeBinomialDistribution")},
    **{name: (lambda d: _POSITIVE if d.params[-1] == 0.0 else ("param", "inf")) for name in (
        "GammaDistribution", "InverseGammaDistribution", "WeibullDistribution")},
    "LogGammaDistribution": lambda d: ("param", "inf"), "UniformDistribution": lambda d: ("param", "param"),
    "BernoulliDistribution": lambda d: ("0", "1"), "BinomialDistribution": lambda d: ("0", "param"),
    "DiscreteUniformDistribution": lambda d: ("param", "param"),
}
_TEXT = {"-inf": "-∞", "inf": "∞", "param": "a parameter"}
#: Vector distributions: the support of one event (k = the event size); a KL needs the same one on both sides.
_VECTOR_SUPPORTS = {"MultinormalDistribution": "ℝᵏ", "MultinormalCholeskyDistribution": "ℝᵏ",
                    "MultinormalDiagonalDistribution": "ℝᵏ", "DirichletDistribution": "the probability simplex in ℝᵏ",
                    "CategoricalDistribution": "the classes {0, …, k−1}"}


def _support_text(bounds: tuple[str, str]) -> str:
    return f"[{_TEXT.get(bounds[0], bounds[0])}, {_TEXT.get(bounds[1], bounds[1])}]"


def support_problem(p: Distribution, q: Distribution) -> str | None:
    """Why KL(p ‖ q) is infinite or undefined whatever the parameters (p's support not inside q's), or None.

    Supports that depend on parameter values are checked at run time (a DataError when p draws outside q).
    """
    name_p, name_q = type(p).__name__, type(q).__name__
    if p.discrete != q.discrete:
        kinds = {True: "discrete (a mass function)", False: "continuous (a density)"}
        return f"p = {name_p} is {kinds[p.discrete]} but q = {name_q} is {kinds[q.discrete]}: no KL divergence exists"
    vector_p, vector_q = isinstance(p, VectorDistribution), isinstance(q, VectorDistribution)
    if vector_p != vector_q:
        kinds = {True: "a distribution over vectors or classes (one value per event)",
                 False: "univariate (one value per element)"}
        return (f"p = {name_p} is {kinds[vector_p]} but q = {name_q} is {kinds[vector_q]}: KL(p ‖ q) compares "
                "distributions of the same kind of value")
    if vector_p:
        sp, sq = _VECTOR_SUPPORTS.get(name_p), _VECTOR_SUPPORTS.get(name_q)
        if sp and sq and sp != sq:
            return (f"p = {name_p} has support {sp} but q = {name_q} has support {sq}: the two have no common "
                    "density, so no KL divergence exists")
        return None
    if name_p not in _SUPPORTS or name_q not in _SUPPORTS:
        return None
    (lo_p, hi_p), (lo_q, hi_q) = _SUPPORTS[name_p](p), _SUPPORTS[name_q](q)
    if (lo_p == "-inf" and lo_q != "-inf") or (hi_p == "inf" and hi_q != "inf"):
        return (f"p = {name_p} has support {_support_text((lo_p, hi_p))}, which is not inside the support "
                f"{_support_text((lo_q, hi_q))} of q = {name_q}: KL(p ‖ q) is infinite")
    return None


# -- Monte Carlo ----------------------------------------------------------------------------------------------
#: log-masses that are finite off their support (written without masks for speed): where x is inside.
_INSIDE: dict[str, Callable[[torch.Tensor, list[Any]], torch.Tensor]] = {
    "BernoulliDistribution": lambda x, params: (x == 0) | (x == 1),
    "BinomialDistribution": lambda x, params: x <= torch.as_tensor(params[0], dtype=x.dtype, device=x.device),
    "DiscreteUniformDistribution": lambda x, params: (x >= torch.as_tensor(params[0], dtype=x.dtype, device=x.device))
    & (x <= torch.as_tensor(params[1], dtype=x.dtype, device=x.device)),
}


def _log_q(q: Distribution, x: torch.Tensor, params: list[Any]) -> torch.Tensor:
    logq = q.log_prob(x, params)
    inside = _INSIDE.get(type(q).__name__)
    return logq if inside is None else torch.where(inside(x, params), logq, -torch.inf)


def monte_carlo_kl(p: Distribution, q: Distribution, p_params: list[Any], q_params: list[Any], shape: tuple,
                   samples: int, where: Callable[[], str]) -> torch.Tensor:
    """An unbiased estimate of KL(p ‖ q) per example, shape ``(batch,)``: the mean over ``samples`` draws
    x ~ p of Σ (log p(x) − log q(x)) over the non-batch dims. ``shape`` is ``(batch, *elements)``; a vector
    distribution draws one event per element (log p and log q are per event).

    Draws use p's default estimator. For score-function draws the layer adds its own surrogate (the
    integrand log p − log q is known here), with a leave-one-out baseline over the samples when there are
    two or more: the value is unchanged and the gradient is unbiased without help from the loss.
    """
    estimator = p.ESTIMATORS[0]
    drawn = (samples, *shape)  # all samples at once: the parameters broadcast over the leading sample dim
    if estimator in ("pathwise", "implicit", "none"):
        x = p.rsample(p_params, drawn)
    else:
        with torch.no_grad():
            x = p.rsample(p_params, drawn)
    logp = p.log_prob(x, p_params).reshape(samples, shape[0], -1)
    logq = _log_q(q, x, q_params).reshape(samples, shape[0], -1)
    if not bool(torch.isfinite(logq).all()):
        raise DataError(f"{where()}: a draw from p = {p!r} at {_first_outside(x, logq)} lies outside the "
                        f"support of q = {q!r}, so KL(p ‖ q) is infinite for these parameter values")
    value = (logp - logq).sum(2)  # (samples, batch)
    estimate = value.mean(0)
    if estimator != "score_function" or not torch.is_grad_enabled():
        return estimate
    score = logp.sum(2)
    advantage = value.detach()
    if samples >= 2:
        advantage = advantage - (advantage.sum(0) - advantage) / (samples - 1)
    return estimate + (advantage * (score - score.detach())).mean(0)


def _first_outside(x: torch.Tensor, logq: torch.Tensor) -> str:
    """The first draw (a number, or an event's vector) where log q is not finite, for the message."""
    events = x.reshape(logq.numel(), -1)[~torch.isfinite(logq.reshape(-1))][0]
    return f"{float(events[0]):g}" if events.numel() == 1 else str([round(float(v), 4) for v in events])


def describe_estimate(method: str, samples: int) -> str:
    """'closed form' or 'Monte Carlo, 4 samples', for reprs, diagrams and information()."""
    return "closed form" if method == "closed_form" else f"Monte Carlo, {samples} sample{'s' * (samples != 1)}"
