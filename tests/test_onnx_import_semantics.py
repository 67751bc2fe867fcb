"""import_onnx computes what the ONNX model computes: biases, softmax axes, fixed constants, options, names, dims."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import onnx

from netgraph import SpecError, import_onnx, net_train
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


class LinearPlus(nn.Module):
    """A Linear without bias on a sequence, plus a constant of ``shape`` (5 values)."""

    def __init__(self, shape: tuple):
        super().__init__()
        self.linear, self.c = nn.Linear(4, 5, bias=False), nn.Parameter(torch.arange(5.0).reshape(shape) * 10)

    def forward(self, x):
        return self.linear(x) + self.c


@pytest.mark.parametrize("shape, fused", [((5, 1), False), ((1, 5), True), ((5,), True), ((1, 1, 5), True)])
def test_only_a_bias_vector_over_the_last_dim_becomes_the_linear_layers_biases(shape, fused, tmp_path):
    torch.manual_seed(0)
    module, x = LinearPlus(shape), torch.randn(3, 5, 4)
    net = import_onnx(torch_export(module, torch.randn(2, 5, 4), tmp_path / "m.onnx", "x"))
    assert ("ThreadingLayer" not in {layer.type_name for layer in net.layers.values()}) == fused
    torch.testing.assert_close(net(x), module(x).detach())


def onnx_model(path, nodes: list, inputs: dict, outputs: dict, opset: int, initializers: tuple = ()):
    """An ONNX model of ``nodes`` (float tensors named as the dicts' keys, of the shapes their values give)."""
    values = [[helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in d.items()] for d in (inputs, outputs)]
    graph = helper.make_graph(nodes, "g", *values, list(initializers))
    model = pinned_model(graph, opset)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("op, attributes, shape, opset", [
    ("Softmax", {"axis": 1}, ["b", 4, 5], 11), ("Softmax", {}, ["b", 4, 5], 11),
    ("LogSoftmax", {"axis": 1}, ["b", 4, 5], 11), ("Softmax", {"axis": -2}, ["b", "n", 3, 4], 12),
    ("Softmax", {"axis": 1}, ["b", 4, 5], 13), ("Softmax", {}, ["b", 4, 5], 13),
])
def test_softmax_normalises_over_the_dims_its_opset_says(op, attributes, shape, opset, tmp_path):
    node = helper.make_node(op, ["x"], ["y"], **attributes)
    path = onnx_model(tmp_path / "s.onnx", [node], {"x": shape}, {"y": shape}, opset)
    x = torch.randn(2, *[6 if d == "n" else d for d in shape[1:]])
    want = torch.from_numpy(run_onnx(path, {"x": x})[0])
    torch.testing.assert_close(import_onnx(path)(x), want, atol=1e-6, rtol=1e-5)


def test_a_model_naming_the_default_domain_twice_imports_at_the_higher_opset(tmp_path):
    """"" at 11 and "ai.onnx" (its other name) at 17: opset 17's Softmax, over the last dim (at 11: dims 1 on)."""
    graph = helper.make_graph([helper.make_node("Softmax", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4, 5])])
    model = pinned_model(graph, 11, ("ai.onnx", 17))
    model.ir_version = helper.find_min_ir_version_for(list(model.opset_import))
    onnx.save(model, str(tmp_path / "s.onnx"))
    x = torch.randn(2, 4, 5)
    torch.testing.assert_close(import_onnx(tmp_path / "s.onnx")(x), torch.softmax(x, -1))


def test_an_old_softmax_over_a_variable_dim_is_refused_with_the_reason(tmp_path):
    path = onnx_model(tmp_path / "s.onnx", [helper.make_node("Softmax", ["x"], ["y"], axis=1)], {"x": ["b", "n", 4]},
                      {"y": ["b", "n", 4]}, 11)
    with pytest.raises(SpecError, match=r"Softmax \(opset 11\) normalises over all dims from axis 1 on"):
        import_onnx(path)


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x):
        return 1 - 0.5 * torch.sigmoid(self.linear(x))


@pytest.mark.parametrize("module, opset", [(Scaled(), 17),
                                           (nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 4)), 14)],
                         ids=["scaled_sigmoid", "layer_norm_opset14"])
def test_net_train_leaves_the_models_constants_fixed_and_trains_the_weights(module, opset, tmp_path):
    torch.manual_seed(0)
    path = torch_export(module, torch.randn(2, 4), tmp_path / "m.onnx", "x", opset_version=opset)
    net = import_onnx(path)
    constants = [name for name, layer in net.layers.items() if layer.type_name == "ConstantArrayLayer"]
    assert constants and net.learning_rate_multipliers == {name: 0.0 for name in constants}
    trained = net_train(net, {"x": torch.randn(16, 4), "Target": torch.randn(16, 4)}, max_training_rounds=3,
                        learning_rate=0.1, random_seed=0, progress=False)
    for name, layer in ((n, layer) for n, layer in net.layers.items() if layer.arrays):
        same = all(torch.equal(torch.as_tensor(a), torch.as_tensor(trained.layers[name].arrays[k]))
                   for k, a in layer.arrays.items())
        assert same == (name in constants), name
    assert torch.isfinite(trained(torch.randn(3, 4))).all()


