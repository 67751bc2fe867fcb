"""A ContrastiveLossLayer exports as Where(Target > 0, Max(margin - x, 0)^2, x^2), Unsqueeze, Flatten, ReduceMean: it
imports back as that one layer, its Target an Integer port (it was 10 layers, Target a Real port); a near-miss (a
float target, another clip), another tool's file (its integer target may hold 2 or -1) or a target read elsewhere too
imports node by node, computing what it computes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import (ContrastiveLossLayer, CrossEntropyLossLayer, MeanSquaredLossLayer, NetGraph, NetMapOperator,
                      export_onnx, import_onnx)
from tests.onnx_helpers import assert_same_outputs, pinned_model, run_onnx


@pytest.mark.parametrize("margin", [0.5, 0.7])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
@torch.no_grad()
def test_a_contrastive_loss_imports_back_as_one_layer_with_an_integer_target(margin, shape, tmp_path):
    net = NetGraph({"c": ContrastiveLossLayer(margin)}, [], Input=shape, Target=shape)
    path = export_onnx(net, tmp_path / "loss.onnx")
    back = import_onnx(path)
    assert [(name, layer) for name, layer in back.layers.items()] == [("contrastive_loss", net.layers["c"])]
    assert back.port_types["Target"].dtype == "Integer"
    x = torch.rand(6, *shape, generator=torch.Generator().manual_seed(2))
    inputs = {"Input": x, "Target": torch.arange(x.numel()).reshape(x.shape) % 2}  # pushed apart and pulled together
    torch.testing.assert_close(back(inputs), net(inputs))
    assert_same_outputs(path, back, inputs)


@torch.no_grad()
def test_a_contrastive_loss_mapped_over_a_sequence_imports_back_with_an_integer_target(tmp_path):
    """The export merges the batch with the sequence (Flatten) before the loss, so the folded loss imports mapped
    (a NetMapOperator): the import gave Target a Real port, which the map's Integer one refused (a ShapeError)."""
    net = NetGraph({"m": NetMapOperator(ContrastiveLossLayer(0.7))}, [], Input=(4, 3), Target=(4, 3))
    path = export_onnx(net, tmp_path / "loss.onnx")
    back = import_onnx(path)
    [layer] = back.layers.values()
    assert isinstance(layer, NetMapOperator) and [*layer.net.layers.values()] == [net.layers["m"].net.layers["layer"]]
    assert back.port_types["Target"].dtype == "Integer"
    x = torch.rand(6, 4, 3, generator=torch.Generator().manual_seed(2))
    inputs = {"Input": x, "Target": torch.arange(x.numel()).reshape(x.shape) % 2}
    torch.testing.assert_close(back(inputs), net(inputs))
    assert_same_outputs(path, back, inputs)


def _loss_model(target_type: int, clip_min: float, producer: str = "netgraph", real: int = TensorProto.FLOAT,
                margin: float = 0.5) -> onnx.ModelProto:
    """The contrastive loss of x (batch, 4) and t (batch, 4) as export_onnx writes it (``producer``: the tool the
    file says wrote it), t of ``target_type``, the clip's minimum ``clip_min`` (0 for the loss), x, the loss and the
    constants of type ``real``."""
    dtype = helper.tensor_dtype_to_np_dtype(real)
    constants = {"zero": np.array(0, helper.tensor_dtype_to_np_dtype(target_type)), "margin": np.array(margin, dtype),
                 "low": np.array(clip_min, dtype), "last": np.array([-1]), "one": np.array([1])}
    steps = [("Greater", ["t", "zero"], "far_side"), ("Sub", ["margin", "x"], "gap"), ("Clip", ["gap", "low"], "c"),
             ("Mul", ["c", "c"], "far"), ("Mul", ["x", "x"], "near"), ("Where", ["far_side", "far", "near"], "e"),
             ("Unsqueeze", ["e", "last"], "u"), ("Flatten", ["u"], "f")]
    nodes = [helper.make_node(op, ins, [out]) for op, ins, out in steps]
    nodes.append(helper.make_node("ReduceMean", ["f", "one"], ["loss"], keepdims=0))
    inputs = [helper.make_tensor_value_info("x", real, ["b", 4]),
              helper.make_tensor_value_info("t", target_type, ["b", 4])]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("loss", real, ["b"])],
                              [numpy_helper.from_array(v, k) for k, v in constants.items()])
    model = pinned_model(graph, 18)
    model.producer_name = producer
    return model


@pytest.mark.parametrize("target_type, clip_min, folded", [
    (TensorProto.INT64, 0.0, True), (TensorProto.FLOAT, 0.0, False), (TensorProto.INT64, 0.1, False)],
    ids=["integer-target", "float-target", "other-clip"])
