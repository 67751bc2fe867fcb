"""The errors of ``interpret`` and of the compiled module's positional inputs have kinds and fields, as ``net(x)``'s:
"input-port" for each unknown or missing port, "positional-data" for inputs it cannot place, "data-shape" for an
input without a batch, and for a module that is no compiled form of the net "option-value" or "module-mismatch"."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ConstantArrayLayer, DataError, ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph,
                      NetPort, OptionError, ThreadingLayer, interpret, net_initialize)
from netgraph.backend import interpreter
from tests.diagnostic_helpers import sole_diagnostic


@pytest.fixture(scope="module")
def pair():
    return net_initialize(NetGraph({"f": FunctionLayer("#a - #b")}, [], a=3, b=3), seed=0)


def test_a_dict_given_as_one_argument_is_positional_data(pair):
    x = torch.ones(2, 3)
    d = sole_diagnostic(lambda: pair.compile()({"a": x, "b": x}), DataError)
    assert (d.kind, d.layer, d.expected, d.found) == ("positional-data", (), ("a", "b"), 1)


def test_too_many_positional_inputs_are_positional_data(pair):
    x = torch.ones(2, 3)
    d = sole_diagnostic(lambda: pair.compile()(x, x, x), DataError)
    assert (d.kind, d.layer, d.expected, d.found) == ("positional-data", (), ("a", "b"), 3)


def test_interpret_names_each_unknown_and_missing_port(pair):
    x = torch.ones(2, 3)
    with pytest.raises(DataError) as info:
        interpret(pair, pair.compile(), a=x, B=x)
    assert str(info.value) == ("interpret: unknown input port 'B' (did you mean 'b'?); missing input port 'b'; the "
                               "net's inputs are ['a', 'b']")
    assert [(d.kind, d.layer, d.port, d.expected, d.found) for d in info.value.diagnostics] == [
        ("input-port", (), "B", ("a", "b"), "B"), ("input-port", (), "b", (3,), None)]


def test_an_input_that_is_no_tensor_that_the_port_check_lets_through_is_a_data_shape(pair, monkeypatch):
    def no_problem(*args, **kwargs):  # module_input_problem's signature: the fallback behind the port check is reached
        return None

    monkeypatch.setattr(interpreter, "module_input_problem", no_problem)
    d = sole_diagnostic(lambda: interpret(pair, pair.compile(), a=torch.ones(2, 3), b=[1.0, 2.0]), DataError)
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("data-shape", (), "b", "a batched tensor", "list")


@pytest.mark.parametrize("port, example", [(("n",), (2,)), (("n", "m"), (4, 5)), ((3, "n"), (3, 5)),
                                           (("n", "m"), (4, 0))])  # the compiled check stops at the first 0
def test_one_example_of_a_variable_length_is_refused_as_by_the_compiled_module(port, example):
    net = NetChain([ElementwiseLayer("Tanh")], input=port)
    module, x = net.compile(), torch.randn(example)
    compiled = sole_diagnostic(lambda: module(x), DataError)
    interpreted = sole_diagnostic(lambda: interpret(net, module, Input=x), DataError)
    assert (interpreted.kind, interpreted.port, interpreted.expected, interpreted.found) == (
        "data-shape", "Input", port, example)
    assert interpreted.message == compiled.message


def test_a_module_of_another_net_is_a_module_mismatch():
    net = net_initialize(NetChain({"l": LinearLayer(3)}, input=4), seed=0)
    other = net_initialize(NetChain({"k": LinearLayer(3)}, input=4), seed=0).compile()
    d = sole_diagnostic(lambda: interpret(net, other, Input=torch.randn(2, 4)), OptionError)
    assert (d.kind, d.option, d.layer, d.expected, d.found) == (
        "module-mismatch", "module", ("l",), "a submodule for layer 'l'", ("k",))


def test_a_module_that_is_no_nn_module_is_an_option_value():
    net = net_initialize(NetChain({"l": LinearLayer(3)}, input=4), seed=0)
    d = sole_diagnostic(lambda: interpret(net, None, Input=torch.randn(2, 4)), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == (
        "option-value", "module", "the nn.Module net.compile() made", "NoneType")


def test_a_forgotten_module_is_an_option_value_not_a_missing_port():
    """``interpret(net, x)`` said "missing input port 'Input'": the tensor was taken for the module."""
    net = net_initialize(NetChain({"l": LinearLayer(3)}, input=4), seed=0)
    d = sole_diagnostic(lambda: interpret(net, torch.randn(2, 4)), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == (
        "option-value", "module", "the nn.Module net.compile() made", "torch.Tensor")


@pytest.mark.parametrize("inputs", [{"Input": torch.tensor(0.5)}, {"Input": torch.tensor([0.5, -1.0])}])
def test_interpret_runs_what_the_compiled_module_runs_a_0_d_input_included(inputs):
    net = NetGraph([ElementwiseLayer("Tanh")], [], Input=())
    module = net.compile()
    assert torch.equal(interpret(net, module, **inputs), module(**inputs))
    assert torch.equal(interpret(net, module, **inputs), torch.tanh(inputs["Input"]))


def test_a_0_d_input_where_a_layer_reads_the_batch_size_is_refused_as_by_the_compiled_module():
    net = NetGraph({"c": ConstantArrayLayer(array=torch.tensor(2.0)), "t": ThreadingLayer("Plus")},
                   [("c", "t"), (NetPort("Input"), "t")], Input=())
    module, x = net_initialize(net, seed=0).compile(), torch.tensor(0.5)
    compiled = sole_diagnostic(lambda: module(x), DataError)
    interpreted = sole_diagnostic(lambda: interpret(net, module, x), DataError)
    assert (interpreted.kind, interpreted.port, interpreted.found, interpreted.message) == (
        "data-shape", "Input", (), compiled.message)
