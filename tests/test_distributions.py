"""The 20 univariate distributions: Wolfram's conventions, samples against closed forms, gradients against exact ones.

Every statistical check draws N values in one vectorised call (fixed seeds) and compares with a
tolerance of 5 standard errors estimated from the same draws; each also asserts the standard error is
small next to the quantity tested, so a wrong convention or a 10% gradient bug fails.
"""

from __future__ import annotations

import math

import pytest
import torch

from netgraph.layers.distributions import DISTRIBUTIONS, VectorDistribution
from netgraph import (BernoulliDistribution, BinomialDistribution, ChiDistribution, ChiSquareDistribution,
                      DiscreteUniformDistribution, ErlangDistribution, ExpGammaDistribution, ExponentialDistribution,
                      GammaDistribution, HalfNormalDistribution, InverseGammaDistribution, LogGammaDistribution,
                      MaxwellDistribution, NakagamiDistribution, NegativeBinomialDistribution, NetGraph,
                      NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer, RayleighDistribution,
                      UniformDistribution, WeibullDistribution)

LIST_FORM = {UniformDistribution, DiscreteUniformDistribution}

# (class, Wolfram-order parameters, draws for the gradient check)
CASES = [
    (NormalDistribution, (0.3, 1.5), 20_000),
    (UniformDistribution, (-1.0, 2.0), 20_000),
    (GammaDistribution, (2.5, 1.5), 40_000),
    (GammaDistribution, (0.3, 2.0), 40_000),
    (GammaDistribution, (2.0, 1.5, 1.5, 0.5), 40_000),
    (ExponentialDistribution, (2.0,), 20_000),
    (PoissonDistribution, (3.0,), 100_000),
    (MaxwellDistribution, (1.5,), 20_000),
    (RayleighDistribution, (1.5,), 20_000),
    (ChiDistribution, (3.5,), 40_000),
    (ChiDistribution, (0.7,), 40_000),
    (HalfNormalDistribution, (2.0,), 20_000),
    (WeibullDistribution, (1.2, 1.5), 20_000),
    (WeibullDistribution, (1.5, 2.0, 0.5), 20_000),
    (NakagamiDistribution, (1.5, 2.0), 40_000),
    (NakagamiDistribution, (0.6, 1.0), 40_000),
    (ChiSquareDistribution, (3.0,), 40_000),
    (ChiSquareDistribution, (0.8,), 40_000),
    (ErlangDistribution, (3.0, 2.0), 20_000),
    (LogGammaDistribution, (2.0, 0.1, 0.5), 40_000),
    (ExpGammaDistribution, (2.0, 1.5, 0.5), 40_000),
    (ExpGammaDistribution, (0.4, 1.0, 0.0), 40_000),
    (InverseGammaDistribution, (6.0, 2.0), 40_000),
    (InverseGammaDistribution, (4.0, 1.5, 2.0, 0.5), 40_000),
    (BernoulliDistribution, (0.3,), 100_000),
    (BinomialDistribution, (10.0, 0.3), 100_000),
    (NegativeBinomialDistribution, (3.0, 0.4), 100_000),
    (DiscreteUniformDistribution, (2.0, 7.0), 20_000),
]
IDS = [f"{c.__name__[:-12]}{list(p)}" for c, p, _ in CASES]


def make(cls, params):
    return cls(list(params)) if cls in LIST_FORM else cls(*params)


def slotted(cls, n_params):
    names = [f"#{cls.PARAMS[i]}" for i in range(n_params)]
    return make(cls, names)


def test_all_twenty_are_registered_and_covered():
    univariate = {c for c in DISTRIBUTIONS.values() if not issubclass(c, VectorDistribution)}  # vectors: test_vector_distributions
    assert len(univariate) == 20
    assert {c for c, _, _ in CASES} == univariate


