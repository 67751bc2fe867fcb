"""import_onnx of tied weights: ONNX does not record sharing, but one initializer feeding several nodes by its name (a
module called twice, or one parameter of several modules, as torch exports it) is one parameter in the model, and so
are the other names torch's exporters give it (TorchScript's Identity of it, a transposed copy folded for a MatMul: a
tied embedding's output matrix); the imported layers hold it as one NetSharedArray, named after the initializer, so
that training keeps it tied. Separate parameters of equal values (merged by both torch exporters in eval mode, in the
same ways) stay apart where the import can tell: where their elements are all one number (fresh norms, zero biases);
copies of other values import tied."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetMapOperator, NetSharedArray, export_onnx,
                      import_onnx, net_initialize, net_train)
from netgraph.core.shared import shared_users
from netgraph.export import onnx_array_names
from tests.onnx_helpers import pinned_model, quiet_exporter, run_onnx, torch_export


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
    # torch folds each MatMul's transposed weight apart (one an Identity of the other), its bias one (fused Add);
    # the folded weight's made-up name (onnx::MatMul_10) is not kept: it is named after its first layer's array
    "matmul": (LinearTwice, (3, 4), {"fc_bias": 2, "fc_MatMul_Weights": 2}),
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
    assert _counts(users) == expected
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


def _counts(users: dict) -> dict[str, int]:
    """Each shared array's number of users, by name."""
    return {shared: len(places) for shared, places in users.items()}


#: separate parameters of equal values that both exporters merge and the import keeps apart: the constant-filled
#: ones (name -> (module, x's shape after the batch))
APART = {"constant-filled": (ConstantFilled, (4,))}


@pytest.mark.parametrize("exporter, name", [(e, n) for e in ("torchscript", "dynamo") for n in sorted(APART)])
def test_separate_parameters_of_equal_values_stay_apart(exporter, name, tmp_path):
    make, shape = APART[name]
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
#: load_state_dict), which both exporters write as one parameter (TorchScript's as an Identity of it, the dynamo
#: exporter as one initializer), as they write a real tie
COPIES = {"gemm": (TwoLinear, (4,), {"a_weight": 2, "a_bias": 2}),
          "conv": (TwoConv, (2, 5, 5), {"c_weight": 2, "c_bias": 2}),
          "norms": (FreshNorms, (4,), {"l1_weight": 2, "l1_bias": 2})}
TORCHSCRIPT_COPIES = {**COPIES, "matmul": (TwoLinear, (3, 4), {"a_MatMul_Weights": 2, "a_bias": 2})}


@pytest.mark.parametrize("exporter, name", [*(("torchscript", n) for n in sorted(TORCHSCRIPT_COPIES)),
                                            *(("dynamo", n) for n in sorted(COPIES))])
def test_copied_weights_import_tied(exporter, name, tmp_path):
    make, shape, expected = TORCHSCRIPT_COPIES[name]
    torch.manual_seed(0)
    path = tmp_path / f"{name}.onnx"
    if exporter == "torchscript":
        torch_export(make(), torch.randn(2, *shape), path, "x")
    else:
        dynamo_export(make(), torch.randn(2, *shape), path)
    assert _counts(shared_users(import_onnx(path))) == expected


