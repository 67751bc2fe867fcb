"""net(x)'s options and call forms say what is wrong with them as data: a kind, the option or port, and the values."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, FunctionLayer, LinearLayer, NetChain, NetGraph, NetPort, NormalDistribution,
                      OptionError, RandomArrayLayer, net_initialize)

from netgraph.backend.eval_options import check_port_names  # the shared check behind wrt= and of=

from tests.diagnostic_helpers import sole_diagnostic


def _net():
    return net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)


def _two_inputs():
    return NetGraph({"f": FunctionLayer("#a + #b")}, [(NetPort("a"), NetPort("f", "a")), (NetPort("b"), NetPort("f", "b"))],
                    a=2, b=2)


X = torch.zeros(2, 4)


@pytest.mark.parametrize("options, option, found", [
    ({"batch_size": 0}, "batch_size", 0),
    ({"mode": "fast"}, "mode", "fast"),
    ({"precision": "float16"}, "precision", "float16"),
    ({"outputs": 3}, "outputs", 3),
])
def test_a_bad_evaluation_option_is_an_option_value_naming_it(options, option, found):
    problem = sole_diagnostic(lambda: _net()(X, **options), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("option-value", option, found)
    assert problem.expected is not None


def test_several_bad_options_keep_each_ones_kind_and_name():
    with pytest.raises(OptionError) as info:
        _net()(X, batch_size=0, mode="fast")
    assert [(d.kind, d.option) for d in info.value.diagnostics] == [("option-value", "batch_size"),
                                                                     ("option-value", "mode")]


def test_wolframs_batch_size_takes_what_batch_size_takes():
    """net(BatchSize=0) of a net without inputs was 'must be a positive integer', though batch_size=0 draws none."""
    draws = NetGraph({"r": RandomArrayLayer(NormalDistribution(), output=3)}, [])
    assert draws(BatchSize=0, seed=1).shape == draws(batch_size=0, seed=1).shape == (0, 3)
    problem = sole_diagnostic(lambda: draws(BatchSize=-1), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("option-value", "batch_size", -1)
    assert "BatchSize= must be an integer >= 0" in str(problem)
    problem = sole_diagnostic(lambda: _net()(X, BatchSize=0), OptionError)  # with inputs: a positive integer
    assert (problem.kind, problem.option, problem.found) == ("option-value", "batch_size", 0)


def test_an_option_under_both_names_is_an_option_combination():
    problem = sole_diagnostic(lambda: _net()(X, seed=1, RandomSeeding=2), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("option-combination", "seed", ("seed", "RandomSeeding"))


def test_a_property_given_twice_is_an_option_combination():
    problem = sole_diagnostic(lambda: _net()(X, "Probabilities", decoder="Decision"), OptionError)
    assert (problem.kind, problem.option) == ("option-combination", "decoder")


def test_a_netport_as_second_argument_points_at_outputs():
    problem = sole_diagnostic(lambda: _net()(X, NetPort("Output")), DataError)
    assert (problem.kind, problem.option, problem.expected) == ("option-value", "outputs", "outputs=")


def test_examples_of_different_ports_are_an_example_keys_problem():
    net = _two_inputs()
    problem = sole_diagnostic(lambda: net([{"a": [1.0, 2.0], "b": [1.0, 2.0]}, {"a": [1.0, 2.0]}]), DataError)
    assert (problem.kind, problem.example, problem.expected, problem.found) == ("example-keys", 1, ("a", "b"),
                                                                                 ("a",))


def test_keywords_beside_positional_data_each_have_their_kind():
    with pytest.raises(DataError) as info:
        _two_inputs()({"a": torch.zeros(1, 2)}, b=torch.zeros(1, 2), bacth_size=2)
    assert sorted((d.kind, d.port, d.option) for d in info.value.diagnostics) == [
        ("positional-data", "b", None), ("unknown-option", None, "bacth_size")]


def test_a_port_name_option_names_the_unknown_port():
    problem = sole_diagnostic(lambda: check_port_names(["a", "c"], ("a", "b"), "an input port", "wrt"), OptionError)
    assert (problem.kind, problem.option, problem.port, problem.expected, problem.found) == (
        "unknown-port", "wrt", "c", ("a", "b"), "c")
    problem = sole_diagnostic(lambda: check_port_names(3, ("a", "b"), "an input port", "wrt"), OptionError)
    assert (problem.kind, problem.option, problem.found) == ("option-value", "wrt", 3)