# -- Wolfram's conventions, by hand ------------------------------------------------------------------------
def test_wolfram_conventions():
    """The conversions most likely to be silently wrong, against Wolfram's documented Mean/Variance."""
    assert GammaDistribution(2, 3).mean() == 6 and GammaDistribution(2, 3).variance() == 18  # scale, not rate
    assert ErlangDistribution(2, 4).mean() == 0.5 and ErlangDistribution(2, 4).variance() == 2 / 16  # rate
    assert ExponentialDistribution(4).mean() == 0.25  # rate
    assert HalfNormalDistribution(2).mean() == 0.5  # theta, not sigma
    assert math.isclose(HalfNormalDistribution(2).variance(), (math.pi - 2) / 8)
    assert math.isclose(WeibullDistribution(2, 3).mean(), 3 * math.gamma(1.5))  # shape, scale
    assert math.isclose(WeibullDistribution(2, 3, 1).mean(), 1 + 3 * math.gamma(1.5))
    assert math.isclose(NegativeBinomialDistribution(3, 0.25).mean(), 9)  # failures before 3 successes
    assert math.isclose(NegativeBinomialDistribution(3, 0.25).variance(), 36)
    assert math.isclose(MaxwellDistribution(2).mean(), 4 * math.sqrt(2 / math.pi))
    assert math.isclose(RayleighDistribution(2).mean(), 2 * math.sqrt(math.pi / 2))
    assert math.isclose(NakagamiDistribution(1, 3).variance() + NakagamiDistribution(1, 3).mean() ** 2, 3)  # omega = E[X^2]
    assert ChiSquareDistribution(3).mean() == 3 and ChiSquareDistribution(3).variance() == 6
    assert math.isclose(ChiDistribution(2).mean(), math.sqrt(math.pi / 2))
    assert math.isclose(LogGammaDistribution(1, 0.25, 0).mean(), -1 + 0.75 ** -1)
    assert math.isclose(ExpGammaDistribution(1, 1, 0).mean(), -0.5772156649015329)  # log of Exponential(1): -EulerGamma
    assert math.isclose(InverseGammaDistribution(3, 2).mean(), 1.0) and math.isclose(InverseGammaDistribution(3, 2).variance(), 1.0)
    assert math.isinf(InverseGammaDistribution(1, 2).mean()) and math.isinf(LogGammaDistribution(1, 0.6, 0).variance())
    assert UniformDistribution().mean() == 0.5 and UniformDistribution([1, 3]).variance() == 1 / 3
    assert DiscreteUniformDistribution([1, 6]).mean() == 3.5 and math.isclose(DiscreteUniformDistribution([1, 6]).variance(), 35 / 12)
    assert BinomialDistribution(10, 0.3).mean() == pytest.approx(3.0) and PoissonDistribution(3).variance() == 3
    assert NormalDistribution() == NormalDistribution(0, 1) and UniformDistribution() == UniformDistribution([0, 1])
    assert math.isclose(GammaDistribution(2, 3, 1, 0).mean(), 6) and math.isclose(InverseGammaDistribution(3, 2, 1, 0).mean(), 1)


@pytest.mark.parametrize("cls,params", [(c, p) for c, p, _ in CASES], ids=IDS)
def test_args_round_trip(cls, params):
    d = make(cls, params)
    assert type(d)(*d.args) == d and repr(d).startswith(cls.__name__)
    s = slotted(cls, len(params))
    assert type(s)(*s.args) == s and s.slots == tuple(cls.PARAMS[:len(params)])


def test_integer_parameters_show_as_the_whole_numbers_given():
    """DiscreteUniformDistribution([0, 3]) showed as DiscreteUniformDistribution([0.0, 3.0])."""
    assert repr(DiscreteUniformDistribution([0, 3])) == "DiscreteUniformDistribution([0, 3])"
    assert repr(BinomialDistribution(5, 0.3)) == "BinomialDistribution(5, 0.3)"
    assert repr(BinomialDistribution([2, 5], 0.5)) == "BinomialDistribution([2, 5], 0.5)"
    assert repr(ErlangDistribution(2, 1)) == "ErlangDistribution(2, 1.0)"  # the rate is Real
    assert BinomialDistribution(*BinomialDistribution([2, 5], 0.5).args) == BinomialDistribution([2, 5], 0.5)


