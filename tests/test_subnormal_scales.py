"""A scale below the dtype's smallest normal number, where the sampler holds draws at least that number (the β of
Weibull, Gamma, InverseGamma and LogGamma), was silently clamped: every draw came out as the smallest normal number,
and LogProbability scored that clamped draw. It is refused, as parameters whose draws would overflow are."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import DataError, ElementwiseLayer, NetGraph, OptionError, RandomArrayLayer
from netgraph.layers.dist_held import unfit_dtypes

HELD = [(D.WeibullDistribution, (2.0,)), (D.GammaDistribution, (2.0,)), (D.InverseGammaDistribution, (3.0,)),
        (lambda *args: D.LogGammaDistribution(*args, 0.0), (2.0,))]  # LogGamma's third: its location
#: each one's exact smallest scale holding at most 1% of draws, in float32 and float64 (rounded up to 3 digits)
BOUNDS = {"Weibull": ("1.18e-37", "2.22e-307"), "Gamma": ("7.92e-38", "1.5e-307"),
          "InverseGamma": ("9.89e-38", "1.88e-307"), "LogGamma": ("7.92e-38", "1.5e-307")}
IDS = ["Weibull", "Gamma", "InverseGamma", "LogGamma"]


@pytest.mark.parametrize("dist,shape,bound", [(*h, BOUNDS[i][0]) for h, i in zip(HELD, IDS)], ids=IDS)
def test_a_subnormal_scale_constant_is_refused_when_built(dist, shape, bound):
    with pytest.raises(OptionError, match=rf"parameter beta \(\w+\) must be at least {bound} where alpha \(shape\) = "
                                          r"\d, found 1e-40: 100% of draws would be held at float32's") as info:
        dist(*shape, 1e-40)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.option, diagnostic.expected, diagnostic.found) == (
        "option-value", "beta", f">= {bound}", 1e-40)


def test_a_generalized_gamma_and_an_array_constant_are_refused_too():
    with pytest.raises(OptionError, match="smallest normal"):
        D.GammaDistribution(2.0, 1e-40, 1.5, 0.0)
    with pytest.raises(OptionError, match="smallest normal") as info:
        D.GammaDistribution(2.0, [1.0, 1e-40])
    assert info.value.diagnostics[0].found == 1e-40


@pytest.mark.parametrize("dtype,value,tiny", [(torch.float32, 1e-40, "1.18e-38"), (torch.float64, 1e-310, "2.23e-308")],
                         ids=["float32", "float64"])
@pytest.mark.parametrize("dist,shape,name", [(*h, i) for h, i in zip(HELD, IDS)], ids=IDS)
def test_a_subnormal_scale_at_a_slot_is_a_data_error_naming_layer_port_and_value(dist, shape, name, dtype, value, tiny):
    net = NetGraph({"draw": RandomArrayLayer(dist(*shape, "#b"), log_probability=True)}, [], b=())
    precision = "float64" if dtype == torch.float64 else None
    bound = BOUNDS[name][dtype == torch.float64]
    with pytest.raises(DataError, match=f"at least {bound} where .* held at {dtype}'s smallest normal number "
                                        f"{tiny} .* at port 'b'".replace("torch.", "")) as info:
        net({"b": torch.tensor([1.0, value], dtype=dtype)}, precision=precision)
    error = info.value
    assert (error.kind, error.layer, error.port, error.option, error.expected) == (
        "parameter-value", ("draw",), "b", "beta", f">= {bound}")
    assert error.found == torch.tensor(value, dtype=dtype).item()


def test_a_scale_subnormal_in_float32_draws_unclamped_in_float64():
    """1e-40 is a normal float64: drawn in float64 the scale is kept, so draws / β have Gamma(2, 1)'s mean 2."""
    torch.manual_seed(0)
    net = NetGraph({"draw": RandomArrayLayer(D.GammaDistribution(2.0, "#b"))}, [], b=())
    draws = net({"b": torch.full((20000,), 1e-40, dtype=torch.float64)}, precision="float64") / 1e-40
    assert abs(float(draws.mean()) - 2.0) < 4 * (2.0 / draws.numel()) ** 0.5


def test_a_layer_feeding_a_subnormal_scale_is_advised_to_bound_it():
    net = NetGraph({"s": ElementwiseLayer("Exp"),
                    "draw": RandomArrayLayer(D.WeibullDistribution(2.0, "#b"))}, {"s": "draw"}, Input=())
    with pytest.raises(DataError, match=r"Many draws would be held at the smallest normal number; bound the scale"):
        net({"Input": torch.tensor([0.0, -95.0])})


