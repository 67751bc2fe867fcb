"""Padded data's and states='s problems say what they are: a kind, the port or option, and expected and found."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, GatedRecurrentLayer, NetChain, Padded, SequenceLastLayer, net_initialize
from netgraph.backend.masks import check_padded

from tests.diagnostic_helpers import sole_diagnostic


@pytest.mark.parametrize("value, expected, found", [
    (Padded(object(), [1]), "an array (batch, longest, ...)", "object"),
    (Padded(torch.zeros(2, 3), object()), "integers, one per example", "object"),
    (Padded(torch.zeros(3), [1, 1, 1]), "rank >= 2", (3,)),
    (Padded(torch.zeros(2, 3), [1, 2, 3]), (2,), (3,)),
    (Padded(torch.zeros(2, 3), [1, 4]), (1, 3), 4),
])
def test_each_padded_problem_is_padded_data_naming_the_port(value, expected, found):
    """Of the graph's port (``layer=()``, as every problem of the data given to a graph port): it named no layer."""
    problem = sole_diagnostic(lambda: check_padded("Input", value), DataError)
    assert (problem.kind, problem.layer, problem.port, problem.expected, problem.found) == (
        "padded-data", (), "Input", expected, found)


def test_a_padded_problem_in_a_call_names_the_graph_port():
    problem = sole_diagnostic(lambda: _net()(Padded(torch.zeros(2, 3, 2), [1, 4])), DataError)
    assert (problem.kind, problem.layer, problem.port, problem.found) == ("padded-data", (), "Input", 4)


def _net():
    return net_initialize(NetChain({"gru": GatedRecurrentLayer(3), "last": SequenceLastLayer()}, input=("n", 2)), seed=0)


X = torch.zeros(2, 4, 2)


def test_return_states_of_another_type_is_an_option_value():
    problem = sole_diagnostic(lambda: _net()(X, return_states="yes"), DataError)
    assert (problem.kind, problem.option, problem.expected, problem.found) == ("option-value", "return_states",
                                                                               (True, False), "yes")


def test_states_of_another_type_is_an_option_value():
    problem = sole_diagnostic(lambda: _net()(X, states=[1]), DataError)
    assert (problem.kind, problem.option, problem.found) == ("option-value", "states", "list")


def test_a_state_of_the_wrong_shape_is_a_data_shape_problem_naming_its_layer():
    problem = sole_diagnostic(lambda: _net()(X, states={"gru": {"State": torch.zeros(2, 5)}}), DataError)
    assert (problem.kind, problem.layer, problem.option, problem.expected, problem.found) == (
        "data-shape", ("gru",), "states", (2, 3), (2, 5))


def test_a_state_that_makes_no_tensor_is_not_a_tensor():
    problem = sole_diagnostic(lambda: _net()(X, states={"gru": {"State": "abc"}}), DataError)
    assert (problem.kind, problem.layer, problem.option, problem.found) == ("not-a-tensor", ("gru",), "states", "str")


def test_a_state_name_the_layer_lacks_is_an_unknown_key():
    problem = sole_diagnostic(lambda: _net()(X, states={"gru": {"Stat": torch.zeros(2, 3)}}), DataError)
    assert (problem.kind, problem.layer, problem.option, problem.expected, problem.found) == (
        "unknown-key", ("gru",), "states", ("State",), "Stat")


def test_a_layers_states_not_given_as_a_dict_are_an_option_value():
    problem = sole_diagnostic(lambda: _net()(X, states={"gru": torch.zeros(2, 3)}), DataError)
    assert (problem.kind, problem.layer, problem.option, problem.found) == ("option-value", ("gru",), "states", "Tensor")