# -- samples against the closed forms ---------------------------------------------------------------------
@pytest.mark.parametrize("cls,params", [(c, p) for c, p, _ in CASES], ids=IDS)
def test_sample_mean_and_variance_match_wolfram(cls, params):
    n = 200_000
    dist = make(cls, params)
    layer = RandomArrayLayer(dist, output=n)
    with torch.no_grad():
        x = NetGraph([layer], []).compile()(batch_size=1)[0].double()
    mean, var = dist.mean(), dist.variance()
    se_mean = math.sqrt(var / n)
    m4 = ((x - x.mean()) ** 4).mean().item()
    se_var = math.sqrt(max(m4 - var ** 2, 1e-12) / n)
    assert abs(x.mean().item() - mean) < 5 * se_mean, (x.mean().item(), mean, se_mean)
    assert abs(x.var().item() - var) < 5 * se_var, (x.var().item(), var, se_var)
    assert se_var < 0.05 * var  # the check has power: a 25% variance error fails


# -- gradients of E[X] and E[X^2] against exact derivatives -------------------------------------------------
def exact_gradients(dist, params, power):
    """d/d theta of E[X^power], from autograd on Wolfram's closed forms in float64."""
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    mean, var = dist.mean(*ts), dist.variance(*ts)
    value = mean if power == 1 else var + mean ** 2
    grads = torch.autograd.grad(value, ts, allow_unused=True)
    return [0.0 if g is None else g.item() for g in grads]


GRADIENT_CASES = [(case, i) for case, i in zip(CASES, IDS) if set(case[0].PARAMS) - set(case[0].INTEGER_PARAMS)]


@pytest.mark.parametrize("power", [1, 2], ids=["E[X]", "E[X^2]"])
@pytest.mark.parametrize("cls,params,n", [c for c, _ in GRADIENT_CASES], ids=[i for _, i in GRADIENT_CASES])
def test_gradients_match_exact_derivatives(cls, params, n, power):
    """Every real parameter of every distribution (DiscreteUniform has none: its bounds are integers)."""
    names = cls.PARAMS[:len(params)]
    real = [i for i, name in enumerate(names) if name not in cls.INTEGER_PARAMS]
    net = NetGraph([RandomArrayLayer(slotted(cls, len(params)))], [], **{name: () for name in names})
    module = net.compile()
    inputs = {name: torch.full((n,), float(v), requires_grad=i in real) for i, (name, v) in enumerate(zip(names, params))}
    x = module(**inputs)
    losses = x if power == 1 else x ** 2
    (losses.mean() + module.surrogate_loss(losses)).backward()
    exact = exact_gradients(make(cls, params), params, power)
    for i in real:
        per_draw = inputs[names[i]].grad * n  # each draw's contribution to the estimate
        estimate, se = per_draw.mean().item(), per_draw.std().item() / math.sqrt(n)
        assert math.isfinite(estimate)
        assert abs(estimate - exact[i]) <= 5 * se + 1e-5 * (1 + abs(exact[i])), (names[i], estimate, exact[i], se)
        assert se < 0.1 * abs(exact[i]) or abs(exact[i]) < 1e-9, (names[i], se, exact[i])


