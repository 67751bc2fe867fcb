"""Every distribution's sampler range: parameters whose draws would overflow are errors naming them.

For each of the 20 distributions: a valid, extreme constant set draws finite values (never torch's
-2**63 sentinel for Poisson counts); an overflowing constant set is an OptionError naming the
parameter; the same values fed to '#slot' inputs are a DataError naming the layer and parameter
under the run-time checks.
"""

from __future__ import annotations

import math

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import ElementwiseLayer, NetGraph, NetPort, RandomArrayLayer, set_distribution_checks
from netgraph.core.errors import DataError, OptionError
from netgraph.layers.dist_limits import COUNT_MAX, FLOAT_MAX, _corner_within, overflow_problems

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
    "InverseGammaDistribution": ((2.0, 1e30), (2.0, 1e36), "beta"),  # beta / G: G's lower tail multiplies 1e6
    "BernoulliDistribution": ((1.0,), None, "p"),  # draws are 0 or 1: no overflow possible
    "BinomialDistribution": ((1e30, 0.5), (1e39, 0.5), "n"),
    "PoissonDistribution": ((1e18,), (1e30,), "mu"),
    "NegativeBinomialDistribution": ((1e10, 1e-6), (1.0, 1e-30), "p"),
    "DiscreteUniformDistribution": ((-2 ** 24, 2 ** 24), (-1e39, 0.0), "imin"),  # float32 holds integers to 2**24
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
    if all(abs(float(v)) <= torch.finfo(torch.float32).max for v in bad):
        with pytest.raises(DataError, match=rf"layer 'draw'.*{name}.*\b{param}\b"):
            net(**values)
    else:  # refused where the data enters float32, before it becomes infinite (the port is the parameter's slot)
        with pytest.raises(DataError, match=r"input port '\w+': values as large as .* beyond float32's range"):
            net(**values)
        if name == "DiscreteUniformDistribution":  # in float64 the values arrive: past the integers it holds exactly
            with pytest.raises(DataError, match=rf"layer 'draw'.*{name}.*\b{param}\b"):
                net(**values, precision="float64")
        else:  # in float64 the values arrive and are drawn, within its range (they were refused as past float32's)
            assert bool(torch.isfinite(net(**values, precision="float64")).all())
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


def test_an_overflowing_slot_value_names_its_port_and_layer_in_the_diagnostic(checks_on):
    """An overflow said its port only in the message (its Diagnostic's ``port`` was empty, as a bad value's is not)."""
    net = NetGraph({"counts": RandomArrayLayer(D.PoissonDistribution("#mu"), output=4)}, [], mu=4)
    with pytest.raises(DataError, match="mu") as err:
        net(mu=torch.full((1, 4), 1e30))
    assert [(d.layer, d.port) for d in err.value.diagnostics] == [(("counts",), "mu")]


def test_a_tensor_constant_is_checked_elementwise():
    with pytest.raises(OptionError, match=r"mu \(mean\) = 1e\+30"):
        D.PoissonDistribution(torch.tensor([1.0, 1e30]))
    assert D.PoissonDistribution(torch.tensor([1.0, 1e18])).slots == ()


def test_the_worst_corner_is_only_a_shortcut_never_a_verdict(checks_on):
    """NegativeBinomial's bound grows with n and falls with p: two elements each fine on their own make a
    corner (largest n, smallest p) beyond the limit; the elementwise check then decides, and finds nothing."""
    dist = D.NegativeBinomialDistribution("#n", "#p")
    n, p = torch.tensor([[1e10, 1.0]]), torch.tensor([[1e-2, 1e-15]])
    assert not _corner_within(dist, [n, p], {"n": (1.0, 1e10), "p": (1e-15, 1e-2)}, COUNT_MAX)
    assert overflow_problems(dist, [n, p], [], {"n": (1.0, 1e10), "p": (1e-15, 1e-2)}) == []
    net = NetGraph({"draw": RandomArrayLayer(dist, output=2)}, [], n=2, p=2)
    assert bool(torch.isfinite(net(n=n, p=p)).all())
    bad = torch.tensor([[1e10, 1.0]]), torch.tensor([[1e-15, 0.5]])  # one element beyond: still found
    with pytest.raises(DataError, match=r"layer 'draw'.*n \(number of successes\) = 1e\+10"):
        net(n=bad[0], p=bad[1])


