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

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.tracing import no_values, symbolic_tracing, tracing
from netgraph.layers.bad_index import Where, located_error
from netgraph.layers.dist_base import Distribution, slot_name, xlogy
from netgraph.layers.dist_special import STIRLING_FROM, deviance, digamma_rest, needs_saddle, stirling_error
from netgraph.layers.dist_tensors import all_finite, is_tensor, xlogx
from netgraph.layers.dist_vector import VectorDistribution
from netgraph.layers.dist_vector_kl import KL_CLOSED_FORMS as VECTOR_KL_CLOSED_FORMS
from netgraph.layers.log_space_draws import drawn_with_log, log_prob_of_draw
from netgraph.layers.kl_refusals import check_certain_q, check_classes, check_finite

__all__ = ["KL_CLOSED_FORMS", "NUMBER_FORMS", "CLOSED_FORM_ARITY", "closed_form", "support_mismatch", "check_supports",
           "closed_form_kl", "monte_carlo_kl", "describe_estimate"]

Params = Sequence[torch.Tensor]


def _normal(p: Params, q: Params) -> torch.Tensor:
    """½ (r² + z²) − log r − ½, r = σ₁/σ₂ and z = (μ₁ − μ₂)/σ₂ (ratios: σ² may over/underflow). A parameter may be a
    number (``NUMBER_FORMS``): q's mean 0 and scale 1 then skip their ops (KL to N(0, 1): as few ops as by hand)."""
    (m1, s1), (m2, s2) = p[:2], q[:2]
    z, r = (m1 if _is(m2, 0.0) else m1 - m2), s1
    if not _is(s2, 1.0):
        z, r = z / s2, s1 / s2
    return 0.5 * (r * r + z * z) - (math.log(r) if isinstance(r, float) else torch.log(r)) - 0.5


def _is(value: Any, number: float) -> bool:
    """Whether ``value`` is the Python number ``number`` (a tensor never is: reading it would sync the device)."""
    return isinstance(value, float) and value == number


def _bernoulli(p: Params, q: Params) -> torch.Tensor:
    a, b = p[0], q[0]
    return xlogx(a) - xlogy(a, b) + xlogx(1 - a) - xlogy(1 - a, 1 - b)


def _exponential(p: Params, q: Params) -> torch.Tensor:
    a, b = p[0], q[0]
    return torch.log(a / b) + b / a - 1


def _gamma(p: Params, q: Params) -> torch.Tensor:
    """(a1 − a2) ψ(a1) − lgamma(a1) + lgamma(a2) + a2 log(s2/s1) + a1 (s1/s2 − 1); where both shapes are 20 or more,
    in a form whose terms do not cancel (float32 at a1 = 1e6, a2 = a1 + 1e3 gave 0 for 0.4998: lgammas of 1.3e7)."""
    (a1, s1), (a2, s2) = p[:2], q[:2]  # shapes and scales
    plain = ((a1 - a2) * torch.digamma(a1) - torch.lgamma(a1) + torch.lgamma(a2)
             + a2 * (torch.log(s2) - torch.log(s1)) + a1 * (s1 / s2 - 1))
    big = (a1 >= STIRLING_FROM) & (a2 >= STIRLING_FROM)
    if not needs_saddle(big):
        return plain
    b1, b2 = torch.where(big, a1, STIRLING_FROM), torch.where(big, a2, STIRLING_FROM)  # finite where unused
    ratio = torch.where(big, s1 / s2, 1.0)  # 1 where unused: no 0 · ∞ in the gradient at s1/s2 = 1e20
    return torch.where(big, _large_shapes_gamma(b1, ratio, b2), plain)


