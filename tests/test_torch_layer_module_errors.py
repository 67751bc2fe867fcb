"""A TorchLayer's module at run time. An error raised inside it while net(x) runs names the layer's path (its original
error the DataError's __cause__): it was torch's bare IndexError ("index out of range in self"), naming no layer. A
floating output of another dtype (``x.double()``) is cast back to the working precision: the next layer raised
torch's "mat1 and mat2 must have the same dtype"."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (DataError, LinearLayer, NetChain, NetGraph, PortType, ShapeError, TorchLayer, interpret,
                      net_initialize)


class _Double(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.double() * 2, x.long()


class _FailsOnFive(nn.Module):  # not on 4: the shape probe's batch, no input's size (3), is 4
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] == 5:
            raise IndexError("five examples")
        return x


def test_an_index_out_of_range_in_a_torch_layer_s_embedding_names_the_nested_layer():
    embed = TorchLayer(nn.Embedding(5, 3), inputs={"Input": PortType((4,), "Integer")})
    net = net_initialize(NetGraph({"enc": NetChain([embed])}, []))
    with pytest.raises(DataError) as info:
        net(torch.tensor([[1, 2, 9, 0]]))
    assert str(info.value) == "layer 'enc/1' (TorchLayer): its module raised IndexError: index out of range in self"
    assert (info.value.kind, info.value.layer) == ("module-error", ("enc", "1"))
    assert isinstance(info.value.__cause__, IndexError)


def test_the_plain_call_names_the_layer_too_and_a_net_s_own_layers_keep_their_errors():
    net = net_initialize(NetChain([LinearLayer(3), TorchLayer(_FailsOnFive())], input=2))
    assert net(torch.ones(2, 2)).shape == (2, 3) and net(torch.ones(3, 2)).shape == (3, 3)  # the fast path bound
    with pytest.raises(DataError, match=r"^layer '2' \(TorchLayer\): its module raised IndexError: five examples$"):
        net(torch.ones(5, 2))
    with pytest.raises(DataError) as info:
        net(torch.ones(4, 5))
    assert info.value.kind != "module-error" and info.value.port == "Input"


def test_a_module_s_float64_output_is_cast_to_the_working_precision_its_integer_one_kept():
    double = TorchLayer(_Double(), outputs=["Output", "Index"])
    net = net_initialize(NetGraph({"d": double, "lin": LinearLayer(1, weights=[[1.0, 1.0]], biases=[0.5])},
                                  [("d", "lin")], Input=2), seed=0)
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    out = net(x)
    assert out["Output"].dtype == torch.float32 and out["Index"].dtype == torch.int64
    torch.testing.assert_close(out["Output"], torch.tensor([[6.5], [4.5]]))  # 2 * (x0 + x1) + 0.5
    module = net.compile().double()  # computing in float64: the cast follows the module's dtype
    assert module(x.double())["Output"].dtype == torch.float64


def test_the_interpreter_casts_and_names_the_layer_as_the_compiled_module_does():
    """interpret() once ran the module bare: torch's "mat1 and mat2 must have the same dtype" from the next layer, and
    the module's own IndexError naming no layer."""
    double = TorchLayer(_Double(), outputs=["Output", "Index"])
    net = net_initialize(NetGraph({"d": double, "lin": LinearLayer(1, weights=[[1.0, 1.0]], biases=[0.5])},
                                  [("d", "lin")], Input=2), seed=0)
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    module = net.compile()
    out = interpret(net, module, Input=x)
    assert out["Output"].dtype == torch.float32 and out["Index"].dtype == torch.int64
    torch.testing.assert_close(out["Output"], torch.tensor([[6.5], [4.5]]))
    failing = net_initialize(NetChain([LinearLayer(3), TorchLayer(_FailsOnFive())], input=2))
    with pytest.raises(DataError) as info:
        interpret(failing, failing.compile(), Input=torch.ones(5, 2))
    assert str(info.value) == "layer '2' (TorchLayer): its module raised IndexError: five examples"
    assert (info.value.kind, info.value.layer) == ("module-error", ("2",))
    assert isinstance(info.value.__cause__, IndexError)


class _OneTuple(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        return (x * 2,)


def test_a_one_tuple_for_one_output_port_is_a_shape_error_naming_the_layer():
    """It passed the shape probe and ended in "'tuple' object has no attribute 'shape'" or torch's "tanh(): argument
    'input' must be Tensor, not tuple" when the net ran."""
    with pytest.raises(ShapeError, match=r"'t' \(TorchLayer\): the module must return one tensor per output port "
                                         r"\['Output'\], returned \(Tensor\)") as caught:
        NetChain({"t": TorchLayer(_OneTuple()), "tanh": "Tanh"}, input=3)
    assert caught.value.layer == ("t",)


class _OwnError(Exception):
    pass


class _RaisesOwn(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise _OwnError("needs a calibration table; " + "details " * 60)


@pytest.mark.parametrize("shape", [(4,), ("n", 4)])
def test_a_module_s_own_error_at_build_is_the_shape_error_s_cause(shape):
    # its text was cut to 300 characters and the exception itself dropped (__cause__ None), unlike at run time
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(_RaisesOwn())], input=shape)
    assert isinstance(info.value.__cause__, _OwnError)
    assert str(info.value.__cause__) == "needs a calibration table; " + "details " * 60  # whole, not cut to 300


@pytest.mark.parametrize("shape", [(4,), ("n", 4)])
def test_outputs_given_stand_in_for_a_module_refusing_every_length_tried(shape):
    net = NetChain([TorchLayer(_RaisesOwn(), outputs={"Output": shape})], input=shape)
    assert net.port_types["Output"].shape == shape
