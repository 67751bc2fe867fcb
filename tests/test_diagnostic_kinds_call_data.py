"""net(x) given a sparse or quantized tensor, or positional data it cannot place, names the problem with a kind of
its own and the expected and found values (these had the kind "error" and no expected or found)."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import DataError, ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, net_initialize, net_train
from netgraph.backend.port_tensors import as_port_tensor
from tests.diagnostic_helpers import sole_diagnostic


def _linear():
    return net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)


def _two_inputs():
    return net_initialize(NetGraph({"f": "Plus"}, [(NetPort("a"), "f"), (NetPort("b"), "f")], a=4, b=4), seed=0)


def _quantized():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates quantized tensors; users may still hold them
        return torch.quantize_per_tensor(torch.randn(2, 4), 0.1, 0, torch.qint8)


def _sparse_csr():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "Sparse CSR tensor support is in beta state"
        return torch.randn(2, 4).to_sparse_csr()


@pytest.mark.parametrize("data, found, said", [
    (lambda: torch.randn(2, 4).to_sparse(), "sparse_coo", "found a sparse_coo tensor of dtype torch.float32"),
    (_sparse_csr, "sparse_csr", "found a sparse_csr tensor of dtype torch.float32"),
    (_quantized, "quantized", "found a quantized tensor of dtype torch.qint8"),
])
def test_a_sparse_or_quantized_tensor_is_a_data_layout_problem_of_its_port(data, found, said):
    diagnostic = sole_diagnostic(lambda: _linear()(data()), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("data-layout", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("strided", found)
    assert said in diagnostic.message


@pytest.mark.parametrize("call, found", [
    (lambda net: net(torch.randn(2, 4)), 1),
    (lambda net: net(torch.randn(2, 4), torch.randn(2, 4)), 2),
])
def test_positional_data_for_a_net_of_several_inputs_names_its_inputs(call, found):
    diagnostic = sole_diagnostic(lambda: call(_two_inputs()), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("positional-data", (), None)
    assert (diagnostic.expected, diagnostic.found) == (("a", "b"), found)
    assert "call net(a=..., b=...)" in diagnostic.message


def test_two_positional_values_for_a_net_of_one_input_are_positional_data():
    diagnostic = sole_diagnostic(lambda: _linear()(torch.randn(2, 4), torch.randn(2, 4)), DataError)
    assert (diagnostic.kind, diagnostic.expected, diagnostic.found) == ("positional-data", ("Input",), 2)


@pytest.mark.parametrize("value, detail", [
    (torch.randn(2, 4).to_sparse(), "takes a dense real tensor, found a sparse_coo tensor of dtype torch.float32"),
    (None, "was given None; it takes real numbers: a tensor, array or list"),
    ({1.0}, "cannot make a tensor from set: "),
    ("abc", "has no encoder, but it was given str 'abc'; "),
    ((torch.zeros(4), torch.zeros(4)), "a tuple of tensors is no batch: "),
    (torch.utils.data.TensorDataset(torch.zeros(2, 4)), "net(x) takes the data itself (a tensor, array or list), "),
    (torch.tensor([1.5]), "takes integer indices (dtype Integer), found non-integer values of dtype torch.float32"),
])
def test_a_port_tensor_problem_has_its_message_without_the_port_as_detail(value, detail):
    """A reader naming the port its own way (net_train names the key and what it is for) reads ``detail``; it cut the
    message's first words."""
    integer = isinstance(value, torch.Tensor) and value.dim() == 1
    diagnostic = sole_diagnostic(lambda: as_port_tensor("x", value, integer=integer), DataError)
    assert diagnostic.detail.startswith(detail)
    assert diagnostic.message in (f"input port 'x': {diagnostic.detail}", f"input port 'x' {diagnostic.detail}")