def _large_shapes_gamma(a1: torch.Tensor, ratio: torch.Tensor, a2: torch.Tensor) -> torch.Tensor:
    """``_gamma`` for shapes >= ``STIRLING_FROM``: lgamma(a2) − lgamma(a1) − (a2 − a1) ψ(a1) is deviance(a2, a1) −
    ½ log(a2/a1) − (a2 − a1)(ψ(a1) − log a1) + R(a2) − R(a1) (R: Stirling's remainder), and the scales' part
    a1 deviance(1, ratio) − (a2 − a1) log(ratio), ratio = s1/s2."""
    d = a2 - a1
    shapes = (deviance(a2, a1) - 0.5 * torch.log(a2 / a1) - d * digamma_rest(a1)
              + stirling_error(a2) - stirling_error(a1))
    return shapes + a1 * deviance(torch.ones_like(ratio), ratio) - d * torch.log(ratio)


def _poisson(p: Params, q: Params) -> torch.Tensor:
    """a log(a/b) − a + b; where a and b are close, the deviance's series, as its terms cancel (float32 at a = 1e6,
    b = a + 1e3 gave 1.0 for 0.4997): the deviance, at a = 0 the terms (their finite boundary gradient)."""
    a, b = p[0], q[0]
    positive = a > 0
    return torch.where(positive, deviance(torch.where(positive, a, 1.0), b), xlogx(a) - xlogy(a, b) - a + b)


#: (class name of p, class name of q) -> KL(p ‖ q) from Wolfram-order parameter lists (elementwise, or per event).
KL_CLOSED_FORMS: dict[tuple[str, str], Callable[[Params, Params], torch.Tensor]] = {
    **VECTOR_KL_CLOSED_FORMS,
    ("NormalDistribution", "NormalDistribution"): _normal,
    ("BernoulliDistribution", "BernoulliDistribution"): _bernoulli,
    ("ExponentialDistribution", "ExponentialDistribution"): _exponential,
    ("GammaDistribution", "GammaDistribution"): _gamma,
    ("PoissonDistribution", "PoissonDistribution"): _poisson,
}
#: The closed forms that take constant parameters as Python numbers (the others take tensors only).
NUMBER_FORMS = frozenset({_normal})
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
_INF = float("inf")
_POSITIVE = (0.0, _INF)
#: class name -> (lower, upper) bound of the support: a number, or the name of the parameter that sets it.
_SUPPORTS: dict[str, tuple[float | str, float | str]] = {
    "NormalDistribution": (-_INF, _INF), "ExpGammaDistribution": (-_INF, _INF),
    **{name: _POSITIVE for name in (
        "ExponentialDistribution", "MaxwellDistribution", "RayleighDistribution", "HalfNormalDistribution",
        "ChiDistribution", "NakagamiDistribution", "ChiSquareDistribution", "ErlangDistribution",
        "PoissonDistribution", "NegativeBinomialDistribution")},
    **{name: ("mu", _INF) for name in (
        "GammaDistribution", "InverseGammaDistribution", "WeibullDistribution", "LogGammaDistribution")},
    "UniformDistribution": ("min", "max"), "BernoulliDistribution": (0.0, 1.0), "BinomialDistribution": (0.0, "n"),
    "DiscreteUniformDistribution": ("imin", "imax"),
}
#: Vector distributions: the support of one event (k = the event size); a KL needs the same one on both sides.
_VECTOR_SUPPORTS = {"MultinormalDistribution": "ℝᵏ", "MultinormalCholeskyDistribution": "ℝᵏ",
                    "MultinormalDiagonalDistribution": "ℝᵏ", "DirichletDistribution": "the probability simplex in ℝᵏ",
                    "CategoricalDistribution": "the classes {0, …, k−1}"}


def _bounds(dist: Distribution, params: Sequence[Any] | None = None) -> list[Any]:
    """The support's [lower, upper]: numbers or tensors, None where a '#slot' parameter sets it (``params``: the
    values of a call, in PARAMS order, instead of the distribution's own)."""
    values = dist.params if params is None else params
    found = [b if isinstance(b, float) else values[dist.PARAMS.index(b)] for b in _SUPPORTS[type(dist).__name__]]
    return [None if isinstance(v, str) else float(v) if isinstance(v, (int, float)) else v for v in found]


