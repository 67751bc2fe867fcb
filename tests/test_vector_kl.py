"""Closed-form KL divergences of vector distributions: against torch.distributions and a Monte Carlo estimate.

The Monte Carlo estimate of E_p[log p(x) − log q(x)] uses our own draws and log-densities (200k draws,
fixed seed); the closed form must lie within 5 standard errors of it, and the standard error must be
small next to the KL so the check has power.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributions as td

from netgraph import (CategoricalDistribution, DirichletDistribution, MultinormalCholeskyDistribution,
                      MultinormalDiagonalDistribution, MultinormalDistribution)
from netgraph.layers.dist_vector_kl import KL_CLOSED_FORMS

SIGMA_P = torch.tensor([[2.0, 0.6, -0.4], [0.6, 1.0, 0.3], [-0.4, 0.3, 1.5]], dtype=torch.float64)
SIGMA_Q = torch.tensor([[1.0, -0.2, 0.1], [-0.2, 0.8, 0.0], [0.1, 0.0, 2.5]], dtype=torch.float64)
MU_P = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
MU_Q = torch.tensor([0.0, -0.5, 1.0], dtype=torch.float64)
STD_P = torch.tensor([0.5, 1.2, 2.0], dtype=torch.float64)
STD_Q = torch.tensor([1.0, 0.7, 1.5], dtype=torch.float64)


def multinormal(cls, mu, sigma):
    """(parameters in cls's form, the torch MultivariateNormal) for covariance ``sigma``."""
    if cls is MultinormalDiagonalDistribution:
        std = sigma.diagonal().sqrt()
        return [mu, std], td.MultivariateNormal(mu, covariance_matrix=torch.diag(std ** 2))
    second = sigma if cls is MultinormalDistribution else torch.linalg.cholesky(sigma)
    return [mu, second], td.MultivariateNormal(mu, covariance_matrix=sigma)


FORMS = (MultinormalDistribution, MultinormalCholeskyDistribution, MultinormalDiagonalDistribution)
PAIRS = [(a, b) for a in FORMS for b in FORMS]


def cases():
    """(name p, params p, torch p, name q, params q, torch q) for every key of KL_CLOSED_FORMS."""
    out = []
    for a, b in PAIRS:
        pa, ta = multinormal(a, MU_P, SIGMA_P if a is not MultinormalDiagonalDistribution else torch.diag(STD_P ** 2))
        pb, tb = multinormal(b, MU_Q, SIGMA_Q if b is not MultinormalDiagonalDistribution else torch.diag(STD_Q ** 2))
        out.append((a, pa, ta, b, pb, tb))
    p, q = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64), torch.tensor([0.4, 0.3, 0.2, 0.1], dtype=torch.float64)
    out.append((CategoricalDistribution, [p], td.Categorical(p), CategoricalDistribution, [q], td.Categorical(q)))
    alpha, beta = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64), torch.tensor([1.0, 1.0, 4.0], dtype=torch.float64)
    out.append((DirichletDistribution, [alpha], td.Dirichlet(alpha), DirichletDistribution, [beta], td.Dirichlet(beta)))
    return out


CASES = cases()
IDS = [f"{a.__name__[:-12]}-{b.__name__[:-12]}" for a, _, _, b, _, _ in CASES]


def test_every_closed_form_is_tested():
    assert {(a.__name__, b.__name__) for a, _, _, b, _, _ in CASES} == set(KL_CLOSED_FORMS)


def slotted(cls):
    return cls(*(f"#{name}" for name in cls.PARAMS))


@pytest.mark.parametrize("cls_p,params_p,torch_p,cls_q,params_q,torch_q", CASES, ids=IDS)
def test_closed_form_matches_torch_and_a_monte_carlo_estimate(cls_p, params_p, torch_p, cls_q, params_q, torch_q):
    kl = KL_CLOSED_FORMS[(cls_p.__name__, cls_q.__name__)](params_p, params_q)
    assert kl.shape == ()
    torch.testing.assert_close(kl, td.kl_divergence(torch_p, torch_q))
    torch.manual_seed(6)
    n = 200_000
    p, q = slotted(cls_p), slotted(cls_q)
    x = p.rsample(params_p, (n,))
    ratio = p.log_prob(x, params_p) - q.log_prob(x, params_q)
    se = ratio.std() / math.sqrt(n)
    assert abs(float(ratio.mean() - kl)) < 5 * float(se), (float(ratio.mean()), float(kl), float(se))
    assert float(se) < 0.05 * float(kl)


@pytest.mark.parametrize("key", sorted(KL_CLOSED_FORMS))
def test_closed_forms_broadcast_over_leading_dims_and_vanish_for_equal_distributions(key):
    case = next(c for c in CASES if (c[0].__name__, c[3].__name__) == key)
    params_p, params_q = case[1], case[4]
    batched = [p.expand(2, 5, *p.shape) for p in params_p]  # p over (2, 5), q shared
    kl = KL_CLOSED_FORMS[key](batched, params_q)
    assert kl.shape == (2, 5)
    torch.testing.assert_close(kl, KL_CLOSED_FORMS[key](params_p, params_q).expand(2, 5))
    same = KL_CLOSED_FORMS[(key[0], key[0])](params_p, params_p)
    torch.testing.assert_close(same, torch.zeros((), dtype=torch.float64), atol=1e-12, rtol=0)


def test_kl_gradients_match_torch():
    """The closed forms are differentiable in both distributions' parameters (for a KL term in a loss)."""
    ours = [t.clone().requires_grad_() for t in (MU_P, STD_P, MU_Q, STD_Q)]
    theirs = [t.clone().requires_grad_() for t in (MU_P, STD_P, MU_Q, STD_Q)]
    KL_CLOSED_FORMS[("MultinormalDiagonalDistribution", "MultinormalDistribution")](
        ours[:2], [ours[2], torch.diag(ours[3] ** 2)]).backward()
    td.kl_divergence(td.Independent(td.Normal(theirs[0], theirs[1]), 1),
                     td.Independent(td.Normal(theirs[2], theirs[3]), 1)).backward()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.grad, b.grad)
