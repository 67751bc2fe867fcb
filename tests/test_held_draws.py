"""Draws held at the dtype's smallest normal number by a scale above it (dist_held): a scale just above it
(Weibull(2, 1.2e-38) in float32 held 62% of its draws there, without a word) is refused as a scale below it is, the
refusal naming the exact bound that holds at most 1%."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.distributions as D
from netgraph import DataError, NetGraph, OptionError, RandomArrayLayer
from netgraph.layers import dist_held
from netgraph.layers.dist_tensors import NORMAL_FLOOR

REFUSED = [(lambda: D.WeibullDistribution(2.0, 1.2e-38), "beta", ">= 1.18e-37", "62%"),
           (lambda: D.GammaDistribution(2.0, 1.2e-38), "beta", ">= 7.92e-38", "26%"),
           (lambda: D.InverseGammaDistribution(3.0, 3e-38), "beta", ">= 9.89e-38", "53%"),
           (lambda: D.ErlangDistribution(1, 8e37), "lam", "<= 8.54e+35", "61%")]


@pytest.mark.parametrize("make,option,expected,share", REFUSED, ids=["Weibull", "Gamma", "InverseGamma", "Erlang"])
def test_a_scale_just_above_the_smallest_normal_holding_many_draws_is_refused(make, option, expected, share):
    """Only scales below float32's smallest normal number (rates above its reciprocal) were checked."""
    with pytest.raises(OptionError, match=f"{share} of draws would be held at float32's smallest normal") as info:
        make()
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.option, diagnostic.expected) == ("option-value", option, expected)


def test_a_scale_just_above_the_smallest_normal_at_a_slot_is_a_data_error_naming_its_port():
    net = NetGraph({"draw": RandomArrayLayer(D.GammaDistribution(2.0, "#b"))}, [], b=())
    with pytest.raises(DataError, match="parameter beta \\(scale\\) must be at least 7.92e-38 where alpha \\(shape\\) "
                                        "= 2, found .*: 2% of draws would be held .* at port 'b'") as info:
        net({"b": torch.tensor([1.0, 5e-38])})
    assert (info.value.kind, info.value.port, info.value.option, info.value.expected, info.value.found) == (
        "parameter-value", "b", "beta", ">= 7.92e-38", pytest.approx(5e-38))


def test_a_tiny_shape_s_own_floor_is_not_refused_but_a_small_scale_beside_it_is():
    """Gamma(0.005, 1) holds 65% of its draws at the floor itself (the README's implicit estimator: drawn in log space
    where scored): drawn; a scale of 1e-37 beside a shape whose draws the floor does not hold itself: refused
    (Gamma(0.5) holds 37% there)."""
    assert D.GammaDistribution(0.005, 1.0).params[0] == 0.005
    net = NetGraph({"draw": RandomArrayLayer(D.GammaDistribution("#a", "#b"))}, [], a=(), b=())
    assert net({"a": torch.tensor([0.005, 1.0]), "b": torch.tensor([1.0, 0.5])}).shape == (2,)
    with pytest.raises(DataError, match=r"parameter beta .* at least .* where alpha \(shape\) = 0.5, found .*: 37% of"):
        net({"a": torch.tensor([0.005, 0.5]), "b": torch.tensor([1e-37, 1e-37])})


@pytest.mark.parametrize("dist", [D.WeibullDistribution(2.0, 1.18e-37), D.GammaDistribution(2.0, 7.92e-38),
                                  D.InverseGammaDistribution(3.0, 9.89e-38), D.ErlangDistribution(1, 8.54e35)],
                         ids=["Weibull", "Gamma", "InverseGamma", "Erlang"])
def test_the_stated_bound_holds_about_one_percent_of_draws(dist):
    """At the bound a refusal states, the draws held at the floor are 1% (within 4 standard errors, and not above
    1% by more: the bound is rounded to the side holding fewer)."""
    torch.manual_seed(0)
    n = 200_000
    draws = NetGraph([RandomArrayLayer(dist, output=n)], [])(batch_size=1)
    held = float((draws <= NORMAL_FLOOR[torch.float32]).double().mean())
    se = (0.01 * 0.99 / n) ** 0.5
    assert 0.01 - 6 * se < held < 0.01 + 4 * se