def _outside(p_bounds: list[Any], q_bounds: list[Any]) -> Any:
    """Where p's support [lo, hi] is not inside q's (False, True or a bool tensor); a bound not known (None) is
    finite: it is outside only against ∓∞ on p's side."""
    (lo_p, hi_p), (lo_q, hi_q) = p_bounds, q_bounds
    low = lo_p == -_INF if lo_q is None else False if lo_p is None else torch.as_tensor(lo_p) < torch.as_tensor(lo_q)
    high = hi_p == _INF if hi_q is None else False if hi_p is None else torch.as_tensor(hi_p) > torch.as_tensor(hi_q)
    return torch.as_tensor(low) | torch.as_tensor(high)


def _support_text(bounds: list[Any]) -> str:
    def text(b: Any) -> str:
        if b is None:
            return "a parameter"
        if isinstance(b, torch.Tensor) and b.numel() != 1:
            return "an array parameter"
        return {-_INF: "-∞", _INF: "∞"}.get(float(b), f"{float(b):g}")
    return f"[{text(bounds[0])}, {text(bounds[1])}]"


def check_supports(p: Distribution, q: Distribution, p_params: list[Any], q_params: list[Any],
                   where: Callable[[], str]) -> None:
    """DataError when the parameters of this call put p's support outside q's (KL(p ‖ q) is infinite): checked
    before drawing, so the estimate never depends on whether the draws happened to land inside q's support."""
    if type(p).__name__ not in _SUPPORTS or type(q).__name__ not in _SUPPORTS or None not in (*_bounds(p), *_bounds(q)):
        return  # constant supports: checked when the layer was made (support_mismatch)
    bp, bq = _bounds(p, p_params), _bounds(q, q_params)
    bad = _outside(bp, bq)
    if no_values(bad) or not bool(bad.any()):  # meta: shapes without values (called untraced only)
        return
    (bp, bq), at = _first_outside_bounds(bp, bq, bad)
    port = _bound_port(p, q, bp, bq)
    header = f"{where()}: p = {p!r} has support {_support_text(bp)}"
    tail = (f", which is not inside the support {_support_text(bq)} of q = {q!r}, so KL(p ‖ q) is infinite for these "
            f"parameter values")
    facts = {"kind": "support", "port": port, "expected": _support_text(bq), "found": _support_text(bp)}
    if not at:
        raise DataError(header + tail, **facts)
    raise located_error([Where(at[0], at[1:])], lambda wheres: f"{header} at {wheres[0].by_example()}{tail}",
                        **facts)  # a map names the example and element, as the random layers'


def _bound_port(p: Distribution, q: Distribution, bp: list[Any], bq: list[Any]) -> str | None:
    """The port whose values put p's support ``bp`` outside q's ``bq`` (the bounds at one position): the one setting
    p's bound that lies outside, else q's bound it passes; None when constants set both."""
    side = 0 if bool(_outside([bp[0], -_INF], [bq[0], _INF])) else 1  # the lower bounds, else the upper ones
    for dist in (p, q):
        name = _SUPPORTS[type(dist).__name__][side]
        value = dist.params[dist.PARAMS.index(name)] if isinstance(name, str) else None
        if isinstance(value, str):
            return slot_name(value)
    return None


def _first_outside_bounds(bp: list[Any], bq: list[Any], bad: torch.Tensor) -> tuple[list[list[Any]], tuple]:
    """The four bounds at the first position where p's support is outside q's, and that position."""
    at = tuple(bad.nonzero()[0].tolist()) if bad.dim() else ()
    pick = [[b.broadcast_to(bad.shape)[at] if isinstance(b, torch.Tensor) and at else b for b in bs] for bs in (bp, bq)]
    return pick, at


