"""A user-code layer's output dim named by a length is checked at each call against that length of its inputs."""

import re

import pytest
import torch
from torch import nn

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, TorchLayer, net_initialize
from netgraph.backend.interpreter import interpret
from netgraph.core.errors import DataError, ShapeError
from netgraph.core.types import unify
from netgraph.layers import Layer


def _runs(net):
    module = net.compile()
    return {"compiled": module, "interpreted": lambda x: interpret(net, module, x)}


@pytest.mark.parametrize("how", ["compiled", "interpreted"])
def test_a_cut_to_a_maximum_length_read_as_n_is_a_data_error_where_it_cuts(how):
    net = NetGraph([FunctionLayer(lambda x: x[:, :512] * 2, input=("n", 3))])
    assert net.port_types["Output"].shape == ("n", 3)  # probes 5, 6, 7, 106 lie on the line n
    run = _runs(net)[how]
    assert run(torch.ones(2, 500, 3)).shape == (2, 500, 3)
    with pytest.raises(DataError) as info:
        run(torch.zeros(2, 600, 3))
    message = str(info.value)
    assert "layer '1' (FunctionLayer) port 'Output'" in message and "dim 1" in message
    assert "n = 600" in message and "512" in message and "output=" in message
    error = info.value
    assert (error.kind, error.port, error.expected, error.found) == ("data-shape", "Output", 600, 512)


@pytest.mark.parametrize("how", ["compiled", "interpreted"])
def test_a_cut_beyond_the_largest_probe_is_caught_at_the_call_that_passes_it(how):
    run = _runs(NetGraph([FunctionLayer(lambda x: torch.cat([x, x[:, :20000]], 1), input=("n", 1))]))[how]
    assert run(torch.zeros(1, 19000, 1)).shape == (1, 38000, 1)
    with pytest.raises(DataError, match="is 40001, where its length n_times_2 = 40002"):
        run(torch.zeros(1, 20001, 1))


class _Last(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, batch_first=True)

    def forward(self, x):
        return self.gru(x)[0]


@pytest.mark.parametrize("how", ["compiled", "interpreted"])
def test_a_recurrent_torch_layer_of_a_variable_length_still_runs_at_any_length(how):
    torch.manual_seed(0)
    layer = _Last()
    net = NetChain([TorchLayer(layer)], input=("n", 4))
    assert net.port_types["Output"].shape == ("n", 5)
    run = _runs(net)[how]
    for n in (1, 7, 600):
        x = torch.randn(2, n, 4)
        torch.testing.assert_close(run(x), layer(x))


def test_the_check_is_in_the_compiled_code_of_user_code_only():
    assert "check_output_lengths" in NetGraph([FunctionLayer(lambda x: x * 2, input=("n", 3))]).compile().code
    assert "check_output_lengths" not in NetChain([ElementwiseLayer("Ramp")], input=("n", 3)).compile().code


class _CutToTen(nn.Module):
    def forward(self, x):
        return x[:, :10]


class _SameShapeLayer(Layer, register=False):
    """An own layer whose infer() says its output is shaped as its input, but whose module cuts past 10."""
    input_ports = ("Input",)

    def infer(self, types):
        shared = unify(types["Input"], types["Output"])
        return {"Input": shared, "Output": shared}

    def build(self, types):
        return _CutToTen()


@pytest.mark.parametrize("how", ["compiled", "interpreted"])
def test_an_own_layer_whose_module_cuts_says_its_shape_came_from_its_infer(how):
    run = _runs(net_initialize(NetChain([_SameShapeLayer()], input=("n", 3))))[how]
    assert run(torch.ones(2, 5, 3)).shape == (2, 5, 3)
    with pytest.raises(DataError) as info:
        run(torch.ones(2, 12, 3))
    message = str(info.value)
    assert "the output shape came from its infer(): declare the sizes it returns with infer()" in message
    assert "probe sizes" not in message


