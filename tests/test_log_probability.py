"""RandomArrayLayer(log_probability=True): the LogProbability port, against scipy, and its gradients.

Values: for each of the 20 univariate distributions (Wolfram's parameterisation), the port equals the sum
over the non-batch dims of scipy's log-density / log-mass of the drawn values; for the 5 vector ones, the
sum over the sample dims of torch.distributions' per-event log-density (more in test_vector_log_probability). Gradients: pathwise and implicit
draws carry their gradient into the log-density (checked against closed-form entropy derivatives);
discrete draws score the drawn value as fixed, and with the score-function surrogate the gradient of
E[f(x) + c log p(x)] is unbiased (checked against exact enumeration).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, DataError, DiscreteUniformDistribution,
                      GammaDistribution, KLDivergenceLayer, NetGraph, NormalDistribution, OptionError,
                      PoissonDistribution, RandomArrayLayer, interpret)
from netgraph.layers.dist_base import DISTRIBUTIONS


def _log_gamma_pdf(x, a, b, mu):
    y = np.log(x - mu + 1)
    return st.gamma.logpdf(y, a, scale=b) - y


#: name -> (Wolfram arguments, scipy log-density of x in the same parameterisation)
REFERENCES = {
    "NormalDistribution": ((0.5, 2.0), lambda x: st.norm.logpdf(x, 0.5, 2.0)),
    "UniformDistribution": (([-1.0, 3.0],), lambda x: st.uniform.logpdf(x, -1.0, 4.0)),
    "ExponentialDistribution": ((1.5,), lambda x: st.expon.logpdf(x, scale=1 / 1.5)),
    "MaxwellDistribution": ((1.3,), lambda x: st.maxwell.logpdf(x, scale=1.3)),
    "RayleighDistribution": ((0.7,), lambda x: st.rayleigh.logpdf(x, scale=0.7)),
    "HalfNormalDistribution": ((2.0,), lambda x: st.halfnorm.logpdf(x, scale=math.sqrt(math.pi / 2) / 2.0)),
    "WeibullDistribution": ((2.0, 3.0, 0.5), lambda x: st.weibull_min.logpdf(x, 2.0, loc=0.5, scale=3.0)),
    "GammaDistribution": ((2.5, 0.5), lambda x: st.gamma.logpdf(x, 2.5, scale=0.5)),
    "ChiDistribution": ((3.5,), lambda x: st.chi.logpdf(x, 3.5)),
    "NakagamiDistribution": ((1.5, 2.0), lambda x: st.nakagami.logpdf(x, 1.5, scale=math.sqrt(2.0))),
    "ChiSquareDistribution": ((4.0,), lambda x: st.chi2.logpdf(x, 4.0)),
    "ErlangDistribution": ((3, 2.0), lambda x: st.gamma.logpdf(x, 3, scale=0.5)),
    "LogGammaDistribution": ((2.0, 0.4, 1.0), lambda x: _log_gamma_pdf(x, 2.0, 0.4, 1.0)),
    "ExpGammaDistribution": ((1.5, 2.0, -1.0), lambda x: st.loggamma.logpdf(x, 1.5, loc=-1.0, scale=2.0)),
    "InverseGammaDistribution": ((3.0, 2.0), lambda x: st.invgamma.logpdf(x, 3.0, scale=2.0)),
    "BernoulliDistribution": ((0.3,), lambda x: st.bernoulli.logpmf(x, 0.3)),
    "BinomialDistribution": ((6, 0.4), lambda x: st.binom.logpmf(x, 6, 0.4)),
    "PoissonDistribution": ((2.5,), lambda x: st.poisson.logpmf(x, 2.5)),
    "NegativeBinomialDistribution": ((2.5, 0.4), lambda x: st.nbinom.logpmf(x, 2.5, 0.4)),
    "DiscreteUniformDistribution": (([-2, 4],), lambda x: st.randint.logpmf(x, -2, 5)),
}


def _torch_reference(dist: torch.distributions.Distribution):
    """A REFERENCES entry's log-density from torch.distributions (one value per event), on numpy draws."""
    return lambda x: dist.log_prob(torch.from_numpy(x)).numpy()


