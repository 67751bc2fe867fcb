"""import_onnx of tied weights: ONNX does not record sharing, but one initializer feeding several nodes by its name (a
module called twice, or one parameter of several modules, as torch exports it) is one parameter in the model; the
imported layers hold it as one NetSharedArray, named after the initializer, so that training keeps it tied. Separate
parameters of equal values (merged by both torch exporters in eval mode) stay apart where the import can tell:
TorchScript's writes an Identity of the initializer; the dynamo exporter the same initializer name in nodes of
different modules, kept apart when its elements are all one number (fresh norms, zero biases), tied otherwise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from netgraph import import_onnx, net_train
from netgraph.core.shared import shared_users
from tests.onnx_helpers import quiet_exporter, run_onnx, torch_export


class LinearTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(torch.tanh(self.fc(x)))


class ConvTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return self.c(torch.relu(self.c(x)))


#: name -> (module, x's shape after the batch, the shared names and how many users each has)
TIED = {
    "gemm": (LinearTwice, (4,), {"fc_weight": 2, "fc_bias": 2}),  # Gemm, Gemm of one weight and bias
    # torch folds each MatMul's transposed weight apart (one an Identity of the other: apart), its bias one (fused Add)
    "matmul": (LinearTwice, (3, 4), {"fc_bias": 2}),
    "conv": (ConvTwice, (2, 5, 5), {"c_weight": 2, "c_bias": 2}),
}


class BlockTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.Tanh())

    def forward(self, x):
        return self.block(self.block(x))


class Tied(nn.Module):
    """An encoder and a decoder of one weight (``dec.weight = enc.weight``): one parameter in two modules."""

    def __init__(self):
        super().__init__()
        self.enc, self.dec = nn.Linear(4, 4), nn.Linear(4, 4)
        self.dec.weight = self.enc.weight

    def forward(self, x):
        return self.dec(torch.tanh(self.enc(x)))


class Repeated(nn.Module):
    """One Linear three times in a ModuleList (``[block] * 3``): each call names another module path."""

    def __init__(self):
        super().__init__()
        block = nn.Linear(4, 4)
        self.layers = nn.ModuleList([block] * 3)

    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return x


#: as TIED, written by the dynamo exporter (whose nodes name the module that made them)
DYNAMO_TIED = {
    "gemm": (LinearTwice, (4,), {"fc_weight": 2, "fc_bias": 2}),
    "conv": (ConvTwice, (2, 5, 5), {"c_weight": 2, "c_bias": 2}),
    "nested": (BlockTwice, (4,), {"block_0_weight": 2, "block_0_bias": 2, "block_1_weight": 2, "block_1_bias": 2}),
    "across-modules": (Tied, (4,), {"dec_weight": 2}),
    "module-list": (Repeated, (4,), {"layers_2_weight": 3, "layers_2_bias": 3}),  # the exporter names it so
}


def dynamo_export(module: nn.Module, x: torch.Tensor, path) -> str:
    """``module`` written by torch's dynamo exporter (torch 2.13's default) with a dynamic batch, in eval mode, its
    logs silenced."""
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (x,), str(path), dynamo=True, input_names=["x"], output_names=["y"],
                          dynamic_shapes=({0: torch.export.Dim.DYNAMIC},))
    return str(path)


@pytest.mark.parametrize("exporter, name", [*(("torchscript", n) for n in sorted(TIED)),
                                            *(("dynamo", n) for n in sorted(DYNAMO_TIED))])
def test_an_initializer_feeding_two_layers_imports_as_one_shared_array_that_trains_tied(exporter, name, tmp_path):
    make, shape, expected = (TIED if exporter == "torchscript" else DYNAMO_TIED)[name]
    torch.manual_seed(0)
    path = tmp_path / f"{name}.onnx"
    if exporter == "torchscript":
        torch_export(make(), torch.randn(2, *shape), path, "x", output_names=["y"])
    else:
        dynamo_export(make(), torch.randn(2, *shape), path)
    net = import_onnx(path)
    users = shared_users(net)
    assert {shared: len(places) for shared, places in users.items()} == expected
    x = torch.randn(16, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
    trained = net_train(net, {"x": x, "y": torch.zeros_like(net(x))}, max_training_rounds=1, batch_size=8,
                        progress=False, random_seed=0)
    for shared, places in users.items():
        before, after = ([n.layer_at(path).arrays[array] for path, array in places] for n in (net, trained))
        assert not torch.equal(after[0], before[0])  # it trained
        assert all(torch.equal(value, after[0]) for value in after)  # and stayed one array


class TwoLinear(nn.Module):
    """Two Linears (on x of any rank), the second's weight and bias copied from the first."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 4)
        self.b.load_state_dict(self.a.state_dict())

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


