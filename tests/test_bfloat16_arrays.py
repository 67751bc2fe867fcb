"""numpy arrays of ml_dtypes' bfloat16 (what onnx reads a BFLOAT16 initializer as) are read as bfloat16 tensors, so a
bfloat16 net exported to ONNX imports again; ml_dtypes' other kinds (float8) are refused naming their dtype."""

import ml_dtypes
import numpy as np
import pytest
import torch
from onnx import TensorProto, helper

import netgraph
from netgraph import LinearLayer, NetArrayLayer, NetChain, OptionError, net_initialize
from tests.onnx_helpers import pinned_model


def test_a_bfloat16_numpy_array_is_a_bfloat16_array():
    layer = NetArrayLayer(array=np.array([1.5, 2.0, -3.25], dtype=ml_dtypes.bfloat16), output=3)
    assert layer.array.dtype == torch.bfloat16 and layer.array.tolist() == [1.5, 2.0, -3.25]


@pytest.mark.parametrize("kind", ["float8_e4m3fn", "float8_e5m2"])
def test_a_float8_numpy_array_is_refused_naming_its_dtype(kind):
    with pytest.raises(OptionError, match=f"dtype {kind}.*astype"):
        NetArrayLayer(array=np.array([1.5, 2.0], dtype=getattr(ml_dtypes, kind)), output=2)


def test_a_bfloat16_net_exported_imports_with_the_same_arrays(tmp_path):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        net = net_initialize(NetChain([LinearLayer(3)], input=2), seed=0)
        netgraph.export_onnx(net, tmp_path / "bf.onnx")
    finally:
        torch.set_default_dtype(old)
    imported = netgraph.import_onnx(tmp_path / "bf.onnx")
    (weights,) = [a for k, a in imported.arrays.items() if k[-1] == "Weights"]
    (biases,) = [a for k, a in imported.arrays.items() if k[-1] == "Biases"]
    assert weights.dtype == biases.dtype == torch.bfloat16
    assert torch.equal(weights, net.arrays[("1", "Weights")]) and torch.equal(biases, net.arrays[("1", "Biases")])


def test_a_bfloat16_initializer_is_read_bit_for_bit(tmp_path):
    values = np.array([[1.5, -2.0], [0.1, 3e38]], dtype=ml_dtypes.bfloat16)
    weight = helper.make_tensor("W", TensorProto.BFLOAT16, [2, 2], values.tobytes(), raw=True)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, ["n", 2])],
                              [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, ["n", 2])], [weight])
    path = tmp_path / "w.onnx"
    path.write_bytes(pinned_model(graph).SerializeToString())
    (array,) = [a for a in netgraph.import_onnx(path).arrays.values() if a.numel() == 4]
    expected = torch.from_numpy(values.view(np.int16).copy()).view(torch.bfloat16)
    assert array.dtype == torch.bfloat16
    assert torch.equal(array, expected.T)  # x @ W: a LinearLayer's weights W transposed