_D = torch.distributions
_COV = [[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]]
_T = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
#: Vector distributions: output=(2, 3) is 2 events of size k = 3 (Categorical class indices: 2 × 3 draws).
REFERENCES |= {
    "MultinormalDistribution": (([0.5, -1.0, 0.0], _COV),
                                _torch_reference(_D.MultivariateNormal(_T([0.5, -1.0, 0.0]), _T(_COV)))),
    "MultinormalCholeskyDistribution": (([0.5, -1.0, 0.0], torch.linalg.cholesky(_T(_COV)).tolist()),
                                        _torch_reference(_D.MultivariateNormal(_T([0.5, -1.0, 0.0]), _T(_COV)))),
    "MultinormalDiagonalDistribution": (([0.5, -1.0, 0.0], [1.5, 0.5, 2.0]), _torch_reference(
        _D.Independent(_D.Normal(_T([0.5, -1.0, 0.0]), _T([1.5, 0.5, 2.0])), 1))),
    "DirichletDistribution": (([0.7, 2.0, 3.5],), _torch_reference(_D.Dirichlet(_T([0.7, 2.0, 3.5])))),
    "CategoricalDistribution": (([0.2, 0.3, 0.5],), _torch_reference(_D.Categorical(_T([0.2, 0.3, 0.5])))),
}
GENERALIZED_GAMMA = ((2.0, 1.5, 0.8, 0.3), lambda x: st.gengamma.logpdf(x, 2.0, 0.8, loc=0.3, scale=1.5))


def _draw(dist, output=(2, 3), batch=50, **options):
    net = NetGraph([RandomArrayLayer(dist, output=output, log_probability=True, **options)], [])
    module = net.compile().double()
    torch.manual_seed(3)
    out = module(batch_size=batch)
    return out["Output"], out["LogProbability"]


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_log_probability_equals_scipy_for_every_distribution(name):
    args, reference = REFERENCES[name]
    x, logp = _draw(DISTRIBUTIONS[name](*args))
    assert logp.shape == (50,) and logp.dtype == torch.float64
    expected = reference(x.numpy()).reshape(50, -1).sum(1)
    np.testing.assert_allclose(logp.numpy(), expected, rtol=1e-6, atol=1e-6)  # constants are kept as float32


def test_the_reference_table_covers_every_distribution():
    assert set(REFERENCES) == set(DISTRIBUTIONS)


def test_generalized_gamma_log_probability_equals_scipy():
    args, reference = GENERALIZED_GAMMA
    x, logp = _draw(GammaDistribution(*args))
    np.testing.assert_allclose(logp.numpy(), reference(x.numpy()).reshape(50, -1).sum(1), rtol=1e-6, atol=1e-6)


def test_relaxed_bernoulli_scores_its_draw_under_the_concrete_density():
    x, logp = _draw(BernoulliDistribution(0.3), estimator="relaxed", temperature=0.5)
    twin = torch.distributions.RelaxedBernoulli(torch.tensor(0.5, dtype=torch.float64), probs=torch.tensor(0.3))
    torch.testing.assert_close(logp, twin.log_prob(x).reshape(50, -1).sum(1))


def test_slot_parameters_broadcast_and_compiled_equals_interpreted():
    net = NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"), log_probability=True)], [], mu=3, sigma=())
    assert net.output_shapes == {"Output": (3,), "LogProbability": ()}
    module = net.compile()
    mu, sigma = torch.randn(4, 3), torch.rand(4) + 0.5
    torch.manual_seed(0)
    out = module(mu=mu, sigma=sigma)
    torch.manual_seed(0)
    ref = interpret(net, module, mu=mu, sigma=sigma)
    torch.testing.assert_close(out, ref)
    expected = torch.distributions.Normal(mu, sigma[:, None]).log_prob(out["Output"]).sum(1)
    torch.testing.assert_close(out["LogProbability"], expected)