def _counting_scale_held(monkeypatch) -> list[int]:
    """The numbers of elements each elementwise pass (``dist_held._scale_held``) gets, as it runs."""
    sizes, real = [], dist_held._scale_held

    def counted(dist, tiny, params):
        sizes.append(max(p.numel() for p in params))
        return real(dist, tiny, params)
    monkeypatch.setattr(dist_held, "_scale_held", counted)
    return sizes


def test_a_scale_of_one_or_more_skips_the_elementwise_pass_and_draws_the_same(monkeypatch):
    """Small shapes beside scale 1 ran the float64 gammainc pass over every element at every call (3x the draw's
    time), though a scale of 1 or more cannot hold more draws than the standard draw itself."""
    sizes = _counting_scale_held(monkeypatch)
    net = NetGraph({"z": RandomArrayLayer(D.GammaDistribution("#a", 1.0))}, [], a=8)
    a = torch.linspace(0.05, 2.05, 64 * 8).reshape(64, 8)
    checked, unchecked = net.compile(), net.compile(checks=False)
    torch.manual_seed(1)
    drawn = checked(a)
    torch.manual_seed(1)
    assert torch.equal(drawn, unchecked(a)) and sizes == []
    with pytest.raises(DataError, match="port 'a'"):  # the module does check (sizes == [] is not its checks off)
        checked(-a)


def test_only_the_elements_whose_scale_may_hold_draws_get_the_elementwise_pass(monkeypatch):
    sizes = _counting_scale_held(monkeypatch)
    net = NetGraph({"z": RandomArrayLayer(D.GammaDistribution("#a", "#b"))}, [], a=8, b=8)
    a = torch.linspace(0.05, 2.05, 64 * 8).reshape(64, 8)
    b = torch.ones(64, 8).index_put_((torch.tensor([3, 9, 60]), torch.tensor([0, 4, 7])), torch.tensor(0.5))
    checked, unchecked = net.compile(), net.compile(checks=False)
    torch.manual_seed(2)
    drawn = checked(a=a, b=b)
    torch.manual_seed(2)
    assert torch.equal(drawn, unchecked(a=a, b=b)) and sizes and max(sizes) <= 3


def test_one_small_scale_among_many_safe_elements_is_still_refused():
    net = NetGraph({"z": RandomArrayLayer(D.GammaDistribution("#a", "#b"))}, [], a=8, b=8)
    a = torch.linspace(0.05, 2.05, 64 * 8).reshape(64, 8).index_put_((torch.tensor(5), torch.tensor(3)),
                                                                      torch.tensor(2.0))
    b = torch.rand(64, 8, generator=torch.Generator().manual_seed(0)) + 0.5
    b[5, 3] = 5e-38
    with pytest.raises(DataError, match="must be at least 7.92e-38 where alpha \\(shape\\) = 2, found") as info:
        net(a=a, b=b)
    assert (info.value.port, info.value.expected, info.value.found) == ("b", ">= 7.92e-38", pytest.approx(5e-38))


@pytest.mark.parametrize("dist,bad,expected", [(D.ErlangDistribution(1, "#s"), 8e37, "<= 8.54e+35"),
                                               (D.WeibullDistribution(2.0, "#s"), 1.2e-38, ">= 1.18e-37")],
                         ids=["Erlang rate", "Weibull scale"])
def test_one_bad_scale_or_rate_among_many_is_still_refused_and_without_it_drawn(dist, bad, expected):
    """The gather keeps the elements below the safe scale (above the safe rate): the one refused among them."""
    net = NetGraph({"z": RandomArrayLayer(dist)}, [], s=8)
    s = torch.linspace(0.5, 2.0, 64 * 8).reshape(64, 8)
    assert net(s=s).shape == (64, 8)
    s[7, 2] = bad
    with pytest.raises(DataError) as info:
        net(s=s)
    assert (info.value.port, info.value.expected, info.value.found) == ("s", expected, pytest.approx(bad))