DECLARING = sorted(name for name in CASES if getattr(getattr(D, name), "BOUND_SLOPES", None))


def test_the_discrete_counts_declare_their_bound_slopes():
    assert {"PoissonDistribution", "BinomialDistribution", "NegativeBinomialDistribution"} <= set(DECLARING)
    assert "BernoulliDistribution" not in DECLARING  # no bound: draws are 0 or 1


@pytest.mark.parametrize("name", DECLARING)
def test_declared_bound_slopes_hold_over_a_grid(name):
    """BOUND_SLOPES promises the bound is monotone in each parameter (0: in its size): checked on a grid of
    every parameter at once, each varied along its own axis, with the others at every grid value."""
    cls = getattr(D, name)

    def sizes(param: str) -> torch.Tensor:  # positive values within the parameter's constraint
        hi = cls.CONSTRAINTS[param].hi
        return torch.logspace(-12, 0, 12, dtype=torch.float64) * hi if hi < 1e30 else torch.logspace(-2, 6, 12, dtype=torch.float64)
    axes = torch.meshgrid(*(sizes(p) for p in cls.PARAMS), indexing="ij")
    bound = cls._draw_bound(None, *axes)
    assert bool(torch.isfinite(bound).all())
    for axis, param in enumerate(cls.PARAMS):
        slope = cls.BOUND_SLOPES.get(param)
        if slope is None:
            continue
        steps = bound.diff(dim=axis) * (slope or 1)
        assert bool((steps >= -1e-9 * bound.abs().amax()).all()), f"{name}'s bound is not monotone in {param}"
        if slope == 0:  # the size: the negative value gives the same bound
            flipped = [(-a if i == axis else a) for i, a in enumerate(axes)]
            torch.testing.assert_close(cls._draw_bound(None, *flipped), bound)


def test_a_check_of_values_in_range_costs_no_elementwise_float64_pass(checks_on):
    net = NetGraph({"counts": RandomArrayLayer(D.PoissonDistribution("#mu"), output=256)}, [], mu=256)
    mu = torch.rand(64, 256) * 5
    net(mu=mu)
    with torch.profiler.profile(record_shapes=True) as prof:
        net(mu=mu)
    whole = {e.key for e in prof.key_averages(group_by_input_shape=True) if e.input_shapes and e.input_shapes[0] == [64, 256]}
    assert "aten::aminmax" in whole and not whole & {"aten::abs", "aten::sqrt", "aten::gt", "aten::le"}  # no bound per element


def test_a_bad_slot_value_names_a_numbered_layer_by_its_position():
    # it named it by the generated code's module path, "self._modules['1']" (found by QA)
    from netgraph import DataError, GammaDistribution, NetGraph, RandomArrayLayer
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.0))], [], a=2)
    for call in (lambda: net(a=torch.tensor([[-1.0, 1.0]])), lambda: net.compile()(a=torch.tensor([[-1.0, 1.0]]))):
        with pytest.raises(DataError, match=r"^layer 1 \(RandomArrayLayer with GammaDistribution\('#a', 1\.0\)\): "):
            call()


def test_discrete_uniform_bounds_out_of_order_are_named_as_numbers():
    """The message named the bounds as tensor reprs ('tensor(5., dtype=torch.float64)'); now the first pair out of order."""
    import torch
    from netgraph import DataError, DiscreteUniformDistribution, NetGraph, RandomArrayLayer
    net = NetGraph([RandomArrayLayer(DiscreteUniformDistribution(["#a", "#b"]))], [], a=2, b=2)
    with pytest.raises(DataError, match=r"needs imin <= imax, found imin 5 and imax 3 at index \(0, 1\)\."):
        net(a=torch.tensor([[1.0, 5.0]]), b=torch.tensor([[4.0, 3.0]]))


