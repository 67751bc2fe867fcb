"""ChiSquare's, Erlang's, Chi's, Nakagami's, InverseGamma's and ExpGamma's log-densities at large shapes: each is a
transform of G ~ Gamma(α, 1), and (α − 1) log u − u − lgamma(α) cancelled in float32 as Gamma's did (0.04–0.2 off at
a shape of 1e5, 3–14 at 1e7). From α − 1 >= 256 each is a log-Jacobian plus Gamma's saddle-point form (Poisson's log-mass of
α − 1 at mean u, Loader's), whose rounding is that of the result.

Tolerances come from float32's rounding of the true value: a value is within 8 units of eps·(|f| + Σᵥ |v ∂f/∂v|)
over x and the parameters (the change of f when each float32 input moves by its own rounding; the results were
within 5); a gradient within 8 eps times the sum of its closed form's terms' magnitudes (their rounding)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats

from netgraph import (ChiDistribution, ChiSquareDistribution, ErlangDistribution, ExpGammaDistribution,
                      InverseGammaDistribution,
                      NakagamiDistribution, NetGraph, RandomArrayLayer, interpret)

EPS = 2.0 ** -24  # float32's unit roundoff


def _chi_square(a):
    return dict(dist=ChiSquareDistribution("#nu"), params=[a], mean=a, sd=(2 * a) ** 0.5,
                logpdf=lambda x, p: stats.chi2.logpdf(x, p[0]),
                dx=lambda x, p: (p[0] / 2 - 1) / x - 0.5,
                terms=lambda x, p: [[-math.log(2) / 2, -special.digamma(p[0] / 2) / 2, np.log(x) / 2]])


def _erlang(a):  # k is an integer parameter: no gradient
    return dict(dist=ErlangDistribution("#k", "#lam"), params=[a, 3.0], mean=a / 3, sd=a ** 0.5 / 3,
                logpdf=lambda x, p: stats.gamma.logpdf(x, p[0], scale=1 / p[1]),
                dx=lambda x, p: (p[0] - 1) / x - p[1],
                terms=lambda x, p: [None, [p[0] / p[1] + 0 * x, -x]])


def _chi(a):
    return dict(dist=ChiDistribution("#nu"), params=[a], mean=a ** 0.5, sd=0.5 ** 0.5,
                logpdf=lambda x, p: stats.chi.logpdf(x, p[0]),
                dx=lambda x, p: (p[0] - 1) / x - x,
                terms=lambda x, p: [[-math.log(2) / 2, -special.digamma(p[0] / 2) / 2, np.log(x)]])


def _nakagami(a):
    return dict(dist=NakagamiDistribution("#mu", "#omega"), params=[a, 2.0], mean=2 ** 0.5, sd=(0.5 / a) ** 0.5,
                logpdf=lambda x, p: stats.nakagami.logpdf(x, p[0], scale=p[1] ** 0.5),
                dx=lambda x, p: (2 * p[0] - 1) / x - 2 * p[0] * x / p[1],
                terms=lambda x, p: [[math.log(p[0]), 1.0, -math.log(p[1]), -special.digamma(p[0]), 2 * np.log(x),
                                     -x * x / p[1]], [-p[0] / p[1] + 0 * x, p[0] * x * x / p[1] ** 2]])


def _inverse_gamma(a):
    return dict(dist=InverseGammaDistribution("#alpha", "#beta"), params=[a, 2.0], mean=2 / a, sd=2 / a ** 1.5,
                logpdf=lambda x, p: stats.invgamma.logpdf(x, p[0], scale=p[1]),
                dx=lambda x, p: -(p[0] + 1) / x + p[1] / x ** 2,
                terms=lambda x, p: [[math.log(p[1]), -special.digamma(p[0]), -np.log(x)], [p[0] / p[1] + 0 * x, -1 / x]])


def _exp_gamma(a):  # log G: scipy's loggamma
    return dict(dist=ExpGammaDistribution("#kappa", "#theta", "#mu"), params=[a, 2.0, 0.5],
                mean=0.5 + 2.0 * math.log(a), sd=2.0 / a ** 0.5,
                logpdf=lambda x, p: stats.loggamma.logpdf(x, p[0], loc=p[2], scale=p[1]),
                dx=lambda x, p: (p[0] - np.exp((x - p[2]) / p[1])) / p[1],
                terms=lambda x, p: [[(x - p[2]) / p[1], -special.digamma(p[0])],
                                    [-p[0] * (x - p[2]) / p[1] ** 2, (x - p[2]) / p[1] ** 2 * np.exp((x - p[2]) / p[1]),
                                     -1 / p[1] + 0 * x],
                                    [-p[0] / p[1] + 0 * x, np.exp((x - p[2]) / p[1]) / p[1]]])


FAMILIES = [_chi_square, _erlang, _chi, _nakagami, _inverse_gamma, _exp_gamma]


def _check(case, x, got, params):
    """got (float32) against scipy's float64 log-density at the float32 points x, within 8 rounding units."""
    x64, p = x.double().numpy(), case["params"]
    expected = case["logpdf"](x64, p)
    sensitivity = np.abs(expected) + np.abs(x64 * case["dx"](x64, p))
    for v, terms in zip(p, case["terms"](x64, p)):
        if terms is not None:
            sensitivity = sensitivity + np.abs(v * sum(np.asarray(t) for t in terms))
    assert (np.abs(got.detach().double().numpy() - expected) <= 8 * EPS * sensitivity).all()
    for param, terms in zip(params, case["terms"](x64, p)):
        if terms is None:
            continue
        exact = float(np.sum(sum(np.broadcast_to(t, x64.shape) for t in terms)))
        scale = float(np.sum(sum(np.abs(np.broadcast_to(t, x64.shape)) for t in terms)))
        assert abs(param.grad.item() - exact) <= 8 * EPS * scale