class TiedEmbedding(nn.Module):
    """A language model's tied embedding and output matrix (``out.weight = embed.weight``): the output's MatMul reads
    a transposed copy that torch folded."""

    def __init__(self):
        super().__init__()
        self.embed, self.out = nn.Embedding(10, 4), nn.Linear(4, 10)
        self.out.weight = self.embed.weight

    def forward(self, tokens):
        return self.out(torch.tanh(self.embed(tokens)))


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_a_tied_embedding_and_output_matrix_import_as_one_shared_array(exporter, tmp_path):
    torch.manual_seed(0)
    module, path = TiedEmbedding().eval(), tmp_path / "tied.onnx"
    tokens = torch.randint(0, 10, (2, 5))
    if exporter == "torchscript":
        torch_export(module, tokens, path, "x", axes={"x": {0: "b", 1: "n"}}, output_names=["y"])
    else:
        dynamo_export(module, tokens, path)
    net = import_onnx(path)
    (shared, places), = shared_users(net).items()
    assert shared == ("embed_weight" if exporter == "torchscript" else "out_weight")  # the name torch gave it
    assert sorted((net.layer_at(p).type_name, array) for p, array in places) == [
        ("EmbeddingLayer", "Weights"), ("NetMapOperator", "net.linear.Weights")]  # a LinearLayer on each step
    tokens = torch.randint(0, 10, (3, 5), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(net(tokens), module(tokens), atol=1e-5, rtol=1e-4)
    trained = net_train(net, {"x": tokens, "y": torch.zeros(3, 5, 10)}, max_training_rounds=1, batch_size=3,
                        progress=False, random_seed=0)
    after = [trained.layer_at(p).arrays[array] for p, array in places]
    assert not torch.equal(after[0], net.layer_at(places[0][0]).arrays[places[0][1]])  # it trained
    assert torch.equal(after[0], after[1])  # and stayed one array


@pytest.mark.parametrize("sequence", [False, True])
def test_a_net_of_a_shared_array_exports_and_imports_with_it_shared(sequence, tmp_path):
    # over a sequence, each layer's MatMul reads a transposed copy torch folded, one an Identity of the other
    wrap = NetMapOperator if sequence else (lambda layer: layer)
    shared = NetSharedArray("w")
    net = net_initialize(NetChain({"a": wrap(LinearLayer(4, weights=shared)), "t": ElementwiseLayer("Tanh"),
                                   "b": wrap(LinearLayer(4, weights=shared))}, input=["n", 4] if sequence else [4]),
                         seed=0)
    export_onnx(net, tmp_path / "shared.onnx")
    back = import_onnx(tmp_path / "shared.onnx")
    assert [len(places) for places in shared_users(back).values()] == [2]
    x = torch.randn(3, *([5, 4] if sequence else [4]), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(back(x), net(x), atol=1e-6, rtol=1e-5)


def _two_matmuls(first: np.ndarray, second: np.ndarray, path) -> str:
    """An ONNX model of x @ A.T @ B (a Gemm reading A transposed, a MatMul B) with initializers A and B (4 x 4):
    both layers' weights are A where B is A's transpose, as torch folds a tied weight read transposed."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Gemm", ["x", "A"], ["h"], transB=1), helper.make_node("MatMul", ["h", "B"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])],
                              [numpy_helper.from_array(first, "A"), numpy_helper.from_array(second, "B")])
    onnx.save(pinned_model(graph), str(path))
    return str(path)


def test_separate_symmetric_weights_stay_apart_and_a_transposed_copy_stays_tied(tmp_path):
    # a symmetric matrix is its own transpose: equal values are no sign of one parameter read transposed
    eye = np.eye(4, dtype=np.float32)
    assert shared_users(import_onnx(_two_matmuls(eye, eye.copy(), tmp_path / "eye.onnx"))) == {}
    weights = np.arange(16, dtype=np.float32).reshape(4, 4)
    tied = import_onnx(_two_matmuls(weights, np.ascontiguousarray(weights.T), tmp_path / "t.onnx"))
    assert _counts(shared_users(tied)) == {"A": 2}  # a readable initializer name is kept


def test_a_folded_weight_is_named_after_its_layer_and_its_onnx_name_is_kept(tmp_path):
    # TorchScript names a weight it folded (transposed for a MatMul) onnx::MatMul_<number>: not a name to read
    torch.manual_seed(0)
    path = tmp_path / "folded.onnx"
    torch_export(LinearTwice(), torch.randn(2, 3, 4), path, "x", output_names=["y"])
    import onnx
    folded = [t.name for t in onnx.load(str(path)).graph.initializer if t.name.startswith("onnx::MatMul_")]
    net = import_onnx(path)
    assert onnx_array_names(net) == {"fc_MatMul_Weights": folded[0], "fc_bias": "fc.bias"}
    assert set(shared_users(net)) == {"fc_MatMul_Weights", "fc_bias"}
    assert onnx_array_names(net.replace_layers({})) == onnx_array_names(net)  # an edit keeps the arrays


class PerItemLoop(nn.Module):
    """One recurrence read over each of the k sequences of an example in a Python loop, which the exporter unrolls:
    k recurrent nodes of one parameter (the folded W, R and B under Identities)."""

    def __init__(self, kind: str):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](3, 4, batch_first=True)

    def forward(self, x):
        return torch.stack([self.rnn(x[:, i])[0] for i in range(x.shape[1])], 1)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_a_recurrence_called_per_item_imports_with_its_gates_shared(kind, tmp_path):
    # each gate's weights are a block of W or R, its biases two blocks of B summed: they were imported apart
    torch.manual_seed(0)
    module, path = PerItemLoop(kind).eval(), tmp_path / "loop.onnx"
    torch_export(module, torch.randn(2, 3, 5, 3), path, "x", axes={"x": {0: "b", 2: "n"}}, output_names=["y"])
    net = import_onnx(path)
    users = shared_users(net)
    recurrent = [name for name, layer in net.layers.items() if layer.type_name.endswith("RecurrentLayer")
                 or layer.type_name == "LongShortTermMemoryLayer"]
    assert len(recurrent) == 3
    arrays = {name for name, value in net.layers[recurrent[0]].arrays.items() if value is not None}
    assert {shared: len(places) for shared, places in users.items()} == {f"{recurrent[0]}_{a}": 3 for a in arrays}
    x = torch.randn(8, 3, 6, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    trained = net_train(net, {"x": x, "y": torch.zeros(8, 3, 6, 4)}, max_training_rounds=1, batch_size=4,
                        progress=False, random_seed=0)
    for places in users.values():
        after = [trained.layer_at(p).arrays[array] for p, array in places]
        assert not torch.equal(after[0], net.layer_at(places[0][0]).arrays[places[0][1]])  # it trained
        assert all(torch.equal(value, after[0]) for value in after)  # and stayed one array


def test_the_dynamo_exporters_nodes_and_folded_weights_are_named_after_their_modules(tmp_path):
    # its layers were named after its nodes (node_MatMul_1, node_tanh) and the folded weight val_0
    torch.manual_seed(0)
    net = import_onnx(dynamo_export(LinearTwice(), torch.randn(2, 3, 4), tmp_path / "dynamo.onnx"))
    assert list(net.layers) == ["fc", "tanh", "fc_2"]  # the module that wrote each node; else the op as torch.fx
    names = onnx_array_names(net)
    assert set(names) == {"fc_Weights", "fc_bias"} and names["fc_bias"] == "fc.bias"
    assert re.fullmatch(r"_?val_\d+", names["fc_Weights"])  # the folded copy's made-up name, kept here