def test_a_run_in_float64_is_not_advised_to_draw_in_float64():
    """The advice offered float64 to a run already drawing in it (e^-720 is below float64's smallest normal)."""
    net = NetGraph({"s": ElementwiseLayer("Exp"),
                    "draw": RandomArrayLayer(D.WeibullDistribution(2.0, "#b"))}, {"s": "draw"}, Input=())
    with pytest.raises(DataError, match=r"smallest normal number 2.23e-308") as info:
        net({"Input": torch.tensor([0.0, -720.0], dtype=torch.float64)}, precision="float64")
    assert str(info.value).endswith("a rate above (e.g. with a clip) in float64.")
    with pytest.raises(DataError) as info:
        net({"Input": torch.tensor([0.0, -95.0])})
    assert str(info.value).endswith('or draw in float64 (precision="float64").')


def test_a_subnormal_normal_sigma_is_still_drawn():
    """Normal's draws are not held at the smallest normal number: a subnormal σ gives subnormal draws, not refused."""
    torch.manual_seed(0)
    draws = NetGraph([RandomArrayLayer(D.NormalDistribution(0.0, 1e-40), output=())], [])(batch_size=1000)
    assert 0 < float(draws.abs().max()) < 1e-38


def test_an_erlang_rate_above_the_reciprocal_of_the_smallest_normal_is_refused():
    """Erlang draws G/λ, held at the smallest normal number: λ = 1e38 (within ±1e38) held most draws there."""
    with pytest.raises(OptionError, match=r"parameter lam \(rate λ\) must be at most 8.54e\+35 where k") as info:
        D.ErlangDistribution(1, 1e38)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.option, diagnostic.expected, diagnostic.found) == ("lam", "<= 8.54e+35", 1e38)
    net = NetGraph({"draw": RandomArrayLayer(D.ErlangDistribution(2, "#l"))}, [], l=())
    with pytest.raises(DataError, match="at most 1.26e.37 where .*, found .* float32's smallest normal number 1.18e-38 "
                                        ".* at port 'l'") as info:
        net({"l": torch.tensor([1.0, 9e37])})
    error = info.value
    assert (error.kind, error.layer, error.port, error.option, error.expected) == (
        "parameter-value", ("draw",), "l", "lam", "<= 1.26e+37")
    assert error.found == torch.tensor(9e37).item()


@pytest.mark.parametrize("dist,rate,precision,mean", [
    (lambda lam: D.ErlangDistribution(2, lam), 1e36, None, 2.0),  # 1/λ = 1e-36: few draws held
    (lambda lam: D.ErlangDistribution(2, lam), 1e38, "float64", 2.0),  # a normal float64 scale
    (D.ExponentialDistribution, 1e38, None, 1.0)], ids=["Erlang-1e36", "Erlang-float64", "Exponential"])
def test_rates_whose_draws_are_not_held_are_drawn_unbiased(dist, rate, precision, mean):
    """Exponential's E/λ is not held at the smallest normal number (subnormal draws): it is drawn, not refused."""
    torch.manual_seed(0)
    dtype = torch.float64 if precision else torch.float32
    net = NetGraph({"draw": RandomArrayLayer(dist("#l"))}, [], l=())
    draws = net({"l": torch.full((20000,), rate, dtype=dtype)}, precision=precision).double() * rate
    assert abs(float(draws.mean()) - mean) < 4 * (mean / draws.numel()) ** 0.5


@pytest.mark.parametrize("checks", [None, True, False])
@pytest.mark.parametrize("dist,option,words,remedy", [
    (D.WeibullDistribution(2.0, 1e-5), "beta", "least 0.000609 where .* float16's smallest normal number 6.1e-05",
     "give a larger constant beta"),
    (D.ErlangDistribution(1, 3e4), "lam", "most 164 where .* float16's smallest normal number 6.1e-05",
     "give a smaller constant lam")], ids=["Weibull-scale", "Erlang-rate"])
def test_a_constant_subnormal_in_float16_is_refused_in_a_float16_module(dist, option, words, remedy, checks):
    """Constants were checked against float32's smallest normal number only: a float16 Weibull of scale 1e-5 (below
    float16's 6.1e-5) drew 6.1e-5 every time."""
    module = NetGraph({"draw": RandomArrayLayer(dist, output=50)}, []).compile(
        **({} if checks is None else {"checks": checks}))
    with pytest.raises(DataError, match=f"layer 'draw' .* must be at {words} .*; run the layer in float32") \
            as info:
        module.half()()
    assert str(info.value).endswith(remedy)
    assert (info.value.kind, info.value.layer, info.value.option) == ("parameter-value", ("draw",), option)


