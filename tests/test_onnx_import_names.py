"""import_onnx names a layer after the module path its arrays carry, so a round trip keeps the names (a new user's
QA: an exported 'hidden'/'out' MLP came back as 'Gemm'/'Gemm_1'), and a torch model's layers are its modules'."""

from __future__ import annotations

import onnxruntime  # noqa: F401 - a declared test dependency: the ONNX tests fail, never skip, without it
import torch

from netgraph import NetChain, NetGraph, SoftmaxLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import torch_export


def test_an_exported_net_comes_back_with_its_layer_names(tmp_path):
    mlp = net_initialize(NetChain({"hidden": 16, "act": "Tanh", "out": 3, "probs": SoftmaxLayer()}, input=8), seed=0)
    export_onnx(mlp, tmp_path / "mlp.onnx")
    back = import_onnx(tmp_path / "mlp.onnx")
    assert list(back.layers)[0] == "hidden" and list(back.layers)[2] == "out"
    assert torch.equal(back.layers["out"].arrays["Weights"], mlp.layers["out"].arrays["Weights"])
    x = torch.randn(4, 8)
    torch.testing.assert_close(back(x), mlp(x))


def test_a_torch_models_layers_take_its_module_names(tmp_path):
    model = torch.nn.Sequential()
    model.add_module("fc1", torch.nn.Linear(4, 5))
    model.add_module("act", torch.nn.ReLU())
    model.add_module("fc2", torch.nn.Linear(5, 2))
    torch_export(model, torch.randn(2, 4), tmp_path / "t.onnx", "x", axes={"x": {0: "batch"}})
    net = import_onnx(tmp_path / "t.onnx")
    assert [name for name in net.layers if name.startswith("fc")] == ["fc1", "fc2"]
    x = torch.randn(3, 4)
    torch.testing.assert_close(net(x), model(x).detach())


def test_nested_array_paths_and_shared_prefixes_stay_unique(tmp_path):
    inner = NetChain({"a": 3, "b": 3})
    net = net_initialize(NetGraph({"enc": inner, "head": 2}, [("enc", "head")], Input=4), seed=0)
    export_onnx(net, tmp_path / "n.onnx")
    back = import_onnx(tmp_path / "n.onnx")
    assert [n for n in back.layers if not n.startswith("Input")][:3] == ["enc_a", "enc_b", "head"]


def test_a_length_named_like_a_python_keyword_keeps_its_name(tmp_path):
    # it came back as 'def_': a length name is no keyword argument, so it need not be an identifier
    net = net_initialize(NetGraph({"l": "Tanh"}, [], Input=("def", 2), Output=("def", 2)), seed=0)
    export_onnx(net, tmp_path / "m.onnx")
    assert import_onnx(tmp_path / "m.onnx").port_types == net.port_types