def _grads(dist_fn, values, n):
    params = [torch.full((n,), v, dtype=torch.float64, requires_grad=True) for v in values]
    names = [f"p{i}" for i in range(len(values))]
    net = NetGraph([RandomArrayLayer(dist_fn(*(f"#{s}" for s in names)), log_probability=True)], [],
                   **{s: () for s in names})
    module = net.compile().double()
    torch.manual_seed(5)
    out = module(**dict(zip(names, params)))
    out["LogProbability"].sum().backward()
    return [p.grad for p in params]


def test_pathwise_log_probability_gradient_is_exact_per_draw():
    # log N(mu + sigma eps | mu, sigma) = -eps^2/2 - log sigma - log(2 pi)/2: d/dmu = 0, d/dsigma = -1/sigma
    g_mu, g_sigma = _grads(NormalDistribution, (0.4, 1.7), 1000)
    torch.testing.assert_close(g_mu, torch.zeros_like(g_mu), atol=1e-12, rtol=0)
    torch.testing.assert_close(g_sigma, torch.full_like(g_sigma, -1 / 1.7))


def test_implicit_log_probability_gradient_matches_the_entropy_derivative():
    # E[log p] = -H; Gamma(alpha, scale beta): H = alpha + log beta + lgamma(alpha) + (1 - alpha) digamma(alpha)
    alpha, beta, n = 2.5, 0.5, 200_000
    g_alpha, g_beta = _grads(GammaDistribution, (alpha, beta), n)
    exact_alpha = -(1 + (1 - alpha) * sc.polygamma(1, alpha))
    se = float(g_alpha.std()) / math.sqrt(n)
    assert abs(float(g_alpha.mean()) - exact_alpha) < 5 * se, (float(g_alpha.mean()), exact_alpha, se)
    torch.testing.assert_close(g_beta, torch.full_like(g_beta, -1 / beta))  # beta is a pure scale: exact


def _exact_objective_grad(log_pmf, support, value, f, c):
    """d/dθ of sum_k p(k) (f(k) + c log p(k)) by autograd on the exact sum."""
    theta = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    k = torch.tensor(support, dtype=torch.float64)
    logp = log_pmf(k, theta)
    (logp.exp() * (f(k) + c * logp)).sum().backward()
    return float(theta.grad)


@pytest.mark.parametrize("case", ["bernoulli", "binomial", "poisson"])
def test_score_function_draws_give_unbiased_gradients_of_f_plus_log_probability(case):
    """The rule: the surrogate (net_train adds it) carries the score; LogProbability adds only ∂/∂θ log p(x)
    at the fixed draw, which has mean zero. Together: the gradient of E[f(x) + c log p(x)], no score twice."""
    f, c, n = (lambda x: (x - 0.45) ** 2), 0.7, 200_000
    if case == "bernoulli":
        dist, value, support = BernoulliDistribution("#theta"), 0.3, [0, 1]
        log_pmf = lambda k, t: k * t.log() + (1 - k) * (1 - t).log()  # noqa: E731
    elif case == "binomial":
        dist, value, support = BinomialDistribution(5, "#theta"), 0.4, list(range(6))
        log_pmf = lambda k, t: (torch.lgamma(torch.tensor(6.0)) - torch.lgamma(k + 1) - torch.lgamma(6 - k)  # noqa: E731
                                + k * t.log() + (5 - k) * (1 - t).log())
    else:
        dist, value, support = PoissonDistribution("#theta"), 2.0, list(range(60))
        log_pmf = lambda k, t: k * t.log() - t - torch.lgamma(k + 1)  # noqa: E731
    exact = _exact_objective_grad(log_pmf, support, value, f, c)
    theta = torch.full((n,), value, dtype=torch.float64, requires_grad=True)
    module = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], theta=()).compile().double()
    torch.manual_seed(1)
    out = module(theta=theta)
    losses = f(out["Output"]) + c * out["LogProbability"]
    (losses.mean() + module.surrogate_loss(losses)).backward()
    per_example = theta.grad * n  # each example's own estimate of the gradient
    mean, se = float(per_example.mean()), float(per_example.std()) / math.sqrt(n)
    assert abs(mean - exact) < 5 * se, (mean, exact, se)