@torch.no_grad()
def test_only_the_exact_loss_of_an_integer_target_folds(target_type, clip_min, folded, tmp_path):
    onnx.save(_loss_model(target_type, clip_min), tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    assert ([layer.type_name for layer in back.layers.values()] == ["ContrastiveLossLayer"]) == folded
    generator = torch.Generator().manual_seed(4)
    x = {"x": torch.rand(5, 4, generator=generator), "t": torch.randint(0, 2, (5, 4), generator=generator)}
    if target_type == TensorProto.FLOAT:
        x["t"] = x["t"].float()
    [want] = run_onnx(tmp_path / "m.onnx", x)
    torch.testing.assert_close(back(x), torch.from_numpy(want))



@pytest.mark.parametrize("real, margin, written", [
    (TensorProto.DOUBLE, 2 ** 24 + 1, 2 ** 24 + 1), (TensorProto.DOUBLE, 1e300, 1e300),
    (TensorProto.FLOAT, 2 ** 24 + 1, 2 ** 24), (TensorProto.FLOAT, 123456789, 123456792)],
    ids=["float64-2**24+1", "float64-1e300", "float32-2**24+1", "float32-whole"])
@torch.no_grad()
def test_a_margin_imports_as_the_number_its_type_holds(real, margin, written, tmp_path):
    # a float64 margin was read as float32 (2**24 + 1 as 2**24, 1e300 as inf), and a whole float32 one by its shortest
    # decimal (123456790), not its value as plain_number writes every other number (123456792)
    onnx.save(_loss_model(TensorProto.INT64, 0.0, real=real, margin=margin), tmp_path / "m.onnx")
    back = import_onnx(tmp_path / "m.onnx")
    [layer] = back.layers.values()
    assert (layer.type_name, layer.margin) == ("ContrastiveLossLayer", written)
    dtype = torch.float64 if real == TensorProto.DOUBLE else torch.float32
    generator = torch.Generator().manual_seed(7)
    x = {"x": torch.rand(3, 4, generator=generator, dtype=dtype), "t": torch.randint(0, 2, (3, 4), generator=generator)}
    [want] = run_onnx(tmp_path / "m.onnx", x)
    torch.testing.assert_close(back(x, precision=str(dtype).removeprefix("torch.")), torch.from_numpy(want),
                               atol=0, rtol=1e-13 if real == TensorProto.DOUBLE else 1e-6)


def _node_by_node_matches_onnxruntime(model: onnx.ModelProto, path, inputs: dict) -> None:
    onnx.save(model, path)
    back = import_onnx(path)
    assert "ContrastiveLossLayer" not in [layer.type_name for layer in back.layers.values()]
    assert_same_outputs(path, back, inputs)


@torch.no_grad()
def test_another_tool_s_loss_of_an_integer_target_of_any_values_imports_node_by_node(tmp_path):
    # found in session 46: it folded, and the layer refused a target of 2 or -1 that onnxruntime computes with
    x = {"x": torch.rand(2, 4, generator=torch.Generator().manual_seed(5)),
         "t": torch.tensor([[0, 1, 2, -1], [1, 1, 0, 0]])}
    _node_by_node_matches_onnxruntime(_loss_model(TensorProto.INT64, 0.0, producer="hand"), tmp_path / "m.onnx", x)


@torch.no_grad()
def test_a_target_also_read_as_reals_imports_node_by_node(tmp_path):
    # found in session 46: t, also cast to float and added to x, was refused as an integer input read as reals
    model = _loss_model(TensorProto.INT64, 0.0)
    model.graph.node.extend([helper.make_node("Cast", ["t"], ["tf"], to=TensorProto.FLOAT),
                             helper.make_node("Add", ["x", "tf"], ["y"])])
    model.graph.output.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4]))
    generator = torch.Generator().manual_seed(6)
    x = {"x": torch.rand(3, 4, generator=generator), "t": torch.randint(0, 2, (3, 4), generator=generator)}
    _node_by_node_matches_onnxruntime(model, tmp_path / "m.onnx", x)


@pytest.mark.parametrize("loss", [MeanSquaredLossLayer(), CrossEntropyLossLayer("Binary")], ids=str)
@torch.no_grad()
def test_an_elementwise_loss_over_a_variable_length_dim_imports_back(loss, tmp_path):
    """Each example's mean was ``.flatten(1).mean(1)``: its Flatten merged the variable length with 4, which
    import_onnx refused ("cannot flatten a variable-length dimension"); a mean over the dims needs no Flatten."""
    net = NetGraph({"loss": loss}, [], Input=("n", 4), Target=("n", 4))
    path = export_onnx(net, tmp_path / "loss.onnx")
    back = import_onnx(path)
    assert "Flatten" not in {node.op_type for node in onnx.load(str(path)).graph.node}
    g = torch.Generator().manual_seed(3)
    for length in (5, 2):
        inputs = {"Input": torch.rand(3, length, 4, generator=g), "Target": torch.rand(3, length, 4, generator=g)}
        torch.testing.assert_close(back(inputs), net(inputs))
        assert_same_outputs(path, back, inputs)
