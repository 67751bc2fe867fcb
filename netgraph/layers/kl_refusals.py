"""Where KL(p ‖ q) is infinite for discrete p and q: q certain (one value only) where p is not, or at another value;
a Categorical q of a class of probability 0 where p's is above 0; and any closed form's infinite value. Each is a
support DataError at its first example and element (``netgraph.layers.kl`` calls them), or, for constant
parameters, the reason to refuse the layer when it is made (``certain_q_mismatch``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.tracing import no_values
from netgraph.layers.bad_index import Where, located_error
from netgraph.layers.dist_base import Distribution, slot_name
from netgraph.layers.dist_vector import VectorDistribution

__all__ = ["certain_q_mismatch", "check_certain_q", "check_classes", "check_finite"]

_INF = float("inf")


def _certain(dist: Distribution, params: list[Any]) -> torch.Tensor | None:
    """Where every draw of ``dist`` is one value (a Poisson of mean 0, a probability of 0 or 1, no trials, imin =
    imax), a bool tensor; None for a distribution that never is."""
    name = type(dist).__name__
    if name == "DiscreteUniformDistribution":
        return torch.as_tensor(params[0]).detach() == torch.as_tensor(params[1]).detach()
    certain = getattr(dist, "certain", None)
    found = certain(params) if dist.discrete and certain is not None else None
    if name == "BinomialDistribution" and found is not None:
        found = found | (torch.as_tensor(params[0]).detach() == 0)
    return found


def check_certain_q(p: Distribution, q: Distribution, p_params: list[Any], q_params: list[Any],
                     where: Callable[[], str], kl: torch.Tensor | None = None) -> None:
    """DataError where q draws one value only but p does not (KL(p ‖ q) is infinite): checked before drawing, as
    ``check_supports``, since p's draws may all land on q's value by chance (where both are certain, at other values,
    the draws' own check names them; for a closed form, its value ``kl``, infinite there, does)."""
    certain_q = _certain(q, q_params)
    if certain_q is None or no_values(certain_q) or not bool(certain_q.any()):
        return
    certain_p = _certain(p, p_params)
    bad = certain_q if certain_p is None else certain_q & ~certain_p
    if bool(bad.any()):
        _refuse_at(bad, p, q, lambda at: f"{where()}: p = {p!r} draws more than one value{at}, but q = {q!r} draws one "
                   f"value only{' there' * bool(at)}{_INFINITE}", ("p certain where q is", "p not certain"))
    if kl is not None and bool((other := certain_q & (kl == _INF)).any()):
        _refuse_at(other, p, q, lambda at: f"{where()}: p = {p!r} draws one value only{at}, but q = {q!r} draws another "
                   f"value{' there' * bool(at)}{_INFINITE}", ("p certain at q's value", "p certain at another value"))


_INFINITE = ", so KL(p ‖ q) is infinite for these parameter values"


def _refuse_at(bad: torch.Tensor, p: Distribution, q: Distribution, text: Callable[[str], str],
               compared: tuple[str, str]) -> None:
    """The support DataError at the first position of ``bad`` (batch, ...), naming its example and element: ``text``
    of " at example 0, index (1,)", or of "" where ``bad`` has no dims."""
    at = tuple(bad.nonzero()[0].tolist()) if bad.dim() else ()
    ports = [slot_name(v) for v in (*p.params, *q.params) if isinstance(v, str)]
    facts = {"kind": "support", "port": ports[0] if len(ports) == 1 else None, "expected": compared[0],
             "found": compared[1]}
    if not at:
        raise DataError(text(""), **facts)
    raise located_error([Where(at[0], at[1:])], lambda wheres: text(f" at {wheres[0].by_example()}"), **facts)


def check_classes(p: Distribution, q: Distribution, p_params: list[Any], q_params: list[Any],
                   where: Callable[[], str]) -> None:
    """The support DataError where a Categorical q gives a class probability 0 and p does not (KL(p ‖ q) is infinite),
    naming the class: for the closed form, whose value there is inf."""
    if not type(p).__name__ == type(q).__name__ == "CategoricalDistribution":
        return
    a, b = (torch.as_tensor(v[0]).detach() for v in (p_params, q_params))
    bad = (a > 0) & (b == 0)
    if no_values(bad) or not bool(bad.any()):
        return
    k = int(bad.reshape(-1, bad.shape[-1]).any(0).nonzero()[0])  # a class where it happens
    _refuse_at(bad[..., k], p, q, lambda at: f"{where()}: p = {p!r} gives class {k} a probability above 0{at}, but "
               f"q = {q!r} gives it 0{' there' * bool(at)}{_INFINITE}", (f"q's class {k} above 0", "0"))


def check_finite(kl: torch.Tensor, p: Distribution, q: Distribution, shape: tuple | None,
                  where: Callable[[], str]) -> None:
    """The support DataError where a closed form's value is ±∞ (q puts no mass where p does, such as a Categorical
    class of probability 0, or the value overflows its dtype), at its first place in ``shape`` (batch, ...)."""
    bad = torch.isinf(kl.detach())
    if no_values(bad) or not bool(bad.any()):
        return
    bad = bad if shape is None else bad.expand(shape)
    _refuse_at(bad, p, q, lambda at: f"{where()}: the closed form of KL(p ‖ q) for p = {p!r} and q = {q!r} is "
               f"infinite{at} (q puts no mass where p does, or the value is too large for {str(kl.dtype).removeprefix('torch.')}), so it is refused "
               "for these parameter values", ("a finite KL(p ‖ q)", "inf"))


def certain_q_mismatch(p: Distribution, q: Distribution) -> tuple[str, str, str] | None:
    """(why, expected, found) where both have constant parameters and q draws one value only but p does not, or p
    another one only (KL(p ‖ q) is infinite, by either method): ``_check_certain_q``, decided when the layer is made.

    >>> from netgraph.layers.dist_discrete import BernoulliDistribution as B
    >>> certain_q_mismatch(B(0.3), B(0.0))[1:], certain_q_mismatch(B(0.0), B(0.0)), certain_q_mismatch(B(0.3), B(0.5))
    (('p certain where q is', 'p not certain'), None, None)
    >>> certain_q_mismatch(B(1.0), B(0.0))[1:]
    ("p certain at q's value", 'p certain at another value')
    """
    if p.slots or q.slots or not (p.discrete and q.discrete):
        return None
    certain_q = _certain(q, list(q._values("kl", ())))
    if certain_q is None or not bool(certain_q.all()):
        return None
    certain_p = _certain(p, list(p._values("kl", ())))
    if certain_p is not None and bool(certain_p.all()):
        if _same_values(p, q):
            return None  # KL 0
        return (f"p = {p!r} draws one value only and q = {q!r} another: KL(p ‖ q) is infinite",
                "p certain at q's value", "p certain at another value")
    return (f"q = {q!r} draws one value only but p = {p!r} draws more: KL(p ‖ q) is infinite",
            "p certain where q is", "p not certain")


def _same_values(p: Distribution, q: Distribution) -> bool:
    """Whether p and q, each certain everywhere, draw the same value everywhere: the class of probability above 0, or
    the mean."""
    if isinstance(p, VectorDistribution):
        ones = [torch.as_tensor(d._values("kl", ())[0]) > 0 for d in (p, q)]
    else:
        ones = [torch.as_tensor(d.mean()) for d in (p, q)]
    return bool((ones[0] == ones[1]).all())
