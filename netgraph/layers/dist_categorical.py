"""CategoricalDistribution(p): one of k classes, class i with probability p_i.

Wolfram's ``CategoricalDistribution[{c1, …, ck}, {p1, …, pk}]`` draws the categories c_i; here the
categories are the class **indices counted from 0** (0 … k−1), netgraph's convention for class indices
(``CrossEntropyLossLayer("Index")`` targets, ``EmbeddingLayer`` inputs), so a draw feeds either directly.
p must lie in [0, 1] and sum to 1 within ``sum_tolerance`` (e.g. a ``SoftmaxLayer``'s output, in any dtype); the
distribution is that of p/Σp, so the gradients are those of a probability vector.

What ``RandomArrayLayer`` outputs depends on the estimator (p has shape (..., k)):

* ``"score_function"`` (default): class indices, dtype Integer, shape (...) (no class dim). The gradient
  to p comes from the surrogate term (leave-one-out baseline, see ``netgraph.layers.estimators``).
* ``"straight_through"`` (biased, opt-in): one-hot vectors (..., k), Real; backward passes the gradient
  of the mean p/Σp.
* ``"relaxed"`` (biased, opt-in): Gumbel-softmax (Concrete) vectors (..., k) in the simplex,
  softmax((log p + Gumbel noise)/temperature); differentiable, one-hot as temperature → 0. Their
  density is ``relaxed_log_prob`` (``log_prob`` is the log-mass of class indices or one-hot vectors).

``mean()`` and ``variance()`` are those of the one-hot vector: p and p(1−p).

>>> CategoricalDistribution([0.25, 0.25, 0.5]).variance().tolist()
[0.1875, 0.1875, 0.25]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from netgraph.core.types import INTEGER, REAL
from netgraph.layers.bad_index import piece
from netgraph.layers.dist_base import noise
from netgraph.layers.dist_constraints import UNIT
from netgraph.layers.dist_tensors import tiny_of
from netgraph.layers.dist_vector import ValueProblem, VectorDistribution

__all__ = ["CategoricalDistribution", "SUM_TOLERANCE", "sum_tolerance"]

#: Probabilities must sum to 1 within at least this (absolute) tolerance: float32 softmax outputs are within ~1e-6.
SUM_TOLERANCE = 1e-4


def sum_tolerance(dtype: torch.dtype) -> float:
    """How far from 1 the sum (taken in float64) of probabilities of ``dtype`` may be: at least ``SUM_TOLERANCE``,
    and 4 eps of the dtype. Normalised in it, each p_i is rounded (at most eps/2 of it: eps/2 in all) and so is the
    denominator (eps/2 more: torch sums half types in float32, so the count of classes adds nothing); a bfloat16
    softmax or x / sum(x) of 3 to 10000 classes measured within 0.75 eps. A bfloat16 softmax may sum to 0.996.

    >>> sum_tolerance(torch.float32), sum_tolerance(torch.bfloat16), sum_tolerance(torch.float16)
    (0.0001, 0.03125, 0.00390625)
    """
    return max(SUM_TOLERANCE, 4 * torch.finfo(dtype).eps)


def _normalized(p: torch.Tensor) -> torch.Tensor:
    return p / p.sum(-1, keepdim=True)


@torch.fx.wrap  # a call in fx's graph: x's dtype says which form it has, read when the graph runs
def _log_mass(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    total = p.sum(-1)
    if x.is_floating_point():  # one-hot vectors
        return (x * torch.log(p + torch.finfo(p.dtype).tiny)).sum(-1) - total.log()
    index = x.long().unsqueeze(-1)
    picked = p.expand(*x.shape, p.shape[-1]).gather(-1, index).squeeze(-1)  # log after gather: no 0·inf
    return picked.log() - total.log()


class CategoricalDistribution(VectorDistribution):
    """CategoricalDistribution(p): class index i (0-based) with probability p_i; p (k,) sums to 1.

    >>> import torch
    >>> CategoricalDistribution([0.2, 0.3, 0.5]).log_prob(torch.tensor(2))  # log p_2
    tensor(-0.6931, dtype=torch.float64)
    """

    PARAMS = ("p",)
    CONSTRAINTS = {"p": UNIT}
    ROLES = {"p": "class probabilities"}
    PARAM_EVENT_RANKS = {"p": 1}
    ESTIMATORS = ("score_function", "straight_through", "relaxed")
    BAD_VALUE_HINT = "fix the layer feeding it (e.g. end it with a SoftmaxLayer)"
    discrete = True

    def draw_event_rank(self, estimator: str) -> int:
        return 0 if estimator == "score_function" else 1

    def certain(self, params: Sequence[Any]) -> torch.Tensor:
        """Where every draw is the same class (the only one of probability above 0: p need only sum to 1 within
        ``sum_tolerance``, so a class of 5e-5 beside 1.0 can still be drawn), as the discrete distributions'
        ``certain``: no estimator from the draws is unbiased there, and the surrogate scores them 0.

        >>> CategoricalDistribution("#p").certain([torch.tensor([[0.0, 1.0], [0.3, 0.7], [1.0, 5e-5]])]).tolist()
        [True, False, False]
        """
        return (torch.as_tensor(params[0]).detach() > 0).sum(-1) == 1

    def draw_dtype(self, estimator: str) -> str:
        return INTEGER if estimator == "score_function" else REAL

    def value_problems(self, values: Mapping[str, torch.Tensor], at_ports: bool = True) -> list[ValueProblem]:
        p = values.get("p")
        if p is None or not p.numel():
            return []
        totals = p.detach().sum(-1, dtype=torch.float64)  # the check's own sum adds no rounding of p's dtype
        error, tolerance = (totals - 1).abs(), sum_tolerance(p.dtype)
        if not bool((error <= tolerance).all()):
            flat = int(torch.argmax(torch.nan_to_num(error, nan=torch.inf)).reshape(-1)[0]) if error.dim() else 0
            total = float(totals.reshape(-1)[flat])
            index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), error.shape)) if error.dim() else None
            message = piece(f"parameter p (class probabilities) must sum to 1 (within {tolerance:g}), found a sum of "
                            f"{total:.6g}" + (" (at " if index else ""), index, ")" if index else "")
            return [ValueProblem(message, "p", f"a sum of 1 (within {tolerance:g})", total)]
        return []

    def rsample(self, params: Sequence[Any], shape: tuple) -> torch.Tensor:
        """Class indices of ``shape`` (no gradient: see the estimators)."""
        (p,) = params
        probs = p.detach().expand(*shape, p.shape[-1])
        return torch.multinomial(probs.reshape(-1, p.shape[-1]), 1).reshape(shape)

    def encode_draw(self, x: torch.Tensor, params: Sequence[Any], estimator: str) -> torch.Tensor:
        if estimator == "score_function":
            return x
        return F.one_hot(x, params[0].shape[-1]).to(params[0].dtype)

    def relaxed(self, params: Sequence[Any], shape: tuple, temperature: float) -> torch.Tensor:
        """A Gumbel-softmax draw (*shape, k): softmax((log p + G)/τ), G standard Gumbel, differentiable in p."""
        (p,) = params
        u = noise((*shape, p.shape[-1]), params, "uniform")
        tiny = tiny_of(u)
        gumbel = -torch.log(-torch.log(u.clamp(min=tiny)))
        log_p = torch.log(_normalized(p) + tiny)
        return torch.softmax((log_p + gumbel) / temperature, -1)

    def _log_prob(self, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
        """log p_x of class indices x (...) (or Σ x_i log p_i of one-hot vectors x (..., k)): one number per event."""
        return _log_mass(x, params[0])  # a vector parameter is always a tensor

    def relaxed_log_prob(self, y: torch.Tensor, params: Sequence[Any], temperature: float) -> torch.Tensor:
        """The Concrete (Gumbel-softmax) log-density of draws y (..., k), as torch's RelaxedOneHotCategorical."""
        p = params[0]
        k = y.shape[-1]
        log_y = y.clamp(min=tiny_of(y)).log()
        score = torch.log(_normalized(p) + tiny_of(p)) - temperature * log_y
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + math.lgamma(k) + (k - 1) * math.log(temperature) - log_y.sum(-1)

    def _mean(self, p: torch.Tensor) -> torch.Tensor:
        return _normalized(p)

    def _variance(self, p: torch.Tensor) -> torch.Tensor:
        m = _normalized(p)
        return m * (1 - m)

    def covariance(self, *params: Any) -> torch.Tensor:
        """The one-hot vector's covariance diag(p) − p·pᵀ."""
        return self._closed_form(self._covariance, params)

    def _covariance(self, p: torch.Tensor) -> torch.Tensor:
        m = _normalized(p)
        return torch.diag_embed(m) - m.unsqueeze(-1) * m.unsqueeze(-2)

