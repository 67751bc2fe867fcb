"""Layers without biases: ``biases=False`` (Wolfram's ``"Biases" -> None``, torch's ``bias=False``) for LinearLayer,
ConvolutionLayer and DeconvolutionLayer, compared with torch's ``bias=False`` modules given the same weights."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import torch
import yaml
from safetensors.torch import load_file
from torch import nn

import onnx
from onnx import TensorProto, helper, numpy_helper
from netgraph import (ConvolutionLayer, DeconvolutionLayer, LinearLayer, NetChain, NetGraph, OptionError, WiringError,
                      export_onnx, import_onnx, interpret, load, net_initialize, net_replace_part, net_train, save)
from netgraph.core.layer import Layer
from netgraph.core.options import RemovableArray
from netgraph.spec.schema import spec_schema
from tests.onnx_helpers import pinned_model, torch_export


def _copied(module: nn.Module) -> torch.Tensor:
    return module.weight.detach().clone()


def _cases():
    """(torch module without bias, the netgraph layer given its weights, an input batch)."""
    torch.manual_seed(0)
    lin, conv1, conv2 = nn.Linear(4, 3, bias=False), nn.Conv1d(2, 4, 3, bias=False), nn.Conv2d(4, 6, 3, stride=2,
                                                                                              padding=1, groups=2,
                                                                                              bias=False)
    conv3, deconv = nn.Conv3d(1, 2, 2, dilation=2, bias=False), nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                                                  bias=False)
    return [
        (lin, LinearLayer(3, weights=_copied(lin), biases=False, input=4), torch.randn(5, 4)),
        (conv1, ConvolutionLayer(4, 3, weights=_copied(conv1), biases=False, input=(2, 9)), torch.randn(5, 2, 9)),
        (conv2, ConvolutionLayer(6, 3, stride=2, padding_size=1, channel_groups=2, weights=_copied(conv2),
                                 biases=False, input=(4, 7, 7)), torch.randn(5, 4, 7, 7)),
        (conv3, ConvolutionLayer(2, 2, dilation=2, weights=_copied(conv3), biases=False, input=(1, 5, 5, 5)),
         torch.randn(5, 1, 5, 5, 5)),
        (deconv, DeconvolutionLayer(4, 3, stride=2, padding_size=1, weights=_copied(deconv), biases=False,
                                    input=(3, 4, 4)), torch.randn(5, 3, 4, 4)),
    ]


CASES = _cases()
IDS = ["linear", "conv1d", "conv2d_groups", "conv3d_dilated", "deconv2d"]


@pytest.mark.parametrize("module, layer, x", CASES, ids=IDS)
def test_compiled_and_interpreted_equal_torch_without_bias(module, layer, x):
    net = NetChain([layer])
    compiled = net.compile()
    with torch.no_grad():
        want = module(x)
    assert torch.equal(compiled(x), want)
    assert torch.equal(interpret(net, compiled, Input=x), want)
    assert list(compiled.state_dict()) == ["1.Weights"]
    assert "Biases" not in compiled.code
    assert compiled._modules["1"].Biases is None  # as torch's module.bias


def test_a_linear_layer_of_any_input_and_output_shape_flattens_without_biases():
    torch.manual_seed(1)
    w, x = torch.randn(6, 4), torch.randn(3, 2, 2)
    net = NetChain([LinearLayer([2, 3], weights=w, biases=False)], input=(2, 2))
    want = torch.nn.functional.linear(x.flatten(1), w).unflatten(1, (2, 3))
    assert torch.equal(net(x), want)
    scalar = NetChain([LinearLayer(3, weights=w[:3, :1], biases=False)], input=())  # the module's own forward
    assert torch.equal(scalar(x[:, 0, 0]), x[:, 0, 0].unsqueeze(1) @ w[:3, :1].T)


def test_no_biases_is_a_value_apart_from_uninitialised_and_zero_biases():
    layer = LinearLayer(3, biases=False)
    assert layer == LinearLayer(3, biases=False) and hash(layer) == hash(LinearLayer(3, biases=False))
    assert layer != LinearLayer(3) and layer != LinearLayer(3, biases=torch.zeros(3))
    assert repr(layer) == "LinearLayer(3, biases=False)"
    assert layer.arrays == {"Weights": None} and LinearLayer(3).arrays == {"Weights": None, "Biases": None}
    assert layer.replace(biases=[1.0, 2.0, 3.0]).arrays["Biases"].tolist() == [1.0, 2.0, 3.0]
    assert {layer, LinearLayer(3, biases=False)} == {layer}


@pytest.mark.parametrize("make, option, words", [
    (lambda: LinearLayer(3, biases=True), "biases", "None (not initialised yet) or False (no biases)"),
    (lambda: ConvolutionLayer(3, 2, biases=True), "biases", "None (not initialised yet) or False (no biases)"),
    (lambda: LinearLayer(3, weights=False), "weights", "only biases (biases=False) and a normalisation"),
    (lambda: DeconvolutionLayer(3, 2, weights=False), "weights", "only biases (biases=False) and a normalisation"),
])
def test_other_flags_for_arrays_are_refused(make, option, words):
    with pytest.raises(OptionError, match=re.escape(words)) as info:
        make()
    assert info.value.diagnostics[0].option == option


def _net():
    return NetChain({"conv": ConvolutionLayer(2, 3, biases=False), "flat": "Ramp",
                     "lin": LinearLayer(3, biases=False), "out": LinearLayer(2)}, input=(1, 5, 5))


def test_net_initialize_draws_no_biases_and_information_counts_none():
    net = net_initialize(_net(), seed=0)
    assert net.layers["conv"].biases is False and net.layers["lin"].biases is False
    dims = net.information("ArraysDimensions")
    assert sorted(dims) == sorted([("conv", "Weights"), ("lin", "Weights"), ("out", "Weights"), ("out", "Biases")])
    assert net.information("ArraysTotalElementCount") == 2 * 9 + 3 * 18 + 2 * 3 + 2
    assert net.information("ArraysCount") == 4
    assert LinearLayer(3, biases=False, input=4).information("ArraysTotalElementCount") == 12
    summary = str(net.information())
    assert "80 parameters" in summary
    filled = net_initialize(_net(), seed=0, method={"All": 0.5})  # a number fills 1-d arrays too: none here
    assert filled.layers["lin"].arrays.keys() == {"Weights"}


def test_yaml_spec_schema_and_saved_files_keep_no_biases(tmp_path):
    net = net_initialize(_net(), seed=0)
    text = net.to_yaml()
    layers = yaml.safe_load(text)["layers"]
    assert layers["conv"]["biases"] is False and layers["lin"]["biases"] is False and "biases" in layers["out"]
    back = NetGraph.from_yaml(text)
    assert back == net and back.to_yaml() == text
    spec = "netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 3, biases: false}\ninputs: {Input: 4}\n"
    assert NetGraph.from_yaml(spec).layers["lin"] == LinearLayer(3, biases=False)
    save(net, tmp_path / "n.yaml")
    weights = next(tmp_path.glob("*.safetensors"))
    assert sorted(load_file(weights)) == ["conv.Weights", "lin.Weights", "out.Biases", "out.Weights"]
    loaded = load(tmp_path / "n.yaml")
    x = torch.randn(2, 1, 5, 5)
    assert loaded == net and torch.equal(loaded(x), net(x))
    validator = jsonschema.Draft202012Validator(json.loads(json.dumps(spec_schema())))
    assert not list(validator.iter_errors(yaml.safe_load(spec)))
    assert list(validator.iter_errors(yaml.safe_load(spec.replace("false", "true"))))


def test_training_learns_weights_only():
    net = net_initialize(NetChain({"lin": LinearLayer(2, biases=False)}, input=3), seed=0)
    assert [n for n, _ in net.compile().named_parameters()] == ["lin.Weights"]
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    w = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    trained = net_train(net, {"Input": x, "Target": x @ w.T + 1.0}, max_training_rounds=3, random_seed=0)
    layer = trained.layers["lin"]
    assert layer.biases is False and not torch.equal(layer.weights, net.layers["lin"].weights)


def test_giving_biases_to_a_layer_without_them_is_a_clear_error():
    net = net_initialize(_net(), seed=0)
    with pytest.raises(WiringError, match=r"layer 3 'lin' \(LinearLayer\) has no array 'Biases'; it was made without "
                                          r"them \(biases=False"):
        net_replace_part(net, {("lin", "Biases"): torch.zeros(3)})
    with pytest.raises(OptionError, match="layer.replace\\(biases=...\\)"):
        net.layers["conv"].with_arrays({"Biases": torch.zeros(2)})
    given = net_replace_part(net, {"lin": net.layers["lin"].replace(biases=torch.ones(3))})
    assert torch.equal(given.layers["lin"].biases, torch.ones(3))
    back = net_replace_part(given, {"lin": net.layers["lin"]})  # and taken away again
    assert back == net and "lin.Biases" not in back.compile().state_dict()
    x = torch.randn(2, 1, 5, 5)
    assert torch.equal(back(x), net(x)) and not torch.equal(given(x), net(x))


class Shifted(Layer, register=False):
    shift: RemovableArray = None
    ARRAYS = {"Shift": "shift"}
    input_ports = ("Input",)


def test_a_layer_type_of_ones_own_can_leave_an_array_out():
    assert Shifted(shift=False).ARRAYS == {} and Shifted(shift=[1.0]).arrays["Shift"].tolist() == [1.0]
    assert Shifted(shift=False) == Shifted(shift=False) != Shifted()



def test_onnx_export_writes_no_bias_inputs(tmp_path):
    net = net_initialize(_net(), seed=0)
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    conv = next(n for n in model.graph.node if n.op_type == "Conv")
    assert len(conv.input) == 2
    assert sorted(i.name for i in model.graph.initializer if "Biases" in i.name) == ["out.Biases"]
    back = import_onnx(tmp_path / "m.onnx")
    kinds = {type(layer).__name__: layer for layer in back.layers.values() if hasattr(layer, "biases")}
    assert kinds["ConvolutionLayer"].biases is False
    x = torch.randn(3, 1, 5, 5)
    torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("module, x", [
    (nn.Sequential(nn.Linear(4, 3, bias=False), nn.Tanh(), nn.Linear(3, 2, bias=False)), torch.randn(5, 4)),
    (nn.Sequential(nn.Conv2d(2, 3, 3, bias=False), nn.ReLU(), nn.ConvTranspose2d(3, 2, 2, stride=2, bias=False)),
     torch.randn(5, 2, 6, 6)),
], ids=["linear", "conv_deconv"])
def test_torch_modules_without_bias_import_as_layers_without_biases(module, x, tmp_path):
    torch.manual_seed(0)
    for m in module:
        if hasattr(m, "weight"):
            nn.init.normal_(m.weight)
    net = import_onnx(torch_export(module, x, tmp_path / "m.onnx"))
    with_arrays = [layer for layer in net.layers.values() if layer.ARRAYS]
    assert len(with_arrays) == 2 and all(layer.biases is False and list(layer.arrays) == ["Weights"]
                                         for layer in with_arrays)
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x))


def test_a_gemm_without_c_imports_without_biases(tmp_path):
    w = torch.randn(4, 3).numpy()
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3])],
                              [numpy_helper.from_array(w, "w")])
    onnx.save(pinned_model(graph), tmp_path / "g.onnx")
    net = import_onnx(tmp_path / "g.onnx")
    (layer,) = net.layers.values()
    assert layer.biases is False
    x = torch.randn(2, 4)
    torch.testing.assert_close(net(x), x @ torch.from_numpy(w))