def test_a_scale_subnormal_only_in_float16_draws_unclamped_in_bfloat16():
    """bfloat16 has float32's smallest normal number: Weibull(2, 1e-5)'s draws keep their mean β·Γ(1.5)."""
    torch.manual_seed(0)
    module = NetGraph({"draw": RandomArrayLayer(D.WeibullDistribution(2.0, 1e-5), output=20000)}, []).compile()
    draws = module.to(torch.bfloat16)().double() / 1e-5
    mean, sd = 0.886227, (1 - 0.886227 ** 2) ** 0.5
    assert abs(float(draws.mean()) - mean) < 4 * sd / draws.numel() ** 0.5 + 0.004  # + bfloat16's rounding


def test_a_subnormal_scale_holding_no_draws_is_drawn_unbiased():
    """β = 1e-39 was refused as below float32's smallest normal number though Gamma(100)'s draws G are above 11.7
    (1.18e-38 / β) with probability 1 - 1e-60: none is held. Accepted as a constant and at a slot, its draws / β
    have Gamma(100, 1)'s mean 100 (sd 10)."""
    torch.manual_seed(0)
    beta = torch.tensor(1e-39)  # subnormal in float32: its value there is 1.0000002e-39
    net = NetGraph({"draw": RandomArrayLayer(D.GammaDistribution(100.0, "#b"), log_probability=True)}, [], b=())
    out = net({"b": beta.expand(20000)})
    draws = out["Output"].double() / float(beta)
    assert abs(float(draws.mean()) - 100.0) < 4 * 10.0 / draws.numel() ** 0.5
    assert bool(out["LogProbability"].isfinite().all())
    assert D.GammaDistribution(100.0, 1e-39).params[1] == 1e-39


@pytest.mark.parametrize("dist,share,bound", [(lambda b: D.WeibullDistribution(0.2, b), "81%", "1.15e-28"),
                                              (lambda b: D.InverseGammaDistribution(0.5, b), "68%", "3.9e-38")],
                         ids=["Weibull", "InverseGamma"])
def test_a_subnormal_scale_holding_many_draws_is_refused(dist, share, bound):
    """β = 1e-39 holds most of Weibull(0.2)'s and InverseGamma(0.5)'s draws at the floor: still refused."""
    with pytest.raises(OptionError, match=f"found 1e-39: {share} of draws would be held at float32's smallest normal"):
        dist(1e-39)
    net = NetGraph({"draw": RandomArrayLayer(dist("#b"))}, [], b=())
    with pytest.raises(DataError, match=f"{share} of draws would be held") as info:
        net({"b": torch.full((3,), 1e-39)})
    assert (info.value.kind, info.value.option, info.value.expected) == ("parameter-value", "beta", f">= {bound}")


def test_an_erlang_rate_and_a_float16_scale_holding_no_draws_are_drawn():
    """The same rule for a rate above 1/1.18e-38 (Erlang(100)'s G/λ, G > 11.7 nearly always, is never held at λ =
    1e38) and a constant scale below float16's 6.1e-5 (Gamma(100)'s β·G at β = 5e-5 exceeds it nearly always)."""
    torch.manual_seed(0)
    net = NetGraph({"draw": RandomArrayLayer(D.ErlangDistribution(100, "#l"))}, [], l=())
    rate = torch.tensor(1e38)
    draws = net({"l": rate.expand(20000)}).double() * float(rate)
    assert abs(float(draws.mean()) - 100.0) < 4 * 10.0 / draws.numel() ** 0.5
    assert unfit_dtypes(D.GammaDistribution(100.0, 5e-5)) == {}  # torch has no CPU float16 Gamma sampler to draw it
    assert set(unfit_dtypes(D.GammaDistribution(2.0, 5e-5))) == {torch.float16}  # 1.22: 35% held


@pytest.mark.parametrize("alpha,share,bound", [(0.2, "81%", "1.15e-28"), (100.0, "100%", "1.24e-38")])
def test_a_subnormal_constant_scale_beside_a_slot_is_checked_at_the_call(alpha, share, bound):
    """A slot made the build skip the check ("checked at the call"), but the call checked only the slots' tensors:
    Weibull('#a', 1e-39) drew 81% (α = 0.2) or all (α = 100) of its draws held at float32's smallest normal number."""
    net = NetGraph({"draw": RandomArrayLayer(D.WeibullDistribution("#a", 1e-39))}, [], a=())
    with pytest.raises(DataError, match=f"found 1e-39: {share} of draws would be held") as info:
        net({"a": torch.full((3,), alpha)})
    assert (info.value.kind, info.value.option, info.value.expected) == ("parameter-value", "beta", f">= {bound}")
