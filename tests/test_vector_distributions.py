"""Distributions over vectors and classes: samples against closed forms, log-densities against torch, gradients.

Statistical checks draw N events in one call (fixed seeds) and compare with a tolerance of 5 standard
errors estimated from the same draws; each asserts the standard error is small next to what is tested,
so a wrong convention or a 10% gradient bug fails. Exact values come from autograd on the closed forms
(mean, covariance) and from ``torch.distributions``.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributions as td

from netgraph import (CategoricalDistribution, DirichletDistribution, MultinormalCholeskyDistribution,
                      MultinormalDiagonalDistribution, MultinormalDistribution, NetGraph, OptionError,
                      RandomArrayLayer)
from netgraph.core.layer import frozen_init
from netgraph.layers.distributions import DISTRIBUTIONS, VectorDistribution

SIGMA = [[2.0, 0.6, -0.4], [0.6, 1.0, 0.3], [-0.4, 0.3, 1.5]]
L_FACTOR = torch.linalg.cholesky(torch.tensor(SIGMA, dtype=torch.float64)).tolist()
MU = [0.5, -1.0, 2.0]
STDS = [0.5, 1.2, 2.0]
P = [0.1, 0.2, 0.3, 0.4]

# (class, Wolfram-order parameters, draws for the gradient check)
CASES = [
    (MultinormalDistribution, (MU, SIGMA), 40_000),
    (MultinormalCholeskyDistribution, (MU, L_FACTOR), 40_000),
    (MultinormalDiagonalDistribution, (MU, STDS), 40_000),
    (DirichletDistribution, ([0.5, 2.0, 3.0],), 40_000),
    (DirichletDistribution, ([0.05, 0.3, 1.0],), 40_000),
    (CategoricalDistribution, (P,), 100_000),
]
IDS = [f"{c.__name__[:-12]}{i}" for i, (c, _, _) in enumerate(CASES)]


def test_every_vector_distribution_is_covered():
    vector = {c for c in DISTRIBUTIONS.values() if issubclass(c, VectorDistribution)}
    assert {c for c, _, _ in CASES} == vector and len(vector) == 5


def test_closed_forms_agree_with_torch_and_across_forms():
    def close(a, b):  # list parameters are float64 (as written), so are their moments
        torch.testing.assert_close(a, b, check_dtype=False)

    cov = torch.tensor(SIGMA)
    for dist in (MultinormalDistribution(MU, SIGMA), MultinormalCholeskyDistribution(MU, L_FACTOR)):
        close(dist.covariance().float(), cov)
        close(dist.variance().float(), cov.diagonal())
        close(dist.mean(), torch.tensor(MU))
    close(MultinormalDiagonalDistribution(MU, STDS).covariance(), torch.diag(torch.tensor(STDS) ** 2))
    alpha = torch.tensor([0.5, 2.0, 3.0])
    reference = td.Dirichlet(alpha)
    dirichlet = DirichletDistribution(alpha.tolist())
    close(dirichlet.mean(), reference.mean)
    close(dirichlet.variance(), reference.variance)
    close(dirichlet.covariance().diagonal(), reference.variance)
    categorical = CategoricalDistribution(P)
    close(categorical.mean(), torch.tensor(P))
    close(categorical.covariance().diagonal(), categorical.variance())


def draw(dist, n: int, estimator: str | None = None) -> torch.Tensor:
    k = len(dist.args[0])
    one_hot = dist.draw_event_rank(estimator or dist.ESTIMATORS[0]) == 1
    layer = RandomArrayLayer(dist, output=(n, k) if one_hot else n, estimator=estimator)
    with torch.no_grad():
        return NetGraph([layer], []).compile()(batch_size=1)[0]


def check_moments(x: torch.Tensor, mean: torch.Tensor, cov: torch.Tensor) -> None:
    """Sample mean and covariance entries within 5 standard errors; the covariance check has power."""
    x, mean, cov = x.double(), mean.double(), cov.double()
    n = x.shape[0]
    se_mean = (cov.diagonal() / n).sqrt()
    assert ((x.mean(0) - mean).abs() < 5 * se_mean).all(), (x.mean(0), mean, se_mean)
    centred = x - x.mean(0)
    products = centred[:, :, None] * centred[:, None, :]
    se_cov = products.std(0) / math.sqrt(n)
    assert ((products.mean(0) - cov).abs() < 5 * se_cov + 1e-9).all(), (products.mean(0), cov, se_cov)
    assert (se_cov.diagonal() < 0.05 * cov.diagonal()).all()  # a 25% variance error fails


@pytest.mark.parametrize("cls,params", [(c, p) for c, p, _ in CASES], ids=IDS)
def test_sample_mean_and_covariance_match_closed_forms(cls, params):
    torch.manual_seed(1)
    dist = cls(*params)
    estimator = "straight_through" if cls is CategoricalDistribution else None  # one-hot vectors
    check_moments(draw(dist, 200_000, estimator), dist.mean(), dist.covariance())


def test_categorical_class_indices_are_0_based_with_frequencies_p():
    torch.manual_seed(2)
    n = 200_000
    x = draw(CategoricalDistribution(P), n)
    assert x.dtype == torch.int64 and x.shape == (n,) and int(x.min()) == 0 and int(x.max()) == 3
    frequencies = torch.bincount(x, minlength=4).double() / n
    p = torch.tensor(P, dtype=torch.float64)
    assert ((frequencies - p).abs() < 5 * (p * (1 - p) / n).sqrt()).all(), frequencies


def test_relaxed_categorical_argmax_is_categorical_and_draws_lie_in_the_simplex():
    """Gumbel-max: the argmax of a Gumbel-softmax draw has exactly the class probabilities, at any temperature."""
    torch.manual_seed(3)
    n = 200_000
    layer = RandomArrayLayer(CategoricalDistribution(P), output=(n, 4), estimator="relaxed", temperature=2.0)
    y = NetGraph([layer], []).compile()(batch_size=1)[0]
    assert (y >= 0).all() and torch.allclose(y.sum(-1), torch.ones(n), atol=1e-5)
    assert float(y.max(-1).values.mean()) < 0.9  # at temperature 2 the draws are far from one-hot
    frequencies = torch.bincount(y.argmax(-1), minlength=4).double() / n
    p = torch.tensor(P, dtype=torch.float64)
    assert ((frequencies - p).abs() < 5 * (p * (1 - p) / n).sqrt()).all(), frequencies


def test_relaxed_log_density_matches_torch():
    p = torch.tensor(P, dtype=torch.float64, requires_grad=True)
    reference = td.RelaxedOneHotCategorical(torch.tensor(0.7, dtype=torch.float64), probs=p)
    y = reference.sample((6,))
    ours = CategoricalDistribution("#p").relaxed_log_prob(y, [p], 0.7)
    torch.testing.assert_close(ours, reference.log_prob(y))


def _relaxed_draw(log_p: torch.Tensor, gumbel: torch.Tensor) -> torch.Tensor:
    return torch.softmax((log_p + gumbel) / 0.5, -1)


def test_relaxed_log_density_gradient_in_a_vanishing_class_probability_grows_as_its_inverse():
    # at the draws w_j = p_j y_j^-tau = Z^tau e^-g_j, so d/dp_i = (1 - k w_i / sum_j w_j) / p_i: infinite at p_i = 0
    # (the README says so); through a softmax, p_i d/dp_i is the logit's gradient, finite
    gumbel = -torch.log(-torch.log(torch.tensor([0.3, 0.6, 0.9], dtype=torch.float64)))
    w = torch.exp(-gumbel)
    limit = float(1 - 3 * w[2] / w.sum())
    for eps in (1e-4, 1e-8):
        p = torch.tensor([0.5, 0.5 - eps, eps], dtype=torch.float64, requires_grad=True)
        CategoricalDistribution("#p").relaxed_log_prob(_relaxed_draw(p.detach().log(), gumbel), [p], 0.5).backward()
        assert abs(float(p.grad[2]) * eps - limit) < 1e-3 * abs(limit)
    logits = torch.tensor([0.0, 0.0, -30.0], dtype=torch.float64, requires_grad=True)
    y = _relaxed_draw(torch.log_softmax(logits.detach(), -1), gumbel)
    CategoricalDistribution("#p").relaxed_log_prob(y, [torch.softmax(logits, -1)], 0.5).backward()
    assert abs(float(logits.grad[2]) - limit) < 1e-6


# -- log-densities against torch.distributions ----------------------------------------------------------------
def torch_distribution(cls, t):
    """The same distribution built with torch.distributions from parameter tensors ``t``."""
    return {MultinormalDistribution: lambda: td.MultivariateNormal(t[0], covariance_matrix=t[1]),
            MultinormalCholeskyDistribution: lambda: td.MultivariateNormal(t[0], scale_tril=t[1]),
            MultinormalDiagonalDistribution: lambda: td.Independent(td.Normal(t[0], t[1]), 1),
            DirichletDistribution: lambda: td.Dirichlet(t[0]),
            CategoricalDistribution: lambda: td.Categorical(probs=t[0])}[cls]()


@pytest.mark.parametrize("cls,params", [(c, p) for c, p, _ in CASES], ids=IDS)
def test_log_prob_and_its_gradients_match_torch(cls, params):
    torch.manual_seed(4)
    ours = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    reference = torch_distribution(cls, theirs)
    x = reference.sample((6,))
    value = cls(*params).log_prob(x, ours)
    assert value.shape == (6,)
    expected = reference.log_prob(x)
    torch.testing.assert_close(value, expected)
    value.sum().backward()
    expected.sum().backward()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.grad, b.grad)
    if cls is CategoricalDistribution:  # one-hot vectors give the same log-mass
        one_hot = torch.nn.functional.one_hot(x, 4).double()
        torch.testing.assert_close(cls(*params).log_prob(one_hot, ours), expected)


def test_log_prob_broadcasts_over_leading_dims():
    mu = torch.randn(4, 1, 3, dtype=torch.float64)
    x = torch.randn(4, 5, 3, dtype=torch.float64)
    sigma = torch.tensor(SIGMA, dtype=torch.float64)
    value = MultinormalDistribution(MU, SIGMA).log_prob(x, [mu, sigma])
    torch.testing.assert_close(value, td.MultivariateNormal(mu, sigma).log_prob(x))


# -- gradients of E[f(x)] against exact derivatives of the closed forms ------------------------------------
A = [1.0, -2.0, 0.5]
B = [[1.0, 0.3, 0.0], [0.3, 2.0, -0.5], [0.0, -0.5, 0.7]]  # symmetric
TABLE = [1.0, -2.0, 0.5, 3.0]  # f(i) for the Categorical


def objective(cls, x: torch.Tensor) -> torch.Tensor:
    """Per-event f(x): a·x + xᵀBx for vectors (a quadratic reaches every moment), a table for classes."""
    if cls is CategoricalDistribution:
        return torch.tensor(TABLE)[x]
    a, b = torch.tensor(A, dtype=x.dtype), torch.tensor(B, dtype=x.dtype)
    return x @ a + ((x @ b) * x).sum(-1)


def exact_objective(cls, ts: list[torch.Tensor]) -> torch.Tensor:
    """E[f] from the closed forms: a·m + mᵀBm + tr(B·Cov) (Categorical: Σ t_i p_i / Σ p)."""
    dist = cls.__new__(cls)
    mean, cov = dist._mean(*ts), dist._covariance(*ts)
    if cls is CategoricalDistribution:
        return mean @ torch.tensor(TABLE, dtype=mean.dtype)
    a, b = torch.tensor(A, dtype=mean.dtype), torch.tensor(B, dtype=mean.dtype)
    return mean @ a + mean @ b @ mean + (b * cov).sum()


def symmetric(g: torch.Tensor, cls) -> torch.Tensor:
    """Σ is symmetric: only the symmetric part of its gradient is meaningful (torch's cholesky backward's choice)."""
    return (g + g.mT) / 2 if cls is MultinormalDistribution and g.dim() >= 2 and g.shape[-1] == g.shape[-2] else g


GRADIENT_CASES = [(*case, None) for case in CASES] + [  # the score function, opted into by continuous ones
    (*case, "score_function") for case in CASES if case[0].ESTIMATORS[0] != "score_function"]


@pytest.mark.parametrize("cls,params,n,estimator", GRADIENT_CASES,
                         ids=[f"{i}-{e or 'default'}" for i, (_, _, _, e) in zip(IDS + IDS, GRADIENT_CASES)])
def test_gradients_match_exact_derivatives(cls, params, n, estimator):
    """Every parameter; the upper triangle of a Cholesky factor is not read, so its exact gradient is 0 too."""
    torch.manual_seed(5)
    n = n if estimator is None else 4 * n
    names = cls.PARAMS
    layer = RandomArrayLayer(cls(*(f"#{p}" for p in names)), estimator=estimator)
    shapes = {p: tuple(torch.tensor(v).shape) for p, v in zip(names, params)}
    module = NetGraph([layer], [], **shapes).compile()
    inputs = {p: torch.tensor(v).expand(n, *shapes[p]).clone().requires_grad_() for p, v in zip(names, params)}
    losses = objective(cls, module(**inputs))
    (losses.mean() + module.surrogate_loss(losses)).backward()
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in params]
    exact = torch.autograd.grad(exact_objective(cls, ts), ts)
    for name, g in zip(names, exact):
        per_draw = symmetric(inputs[name].grad.double() * n, cls)  # each draw's own estimate
        estimate, se = per_draw.mean(0), per_draw.std(0) / math.sqrt(n)
        g = symmetric(g, cls)
        assert torch.isfinite(estimate).all()
        assert ((estimate - g).abs() <= 5 * se + 1e-6).all(), (name, estimate, g, se)
        assert float(se.max()) < 0.1 * float(g.abs().max()), (name, se, g)  # the check has power


@pytest.mark.parametrize("call", [
    lambda m, d: m.variance([0.0, 1.0, 2.0], [[2.0]]),  # was [2, 2, 2]
    lambda m, d: d.variance([0.0, 1.0, 2.0], [2.0]),  # was [4, 4, 4]
    lambda m, d: m.covariance([0.0, 1.0, 2.0], torch.eye(2)),  # was a 2x2
    lambda m, d: m.mean([0.0, 1.0, 2.0], torch.eye(2)),  # was torch's broadcast RuntimeError
    lambda m, d: m.log_prob(torch.zeros(3), [[0.0, 1.0, 2.0], torch.eye(2)]),  # was a linalg error
], ids=["variance", "diagonal-variance", "covariance", "mean", "log_prob"])
def test_closed_forms_refuse_list_values_whose_event_sizes_disagree_as_the_constructor_does(call):
    mu_sigma = MultinormalDistribution("#mu", "#S"), MultinormalDiagonalDistribution("#mu", "#s")
    with pytest.raises(OptionError, match=r"event sizes k disagree: mu \(mean vector\) 3"):
        call(*mu_sigma)


def test_a_closed_form_refuses_a_listed_covariance_that_is_not_positive_definite():
    with pytest.raises(OptionError, match="must be positive definite"):  # was nan
        MultinormalDistribution("#mu", "#S").log_prob(torch.zeros(2), [[0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]])
    assert MultinormalDistribution("#mu", "#S").variance([0.0, 1.0], [[2.0, 0.0], [0.0, 1.0]]).tolist() == [2.0, 1.0]


@pytest.mark.parametrize("call, message", [
    (lambda m: m.mean([0.0, 1.0], torch.eye(3)),
     "the parameters' event sizes k disagree: mu (mean vector) 2, sigma (covariance matrix) 3"),
    (lambda m: m.variance([0.0, 1.0], [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]),
     "parameter sigma (covariance matrix) must be a k×k matrix, found shape (3, 2)"),
    (lambda m: m.log_prob(torch.zeros(2), [[0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]]),
     "parameter sigma (covariance matrix) must be positive definite (its Cholesky factorisation failed), found "
     "[[1.0, 2.0], [2.0, 1.0]]"),
], ids=["event-sizes", "square", "positive-definite"])
def test_a_closed_forms_listed_values_are_named_as_given_not_at_the_slots_ports(call, message):
    """Values given to a closed form are no port's: they were said 'at port 'S'', the slot of the distribution."""
    with pytest.raises(OptionError) as raised:
        call(MultinormalDistribution("#mu", "#S"))
    assert str(raised.value) == f"MultinormalDistribution: {message}"


class _Tolerant(MultinormalDistribution, register=False):
    """A subclass with a field of its own, read where values are checked."""

    def __init__(self, *params, tolerance: float = 0.0):
        frozen_init(self, tolerance=tolerance)
        super().__init__(*params)

    def value_problems(self, values, at_ports=True):
        return [] if self.tolerance > 1 else super().value_problems(values, at_ports)


def test_a_subclass_with_a_field_of_its_own_checks_a_closed_forms_listed_values():
    """The listed values were checked by a copy made without __init__: AttributeError 'no attribute tolerance'."""
    assert _Tolerant("#mu", "#S").variance([0.0, 1.0], [[2.0, 0.0], [0.0, 1.0]]).tolist() == [2.0, 1.0]
    with pytest.raises(OptionError, match=r"^_Tolerant: parameter sigma \(covariance matrix\) must be positive "
                                          r"definite \(its Cholesky factorisation failed\), found \[\[1.0, 2.0\]"):
        _Tolerant("#mu", "#S").variance([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])
    assert _Tolerant("#mu", "#S", tolerance=2).variance([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]).tolist() == [1.0, 1.0]
