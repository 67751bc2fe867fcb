"""compile's, net_initialize's, batch sizes' and a user's own layer's refusals say what they are: kind and values."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, OptionError, ShapeError, net_initialize
from netgraph.backend.batch_sizes import checked_batch_size
from netgraph.backend.built_checks import check_emitted

from tests.diagnostic_helpers import sole_diagnostic
from tests.test_custom_layer_checks import _Same


def test_compile_checks_of_another_value_is_an_option_value():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    problem = sole_diagnostic(lambda: net.compile(checks="sometimes"), OptionError)
    assert (problem.kind, problem.option, problem.expected, problem.found) == ("option-value", "checks",
                                                                               (True, False, "auto"), "sometimes")


def test_a_negative_batch_size_to_draw_is_an_option_value():
    problem = sole_diagnostic(lambda: checked_batch_size(-1, 2**40), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("option-value", "batch_size", -1)


def test_net_initialize_of_no_net_and_of_an_unknown_option():
    problem = sole_diagnostic(lambda: net_initialize(3), OptionError)
    assert (problem.kind, problem.found) == ("not-a-net", "int")
    problem = sole_diagnostic(lambda: net_initialize(NetChain([LinearLayer(2)], input=3), sead=1), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("unknown-option", "sead", "sead")


def test_arrays_past_the_element_budget_are_a_memory_limit():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)  # 23 elements
    problem = sole_diagnostic(lambda: net_initialize(net, max_elements=22), ShapeError)
    assert (problem.kind, problem.option, problem.expected, problem.found) == ("memory-limit", "max_elements", 22, 23)


@pytest.mark.parametrize("given", ["a", [1], -1, 1.5, True, float("nan")])
def test_a_max_elements_that_is_no_count_is_an_option_value(given):
    """'a' and [1] were Python's raw TypeError "'<=' not supported between instances of 'int' and 'str'", and -1 a
    ShapeError saying the arrays need "more than max_elements=-1 (-4 bytes)"."""
    problem = sole_diagnostic(lambda: net_initialize(NetChain([LinearLayer(3)], input=3), max_elements=given),
                              OptionError)
    assert (problem.kind, problem.option) == ("option-value", "max_elements")
    assert problem.message.startswith("net_initialize: max_elements= must be an integer >= 0")


def test_a_build_that_gives_no_module_breaks_the_layer_contract():
    class NoModule(_Same, register=False):
        def build(self, types):
            return None
    problem = sole_diagnostic(lambda: NetChain([NoModule()], input=3)(torch.randn(2, 3)), OptionError)
    assert (problem.kind, problem.expected, problem.found) == ("layer-contract", "a torch.nn.Module", "NoneType")


def test_emitted_code_that_is_not_python_breaks_the_layer_contract():
    problem = sole_diagnostic(lambda: check_emitted(_Same(), ["x = ("], "layer 1"), OptionError)
    assert (problem.kind, problem.expected) == ("layer-contract", "Python code")
