"""A half-precision random layer's draws are bounded by its dtype's range: float16 holds at most 65504, so a float16
module refuses a draw beyond it as a float32 one refuses a draw beyond 3.4e38 (the limits were float32's, and a float16
Exponential of rate 1e-4 gave inf); bfloat16 has float32's range."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import DataError, NetGraph, RandomArrayLayer

N = 20000


def drawing(dist) -> torch.nn.Module:
    return NetGraph({"draw": RandomArrayLayer(dist)}, [], x=()).compile(checks=True)


@pytest.mark.parametrize("dtype, rate, words", [
    (torch.float16, 1e-4, r"give draws up to about 3e\+05, values beyond float16's range \(inf\); keep draws below "
                          r"6.55e\+04"),
    (torch.float32, 1e-38, r"give draws up to about 3e\+39, values beyond float32's range \(inf\); keep draws below "
                           r"3.4e\+38"),
    (torch.bfloat16, 1e-38, r"give draws up to about 3e\+39, values beyond bfloat16's range \(inf\); keep draws below "
                            r"3.39e\+38")])
def test_a_draw_beyond_the_dtypes_range_is_refused_with_the_same_words(dtype, rate, words):
    module = drawing(D.ExponentialDistribution("#x")).to(dtype)
    with pytest.raises(DataError, match=r"layer 'draw' \(RandomArrayLayer with ExponentialDistribution\('#x'\)\): "
                                        r"ExponentialDistribution parameters lam \(rate λ\) = .* " + words):
        module(x=torch.full((4,), rate, dtype=dtype))


def test_float16_draws_within_its_range_have_their_distribution():
    torch.manual_seed(0)
    draws = drawing(D.ExponentialDistribution("#x")).to(torch.float16)(x=torch.full((N,), 1e-3, dtype=torch.float16))
    assert draws.dtype == torch.float16 and bool(torch.isfinite(draws).all())
    for x in (300.0, 1000.0, 3000.0):  # P(X <= x) = 1 - e^(-x/1000) (the rate held in float16: 0.0010004)
        expected = 1 - torch.exp(torch.tensor(-x * 0.0010004)).item()
        found = float((draws.float() <= x).double().mean())
        assert abs(found - expected) < 4 * (expected * (1 - expected) / N) ** 0.5, (x, found, expected)


def test_bfloat16_draws_what_only_overflows_float16():
    torch.manual_seed(0)
    draws = drawing(D.ExponentialDistribution("#x")).to(torch.bfloat16)(x=torch.full((N,), 1e-4, dtype=torch.bfloat16))
    assert bool(torch.isfinite(draws).all()) and float(draws.max()) > 65504
    scaled = draws.double() * 1e-4  # the rate held in bfloat16 is 1e-4 within 0.4%: mean about 1
    assert abs(float(scaled.mean()) - 1.0) < 4 * float(scaled.std()) / N ** 0.5 + 0.004


def test_a_constant_parameter_beyond_float16_is_refused_in_a_float16_module():
    module = drawing(D.NormalDistribution("#x", 1e5)).to(torch.float16)
    with pytest.raises(DataError, match=r"sigma \(standard deviation\) must lie within ±65504 \(draws overflow "
                                        r"float16 beyond\), found 100000\.0; .*give smaller constants"):
        module(x=torch.zeros(4, dtype=torch.float16))
    assert bool(torch.isfinite(module.float()(x=torch.zeros(4))).all())


def _constant_net(dist) -> NetGraph:
    return NetGraph({"draw": RandomArrayLayer(dist, output=50)}, [])


@pytest.mark.parametrize("dist, option, words", [
    (D.NormalDistribution(0.0, 1e5), "sigma", r"sigma \(standard deviation\) must lie within ±65504 \(draws overflow "
                                              r"float16 beyond\), found 100000\.0"),
    (D.NormalDistribution(1e5, 1.0), "mu", r"mu \(mean\) must lie within ±65504"),
    (D.UniformDistribution([0.0, 1e6]), "max", r"max must lie within ±65504"),
    (D.ExponentialDistribution(1e-4), None, r"lam \(rate λ\) = 0\.0001 give draws up to about 3e\+05, values beyond "
                                            r"float16's range \(inf\); keep draws below 6\.55e\+04")])
@pytest.mark.parametrize("checks", [None, True, "auto", False])
def test_constants_whose_draws_overflow_float16_are_refused_there_not_drawn_as_inf(dist, option, words, checks):
    """Constant parameters were checked against float32's range only: a float16 module drew inf (a draw written into
    the forward, or the layer's own without a slot to check) where a slot's values would be refused."""
    module = _constant_net(dist).compile(**({} if checks is None else {"checks": checks}))
    with pytest.raises(DataError, match=r"layer 'draw' \(RandomArrayLayer with .*\): \w+Distribution parameters? "
                                        + words) as info:
        module.half()()
    assert "float32 or float64 (module.float())" in str(info.value)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.layer) == ("parameter-value", ("draw",))
    assert diagnostic.option == option
    for dtype in (torch.float32, torch.bfloat16, torch.float64):  # their ranges hold these draws
        torch.manual_seed(0)
        draws = module.to(dtype)()
        assert draws.dtype == dtype and bool(torch.isfinite(draws).all())


@pytest.mark.parametrize("checks", [None, True, False])
def test_a_constant_beside_a_slot_is_refused_in_float16_whatever_the_checks(checks):
    module = drawing(D.NormalDistribution("#x", 1e5)) if checks is True else \
        NetGraph({"draw": RandomArrayLayer(D.NormalDistribution("#x", 1e5))}, [], x=()).compile(
            **({} if checks is None else {"checks": checks}))
    with pytest.raises(DataError, match=r"layer 'draw'.*sigma \(standard deviation\) must lie within ±65504 "
                                        r"\(draws overflow float16 beyond\), found 100000\.0") as info:
        module.half()(x=torch.zeros(4, dtype=torch.float16))
    assert "give smaller constants" in str(info.value) and "in the data" not in str(info.value)  # sigma, not x


def test_constants_within_float16_draw_there():
    torch.manual_seed(0)
    draws = _constant_net(D.NormalDistribution(0.0, 1000.0)).compile().half()()
    assert draws.dtype == torch.float16 and bool(torch.isfinite(draws).all()) and float(draws.abs().max()) > 100


@pytest.mark.parametrize("slot", [False, True])
def test_an_fx_traced_module_refuses_constants_beyond_float16_when_it_runs_in_it(slot):
    """fx traced the refusal away (the dtype is a Proxy while it traces): its float16 draws were inf."""
    dist = D.NormalDistribution("#x", 1e5) if slot else D.NormalDistribution(0.0, 1e5)
    layer = RandomArrayLayer(dist, **({} if slot else {"output": 50}))
    net = NetGraph({"draw": layer}, [], **({"x": ()} if slot else {}))
    traced = torch.fx.symbolic_trace(net.compile())
    data = {"x": torch.zeros(4)} if slot else {}
    assert bool(torch.isfinite(traced(**data)).all())
    with pytest.raises(DataError, match=r"layer 'draw'.*sigma \(standard deviation\) must lie within ±65504"):
        traced.half()(**{name: x.half() for name, x in data.items()})
    fine = NetGraph({"draw": RandomArrayLayer(D.NormalDistribution(0.0, 1.0), output=50)}, []).compile()
    assert "refuse_unfit" not in torch.fx.symbolic_trace(fine).code  # nothing recorded where no constant is unfit