def test_log_probability_with_eval_mode_mean_is_refused():
    with pytest.raises(OptionError, match="log_probability=True needs eval_mode='sample'"):
        RandomArrayLayer(NormalDistribution(0, 1), output=2, eval_mode="mean", log_probability=True)


def test_log_probability_round_trips_through_yaml():
    net = NetGraph({"z": RandomArrayLayer(NormalDistribution("#mu", 1.0), log_probability=True)}, [], mu=4)
    text = net.to_yaml()
    assert "log_probability: true" in text
    back = NetGraph.from_yaml(text)
    assert back == net and back.output_ports == ("Output", "LogProbability")


@pytest.mark.parametrize("dist, value, estimator", [
    (GammaDistribution("#a", 1.0), 0.5, "implicit"), (BernoulliDistribution("#a"), 0.3, "score_function"),
    (NormalDistribution("#a", 1.0), 0.0, "score_function")])
def test_log_probability_of_an_empty_batch_is_empty(dist, value, estimator):
    """A batch of 0 examples gives 0 draws and 0 log-probabilities (found by QA: torch's reshape refused it)."""
    module = NetGraph([RandomArrayLayer(dist, log_probability=True, estimator=estimator)], [], a=3).compile()
    a = torch.full((0, 3), value, requires_grad=True)
    out = module(a=a)
    assert out["Output"].shape == (0, 3) and out["LogProbability"].shape == (0,)
    out["LogProbability"].sum().backward()
    assert a.grad.shape == (0, 3)


D = DISTRIBUTIONS
#: (distribution, a point at the edge of its support or outside it, scipy's log-density there)
EDGES = [
    (D["GammaDistribution"](1.0, 2.0), 0.0, st.gamma.logpdf(0.0, 1.0, scale=2.0)),  # shape 1: finite at 0
    (D["GammaDistribution"](0.5, 2.0, 2.0, 5.0), 5.0, st.gengamma.logpdf(5.0, 0.5, 2.0, loc=5.0, scale=2.0)),
    (D["GammaDistribution"](2.0, 2.0, 1.0, 5.0), 5.0, -math.inf),  # alpha gamma > 1: density 0 at mu
    (D["GammaDistribution"](0.5, 2.0, 1.0, 5.0), 5.0, math.inf),  # alpha gamma < 1: the true limit is infinite
    (D["GammaDistribution"](2.0, 2.0, 1.0, 5.0), 4.0, -math.inf),  # below mu: outside the support
    (D["LogGammaDistribution"](1.0, 2.0, 5.0), 5.0, st.gamma.logpdf(0.0, 1.0, scale=2.0)),
    (D["LogGammaDistribution"](0.5, 2.0, 5.0), 5.0, math.inf),
    (D["LogGammaDistribution"](1.0, 2.0, 5.0), 4.0, -math.inf),
    (D["ChiDistribution"](1.0), 0.0, st.chi.logpdf(0.0, 1.0)),
    (D["ChiSquareDistribution"](2.0), 0.0, st.chi2.logpdf(0.0, 2.0)),
    (D["ErlangDistribution"](1, 2.0), 0.0, st.gamma.logpdf(0.0, 1.0, scale=0.5)),
    (D["NakagamiDistribution"](0.5, 1.0), 0.0, st.nakagami.logpdf(0.0, 0.5)),
    (D["WeibullDistribution"](1.0, 2.0, 5.0), 5.0, st.weibull_min.logpdf(5.0, 1.0, loc=5.0, scale=2.0)),
    (D["InverseGammaDistribution"](1.0, 2.0, 1.0, 5.0), 5.0, -math.inf),
    (D["InverseGammaDistribution"](1.0, 2.0), -1.0, -math.inf),
    (D["ExponentialDistribution"](2.0), -1.0, -math.inf),
    (D["HalfNormalDistribution"](1.0), -1.0, -math.inf),
    (D["RayleighDistribution"](1.0), -1.0, -math.inf),
    (D["MaxwellDistribution"](1.0), -1.0, -math.inf),
    (D["ChiDistribution"](3.0), -1.0, -math.inf),
]


