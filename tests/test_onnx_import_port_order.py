"""import_onnx's net takes its inputs and gives its outputs in the ONNX graph's declared order, so a positional call
means what it means to the original model (a model taking (tokens, mask) imported with input_ports
('mask', 'tokens'): the order in which the nodes first read them)."""

from __future__ import annotations

import onnx
import torch
from onnx import TensorProto, helper

from netgraph import import_onnx
from tests.onnx_helpers import pinned_model, run_onnx


def _value(name, shape=("b", 4)):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _save(path, nodes, inputs, outputs):
    onnx.save(pinned_model(helper.make_graph(nodes, "g", [_value(n) for n in inputs],
                                             [_value(n, None) for n in outputs])), str(path))
    return path


def test_ports_follow_the_graphs_declared_order_and_a_positional_call_matches_onnxruntime(tmp_path):
    # the first node reads 'mask' (declared second, and first alphabetically): the input ports were ('mask', 'tokens')
    path = _save(tmp_path / "masked.onnx", [helper.make_node("Sigmoid", ["mask"], ["gate"], name="gate"),
                                            helper.make_node("Mul", ["tokens", "gate"], ["y"], name="mul"),
                                            helper.make_node("Tanh", ["tokens"], ["t"], name="tanh")],
                 ["tokens", "mask"], ["y", "t"])
    net = import_onnx(path)
    assert net.input_ports == ("tokens", "mask") and net.output_ports == ("y", "t")
    generator = torch.Generator().manual_seed(0)
    tokens, mask = torch.randn(3, 4, generator=generator), torch.randn(3, 4, generator=generator)
    expected = run_onnx(path, {"tokens": tokens, "mask": mask})
    found = net.compile()(tokens, mask)  # a plain nn.Module, called by position as the model is
    for port, want in zip(net.output_ports, expected):
        torch.testing.assert_close(found[port], torch.from_numpy(want))


def test_an_input_passed_straight_to_an_output_keeps_both_orders(tmp_path):
    # 'echo' (declared first) is 'mask' itself: its edge names the output and reads the input at once
    path = _save(tmp_path / "echo.onnx", [helper.make_node("Identity", ["mask"], ["echo"], name="echo"),
                                          helper.make_node("Relu", ["mask"], ["r"], name="relu"),
                                          helper.make_node("Add", ["r", "tokens"], ["y"], name="add")],
                 ["tokens", "mask"], ["echo", "y"])
    net = import_onnx(path)
    assert net.input_ports == ("tokens", "mask") and net.output_ports == ("echo", "y")
    tokens, mask = torch.randn(2, 4), torch.randn(2, 4)
    found, expected = net.compile()(tokens, mask), run_onnx(path, {"tokens": tokens, "mask": mask})
    for port, want in zip(net.output_ports, expected):
        torch.testing.assert_close(found[port], torch.from_numpy(want))
