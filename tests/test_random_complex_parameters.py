"""Complex values given to a real distribution parameter are refused, never cast with torch's warning alone.

A compiled module's random layer took a complex shape for GammaDistribution, dropping its imaginary part with only
torch's "Casting complex values to real discards the imaginary part" warning; a complex tensor constant did too.
"""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import (DataError, ExponentialDistribution, GammaDistribution, KLDivergenceLayer, NetGraph, OptionError,
                      PoissonDistribution, RandomArrayLayer, interpret, set_distribution_checks)
from netgraph.core.types import REAL

COMPLEX = torch.full((2, 3), 2.0 + 1.0j)


def _gamma_net():
    return NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0), output=3)}, [], a=3)


def _refused(call, layer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's cast warning would be an error here: nothing may reach the cast
        with pytest.raises(DataError, match=r"port 'a'.*complex") as err:
            call()
    (d,) = err.value.diagnostics
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("data-dtype", layer, "a", REAL, torch.complex64)
    return err.value


@pytest.mark.parametrize("checks", [True, "auto", False])
def test_a_compiled_module_refuses_a_complex_slot_naming_layer_port_and_dtypes(checks):
    error = _refused(lambda: _gamma_net().compile(checks=checks)(a=COMPLEX), ("g",))
    assert "alpha" in str(error) and "layer 'g'" in str(error)


def test_net_and_the_interpreter_refuse_it_too():
    _refused(lambda: _gamma_net()(a=COMPLEX), ())  # at the graph's input port, before any layer
    net = _gamma_net()
    _refused(lambda: interpret(net, net.compile(), a=COMPLEX), ("g",))


def test_a_discrete_layer_and_a_kl_divergence_refuse_it():
    counts = NetGraph({"c": RandomArrayLayer(PoissonDistribution("#a"), output=3)}, [], a=3)
    _refused(lambda: counts.compile()(a=COMPLEX), ("c",))
    kl = NetGraph({"kl": KLDivergenceLayer(ExponentialDistribution("#a"), ExponentialDistribution(1.0))}, [], a=3)
    _refused(lambda: kl.compile()(a=COMPLEX), ("kl",))


def test_a_complex_tensor_constant_is_an_option_error_naming_the_parameter():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OptionError, match=r"GammaDistribution parameter alpha .*complex") as err:
            GammaDistribution(torch.tensor([2.0 + 1.0j]), 1.0)
    assert (err.value.diagnostics[0].option, err.value.diagnostics[0].found) == ("alpha", torch.complex64)


def test_real_values_still_draw_after_a_refusal():
    module = _gamma_net().compile()
    previous = set_distribution_checks(True)
    try:
        assert module(a=torch.full((2, 3), 2.0)).shape == (2, 3)
    finally:
        set_distribution_checks(previous)