@pytest.mark.parametrize("shape", [1e3, 1e5, 1e7])
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__[1:])
def test_log_density_and_gradients_at_large_shapes_hold_in_float32(family, shape):
    case = family(shape)
    x = torch.tensor([case["mean"] + k * case["sd"] for k in (-2.0, 0.0, 2.0)])  # float32 points, as given
    params = [torch.tensor(v, requires_grad=i > 0 or family is not _erlang) for i, v in enumerate(case["params"])]
    got = case["dist"].log_prob(x, params)
    got.sum().backward()
    _check(case, x, got, params)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__[1:])
def test_small_shapes_keep_their_values_beside_large_ones(family):
    # shapes below the gate (α − 1 < 256) keep the plain form, to the bit, also where a large shape in the same batch
    # makes the saddle-point form run; and agree with scipy within the plain form's 2e-4 (the README's bound)
    shapes = [2.0, 20.0, 250.0]
    cases = [family(s) for s in shapes]
    x = torch.tensor([c["mean"] for c in cases])
    params = [torch.tensor([c["params"][i] for c in cases]) for i in range(len(cases[0]["params"]))]
    alone = cases[0]["dist"].log_prob(x, params)
    big = family(1e6)
    mixed = big["dist"].log_prob(torch.cat([x, torch.tensor([big["mean"]])]),
                                 [torch.cat([p, torch.tensor([v])]) for p, v in zip(params, big["params"])])
    assert torch.equal(mixed[:3], alone)
    for i, c in enumerate(cases):
        assert abs(alone[i].item() - c["logpdf"](x[i].double().numpy(), c["params"])) < 2e-4


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__[1:])
def test_log_probability_port_compiled_equals_interpreted_and_scipy(family):
    small, large = family(3.0), family(1e5)
    dist = large["dist"]
    names = [p.lstrip("#") for p in dist.args]
    net = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], **{n: 2 for n in names})
    module = net.compile()
    inputs = {n: torch.tensor([[s, l]]).expand(4, 2) for n, s, l in zip(names, small["params"], large["params"])}
    torch.manual_seed(0)
    out = module(**inputs)
    torch.manual_seed(0)
    ref = interpret(net, module, **inputs)
    torch.testing.assert_close(ref["LogProbability"], out["LogProbability"])
    draws = out["Output"].double().numpy()
    expected = small["logpdf"](draws[:, 0], small["params"]) + large["logpdf"](draws[:, 1], large["params"])
    torch.testing.assert_close(out["LogProbability"].double(), torch.tensor(expected), atol=2e-4, rtol=0)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__[1:])
def test_vmap_takes_the_saddle_point_form_where_needed(family):
    case = family(1e6)
    x = torch.tensor([[case["mean"]], [case["mean"] + case["sd"]]])
    params = [torch.tensor(v) for v in case["params"]]
    mapped = torch.func.vmap(lambda row: case["dist"].log_prob(row, params))(x)
    torch.testing.assert_close(mapped, case["dist"].log_prob(x, params))


@pytest.mark.parametrize("alpha", [1e5, 1e7])
def test_generalized_inverse_gamma_at_large_shapes_holds_in_float32(alpha):
    # μ + β·G^(−1/γ): scipy's gengamma with c = −γ; s = (x − μ)/β sits near α^(−1/γ), relative spread 1/(γ√α)
    mode = alpha ** -0.5
    xs = [0.5 + 2.0 * mode * (1 + k / (2 * alpha ** 0.5)) for k in (-2, 0, 2)]
    got = InverseGammaDistribution("#a", 2.0, 2.0, 0.5).log_prob(torch.tensor(xs), [torch.tensor(alpha), 2.0, 2.0, 0.5])
    x32 = torch.tensor(xs).double().numpy()
    expected = stats.gengamma.logpdf(x32, alpha, -2.0, loc=0.5, scale=2.0)
    # x − μ loses float32's digits of x here: the value moves by |∂f/∂x|·eps·|x| under x's rounding
    t = (x32 - 0.5) / 2.0
    sensitivity = np.abs(expected) + np.abs(x32 * (-(2 * alpha + 1) / t + 2 * t ** -3) / 2.0)
    assert (np.abs(got.double().numpy() - expected) <= 8 * EPS * sensitivity).all()