class _HalfUpTo60(nn.Module):
    """``min(n // 2, 60)`` of even lengths (odd ones refused): read as n_over_2 at the small sizes probed."""

    def forward(self, x):
        if x.shape[-1] % 2:
            raise ValueError("odd length")
        return x[..., :min(x.shape[-1] // 2, 60)]


def test_a_length_read_off_small_sizes_that_a_longer_run_contradicts_is_not_named():
    # named n_over_2 from the small even sizes though a run at 1024 (taken) gave 60; refused at a call at n >= 122
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(_HalfUpTo60())], input=(3, "n"))
    message = str(info.value)
    assert "read as (3, n_over_2) at some sizes, but on 'Input' (3, " in message and "returned (3, 60)" in message
    assert message.count("outputs=") == 1
    net = NetChain([TorchLayer(_HalfUpTo60(), outputs={"Output": (3, 60)})], input=(3, "n"))  # the advice builds
    assert net(torch.zeros(1, 3, 130)).shape == (1, 3, 60)


@pytest.mark.parametrize("how", ["compiled", "interpreted"])
def test_a_length_read_off_probes_says_the_sizes_probed_where_a_call_passes_them(how):
    # it said "read off probe sizes or given": not which sizes, so not that the form held only up to them
    net = NetGraph([FunctionLayer(lambda x: x[:, :512] * 2, input=("n", 3))])
    with pytest.raises(DataError) as info:
        _runs(net)[how](torch.zeros(1, 600, 3))
    probed = re.search(r"read off probe sizes of n up to (\d+)", str(info.value))  # below where the cut begins
    assert probed is not None and 5 < int(probed.group(1)) <= 512, str(info.value)


def _half_up_to_60(x):
    if x.shape[-1] % 2:
        raise ValueError("odd length")
    return x[..., :min(x.shape[-1] // 2, 60)]


def test_a_python_function_whose_length_a_longer_run_contradicts_is_not_named():
    # a FunctionLayer built as (3, n_over_2) (the check ran for a module alone) and failed at a call at n = 300
    with pytest.raises(ShapeError) as info:
        NetChain([FunctionLayer(_half_up_to_60, input=(3, "n"))])
    assert "n_over_2" in str(info.value) and "(3, 60)" in str(info.value) and "output=" in str(info.value)
    net = NetChain([FunctionLayer(_half_up_to_60, input=(3, "n"), output=(3, 60))])  # the advice builds
    assert net(torch.zeros(1, 3, 300)).shape == (1, 3, 60)


class _DigitFullError(nn.Module):
    def forward(self, x):
        raise ValueError(f"shape {x.shape[-1]} " * 20_000)


def test_a_long_error_text_is_quoted_only_in_its_first_characters():
    # the sizes were masked over the module's whole error text at each failure (16 MB: 27 s to refuse); grouped by
    # where it was raised now, the refusal quotes the longest length's text cut short, the whole in its __cause__
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(_DigitFullError())], input=(3, "n"))
    message, cause = str(info.value), str(info.value.__cause__)
    assert "one kind of error (ValueError)" in message and "shape 1024 shape 1024" in message
    assert len(cause) == len("shape 1024 ") * 20_000 and len(message) < 1000


class _Cut(nn.Module):
    def forward(self, x):
        return x[:, :512] * 2


def test_a_function_and_a_module_are_asked_alike_how_far_they_were_probed():
    """FunctionLayer had no probed_largest (the check read its probe facts apart): both answer the one question, and
    the call-time error names that size for each."""
    layers = [FunctionLayer(lambda x: x[:, :512] * 2, input=("n", 3)), TorchLayer(_Cut(), inputs={"x": ("n", 3)})]
    for layer in layers:
        net = NetGraph([layer])
        largest = net[0].probed_largest(net.layer_types("1"))
        with pytest.raises(DataError, match=rf"read off probe sizes of n up to {largest[0][0]}:"):
            net(torch.zeros(1, 600, 3))
    assert FunctionLayer("#x * 2").probed_largest({"x": net.port_types["x"]}) == ()  # an expression: not probed