def support_mismatch(p: Distribution, q: Distribution) -> tuple[str, str, str] | None:
    """(why, q's support, p's support) when KL(p ‖ q) is infinite or undefined whatever the parameters (p's support
    not inside q's), else None: the supports as intervals, or in words where they differ in kind.

    Supports set by '#slot' parameters are checked at run time (``check_supports``, a DataError).
    """
    name_p, name_q = type(p).__name__, type(q).__name__
    if p.discrete != q.discrete:
        kinds = {True: "discrete (a mass function)", False: "continuous (a density)"}
        return (f"p = {name_p} is {kinds[p.discrete]} but q = {name_q} is {kinds[q.discrete]}: no KL divergence "
                f"exists", kinds[q.discrete], kinds[p.discrete])
    vector_p, vector_q = isinstance(p, VectorDistribution), isinstance(q, VectorDistribution)
    if vector_p != vector_q:
        kinds = {True: "a distribution over vectors or classes (one value per event)",
                 False: "univariate (one value per element)"}
        return (f"p = {name_p} is {kinds[vector_p]} but q = {name_q} is {kinds[vector_q]}: KL(p ‖ q) compares "
                "distributions of the same kind of value", kinds[vector_q], kinds[vector_p])
    if vector_p:
        sp, sq = _VECTOR_SUPPORTS.get(name_p), _VECTOR_SUPPORTS.get(name_q)
        if sp and sq and sp != sq:
            return (f"p = {name_p} has support {sp} but q = {name_q} has support {sq}: the two have no common "
                    "density, so no KL divergence exists", sq, sp)
        return None
    if name_p not in _SUPPORTS or name_q not in _SUPPORTS:
        return None
    bp, bq = _bounds(p), _bounds(q)
    bad = _outside(bp, bq)
    if bool(bad.any()):
        (bp, bq), _ = _first_outside_bounds(bp, bq, bad)
        return (f"p = {name_p} has support {_support_text(bp)}, which is not inside the support "
                f"{_support_text(bq)} of q = {name_q}: KL(p ‖ q) is infinite", _support_text(bq), _support_text(bp))
    return None


# -- Monte Carlo ----------------------------------------------------------------------------------------------
def _offset_from(q: Distribution, q_params: list[Any], z: torch.Tensor, shift: Any) -> tuple[torch.Tensor, list[Any]]:
    """(the draw z + shift as an offset from q's location, q's parameters at location 0): the offset is computed
    before rounding, so a draw at q's own location (p's, say) keeps its distance from it."""
    origin, location = q.at_origin(q_params)
    if location is None:
        return (z if shift is None else z + shift), q_params
    return (z - location if shift is None else z + (shift - location)), origin


def monte_carlo_kl(p: Distribution, q: Distribution, p_params: list[Any], q_params: list[Any], shape: tuple,
                   samples: int, where: Callable[[], str]) -> torch.Tensor:
    """An unbiased estimate of KL(p ‖ q) per example, shape ``(batch,)``: the mean over ``samples`` draws
    x ~ p of Σ (log p(x) − log q(x)) over the non-batch dims. ``shape`` is ``(batch, *elements)``; a vector
    distribution draws one event per element (log p and log q are per event).

    Draws use p's default estimator. For score-function draws the layer adds its own surrogate (the
    integrand log p − log q is known here), with a leave-one-out baseline over the samples when there are
    two or more: the value is unchanged and the gradient is unbiased without help from the loss.
    """
    traced = tracing()  # checks of the data run in eager calls only
    if not traced:
        check_supports(p, q, p_params, q_params, where)
        check_certain_q(p, q, p_params, q_params, where)
    estimator = p.ESTIMATORS[0]
    drawn = (samples, *shape)  # all samples at once: the parameters broadcast over the leading sample dim
    origin, shift = p.at_origin(p_params)  # drawn at location 0 and scored there: the shift may round it away
    differentiable = torch.is_grad_enabled() and estimator in ("pathwise", "implicit", "none")
    with torch.set_grad_enabled(differentiable):
        drawn_at = origin if differentiable or not symbolic_tracing() else _detached(origin)
        z, log_z = drawn_with_log(p, drawn_at, drawn)  # a log-space draw is scored from its log
    x = z if shift is None else z + shift
    logp = log_prob_of_draw(p, z, origin, log_z).unsqueeze(-1).flatten(2)  # (samples, batch, elements), batch 0 too
    at_q, q_origin = _offset_from(q, q_params, z, shift)  # z itself, or an offset that log_z is not the log of
    logq = log_prob_of_draw(q, at_q, q_origin, log_z if at_q is z else None).unsqueeze(-1).flatten(2)
    if not no_values(logq) and not all_finite(logq.detach()):
        drew, at = _first_outside(x, logq, shape)
        shown = f"{drew:g}" if isinstance(drew, float) else str(list(drew))
        head, tail = f"{where()}: a draw from p = {p!r} at ", (f" lies outside the support of q = {q!r} (it drew "
                                                               f"{shown}), so KL(p ‖ q) is infinite for these parameter "
                                                               f"values")
        ports = set(p.slots) | set(q.slots)  # one port: its values put the draw there (the rest are constants)
        raise located_error([at], lambda wheres: f"{head}{wheres[0].by_example()}{tail}", kind="support",
                            port=next(iter(ports)) if len(ports) == 1 else None,
                            expected=f"a value in the support of q = {q!r}", found=drew)
    if not traced:  # no draw landed in a class q gives 0 and p does not: the estimate is finite, KL is not
        check_classes(p, q, p_params, q_params, where)
    value = (logp - logq).sum(2)  # (samples, batch)
    estimate = value.mean(0)
    if estimator != "score_function" or not torch.is_grad_enabled():
        return estimate
    score = logp.sum(2)
    advantage = value.detach()
    if samples >= 2:
        advantage = advantage - (advantage.sum(0) - advantage) / (samples - 1)
    return estimate + (advantage * (score - score.detach())).mean(0)


