"""A random layer whose only slots are counts fed by Integer ports drew in float32 whatever the module's dtype:
`module.double()` and `net(..., precision="float64")` gave float32 draws, so DiscreteUniformDistribution bounds
beyond 2**24 stayed a DataError whose advice (run in float64) could not be followed. Such slots now take the
module's dtype.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (BinomialDistribution, DataError, DiscreteUniformDistribution, ErlangDistribution, NetGraph,
                      PortType, RandomArrayLayer)

COUNT = PortType((4,), "Integer")


def _net(dist, *names):
    return NetGraph([RandomArrayLayer(dist)], [], **{name: COUNT for name in names})


@pytest.mark.parametrize("dist, names, feed", [
    (BinomialDistribution("#n", 0.5), ("n",), {"n": 10}),
    (ErlangDistribution("#k", 1.0), ("k",), {"k": 3}),
    (DiscreteUniformDistribution(["#a", "#b"]), ("a", "b"), {"a": 0, "b": 5}),
], ids=["Binomial", "Erlang", "DiscreteUniform"])
def test_integer_port_draws_follow_the_module_s_dtype(dist, names, feed):
    module = _net(dist, *names).compile()
    data = {name: torch.full((3, 4), feed[name]) for name in names}
    assert module(**data).dtype == torch.float32
    assert module.double()(**data).dtype == torch.float64


def test_discrete_uniform_beyond_float32_s_integers_draws_in_float64_from_integer_ports():
    torch.manual_seed(0)
    net = _net(DiscreteUniformDistribution(["#a", "#b"]), "a", "b")
    big = 2 ** 30 + 1  # float32 rounds it to 2**30
    draws = net(a=[[big] * 4], b=[[big] * 4], precision="float64")
    assert draws.dtype == torch.float64 and (draws == big).all()


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_python_floats_on_an_integer_port_are_read_unrounded(precision):
    """Python floats on an Integer port were read in the working precision's dtype or float32: 16777217.0 became
    16777216 and 1.0000000001 became 1, so a non-integral count passed the integral check. They are read as float64."""
    net = _net(BinomialDistribution("#n", 1.0), "n")
    assert net(n=[[16777217.0, 3.0, 0.0, 1.0]], precision="float64").tolist() == [[16777217.0, 3.0, 0.0, 1.0]]
    for given in ([[1.0000000001, 3.0, 0.0, 1.0]], ((1.0000000001, 3.0, 0.0, 1.0),)):
        with pytest.raises(DataError, match="integ"):
            net(n=given, precision=precision)
