"""import_onnx of ConvTranspose with ``auto_pad`` (VALID; SAME_UPPER / SAME_LOWER: an output of n times the stride,
its pads d(k - 1) + 1 + o - s in all whatever n, so over dynamic sizes too) and with explicit pads uneven on a dim
(a DeconvolutionLayer padding what both sides crop, then a PartLayer cropping the rest) and output_padding past the
pads (zero input rows before it); each model runs as onnxruntime runs it."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx
from tests.test_onnx_import_ops import kinds


def _model(path, shape, kernel, **attributes):
    """One ConvTranspose of 3 output channels (random weights and biases) over an input of ``shape``."""
    rng = np.random.default_rng(0)
    arrays = [numpy_helper.from_array(rng.normal(size=(shape[1], 3, *kernel)).astype(np.float32), "w"),
              numpy_helper.from_array(rng.normal(size=3).astype(np.float32), "bias")]
    node = helper.make_node("ConvTranspose", ["x", "w", "bias"], ["y"], name="up", kernel_shape=kernel,
                            **attributes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    onnx.save(pinned_model(graph), str(path))
    return path


CASES = [  # input shape, kernel, other attributes
    (["b", 2, 5, 4], [3, 3], {"strides": [2, 2]}),  # pads 1 in all: uneven
    (["b", 2, 5, 4], [4, 4], {"strides": [2, 2]}),  # pads 2 in all: even
    (["b", 2, "h", "w"], [3, 4], {"strides": [2, 2]}),  # any size: the pads do not depend on it
    (["b", 2, 6], [5], {"strides": [3], "dilations": [2]}),  # pads 2 * 4 + 1 - 3 = 6
    (["b", 2, "n"], [3], {"strides": [1]}),
]


def _input(shape, seed=1):
    sizes = [6 if isinstance(d, str) else d for d in shape[1:]]
    return torch.randn(3, *sizes, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("mode", ["SAME_UPPER", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("shape, kernel, attributes", CASES)
def test_a_conv_transpose_with_auto_pad_imports_as_onnxruntime_runs_it(shape, kernel, attributes, mode, tmp_path):
    path = _model(tmp_path / "up.onnx", shape, kernel, auto_pad=mode, **attributes)
    net = import_onnx(path)
    assert "DeconvolutionLayer" in kinds(net)
    x = _input(shape)
    want = run_onnx(path, {"x": x})[0]
    if mode != "VALID":
        assert want.shape[2:] == tuple(n * s for n, s in zip(x.shape[2:], attributes["strides"]))
    np.testing.assert_allclose(net(x).numpy(), want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("mode", ["SAME_UPPER", "SAME_LOWER"])
def test_same_counts_the_output_padding_in_its_pads(mode, tmp_path):
    path = _model(tmp_path / "up.onnx", ["b", 2, "n"], [3], auto_pad=mode, strides=[2], output_padding=[1])
    x = _input(["b", 2, "n"])  # pads 3 + 1 - 2 = 2 in all
    np.testing.assert_allclose(import_onnx(path)(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape, attributes", [
    (["b", 2, 5], {"auto_pad": "VALID", "strides": [2], "output_padding": [1]}),
    (["b", 2, "n"], {"pads": [1, 0], "strides": [3], "output_padding": [2]}),
    (["b", 2, "n"], {"pads": [0, 0], "strides": [3], "dilations": [2], "output_padding": [2]}),
    (["b", 2, "h", 5], {"pads": [0, 1, 0, 0], "strides": [2, 2], "output_padding": [1, 1]})])
def test_output_padding_past_the_pads_imports_as_onnxruntime_runs_it(shape, attributes, tmp_path):
    # the rows past the full transposed convolution hold its biases alone: zero input rows give them (it was refused)
    path = _model(tmp_path / "up.onnx", shape, [3] * (len(shape) - 2), **attributes)
    net = import_onnx(path)
    assert {"PaddingLayer", "DeconvolutionLayer"} <= set(kinds(net))
    for x in (_input(shape), _input(shape, seed=2)[:, :, 1:]) if "n" in shape or "h" in shape else (_input(shape),):
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("pads, extra", [([0, 1, 1, 0], {}), ([2, 0, 1, 1], {}),
                                         ([1, 0, 0, 2], {"output_padding": [0, 1]})])
def test_a_conv_transpose_of_uneven_pads_crops_each_side_as_onnxruntime(pads, extra, tmp_path):
    path = _model(tmp_path / "up.onnx", ["b", 2, "h", 5], [3, 3], strides=[2, 2], pads=pads, **extra)
    net = import_onnx(path)
    for x in (_input(["b", 2, 4, 5]), _input(["b", 2, 7, 5])):
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


def test_a_same_conv_transpose_that_would_grow_past_its_full_output_is_refused_naming_auto_pad(tmp_path):
    # kernel 1 at stride 2: n * 2 outputs, one more than the 2n - 1 the transposed convolution computes
    path = _model(tmp_path / "up.onnx", ["b", 2, 5], [1], strides=[2], auto_pad="SAME_UPPER")
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.option, problem.found) == ("auto_pad", "SAME_UPPER")
