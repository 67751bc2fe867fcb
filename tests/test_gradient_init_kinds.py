"""net_port_gradient's and net_initialize method='s refusals say what they are: a kind, the option, the values."""

from __future__ import annotations

import pytest
import torch

from netgraph import (EmbeddingLayer, LinearLayer, NetChain, OptionError, net_initialize, net_port_gradient)
from netgraph.backend.init_methods import parse_method

from tests.diagnostic_helpers import sole_diagnostic


def _net():
    return net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)


X = torch.zeros(2, 4)


@pytest.mark.parametrize("call, kind, option, found", [
    (lambda: net_port_gradient(3, X), "not-a-net", "net", "int"),
    (lambda: net_port_gradient(_net(), X, speed=2), "unknown-option", "speed", "speed"),
    (lambda: net_port_gradient(_net(), X, outputs="Output"), "unknown-option", "outputs", "outputs"),
    (lambda: net_port_gradient(_net(), X, of={"Output": torch.zeros(5)}), "data-shape", "of", (5,)),
])
def test_a_gradient_refusal_has_its_kind_option_and_found(call, kind, option, found):
    problem = sole_diagnostic(call, OptionError)
    assert (problem.kind, problem.option, problem.found) == (kind, option, found)
    assert problem.expected is not None


def test_integer_ports_have_no_gradient():
    net = net_initialize(NetChain([EmbeddingLayer(2, 5)], input=["n"]), seed=0)
    problem = sole_diagnostic(lambda: net_port_gradient(net, torch.tensor([[1, 2]])), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("no-gradient", "wrt", ("Input",))


@pytest.mark.parametrize("spec, kind, found", [
    ([1, 2, 3], "option-value", (1, 2, 3)),
    ("Kaimnig", "unknown-method", "Kaimnig"),
    (("Random", {"wieghts": 1}), "method-suboption", "wieghts"),
    (("Random", {"weights": -1}), "method-suboption", -1),
    (("Random", {"weights": float("nan")}), "method-suboption", "nan"),
])
def test_a_bad_initialisation_method_has_its_kind_and_found(spec, kind, found):
    problem = sole_diagnostic(lambda: parse_method(spec, "method"), OptionError)
    found_here = str(problem.found) if found == "nan" else problem.found
    assert (problem.kind, problem.option, found_here) == (kind, "method", found)
    assert problem.expected is not None


def test_net_initialize_names_the_method_option():
    problem = sole_diagnostic(lambda: net_initialize(NetChain([LinearLayer(3)], input=4), method="Kaimnig"),
                              OptionError)
    assert (problem.kind, problem.option, problem.found) == ("unknown-method", "method", "Kaimnig")