def test_unknown_and_missing_ports_are_input_port_problems_each_of_its_port():
    """As the compiled module's: one Diagnostic per port (they were one of kind "error" naming none)."""
    with pytest.raises(DataError) as info:
        _two_inputs()(a=torch.randn(2, 4), c=torch.randn(2, 4))
    unknown, missing = info.value.diagnostics
    assert (unknown.kind, unknown.layer, unknown.port, unknown.expected, unknown.found) == \
        ("input-port", (), "c", ("a", "b"), "c")
    assert (missing.kind, missing.layer, missing.port, missing.expected, missing.found) == \
        ("input-port", (), "b", (4,), None)
    assert str(info.value) == f"{unknown.message}; {missing.message}"


def test_an_empty_list_is_missing_data_of_its_port():
    diagnostic = sole_diagnostic(lambda: _linear()([]), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("missing-data", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("one example or more", 0)


@pytest.mark.parametrize("call, option, found", [
    (lambda net: net(torch.randn(2, 4), outputs="Output", return_states=True), "outputs",
     ("outputs", "return_states")),
    (lambda net: net(torch.randn(2, 4), decoder="Probabilities"), "decoder", "Probabilities"),
    (lambda net: net(torch.randn(2, 4), outputs="Output", decoder="Probabilities"), "decoder", "Probabilities"),
])
def test_evaluation_options_that_do_not_go_together_are_an_option_combination(call, option, found):
    from netgraph import OptionError

    diagnostic = sole_diagnostic(lambda: call(_linear()), OptionError)
    assert (diagnostic.kind, diagnostic.option, diagnostic.found) == ("option-combination", option, found)


def _nested(**options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "The PyTorch API of nested tensors is in prototype stage"
        return torch.nested.nested_tensor([torch.randn(3, 4), torch.randn(1, 4)], **options)


@pytest.mark.parametrize("call", [
    lambda net: net(_nested()),
    lambda net: net(_nested(requires_grad=True)),
    lambda net: net(_nested(layout=torch.jagged)),
    lambda net: NetChain(["Tanh"])(_nested()),  # a port of unknown shape
])
def test_a_nested_tensor_is_a_data_layout_problem_of_its_port(call):
    """A nested tensor (torch's ragged batch) was a raw "NestedTensorImpl doesn't support sizes" RuntimeError."""
    net = net_initialize(NetChain([NetMapOperator(LinearLayer(2))], input=("n", 4)), seed=0)
    diagnostic = sole_diagnostic(lambda: call(net), DataError)
    assert (diagnostic.kind, diagnostic.port, diagnostic.expected, diagnostic.found) == \
        ("data-layout", "Input", "strided", "nested")
    assert "found a nested tensor of dtype torch.float32; examples of different lengths go in as a list of tensors, " \
           "one per example (x.unbind())" in diagnostic.message
    assert "nested tensor" in str(sole_diagnostic(lambda: net.compile()(_nested()), DataError).message)
    with pytest.raises(DataError, match=r"key 'Input'.*found a nested tensor"):
        net_train(net, {"Input": _nested(), "Output": torch.zeros(2, 3, 2)}, max_training_rounds=1, progress=False)


@pytest.mark.parametrize("call, example", [
    (lambda net: net([_nested()]), 0),
    (lambda net: net([torch.randn(2, 4), _nested(layout=torch.jagged)]), 1),
    (lambda net: net({"Input": [torch.randn(2, 4), _nested()]}), 1),
    (lambda net: ElementwiseLayer("Tanh")([_nested()]), 0),  # a port of unknown shape
])
def test_a_nested_tensor_in_a_list_is_a_data_layout_problem_naming_the_example(call, example):
    """A list holding a nested tensor was torch's raw "NestedTensorImpl doesn't support sizes" from ragged.py."""
    net = net_initialize(NetChain([NetMapOperator(LinearLayer(2))], input=("n", 4)), seed=0)
    diagnostic = sole_diagnostic(lambda: call(net), DataError)
    assert (diagnostic.kind, diagnostic.port, diagnostic.example, diagnostic.expected, diagnostic.found) == \
        ("data-layout", "Input", example, "strided", "nested")
    assert f"input port 'Input': example {example} of the list is a nested tensor" in diagnostic.message