class FreshNorms(nn.Module):
    """Two fresh LayerNorms (ones and zeros each) and two Linears, the second's arrays copied from the first."""

    def __init__(self):
        super().__init__()
        self.a, self.l1, self.b, self.l2 = nn.LayerNorm(4), nn.Linear(4, 4), nn.LayerNorm(4), nn.Linear(4, 4)
        self.l2.load_state_dict(self.l1.state_dict())

    def forward(self, x):
        return self.l2(torch.relu(self.b(self.l1(self.a(x)))))


class TwoConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.c, self.d = nn.Conv2d(2, 2, 3, padding=1), nn.Conv2d(2, 2, 3, padding=1)
        self.d.load_state_dict(self.c.state_dict())

    def forward(self, x):
        return self.d(torch.relu(self.c(x)))


class ConstantFilled(nn.Module):
    """Two fresh LayerNorms (ones and zeros each) and two Linears of different weights and zero biases: separate
    parameters whose values are all one number."""

    def __init__(self):
        super().__init__()
        self.a, self.l1, self.b, self.l2 = nn.LayerNorm(4), nn.Linear(4, 4), nn.LayerNorm(4), nn.Linear(4, 4)
        for bias in (self.l1.bias, self.l2.bias):
            nn.init.zeros_(bias)

    def forward(self, x):
        return self.l2(torch.relu(self.b(self.l1(self.a(x)))))


#: separate parameters of equal values: name -> (module, x's shape after the batch)
APART = {"gemm": (TwoLinear, (4,)), "matmul": (TwoLinear, (3, 4)), "norms": (FreshNorms, (4,)),
         "conv": (TwoConv, (2, 5, 5)), "constant-filled": (ConstantFilled, (4,))}
#: those the dynamo exporter merges and the import keeps apart: the constant-filled ones
DYNAMO_APART = {"constant-filled": (ConstantFilled, (4,))}


@pytest.mark.parametrize("exporter, name", [*(("torchscript", n) for n in sorted(APART)),
                                            *(("dynamo", n) for n in sorted(DYNAMO_APART))])
def test_separate_parameters_of_equal_values_stay_apart(exporter, name, tmp_path):
    make, shape = (APART if exporter == "torchscript" else DYNAMO_APART)[name]
    torch.manual_seed(0)
    path = tmp_path / f"{name}.onnx"
    if exporter == "torchscript":
        torch_export(make(), torch.randn(2, *shape), path, "x")  # the merged copies: Identity nodes
    else:
        dynamo_export(make(), torch.randn(2, *shape), path)  # the merged copies: one name in both modules' nodes
    net = import_onnx(path)
    assert shared_users(net) == {}
    x = torch.randn(8, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


#: the rare false tie: separate parameters of equal values that are not all one number (weights copied with
#: load_state_dict), which the dynamo exporter writes as one initializer, as it writes a real tie across modules
DYNAMO_COPIES = {"gemm": (TwoLinear, (4,), {"a_weight": 2, "a_bias": 2}),
                 "conv": (TwoConv, (2, 5, 5), {"c_weight": 2, "c_bias": 2}),
                 "norms": (FreshNorms, (4,), {"l1_weight": 2, "l1_bias": 2})}


@pytest.mark.parametrize("name", sorted(DYNAMO_COPIES))
def test_copied_weights_written_by_the_dynamo_exporter_import_tied(name, tmp_path):
    make, shape, expected = DYNAMO_COPIES[name]
    torch.manual_seed(0)
    net = import_onnx(dynamo_export(make(), torch.randn(2, *shape), tmp_path / f"{name}.onnx"))
    assert {shared: len(places) for shared, places in shared_users(net).items()} == expected