@pytest.mark.parametrize("torch_momentum", [0.3, 0.1])
def test_batch_normalization_keeps_the_models_momentum(torch_momentum, tmp_path):
    module = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=torch_momentum))
    net = import_onnx(torch_export(module, torch.randn(5, 4), tmp_path / "bn.onnx", "x"))
    norm, = (layer for layer in net.layers.values() if layer.type_name == "BatchNormalizationLayer")
    assert norm.momentum == pytest.approx(1 - torch_momentum)  # ours and ONNX's: the weight of the old average


def test_port_names_that_are_identifiers_are_kept_and_keywords_renamed(tmp_path):
    one, ten = (numpy_helper.from_array(np.array(v, np.float32), name) for v, name in ((1.0, "one"), (10.0, "ten")))
    nodes = [helper.make_node("Add", ["class", "one"], ["o.x"]), helper.make_node("Mul", ["class", "ten"], ["o_x"]),
             helper.make_node("Neg", ["class"], ["for"])]
    outputs = {"o.x": ["b", 3], "o_x": ["b", 3], "for": ["b", 3]}
    path = onnx_model(tmp_path / "names.onnx", nodes, {"class": ["b", 3]}, outputs, 17, (one, ten))
    net = import_onnx(path)
    assert net.input_ports == ("class_",) and net.output_ports == ("o_x_2", "o_x", "for_")
    x = torch.randn(2, 3)
    out = net(class_=x)
    for port, want in zip(net.output_ports, run_onnx(path, {"class": x})):
        torch.testing.assert_close(out[port], torch.from_numpy(want))


class MeanSum(nn.Module):
    def forward(self, x, y):
        return x.mean(1) + y.mean(1)


def test_each_onnx_dim_name_is_its_own_length_variable(tmp_path):
    torch.manual_seed(0)
    fcn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 2, 1))
    net = import_onnx(torch_export(fcn, torch.randn(2, 3, 8, 8), tmp_path / "fcn.onnx", "x",
                                   axes={"x": {0: "b", 2: "h", 3: "w"}}))
    assert net.port_types["x"].shape == (3, "h", "w")
    x = torch.randn(1, 3, 12, 10)
    torch.testing.assert_close(net(x), fcn(x).detach())
    two = import_onnx(torch_export(MeanSum(), (torch.randn(2, 5, 4), torch.randn(2, 7, 4)), tmp_path / "two.onnx",
                                   ["x", "y"], axes={"x": {0: "b", 1: "n"}, "y": {0: "b", 1: "m"}}))
    assert (two.port_types["x"].shape, two.port_types["y"].shape) == (("n", 4), ("m", 4))
    x, y = torch.randn(2, 5, 4), torch.randn(2, 7, 4)
    torch.testing.assert_close(two(x=x, y=y), MeanSum()(x, y))


class Merged(nn.Module):
    def __init__(self, how: str):
        super().__init__()
        self.how = how

    def forward(self, x):
        return torch.tanh(x).flatten(0, 2) if self.how == "flatten" else torch.tanh(x.reshape(-1, 4))


@pytest.mark.parametrize("how", ["flatten", "reshape"])
def test_an_output_merging_the_batch_with_other_dims_is_refused_naming_it(how, tmp_path):
    path = torch_export(Merged(how), torch.randn(2, 2, 3, 4), tmp_path / "m.onnx", "x", output_names=["y"])
    with pytest.raises(SpecError, match=r"graph output 'y' merges the batch dim with the 2 dims after it") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.port) == ("merged-batch-output", (), "y")


class CountsIn(nn.Module):
    """Integer features (counts) cast to float, then a Linear."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, counts):
        return self.linear(counts.float())


@torch.no_grad()
def test_an_integer_input_cast_to_float_is_a_real_port(tmp_path):
    # the int64 input became an Integer port feeding the LinearLayer through the Cast (a no-op): the import failed
    # with "expected dtype Real, found Integer" about its own net
    torch.manual_seed(0)
    module = CountsIn()
    path = torch_export(module, torch.randint(0, 5, (2, 3)), tmp_path / "counts.onnx", "counts")
    net = import_onnx(path)
    assert net.port_types["counts"].dtype == "Real"
    counts = torch.randint(0, 9, (4, 3))
    torch.testing.assert_close(net(counts), module(counts))
    torch.testing.assert_close(net(counts), torch.from_numpy(run_onnx(path, {"counts": counts})[0]))