@pytest.mark.parametrize("dist,args,param", [
    (D.LogGammaDistribution, (2.0, 3.0, 0.0), "beta"), (D.InverseGammaDistribution, (0.1, 1.0), "alpha"),
    (D.InverseGammaDistribution, (0.5, 1.0, 0.2, 0.0), "gamma"), (D.GammaDistribution, (2.0, 1.0, 0.01, 0.0), "gamma"),
], ids=["LogGamma", "InverseGamma", "InverseGamma-power", "GeneralizedGamma"])
def test_log_space_samplers_refuse_draws_past_float32_like_weibull(dist, args, param, checks_on):
    """They clamped such draws to the largest float silently (found by QA); now refused as Weibull's are."""
    with pytest.raises(OptionError, match=rf"{dist.__name__}: parameters .*\b{param}\b.* beyond float32's range"):
        dist(*args)
    names = dist.PARAMS[:len(args)]
    net = NetGraph({"draw": RandomArrayLayer(dist(*(f"#{n}" for n in names)))}, [], **{n: () for n in names})
    with pytest.raises(DataError, match=rf"layer 'draw'.*{dist.__name__}.*beyond float32's range"):
        net(**{n: torch.full((4,), v) for n, v in zip(names, args)})


@pytest.mark.parametrize("build", [
    lambda: D.NormalDistribution(0.0, []), lambda: D.BernoulliDistribution(torch.ones(2, 0)),
    lambda: D.GammaDistribution([[]], 1.0), lambda: D.DirichletDistribution(torch.ones(0, 3)),
    lambda: D.MultinormalDiagonalDistribution(torch.zeros(0, 2), [1.0, 1.0]),
], ids=["Normal", "Bernoulli", "Gamma", "Dirichlet", "MultinormalDiagonal"])
def test_an_empty_constant_parameter_is_refused_naming_it(build):
    """It gave an Output with a 0-size dim, which output= and port shapes refuse (found by QA)."""
    with pytest.raises(OptionError, match=r"Distribution: parameter \w+ \(.*\) must not be empty, found an array "
                                          r"of shape \(\d"):
        build()


@pytest.mark.parametrize("dist,args", [
    (D.GammaDistribution, ("#a", 1.0)), (D.GammaDistribution, ("#a", 1.0, 2.0, 0.0)), (D.ChiDistribution, ("#a",)),
    (D.ChiSquareDistribution, ("#a",)), (D.NakagamiDistribution, ("#a", 1.0)),
], ids=["Gamma", "GeneralizedGamma", "Chi", "ChiSquare", "Nakagami"])
def test_tiny_shapes_never_draw_zero_so_the_log_probability_stays_finite(dist, args):
    """At shape 0.01 about 4 in 10 float32 draws underflowed to 0, off the support: LogProbability +inf and NaN
    gradients (found by QA). They are now exp of the smallest normal float32's log (see the next test)."""
    torch.manual_seed(0)
    net = NetGraph([RandomArrayLayer(dist(*args), output=(), log_probability=True)], [], a=())
    a = torch.full((4000,), 0.01, requires_grad=True)
    out = net.compile()(a=a)
    out["LogProbability"].sum().backward()
    assert bool((out["Output"] > 0).all()) and bool(torch.isfinite(out["LogProbability"]).all())
    assert bool(torch.isfinite(a.grad).all())


@pytest.mark.parametrize("flush", [False, True], ids=["denormals", "flush-denormal"])
def test_a_tiny_shape_gamma_draw_floors_at_a_normal_float32(flush):
    """The floor was exp of the smallest normal float32's log rounded to float32, 1.1754907e-38: subnormal, so
    under torch.set_flush_denormal(True) 4 in 10 draws at shape 0.01 were 0 again, off the support. It is now exp of
    the next float32 above that log: the smallest such exp that is a normal number."""
    torch.manual_seed(0)
    net = NetGraph([RandomArrayLayer(D.GammaDistribution("#a", 1.0), output=(), log_probability=True)], [], a=())
    tiny = torch.finfo(torch.float32).tiny
    log_tiny = torch.tensor(math.log(tiny), dtype=torch.float32)
    floor = torch.nextafter(log_tiny, torch.tensor(0.0)).exp().item()
    assert log_tiny.exp().item() < tiny <= floor < tiny * (1 + 1e-5)
    assert torch.set_flush_denormal(flush) or not flush  # x86 (SSE3) and arm64 support it
    try:
        out = net.compile()(a=torch.full((4000,), 0.01))
    finally:
        torch.set_flush_denormal(False)
    draws = out["Output"]
    assert draws.min().item() == floor and 0.3 < (draws == floor).float().mean().item() < 0.5
    assert bool(torch.isfinite(out["LogProbability"]).all())