@pytest.mark.parametrize("dist, x, expected", EDGES, ids=[f"{d!r}@{x}" for d, x, _ in EDGES])
def test_log_density_at_the_edge_of_the_support_is_its_limit_and_minus_infinity_outside(dist, x, expected):
    """NaN was returned where the power of (x - mu) is 0 (0 * log 0: Gamma shape 1, Chi 1, Erlang 1, ...) and below
    the support; a finite density outside the support (Exponential at -1) was returned as such."""
    value = float(dist.log_prob(torch.tensor([x], dtype=torch.float64), list(dist.params)))
    assert value == pytest.approx(expected, rel=1e-12) if math.isfinite(expected) else value == expected


def _gamma_entropy(alpha: float, beta: float) -> float:
    return alpha + math.log(beta) + math.lgamma(alpha) + (1 - alpha) * sc.digamma(alpha)


@pytest.mark.parametrize("dist, entropy", [
    (GammaDistribution(0.1, 1.0, 1.0, 5.0), _gamma_entropy(0.1, 1.0)),
    (DISTRIBUTIONS["LogGammaDistribution"](0.1, 1.0, 5.0), _gamma_entropy(0.1, 1.0) + 0.1),  # h(Y) + E[Y]
    (DISTRIBUTIONS["WeibullDistribution"](0.3, 1.0, 5.0), 0.5772156649 * (1 - 1 / 0.3) - math.log(0.3) + 1),
], ids=["GeneralizedGamma", "LogGamma", "Weibull"])
def test_a_draw_that_rounds_to_the_location_is_scored_by_its_offset(dist, entropy):
    """A float32 draw mu + tiny rounds to mu (a fifth of Gamma(0.1) draws at mu = 5), where the density is infinite:
    LogProbability was +inf. It is the log-density of the offset drawn, so its mean is minus the entropy."""
    n = 100_000
    net = NetGraph([RandomArrayLayer(dist, output=1, log_probability=True)], [])
    torch.manual_seed(0)
    out = net.compile()(batch_size=n)
    x, logp = out["Output"], out["LogProbability"].double()
    assert float((x == 5.0).float().mean()) > 0.001  # the case at hand: draws that are mu in float32
    assert bool(torch.isfinite(logp).all())
    se = float(logp.std()) / math.sqrt(n)
    assert abs(float(logp.mean()) + entropy) < 5 * se


def test_log_prob_takes_the_parameter_values_the_constructor_takes_or_the_constants():
    """``dist.log_prob(x, params)`` with Wolfram's two Gamma parameters was a bare ValueError (it wanted all four, the
    generalized form's); values of another count are an OptionError naming the parameters."""
    x = torch.tensor([0.5, 1.0, 4.0], dtype=torch.float64)
    reference = st.gamma(3.0, scale=2.0).logpdf(x.numpy())
    dist = GammaDistribution("#a", 2.0)
    np.testing.assert_allclose(dist.log_prob(x, [3.0, 2.0]).numpy(), reference, rtol=1e-12)
    np.testing.assert_allclose(GammaDistribution(3.0, 2.0).log_prob(x).numpy(), reference, rtol=1e-12)
    np.testing.assert_allclose(GammaDistribution(3.0, 2.0).log_prob([0.5, 1.0, 4.0]).double().numpy(), reference,
                               rtol=1e-6)
    with pytest.raises(OptionError, match=r"log_prob takes 2 or 4 parameter values \(alpha \(shape\), beta \(scale\).*"
                                          r"found 1"):
        dist.log_prob(x, [3.0])
    with pytest.raises(OptionError, match=r"has slot parameters; pass their values: \.log_prob\(value, \.\.\.\)"):
        dist.log_prob(x)


