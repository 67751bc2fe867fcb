"""Every distribution's sampler range: parameters whose draws would overflow are errors naming them.

For each of the 20 distributions: a valid, extreme constant set draws finite values (never torch's
-2**63 sentinel for Poisson counts); an overflowing constant set is an OptionError naming the
parameter; the same values fed to '#slot' inputs are a DataError naming the layer and parameter
under the run-time checks.
"""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import NetGraph, RandomArrayLayer, set_distribution_checks
from netgraph.core.errors import DataError, OptionError
from netgraph.layers.dist_limits import COUNT_MAX, FLOAT_MAX

# name: (extreme but valid args, overflowing args, the parameter the message must name)
CASES = {
    "NormalDistribution": ((1e37, 1e36), (1e39, 1.0), "mu"),
    "UniformDistribution": ((-1e38, 1e38), (-1.0, 3e38), "max"),
    "ExponentialDistribution": ((1e-36,), (1e-38,), "lam"),
    "MaxwellDistribution": ((1e37,), (1e38,), "sigma"),
    "RayleighDistribution": ((1e37,), (1e38,), "sigma"),
    "HalfNormalDistribution": ((1e-37,), (1e-38,), "theta"),
    "WeibullDistribution": ((1.0, 1e36), (0.01, 1.0), "alpha"),
    "GammaDistribution": ((2.0, 1e36), (1.0, 1e38), "beta"),
    "ChiDistribution": ((1e37,), (1e39,), "nu"),
    "NakagamiDistribution": ((1.0, 1e37), (1.0, 1e39), "omega"),
    "ChiSquareDistribution": ((1e37,), (2e38,), "nu"),
    "ErlangDistribution": ((2.0, 1e-36), (2.0, 1e-37), "lam"),
    "LogGammaDistribution": ((1.0, 1.0, 1e37), (1.0, 1.0, 1e39), "mu"),
    "ExpGammaDistribution": ((1.0, 1e36, 0.0), (1e-3, 1e36, 0.0), "kappa"),
    "InverseGammaDistribution": ((2.0, 1e36), (2.0, 1e39), "beta"),
    "BernoulliDistribution": ((1.0,), None, "p"),  # draws are 0 or 1: no overflow possible
    "BinomialDistribution": ((1e30, 0.5), (1e39, 0.5), "n"),
    "PoissonDistribution": ((1e18,), (1e30,), "mu"),
    "NegativeBinomialDistribution": ((1e10, 1e-6), (1.0, 1e-30), "p"),
    "DiscreteUniformDistribution": ((-1e37, 1e37), (-1e39, 0.0), "imin"),
}
LIST_ARG = {"UniformDistribution", "DiscreteUniformDistribution"}


def build(name: str, args: tuple) -> D.Distribution:
    cls = getattr(D, name)
    return cls(list(args)) if name in LIST_ARG else cls(*args)


def slotted(name: str) -> D.Distribution:
    params = getattr(D, name).PARAMS
    return build(name, tuple(f"#{p}" for p in params[:len(CASES[name][0])]))


def test_the_table_covers_every_univariate_distribution():
    univariate = {n for n, c in D.DISTRIBUTIONS.items() if not issubclass(c, D.VectorDistribution)}
    assert set(CASES) == univariate and len(CASES) == 20  # vector distributions: test_vector_distributions


@pytest.fixture
def checks_on():
    previous = set_distribution_checks(True)
    yield
    set_distribution_checks(previous)


@pytest.mark.parametrize("name", sorted(CASES))
def test_extreme_valid_constants_draw_finite_values(name):
    dist = build(name, CASES[name][0])
    torch.manual_seed(0)
    x = NetGraph([RandomArrayLayer(dist, output=2000)], [])()
    assert dist.DRAW_LIMIT == (COUNT_MAX if name in ("PoissonDistribution", "NegativeBinomialDistribution") else FLOAT_MAX)
    assert bool(torch.isfinite(x).all()) and float(x.abs().max()) <= dist.DRAW_LIMIT
    if dist.discrete and name != "DiscreteUniformDistribution":
        assert float(x.min()) >= 0  # never the int64 overflow sentinel -9.22e18


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][1] is not None))
def test_overflowing_constants_are_an_option_error_naming_the_parameter(name):
    _, bad, param = CASES[name]
    with pytest.raises(OptionError, match=rf"{name}: .*\b{param}\b") as info:
        build(name, bad)
    assert "overflow" in str(info.value) or "beyond" in str(info.value)


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][1] is not None))
def test_overflowing_slot_values_are_a_data_error_naming_layer_and_parameter(name, checks_on):
    _, bad, param = CASES[name]
    dist = slotted(name)
    net = NetGraph({"draw": RandomArrayLayer(dist, output=3)}, [], **{s: 3 for s in dist.slots})
    values = {s: torch.full((2, 3), float(v), dtype=torch.float64) for s, v in zip(dist.slots, bad)}  # 1e39: inf in float32
    with pytest.raises(DataError, match=rf"layer 'draw'.*{name}.*\b{param}\b"):
        net(**values)
    ok = {s: torch.full((2, 3), float(v)) for s, v in zip(dist.slots, CASES[name][0])}
    assert bool(torch.isfinite(net(**ok)).all())


@pytest.mark.parametrize("checks", [True, "auto", False])
def test_poisson_never_returns_the_int64_sentinel_under_any_check_mode(checks):
    with pytest.raises(OptionError, match="mu"):
        D.PoissonDistribution(1e30)
    net = NetGraph({"counts": RandomArrayLayer(D.PoissonDistribution("#mu"), output=4)}, [], mu=4)
    previous = set_distribution_checks(checks)
    try:
        if checks is False:
            return  # nothing is checked, as documented
        with pytest.raises(DataError, match=r"layer 'counts'.*mu \(mean\) = 1e\+30"):
            net(mu=torch.full((1, 4), 1e30))
    finally:
        set_distribution_checks(previous)


def test_a_tensor_constant_is_checked_elementwise():
    with pytest.raises(OptionError, match=r"mu \(mean\) = 1e\+30"):
        D.PoissonDistribution(torch.tensor([1.0, 1e30]))
    assert D.PoissonDistribution(torch.tensor([1.0, 1e18])).slots == ()
