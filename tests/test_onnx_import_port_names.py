"""import_onnx's graph port names: a name torch's exporter made up because the user gave none (TorchScript's
output ``3`` and input ``onnx::Gemm_0``, the dynamo exporter's output named after its op, ``tanh``) becomes ``Input``
or ``Output`` (``Output1``, ``Output2``... where several are), as our nets' ports; names the user gave are kept, and
``onnx_port_names`` tells each port's ONNX name."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, save
from torch import nn

from netgraph import import_onnx
from netgraph.export import onnx_port_names
from tests.onnx_helpers import pinned_model, quiet_exporter, run_onnx


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.tanh(self.fc(x)), self.fc(x).sum(-1)


class OneOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.fc(x))


def _export(module: nn.Module, path, dynamo: bool, **names) -> str:
    torch.manual_seed(0)
    with quiet_exporter(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (torch.randn(2, 4),), str(path), dynamo=dynamo, **names)
    return str(path)


def _same_as_onnxruntime(net, path) -> None:
    """Each output port computes what onnxruntime gives for its ONNX tensor (``onnx_port_names``)."""
    import onnx
    x = torch.randn(2, 4, generator=torch.Generator().manual_seed(1))  # exported at batch 2, static
    ports = onnx_port_names(path)
    (port,) = net.input_ports
    got = net(x)
    got = got if isinstance(got, dict) else {net.output_ports[0]: got}
    want = dict(zip([o.name for o in onnx.load(path).graph.output], run_onnx(path, {ports[port]: x})))
    assert len(got) == len(want)
    for name, value in got.items():
        np.testing.assert_allclose(value.detach().numpy(), want[ports[name]], atol=1e-5, rtol=1e-4)


#: (module, exporter) -> the imported input and output ports and their ONNX names
MADE_UP = {
    ("one", "torchscript"): (("Input",), ("Output",)),
    ("two", "torchscript"): (("Input",), ("Output1", "Output2")),
    ("one", "dynamo"): (("x",), ("Output",)),  # the dynamo exporter names inputs after forward's arguments
    ("two", "dynamo"): (("x",), ("Output1", "Output2")),
}


@pytest.mark.parametrize("module, exporter", sorted(MADE_UP))
def test_ports_torch_named_are_input_and_output_and_keep_their_onnx_names_visible(module, exporter, tmp_path):
    path = _export({"one": OneOutput, "two": TwoOutputs}[module](), tmp_path / "m.onnx", exporter == "dynamo")
    net = import_onnx(path)
    inputs, outputs = MADE_UP[module, exporter]
    assert (net.input_ports, net.output_ports) == (inputs, outputs)
    import onnx
    graph = onnx.load(path).graph
    assert onnx_port_names(path) == dict(zip([*inputs, *outputs], [v.name for v in (*graph.input, *graph.output)]))
    _same_as_onnxruntime(net, path)


#: exporter -> names the user gave that look made up: an op's own name (dynamo's outputs), the op and number of
#: TorchScript's ``onnx::Gemm_0`` without its ``onnx::``, a number after a letter (TorchScript's only digits alone)
LOOK_MADE_UP = {"torchscript": (["Gemm_0"], ["Tanh_1", "y2"]), "dynamo": (["x"], ["tanh", "y2"])}


@pytest.mark.parametrize("exporter", sorted(LOOK_MADE_UP))
def test_names_the_user_gave_are_kept_even_where_they_look_made_up(exporter, tmp_path):
    inputs, outputs = LOOK_MADE_UP[exporter]
    path = _export(TwoOutputs(), tmp_path / "m.onnx", exporter == "dynamo", input_names=inputs, output_names=outputs)
    net = import_onnx(path)
    assert (net.input_ports, net.output_ports) == (tuple(inputs), tuple(outputs))
    assert onnx_port_names(path) == {name: name for name in inputs + outputs}
    _same_as_onnxruntime(net, path)


def test_a_name_the_user_gave_wins_over_the_one_a_made_up_name_becomes(tmp_path):
    # the user's input Input and output Output were renamed Input_2 and Output_2 for TorchScript-like made-up names
    nodes = [helper.make_node("Add", ["onnx::Add_0", "Input"], ["3"]), helper.make_node("Neg", ["3"], ["Output"])]
    ports = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", 4]) for n in ("onnx::Add_0", "Input", "3",
                                                                                      "Output")]
    save(pinned_model(helper.make_graph(nodes, "g", ports[:2], ports[2:])), tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    assert (net.input_ports, net.output_ports) == (("Input_2", "Input"), ("Output_2", "Output"))
    assert onnx_port_names(tmp_path / "m.onnx") == {"Input_2": "onnx::Add_0", "Input": "Input", "Output_2": "3",
                                                    "Output": "Output"}
    a, b = torch.randn(2, 4, generator=torch.Generator().manual_seed(2)), torch.randn(2, 4)
    got = net(Input_2=a, Input=b)
    np.testing.assert_allclose(got["Output_2"].numpy(), (a + b).numpy(), atol=1e-6)
    np.testing.assert_allclose(got["Output"].numpy(), (-(a + b)).numpy(), atol=1e-6)


def test_an_input_also_given_as_an_output_keeps_its_shape(tmp_path):
    # the output's entry (no shape declared) replaced the input's: every port's shape unknown, the net unexportable
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("x", TensorProto.FLOAT, None)])
    save(pinned_model(graph), str(tmp_path / "m.onnx"))
    net = import_onnx(tmp_path / "m.onnx")
    assert {port: t.shape for port, t in net.port_types.items()} == {"x": (4,), "y": (4,), "x_2": (4,)}
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    got = net(x)
    torch.testing.assert_close(got["y"], x.relu())
    torch.testing.assert_close(got["x_2"], x)


def test_the_import_reads_the_shapes_of_many_inputs_in_linear_time():
    # `v in graph.input` compared each entry with every input's protobuf: 3000 inputs and 3000 value_infos took 6 s
    from netgraph.export.onnx_ports import value_shapes
    n, info = 3000, helper.make_tensor_value_info
    inputs = [info(f"w{i}", TensorProto.FLOAT, [64, 64]) for i in range(n)]
    values = [info(f"v{i}", TensorProto.FLOAT, ["b", 64]) for i in range(n)] + [info("u", TensorProto.FLOAT, None)]
    graph = helper.make_graph([], "g", inputs, [info("w0", TensorProto.FLOAT, None)], value_info=values)
    start = time.process_time()
    shapes = value_shapes(graph)
    assert time.process_time() - start < 1.0  # 0.03 s linear
    assert shapes == {**{f"w{i}": (64, 64) for i in range(n)}, **{f"v{i}": ("b", 64) for i in range(n)}}
