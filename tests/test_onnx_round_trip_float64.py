"""export -> import of float64 nets (``torch.set_default_dtype(torch.float64)``, the model in ``tensor(double)``),
at a batch of 1 and several lengths: the imported net computes what the net computes. A group NormalizationLayer
exports as a model onnxruntime runs (it has no InstanceNormalization of double: the groups are cast to float32 and
back) and imports back as one layer."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import (AttentionLayer, CrossEntropyLossLayer, NetChain, NetGraph, NormalizationLayer, export_onnx,
                      import_onnx, net_initialize)
from netgraph.export.exporter import example_inputs
from tests.onnx_helpers import assert_same_outputs, pinned_model, run_onnx
from tests.test_onnx_export import family_nets


@pytest.fixture
def float64():
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


def _outputs(result) -> list[torch.Tensor]:
    return list(result.values()) if isinstance(result, dict) else [result]


@pytest.mark.parametrize("make", [lambda: family_nets()["losses"],
                                  lambda: NetGraph({"c": CrossEntropyLossLayer("Index")}, [], Input=(5,), Target=())],
                         ids=["losses", "cross-entropy-index"])
def test_a_float64_loss_ending_in_a_cast_to_double_imports_back(float64, make, tmp_path):
    # its export casts the loss to DOUBLE (11): the import refused every Cast but one to float32
    net = net_initialize(make(), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    for batch, length in [(1, 1), (1, 4), (3, 2)]:
        inputs = example_inputs(net, batch=batch, length=length, seed=1)
        inputs = {port: x.softmax(-1) if x.is_floating_point() else x for port, x in inputs.items()}
        for got, want in zip(_outputs(back(**inputs)), _outputs(net(**inputs))):
            assert got.dtype == torch.float64
            torch.testing.assert_close(got, want)


def _group_net(shape: list[int]):
    net = net_initialize(NetChain({"grouped": NormalizationLayer(group_number=2)}, input=shape), seed=0)
    generator = torch.Generator().manual_seed(0)
    for array in net.layers["grouped"].arrays.values():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator, dtype=array.dtype))
    return net


@pytest.mark.parametrize("shape", [[4, 5], [6, 3, 2]])
def test_a_float64_group_norm_runs_in_onnxruntime_and_imports_as_one_layer(float64, shape, tmp_path):
    net = _group_net(shape)
    path = export_onnx(net, tmp_path / "m.onnx")
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(1))
    assert_same_outputs(path, net, {"Input": x}, atol=1e-5)  # onnxruntime refused the double InstanceNormalization
    back = import_onnx(path)
    [(name, layer)] = back.layers.items()
    assert (name, type(layer), layer.group_number) == ("grouped", NormalizationLayer, 2)
    got = back(x)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, net(x))


def test_group_norm_between_other_casts_is_not_taken_as_one_layer(float64, tmp_path):
    """A Cast to double (not float) before the InstanceNormalization is no export_onnx form: its nodes one by one."""
    net = _group_net([4, 5])
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    [cast_in, _] = [node for node in model.graph.node if node.op_type == "Cast"]
    cast_in.attribute[0].i = onnx.TensorProto.DOUBLE
    onnx.save(model, tmp_path / "near.onnx")
    back = import_onnx(tmp_path / "near.onnx")
    assert len(back.layers) > 1 and "grouped" not in back.layers
    x = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("options, shape", [
    ({"group_number": 2}, [4, 5]), ({"method": "RMS"}, [3, 4]), ({"aggregation_levels": [1]}, [3, 4]),
    ({"aggregation_levels": "1;;", "scaling_levels": "Same"}, [3, 4]), ({"unbiased": True}, [3, 4]),
    ({"unbiased": True, "aggregation_levels": [1]}, [3, 4])],
    ids=["group", "rms", "standardize-level-1", "layer-normalization-op", "unbiased", "unbiased-level-1"])
def test_a_float64_normalization_imports_its_arrays_in_float64_exactly(float64, options, shape, tmp_path):
    """Its folded arrays were rounded to float32 (a float64 LinearLayer's stayed float64); an unbiased one imported
    as its ~20 ops (its count n cast to float, then to double, once for n and once for n - 1)."""
    net = net_initialize(NetChain({"norm": NormalizationLayer(**options)}, input=shape), seed=0)
    generator = torch.Generator().manual_seed(0)
    for array in net.layers["norm"].arrays.values():  # not the starting ones and zeros
        array.copy_(torch.randn(array.shape, generator=generator, dtype=array.dtype) / 3)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    [layer] = back.layers.values()
    assert isinstance(layer, NormalizationLayer) and set(layer.arrays) == set(net.layers["norm"].arrays)
    assert (layer.method, layer.unbiased) == (net.layers["norm"].method, net.layers["norm"].unbiased)
    x = torch.randn(3, *shape, generator=generator)
    torch.testing.assert_close(back.compile()(x), net.compile()(x))  # float64 tolerances
    for name, array in net.layers["norm"].arrays.items():
        assert layer.arrays[name].dtype == torch.float64
        assert torch.equal(layer.arrays[name].reshape(array.shape), array)


def test_a_float64_matmul_plus_bias_keeps_its_biases_in_float64(float64, tmp_path):
    """MatMul(x, W) + b of doubles -> one LinearLayer: its fused biases were rounded to float32."""
    generator = np.random.default_rng(0)
    weights, bias = generator.standard_normal((4, 3)), generator.standard_normal(3) / 3
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Add", ["h", "b"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["b", 4])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["b", 3])],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(bias, "b")])
    onnx.save(pinned_model(graph), tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    [layer] = net.layers.values()
    assert layer.arrays["Biases"].dtype == torch.float64
    assert torch.equal(layer.arrays["Biases"].reshape(-1), torch.from_numpy(bias))
    x = torch.from_numpy(generator.standard_normal((5, 4)))
    [want] = run_onnx(tmp_path / "m.onnx", {"x": x})
    torch.testing.assert_close(net.compile()(x), torch.from_numpy(want), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("multi_head", [False, True], ids=["one-head", "multi-head"])
def test_a_float64_causal_attention_exports_and_imports_back_as_one_layer(float64, multi_head, tmp_path):
    """torch's exporter refused its causal mask of doubles ("Unsupported type for attn_mask: 7")."""
    shape = (2, 3) if multi_head else (4,)
    net = net_initialize(NetGraph({"a": AttentionLayer("Dot", multi_head=multi_head, mask="Causal")}, [],
                                  Key=("n", *shape), Value=("n", *shape), Query=("n", *shape)), seed=0)
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    [layer] = back.layers.values()
    assert isinstance(layer, AttentionLayer) and layer.mask == "Causal"
    for length in (1, 5):
        inputs = example_inputs(net, batch=3, length=length, seed=1)
        want = net.compile()(**inputs)
        assert want.dtype == torch.float64
        assert_same_outputs(path, net.compile(), inputs, atol=1e-12)
        torch.testing.assert_close(back.compile()(**inputs), want, atol=1e-12, rtol=1e-12)