@pytest.mark.parametrize("flush", [False, True], ids=["denormals", "flush-denormal"])
@pytest.mark.parametrize("dist,args,shape", [
    (D.GammaDistribution, ("#a", 0.1), 0.01), (D.GammaDistribution, ("#a", 1e-3), 0.01),
    (D.LogGammaDistribution, ("#a", 0.1, 0.0), 0.01), (D.WeibullDistribution, ("#a", 0.1), 0.05),
], ids=["Gamma0.1", "Gamma1e-3", "LogGamma", "Weibull"])
def test_a_tiny_shape_with_a_small_scale_still_floors_at_a_normal_float32(dist, args, shape, flush):
    """Found by QA: the floor was applied to the standard draw (Gamma's G, Weibull's E^(1/α)), not to β times it, so
    a scale below 1 made draws subnormal (1.2e-39 at β = 0.1): LogProbability's gradient was inf or NaN, and under
    flush-denormal up to 4 in 10 draws were 0, off the support, with an infinite LogProbability."""
    torch.manual_seed(0)
    net = NetGraph([RandomArrayLayer(dist(*args), output=(), log_probability=True)], [], a=())
    a = torch.full((4000,), shape, requires_grad=True)
    assert torch.set_flush_denormal(flush) or not flush
    try:
        out = net.compile()(a=a)
        out["LogProbability"].sum().backward()
    finally:
        torch.set_flush_denormal(False)
    assert out["Output"].min().item() >= torch.finfo(torch.float32).tiny
    assert bool(torch.isfinite(out["LogProbability"]).all()) and bool(torch.isfinite(a.grad).all())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_the_exp_floor_is_a_normal_number_in_every_float_dtype(dtype):
    """bfloat16's floor was 1.0e-38 (its log rounds a half down), subnormal and 0 when flushed."""
    from netgraph.layers.dist_tensors import safe_exp
    torch.set_flush_denormal(True)
    try:
        floor = safe_exp(torch.full((64,), -1e4, dtype=dtype))  # 64: the vectorized exp too
    finally:
        torch.set_flush_denormal(False)
    assert bool((floor >= torch.finfo(dtype).tiny).all()) and floor.unique().numel() == 1
    log_tiny, zero = torch.tensor(math.log(torch.finfo(dtype).tiny), dtype=dtype), torch.tensor(0.0, dtype=dtype)
    assert floor[0].item() < math.exp(torch.nextafter(torch.nextafter(log_tiny, zero), zero).item())  # no lower


@pytest.mark.parametrize("dist", [
    D.WeibullDistribution(0.05, 1.0), D.RayleighDistribution(1e-30),
    D.RayleighDistribution(1e30), D.MaxwellDistribution(1e-30), D.HalfNormalDistribution(1e30),
], ids=["Weibull-tiny-shape", "Rayleigh-tiny", "Rayleigh-huge", "Maxwell-tiny", "HalfNormal-huge"])
def test_valid_extreme_constants_draw_positive_values_with_a_finite_log_probability(dist):
    """Weibull draws at a tiny shape underflowed to 0 (LogProbability inf), and the Rayleigh, Maxwell and HalfNormal
    log-densities squared σ (or θ) alone, which over- or underflows: NaN for every draw (found by QA)."""
    torch.manual_seed(0)
    out = NetGraph([RandomArrayLayer(dist, output=(), log_probability=True)], []).compile()(batch_size=20000)
    assert bool((out["Output"] > 0).all()) and bool(torch.isfinite(out["LogProbability"]).all())


def test_a_refused_draw_names_the_parameters_given_not_the_defaulted_ones():
    """GammaDistribution(a, b) listed 'gamma (power) = 1, mu (location) = 0', which the user never wrote."""
    given = r"parameters alpha \(shape\) = 2, beta \(scale\) = 1e\+37 give draws up to"
    with pytest.raises(OptionError, match=given) as constant:
        D.GammaDistribution(2.0, 1e37)
    net = NetGraph({"g": RandomArrayLayer(D.GammaDistribution("#a", "#b"))}, [], a=(), b=())
    with pytest.raises(DataError, match=given) as slots:
        net.compile()(a=torch.tensor([2.0]), b=torch.tensor([1e37]))
    for error in (constant, slots):
        assert "power" not in str(error.value) and "location" not in str(error.value)
    with pytest.raises(OptionError, match=r"alpha \(shape\) = 2, beta \(scale\) = 1e\+37, gamma \(power\) = 1, "
                                          r"mu \(location\) = 0 give"):
        D.GammaDistribution(2.0, 1e37, 1.0, 0.0)  # written out: named