@pytest.mark.parametrize("cls,args", [
    (GammaDistribution, (0.01, 1.0)), (ChiDistribution, (0.02,)), (ChiSquareDistribution, (0.02,)),
    (NakagamiDistribution, (0.01, 1.0)), (LogGammaDistribution, (0.01, 0.1, 0.0)),
    (ExpGammaDistribution, (0.01, 1.0, 0.0)), (InverseGammaDistribution, (0.01, 1.0, 100.0, 0.0)),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_tiny_shapes_give_finite_gradients_in_float32(cls, args):
    names = cls.PARAMS[:len(args)]
    net = NetGraph([RandomArrayLayer(cls(*(f"#{n}" for n in names)))], [], **{n: () for n in names})
    inputs = {n: torch.full((20_000,), v, requires_grad=True) for n, v in zip(names, args)}
    x = net.compile()(**inputs)
    x.clamp(max=1e30).sum().backward()
    assert not x.isnan().any()
    for n in names:
        assert torch.isfinite(inputs[n].grad).all(), n


def test_gamma_gradient_at_shape_001_is_right():
    """d/d alpha E[X] = beta for Gamma(alpha, beta), even at alpha = 0.01 where float32 draws underflow."""
    n = 200_000
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", 2.0))], [], a=())
    a = torch.full((n,), 0.01, requires_grad=True)
    net.compile()(a=a).sum().backward()
    per_draw = a.grad
    estimate, se = per_draw.mean().item(), per_draw.std().item() / math.sqrt(n)
    assert abs(estimate - 2.0) < 5 * se and se < 0.1


def test_float64_parameters_give_float64_draws():
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", "#b"))], [], a=(), b=())
    x = net.compile()(a=torch.full((5,), 0.5, dtype=torch.float64), b=torch.ones(5, dtype=torch.float64))
    assert x.dtype == torch.float64


def test_closed_forms_need_values_for_slots():
    with pytest.raises(OptionError, match="slot parameters"):
        NormalDistribution("#mu", 1).mean()
    assert NormalDistribution("#mu", 1).mean(2.0, 1.0) == 2.0


def test_closed_forms_with_too_few_values_are_an_option_error_naming_the_parameters():
    """Values for the closed forms form an argument list of the distribution, as its constructor takes them."""
    with pytest.raises(OptionError, match=r"GammaDistribution\('#a', 2.0\).mean takes 2 or 4 parameter values "
                                          r"\(alpha \(shape\), beta \(scale\).*found 1"):
        GammaDistribution("#a", 2.0).mean(3.0)
    with pytest.raises(OptionError, match=r"variance takes 2 parameter values.*found 3"):
        NegativeBinomialDistribution(3.0, "#p").variance(3.0, 0.4, 1.0)
    assert GammaDistribution("#a", 2.0).mean(3.0, 2.0) == pytest.approx(6.0)


@pytest.mark.parametrize("dist", [NormalDistribution(0, 2), BinomialDistribution(5, 0.5)])
def test_assigning_to_a_distribution_says_it_is_frozen_and_how_to_make_another(dist):
    """It was dataclasses' bare "cannot assign to field 'params'", where a layer's says what to use."""
    import dataclasses

    from netgraph import OptionError
    from netgraph.core.errors import FrozenLayerError
    name, made = type(dist).__name__, f"{type(dist).__name__}({', '.join(dist.PARAMS)})"
    with pytest.raises(FrozenLayerError) as info:
        dist.params = (1.0, 3.0)
    assert str(info.value) == (f"{name} is frozen (a value: new parameters make a new one), not "
                               f"distribution.params = ...: make one with the parameters wanted, {made}")
    assert isinstance(info.value, (OptionError, dataclasses.FrozenInstanceError, AttributeError))
    assert (info.value.name, info.value.diagnostics[0].option, info.value.diagnostics[0].kind) == (
        "params", "params", "frozen-distribution")
    with pytest.raises(FrozenLayerError, match=rf"^{name} is frozen .*, not del distribution.nargs: make one "):
        del dist.nargs
    assert dist == type(dist)(*dist.args)  # unchanged


@pytest.mark.parametrize("make, message", [
    (lambda: NormalDistribution(mu=0, sigma=1), r"^NormalDistribution takes its parameters by position, in Wolfram's "
     r"order: NormalDistribution\(mu, sigma\) \(mu \(mean\), sigma \(standard deviation\)\); found mu=0, sigma=1$"),
    (lambda: NormalDistribution(loc=0, scale=1), r"NormalDistribution\(mu, sigma\) .*; found loc=0, scale=1$"),
    (lambda: GammaDistribution(2, beta=3), r"GammaDistribution\(alpha, beta, gamma, mu\) .*; found beta=3$"),
    (lambda: UniformDistribution(min=0, max=1), r"^UniformDistribution takes its parameters by position, in Wolfram's "
     r"order: UniformDistribution\(\[min, max\]\) .*; found min=0, max=1$"),
    (lambda: DiscreteUniformDistribution(low=1, high=6), r"DiscreteUniformDistribution\(\[imin, imax\]\)")])
def test_parameters_given_by_name_are_an_option_error_naming_the_order(make, message):
    """NormalDistribution(mu=0, sigma=1) (or torch's loc=, scale=) was Python's TypeError from
    Distribution.__init__; no other exception type than NetGraphError may escape from bad user input."""
    with pytest.raises(OptionError, match=message):
        make()
    assert UniformDistribution(bounds=[0, 2]) == UniformDistribution([0, 2])  # Uniform's own keyword stays