#: (distribution, Wolfram arguments, index of a parameter at which the power of x in the density is 0)
_POWER_ZERO = [("GammaDistribution", (1.0, 2.0), 0), ("GammaDistribution", (2.0, 1.5, 0.5, 0.3), 0),
               ("GammaDistribution", (2.0, 1.5, 0.5, 0.3), 2), ("ChiDistribution", (1.0,), 0),
               ("ChiSquareDistribution", (2.0,), 0), ("NakagamiDistribution", (0.5, 2.0), 0),
               ("WeibullDistribution", (1.0, 3.0), 0), ("LogGammaDistribution", (1.0, 0.3, 0.0), 0)]


@pytest.mark.parametrize("name, values, index", _POWER_ZERO)
def test_log_density_gradient_where_the_power_of_x_is_zero_equals_its_finite_difference(name, values, index):
    """At Gamma shape 1 (Chi ν = 1, Weibull α = 1, ...) the term (α − 1) log x is 0, but its derivative log x is not:
    it was dropped, so E[log p] of a Gamma(1, β) draw had gradient −0.42 instead of −1 with respect to α."""
    dist, x = DISTRIBUTIONS[name](*values), torch.tensor([0.4, 1.3, 2.9], dtype=torch.float64)
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=j == index) for j, v in enumerate(values)]
    (grad,) = torch.autograd.grad(dist.log_prob(x, params).sum(), params[index])
    step = [1e-6 if j == index else 0.0 for j in range(len(values))]
    up, down = ([v + s * sign for v, s in zip(values, step)] for sign in (1, -1))
    finite_difference = (dist.log_prob(x, up).sum() - dist.log_prob(x, down).sum()) / 2e-6
    assert abs(float(grad) - float(finite_difference)) < 1e-6, (float(grad), float(finite_difference))


def test_gamma_shape_one_log_probability_gradient_matches_the_entropy_derivative():
    alpha, n = 1.0, 200_000  # d/dα E[log p] = −(1 + (1 − α) ψ'(α)) = −1 at α = 1
    g_alpha, _ = _grads(GammaDistribution, (alpha, 0.5), n)
    se = float(g_alpha.std()) / math.sqrt(n)
    assert abs(float(g_alpha.mean()) + 1.0) < 5 * se, (float(g_alpha.mean()), se)


@pytest.mark.parametrize("name, values, x", [
    ("BernoulliDistribution", (0.3,), [2.0, -1.0, 0.5]), ("BinomialDistribution", (3, 0.5), [2.5, 4.0]),
    ("BinomialDistribution", (3, 0.0), [1.0]), ("BinomialDistribution", (3, 1.0), [2.0]),
    ("PoissonDistribution", (2.0,), [2.5]), ("PoissonDistribution", (0.0,), [1.0, 3.0]),
    ("NegativeBinomialDistribution", (2.0, 1.0), [1.0]), ("NegativeBinomialDistribution", (2.0, 0.4), [0.5]),
    ("DiscreteUniformDistribution", ([0, 3],), [-1.0, 2.5, 5.0])])
