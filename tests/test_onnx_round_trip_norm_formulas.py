"""A NormalizationLayer(method="RMS") exports as x * 1/sqrt(mean(x*x) + epsilon) then its arrays, one with
unbiased=True as (x - mean) * 1/sqrt(torch's variance + epsilon), a standardisation over levels not trailing as
(x - mean) * 1/sqrt(mean((x - mean)^2) + epsilon): each imports back as one NormalizationLayer of those options
(they were 12 to 15 layers: ThreadingLayers, ConstantArrayLayers, NetChains); a chain with one constant changed is
no such normalisation and imports node by node, computing what it computes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from netgraph import NetChain, NormalizationLayer, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import assert_same_outputs, run_onnx


def _formula_net(options: dict, shape: list):
    net = net_initialize(NetChain({"norm": NormalizationLayer(**options)}, input=shape), seed=0)
    generator = torch.Generator().manual_seed(0)
    for array in net.layers["norm"].arrays.values():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator))
    return net


@pytest.mark.parametrize("method", [{"method": "RMS"}, {"unbiased": True}], ids=["rms", "unbiased"])
@pytest.mark.parametrize("options, shape, levels", [
    ({}, [3, 4], ("2;;", "Complement")), ({"scaling_levels": "Same", "epsilon": 1e-5}, [3, 4], ("2;;", "Same")),
    ({"aggregation_levels": [1, 3]}, [3, 4, 2], ([1, 3], "Complement")), ({"scaling": False}, [3, 4], ("2;;", None)),
    ({"scaling": False, "biases": False}, [3, 4], ("2;;", None)), ({"scaling_levels": [2]}, ["n", 4], ("2;;", "Same")),
    ({"aggregation_levels": "1;;", "scaling_levels": [2]}, ["n", 4], ("1;;", [2]))])
def test_a_normalization_written_as_its_formula_imports_as_one_layer(method, options, shape, levels, tmp_path):
    _check_round_trip(_formula_net({**method, **options}, shape), shape, levels, tmp_path)


@pytest.mark.parametrize("options, shape, levels", [
    ({"aggregation_levels": [1, 3]}, [3, 4, 2], ([1, 3], "Complement")),
    ({"aggregation_levels": [1]}, [3, 4], ([1], "Complement")),
    ({"aggregation_levels": [1], "scaling": False, "biases": False}, ["n", 4], ([1], None))])
def test_a_standardization_over_levels_not_trailing_imports_as_one_layer(options, shape, levels, tmp_path):
    """No LayerNormalization there: (x - mean) * 1/sqrt(mean((x - mean)^2) + epsilon), it was 15 layers."""
    _check_round_trip(_formula_net(options, shape), shape, levels, tmp_path)


def _check_round_trip(net, shape: list, levels: tuple, tmp_path) -> None:
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    [layer] = back.layers.values()
    original = net.layers["norm"]
    assert (type(layer), layer.method, layer.unbiased, layer.epsilon) == (
        NormalizationLayer, original.method, original.unbiased, original.epsilon)
    assert layer.aggregation_levels == levels[0]
    if levels[1] is not None:
        assert layer.scaling_levels == levels[1]
    assert set(layer.arrays) == set(original.arrays)
    for name, array in original.arrays.items():
        np.testing.assert_allclose(np.asarray(layer.arrays[name]), array.numpy(), rtol=1e-6)
    generator = torch.Generator().manual_seed(1)
    for batch, length in [(1, 3), (4, 5)]:
        x = torch.randn(batch, *(length if d == "n" else d for d in shape), generator=generator)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-5)
        assert_same_outputs(path, back, {"Input": x})


@pytest.mark.parametrize("options, op, slot, value", [
    ({"method": "RMS"}, "Div", 0, 2.0), ({"method": "RMS"}, "Div", 0, -1.0), ({"unbiased": True}, "Div", 0, 2.0),
    ({"unbiased": True}, "ReduceMean", 1, 1), ({"aggregation_levels": [1]}, "Div", 0, 2.0),
    ({"aggregation_levels": [1]}, "ReduceMean", 1, 2)],
    ids=["rms-numerator-2", "rms-numerator-neg", "unbiased-numerator-2", "unbiased-mean-elsewhere",
         "standardize-numerator-2", "standardize-mean-elsewhere"])
def test_a_formula_with_one_constant_changed_imports_node_by_node(options, op, slot, value, tmp_path):
    net = _formula_net(options, [3, 4])
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    producers = {out: node for node in model.graph.node for out in node.output}
    node = [n for n in model.graph.node if n.op_type == op][-1 if op == "Div" else 0]  # the 1 / sqrt; the centring
    constant = producers[node.input[slot]]
    old = numpy_helper.to_array(constant.attribute[0].t)
    constant.attribute[0].t.CopyFrom(numpy_helper.from_array(np.full_like(old, value), constant.attribute[0].t.name))
    onnx.save(model, tmp_path / "near.onnx")
    back = import_onnx(tmp_path / "near.onnx")
    assert "NormalizationLayer" not in [layer.type_name for layer in back.layers.values()]
    x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    [want] = run_onnx(tmp_path / "near.onnx", {"Input": x})
    torch.testing.assert_close(back(x), torch.from_numpy(want), atol=1e-5, rtol=1e-5)
