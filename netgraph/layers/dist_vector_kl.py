"""Closed-form KL divergences KL(p ‖ q) between vector distributions, keyed by their class names.

``KL_CLOSED_FORMS[(name_p, name_q)](p_params, q_params)`` takes each distribution's parameters as
tensors in Wolfram order (those ``RandomArrayLayer`` passes to ``log_prob``), broadcasts them over
their leading dims and returns one KL per event (the event dims summed). Covered: every pair of the
three Multinormal forms (full, Cholesky, diagonal covariance), Categorical–Categorical and
Dirichlet–Dirichlet.

>>> import torch
>>> kl = KL_CLOSED_FORMS[("MultinormalDiagonalDistribution", "MultinormalDiagonalDistribution")]
>>> float(kl([torch.zeros(2), torch.ones(2)], [torch.zeros(2), torch.ones(2)]))
0.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import torch

from netgraph.layers.dist_tensors import promoted, xlogx, xlogy
from netgraph.layers.dist_multivariate import (MultinormalCholeskyDistribution, MultinormalDiagonalDistribution,
                                               MultinormalDistribution, _Multinormal)

__all__ = ["KL_CLOSED_FORMS"]

Params = Sequence[torch.Tensor]
_MULTINORMALS = (MultinormalDistribution, MultinormalCholeskyDistribution, MultinormalDiagonalDistribution)


def _factor(cls: type[_Multinormal], params: Params) -> torch.Tensor:
    """The Cholesky factor L (..., k, k) of a multinormal given in ``cls``'s form."""
    scale = cls.scale(list(params))
    return torch.diag_embed(scale) if cls is MultinormalDiagonalDistribution else scale


def _kl_diagonal(p: Params, q: Params) -> torch.Tensor:
    (mu_p, sigma_p), (mu_q, sigma_q) = p, q
    ratio = (sigma_p / sigma_q) ** 2
    return 0.5 * (ratio + ((mu_q - mu_p) / sigma_q) ** 2 - 1 - ratio.log()).sum(-1)


def _kl_multinormal(cls_p: type[_Multinormal], cls_q: type[_Multinormal], p: Params, q: Params) -> torch.Tensor:
    """½[tr(Σq⁻¹Σp) + (μq−μp)ᵀΣq⁻¹(μq−μp) − k + log det Σq − log det Σp], through the Cholesky factors."""
    both = promoted([*p, *q])  # torch's triangular solve does not promote float32 beside float64
    p, q = both[:len(p)], both[len(p):]
    if cls_p is cls_q is MultinormalDiagonalDistribution:
        return _kl_diagonal(p, q)
    return _kl_factors(_factor(cls_p, p), _factor(cls_q, q), (q[0] - p[0]).unsqueeze(-1))


@torch.fx.wrap  # a call in fx's graph: torch.broadcast_shapes takes sizes, not fx's proxies of them
def _kl_factors(l_p: torch.Tensor, l_q: torch.Tensor, diff: torch.Tensor) -> torch.Tensor:
    """The multinormal KL from the Cholesky factors L_p, L_q (..., k, k) and μq − μp (..., k, 1)."""
    batch = torch.broadcast_shapes(l_p.shape[:-2], l_q.shape[:-2], diff.shape[:-2])
    k = l_q.shape[-1]
    l_q = l_q.expand(*batch, k, k)
    m = torch.linalg.solve_triangular(l_q, l_p.expand(*batch, k, k), upper=False)
    z = torch.linalg.solve_triangular(l_q, diff.expand(*batch, k, 1), upper=False)
    log_det = 2 * (l_q.diagonal(dim1=-2, dim2=-1).log() - l_p.diagonal(dim1=-2, dim2=-1).log()).sum(-1)
    return 0.5 * ((m ** 2).sum((-2, -1)) + (z ** 2).sum((-2, -1)) - k + log_det)


def _kl_categorical(p: Params, q: Params) -> torch.Tensor:
    """Σ p_i (log p_i − log q_i) of the normalised vectors (0 where p_i = 0, inf where only q_i = 0); its gradient in
    p_i at p_i = 0 (exactly −∞) is finite and negative, as the Bernoulli KL's (``xlogx``)."""
    a, b = p[0] / p[0].sum(-1, keepdim=True), q[0] / q[0].sum(-1, keepdim=True)
    return (xlogx(a) - xlogy(a, b)).sum(-1)


def _kl_dirichlet(p: Params, q: Params) -> torch.Tensor:
    """log Γ(α0) − Σ log Γ(α) − log Γ(β0) + Σ log Γ(β) + Σ (α − β)(ψ(α) − ψ(α0))."""
    (alpha,), (beta,) = p, q
    a0, b0 = alpha.sum(-1), beta.sum(-1)
    return (torch.lgamma(a0) - torch.lgamma(alpha).sum(-1) - torch.lgamma(b0) + torch.lgamma(beta).sum(-1)
            + ((alpha - beta) * (torch.digamma(alpha) - torch.digamma(a0).unsqueeze(-1))).sum(-1))


KL_CLOSED_FORMS: dict[tuple[str, str], Callable[[Params, Params], torch.Tensor]] = {
    **{(a.__name__, b.__name__): functools.partial(_kl_multinormal, a, b) for a in _MULTINORMALS for b in _MULTINORMALS},
    ("CategoricalDistribution", "CategoricalDistribution"): _kl_categorical,
    ("DirichletDistribution", "DirichletDistribution"): _kl_dirichlet,
}