@pytest.mark.parametrize("dist, lo, hi, match", [
    (D.UniformDistribution(["#a", "#b"]), [[0.0, 2.0, 1.0]], [[1.0, 2.0, 0.0]],
     r"needs min < max, found min 2 and max 2 at index \(0, 1\) \(and 1 more"),
    (D.DiscreteUniformDistribution(["#a", "#b"]), [[0.0, 5.0]], [[1.0, 3.0]], r"needs imin <= imax, found imin 5 and "
                                                                            r"imax 3 at index \(0, 1\)\."),
], ids=["Uniform", "DiscreteUniform"])
def test_bounds_out_of_order_are_named_as_numbers_at_their_index(dist, lo, hi, match):
    """Uniform said 'found min array (1, 3) (some min >= max) and max array (1, 3) (some min >= max)'. The Diagnostic
    had no port, option, expected or found (and the advice was about a layer feeding them): now as other parameters'."""
    width = len(lo[0])
    module = NetGraph({"u": RandomArrayLayer(dist)}, [], a=width, b=width).compile(checks=True)  # Uniform: inline
    with pytest.raises(DataError, match=match) as info:
        module(a=torch.tensor(lo), b=torch.tensor(hi))
    low, high = dist.PARAMS
    found = next((x, y) for x, y in zip(lo[0], hi[0]) if not x < y)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.layer, diagnostic.port, diagnostic.option) == (("u",), "a", low)
    assert diagnostic.expected == f"{low} {'<' if low == 'min' else '<='} {high}"
    assert diagnostic.found == ((low, found[0]), (high, found[1]))
    assert "The data at input ports 'a' and 'b' holds it" in str(info.value)


@pytest.mark.parametrize("dist, port, option", [(D.UniformDistribution([5.0, "#b"]), "b", "max"),
                                                (D.DiscreteUniformDistribution(["#a", 0]), "a", "imin")])
def test_a_bound_out_of_order_with_a_constant_names_the_slot_s_port_and_parameter(dist, port, option):
    module = NetGraph({"u": RandomArrayLayer(dist)}, [], **{port: 2}).compile(checks=True)
    with pytest.raises(DataError, match="holds it: fix those values in the data") as info:
        module(**{port: torch.tensor([[7.0, 1.0]])})
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.port, diagnostic.option) == (port, option)
    assert dict(diagnostic.found) == {"min": 5.0, "max": 1.0} if option == "max" else {"imin": 7.0, "imax": 0.0}


@pytest.mark.parametrize("dist, value, precision", [
    (D.PoissonDistribution("#x"), 1e30, "float32"),  # counts beyond torch's sampler
    (D.WeibullDistribution("#x", 1.0), 0.01, "float32"),  # with a constant, draws past float32's range
    (D.GammaDistribution(1.0, "#x"), 1e304, "float64"),  # one parameter beyond ±1e303 (float64's limit)
], ids=["Poisson", "Weibull", "Gamma"])
def test_an_overflow_given_as_data_gets_advice_about_the_data_not_the_layer_feeding_it(dist, value, precision,
                                                                                        checks_on):
    """Values fed straight from the net's input: no layer to bound with a Tanh or a clip."""
    x = torch.full((1, 2), value, dtype=torch.float64)
    given = NetGraph({"d": RandomArrayLayer(dist)}, [], x=2)
    with pytest.raises(DataError, match=r"\. The data at input port 'x' holds it: fix those values") as info:
        given(x=x, precision=precision)
    assert "Tanh" not in str(info.value)
    computed = NetGraph([ElementwiseLayer("#"), RandomArrayLayer(dist)], [(1, NetPort(2, "x"))], Input=2)
    with pytest.raises(DataError, match=r"bound the layer feeding it \(e\.g\. with a Tanh or a clip\)"):
        computed(x, precision=precision)
