"""An Integer port feeding a distribution's count (Binomial n, NegativeBinomial n, Erlang k, DiscreteUniform's
bounds): an integer is what the parameter is, so it is taken as given (it was a dtype conflict, 'expected Real')."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BinomialDistribution, ErlangDistribution, KLDivergenceLayer, NegativeBinomialDistribution,
                      NetGraph, NormalDistribution, PoissonDistribution, RandomArrayLayer, ShapeError)
from netgraph.core.types import PortType

COUNTS = torch.tensor([[3, 4, 5], [1, 2, 7]])
INTEGER = PortType((3,), "Integer")


@pytest.mark.parametrize("dist", [BinomialDistribution("#n", 0.3), NegativeBinomialDistribution("#n", 0.4),
                                  ErlangDistribution("#n", 2.0)], ids=lambda d: type(d).__name__)
def test_an_integer_port_feeds_a_count_and_draws_as_the_same_counts_as_floats(dist):
    counted = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], n=INTEGER)
    assert counted.port_types["n"] == INTEGER
    real = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], n=3).compile()
    torch.manual_seed(5)
    got = counted.compile()(n=COUNTS)
    torch.manual_seed(5)
    want = real(n=COUNTS.float())
    assert torch.equal(got["Output"], want["Output"]) and torch.equal(got["LogProbability"], want["LogProbability"])


def test_an_integer_port_feeds_the_counts_of_both_sides_of_a_kl():
    layer = KLDivergenceLayer(BinomialDistribution("#n", "#p"), BinomialDistribution("#n", 0.5), samples=4)
    net = NetGraph({"kl": layer}, [], n=INTEGER, p=3)
    torch.manual_seed(0)
    got = net.compile()(n=COUNTS, p=torch.full((2, 3), 0.4))
    torch.manual_seed(0)
    want = NetGraph({"kl": layer}, [], n=3, p=3).compile()(n=COUNTS.float(), p=torch.full((2, 3), 0.4))
    assert torch.equal(got, want)


def test_an_integer_input_declared_in_yaml_feeds_a_count():
    spec = """netgraph: 1
inputs: {n: {shape: [3], dtype: Integer}, p: [3]}
layers:
  draw: {type: RandomArrayLayer, distribution: {type: BinomialDistribution, args: ['#n', '#p']}}
  kl: {type: KLDivergenceLayer, p: {type: NegativeBinomialDistribution, args: ['#n', 0.5]},
       q: {type: NegativeBinomialDistribution, args: ['#n', '#p']}}
"""
    net = NetGraph.from_yaml(spec)
    assert net.port_types["n"] == INTEGER
    out = net.compile()(n=COUNTS, p=torch.full((2, 3), 0.4))
    assert bool((out["Output1"] <= COUNTS).all()) and out["Output2"].shape == (2,)
    assert NetGraph.from_yaml(net.to_yaml()).port_types == net.port_types


@pytest.mark.parametrize("layer", [
    RandomArrayLayer(NormalDistribution("#n", 1.0)),
    RandomArrayLayer(PoissonDistribution("#n")),  # a mean, not a count
    KLDivergenceLayer(BinomialDistribution("#n", 0.3), PoissonDistribution("#n")),  # one port, a count and a mean
], ids=["Normal", "Poisson", "count-and-mean"])
def test_a_port_feeding_a_real_parameter_still_refuses_integers(layer):
    with pytest.raises(ShapeError, match=r"expected dtype Real, found Integer"):
        NetGraph({"l": layer}, [], n=INTEGER)


@pytest.mark.parametrize("layer, real", [
    (RandomArrayLayer(BinomialDistribution("#n", "#n")), "BinomialDistribution's p (success probability)"),
    (KLDivergenceLayer(BinomialDistribution("#n", 0.3), PoissonDistribution("#n")), "PoissonDistribution's mu (mean)"),
], ids=["Binomial n and p", "count-and-mean"])
def test_integers_at_a_port_feeding_a_count_and_a_real_parameter_get_advice_to_split_the_port(layer, real):
    """Not the EmbeddingLayer advice for indices (which it got): the integers are counts, the Real parameter wants
    a port of its own."""
    with pytest.raises(ShapeError, match=r"expected dtype Real, found Integer") as err:
        NetGraph({"l": layer}, [], n=INTEGER)
    hint = err.value.diagnostics[0].hint
    assert "EmbeddingLayer" not in hint and "number of trials, an integer" in hint and real in hint, hint
    assert "a port of its own" in hint, hint


def test_the_split_port_advice_names_every_real_parameter_and_says_counts_accept_integers():
    """Two Real parameters at the count's port: 'give p and mu ports of their own'; NegativeBinomial's n is Real
    and accepts integers (it does not take integers only)."""
    layer = KLDivergenceLayer(NegativeBinomialDistribution("#n", "#n"), PoissonDistribution("#n"))
    with pytest.raises(ShapeError, match=r"expected dtype Real, found Integer") as err:
        NetGraph({"l": layer}, [], n=INTEGER)
    hint = err.value.diagnostics[0].hint
    assert "give p and mu ports of their own" in hint and "feed them Real values" in hint, hint
    assert "which accept integers" in hint and "takes integers" not in hint, hint
