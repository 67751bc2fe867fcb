"""A compiled module called with input names that are not its ports: a DataError naming them, as ``net(...)`` gives,
not Python's TypeError from the generated forward's signature (an extra ``Target`` key in ``module(**batch)``)."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, FunctionLayer, NetGraph, net_initialize


@pytest.fixture(scope="module")
def module():
    return net_initialize(NetGraph({"f": FunctionLayer("#a - #b")}, [], a=3, b=3), seed=0).compile()


def test_an_extra_key_is_an_unknown_port(module):
    x = torch.ones(2, 3)
    with pytest.raises(DataError, match=r"unknown input port 'Target'; inputs are \['a', 'b'\]") as info:
        module(a=x, b=x, Target=x)
    assert info.value.diagnostics[0].port == "Target"


def test_a_missing_key_and_a_misspelt_one_are_both_named(module):
    x = torch.ones(2, 3)
    with pytest.raises(DataError) as info:
        module(a=x, B=x)
    assert str(info.value) == ("unknown input port 'B' (did you mean 'b'?); inputs are ['a', 'b']; "
                               "missing input port 'b' (shape (3))")
    assert [(d.kind, d.layer, d.port, d.expected, d.found) for d in info.value.diagnostics] == [
        ("input-port", (), "B", ("a", "b"), "B"), ("input-port", (), "b", (3,), None)]  # the fields net(x)'s have


def test_a_dict_given_as_one_argument_says_to_unpack_it(module):
    x = torch.ones(2, 3)
    with pytest.raises(DataError, match=r"takes its inputs by name: call module\(\*\*inputs\)"):
        module({"a": x, "b": x})


def test_too_many_positional_inputs_are_counted(module):
    x = torch.ones(2, 3)
    with pytest.raises(DataError, match=r"takes 2 inputs \(a, b\), found 3"):
        module(x, x, x)


def test_inputs_by_position_and_name_still_work(module):
    x, y = torch.ones(2, 3), torch.zeros(2, 3)
    assert torch.equal(module(x, y), module(a=x, b=y)) and torch.equal(module(x, b=y), x - y)