def test_log_mass_is_minus_infinity_off_the_support_also_where_a_parameter_makes_the_draw_certain(name, values, x):
    """Off the support the log-mass was finite (Poisson(0) at 1: -87, a DiscreteUniform([0, 3]) at 5: log 1/4, a
    Bernoulli at 2: NaN), so a Monte Carlo KL against such a q gave a finite estimate of an infinite KL."""
    logp = DISTRIBUTIONS[name](*values).log_prob(torch.tensor(x, dtype=torch.float64))
    assert torch.equal(logp, torch.full_like(logp, -math.inf)), logp


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name, values", [
    ("BernoulliDistribution", (0.3,)), ("BinomialDistribution", (3, 0.5)), ("PoissonDistribution", (2.0,)),
    ("PoissonDistribution", (0.0,)), ("NegativeBinomialDistribution", (2.0, 0.4)),
    ("DiscreteUniformDistribution", ([0, 3],))])
def test_a_nan_value_has_a_nan_log_mass_not_minus_infinity(name, values, dtype):
    """The off-support mask tested ``x != x.floor()``, true for NaN: a NaN was scored -inf (off the support), hiding
    the NaN that came from upstream; the values beside it keep their log-mass."""
    x = torch.tensor([math.nan, 1.0, -1.0], dtype=dtype)
    logp = DISTRIBUTIONS[name](*values).log_prob(x)
    expected = DISTRIBUTIONS[name](*values).log_prob(x[1:])
    assert math.isnan(logp[0]) and torch.equal(logp[1:], expected) and logp[2] == -math.inf, logp


def test_monte_carlo_kl_with_draws_that_q_never_draws_is_a_support_error():
    """A draw of 2 scored under Binomial(3, 1) (which draws 3 only) had log q = -87, a finite KL estimate."""
    kl = NetGraph({"kl": KLDivergenceLayer(DiscreteUniformDistribution([2, 2]), BinomialDistribution(3, "#b"),
                                           method="monte_carlo", samples=3)}, [], b=())
    with pytest.raises(DataError, match=r"at example 0 lies outside the support of q .* \(it drew 2\)") as caught:
        kl.compile()(b=torch.tensor([1.0]))
    assert caught.value.kind == "support"


def test_monte_carlo_kl_against_a_certain_q_is_a_support_error_before_drawing():
    """Bernoulli(1e-6) against Bernoulli(0) drew 0 almost always and returned a finite estimate (about 0) of an
    infinite KL, and a support error only when a draw happened to be 1; p certain at q's value has KL 0."""
    kl = NetGraph({"kl": KLDivergenceLayer(BernoulliDistribution("#a"), BernoulliDistribution(0.0),
                                           method="monte_carlo")}, [], a=3)
    torch.manual_seed(0)
    with pytest.raises(DataError, match=r"q = BernoulliDistribution\(0\.0\) draws one value only there") as caught:
        kl.compile()(a=torch.tensor([[0.0, 0.0, 0.0], [0.0, 1e-6, 0.0]]))
    assert caught.value.kind == "support" and caught.value.diagnostics[0].example == 1
    assert kl.compile()(a=torch.zeros(2, 3)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("p, q", [(BernoulliDistribution(0.3), BernoulliDistribution(0.0)),
                                  (PoissonDistribution(2.0), PoissonDistribution(0.0)),
                                  (BinomialDistribution(3, 0.5), BinomialDistribution(3, 1.0))])
def test_monte_carlo_kl_against_a_constant_certain_q_is_refused_when_the_layer_is_made(p, q):
    """Found by review: with constant parameters the support problem was only found at call time, though the README
    says constant parameters decide support problems when the layer is made."""
    with pytest.raises(OptionError, match=rf"q = {re.escape(repr(q))} draws one value only but p = "
                                          rf"{re.escape(repr(p))} draws more: KL\(p ‖ q\) is infinite") as caught:
        KLDivergenceLayer(p, q, method="monte_carlo")
    assert (caught.value.option, caught.value.kind) == ("q", "option-combination")


def test_monte_carlo_kl_between_constants_certain_at_one_value_is_still_made():
    kl = NetGraph({"kl": KLDivergenceLayer(BernoulliDistribution(1.0), BinomialDistribution(1, 1.0),
                                           method="monte_carlo")}, [])
    assert float(kl.compile()()) == 0.0  # both certain at 1: KL 0, no support problem