def closed_form_kl(fn: Callable[[Params, Params], torch.Tensor], p: Distribution, q: Distribution,
                   p_params: list[Any], q_params: list[Any], where: Callable[[], str],
                   shape: tuple | None = None, checks: bool = True) -> torch.Tensor:
    """KL(p ‖ q) by its closed form ``fn`` (elementwise, or per event), refused as the Monte Carlo estimate refuses it
    where q draws one value only and p puts mass elsewhere, and wherever else it is infinite (the true value, or an
    overflow of the dtype: an error, as every infinite KL is), at its place in ``shape`` (batch, ...) the layer's
    output broadcasts to; traced, or with ``checks`` False (``compile(checks=False)``), nothing is checked and the
    device is never synced. Each refusal is where the value is infinite or NaN (a parameter outside its support, such
    as a Bernoulli p of 1.5 against a certain q), so one device sync (is every value finite?) decides whether to look
    for them. The parameters are tensors, but numbers a ``NUMBER_FORMS`` form takes as they are (``KLModule``'s)."""
    kl = fn(p_params, q_params)
    if checks and not no_values(kl) and not all_finite(kl.detach()):  # traced: no dead ops in the graph
        check_certain_q(p, q, p_params, q_params, where, kl)
        check_classes(p, q, p_params, q_params, where)
        check_finite(kl, p, q, shape, where)
    return kl


def _detached(params: list[Any]) -> list[Any]:
    """The parameters cut from autograd: torch.fx records no grad mode, so a traced draw that must not be
    differentiated takes its parameters detached."""
    return [v.detach() if is_tensor(v) else v for v in params]


def _first_outside(x: torch.Tensor, logq: torch.Tensor, shape: tuple) -> tuple[float | tuple[float, ...], Where]:
    """The first draw (a number, or an event's vector rounded to 4 places) where log q (samples, batch, elements) is
    not finite, and where it is (its example, and its index among the elements of ``shape`` = (batch, ...))."""
    i = int((~torch.isfinite(logq.reshape(-1))).nonzero()[0])
    events = x.reshape(logq.numel(), -1)[i]
    _, example, element = (int(k) for k in torch.unravel_index(torch.tensor(i), logq.shape))
    rest = tuple(int(k) for k in torch.unravel_index(torch.tensor(element), shape[1:])) if shape[1:] else ()
    drew = float(events[0]) if events.numel() == 1 else tuple(round(float(v), 4) for v in events)
    return drew, Where(example, rest)


def describe_estimate(method: str, samples: int) -> str:
    """'closed form' or 'Monte Carlo, 4 samples', for reprs, diagrams and information()."""
    return "closed form" if method == "closed_form" else f"Monte Carlo, {samples} sample{'s' * (samples != 1)}"
