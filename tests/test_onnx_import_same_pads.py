"""import_onnx of Conv, MaxPool and AveragePool with ``auto_pad`` SAME_UPPER / SAME_LOWER at strides > 1 (TensorFlow's
converters write SAME so): over spatial dims of known size the pads are computed, each model runs as onnxruntime runs
it; over sizes unknown they depend on the size, and are refused naming auto_pad. With ``ceil_mode`` too, and explicit
pads uneven on a dim, also of an average not counting its pads."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx
from tests.test_onnx_import_ops import kinds


def _model(path, op, shape, **attributes):
    """One ``op`` node over an input of ``shape`` (a Conv of 3 kernels of random weights and biases)."""
    rng = np.random.default_rng(0)
    kernel = attributes["kernel_shape"]
    inputs, arrays = ["x"], []
    if op == "Conv":
        arrays = [numpy_helper.from_array(rng.normal(size=(3, shape[1], *kernel)).astype(np.float32), "w"),
                  numpy_helper.from_array(rng.normal(size=3).astype(np.float32), "bias")]
        inputs += ["w", "bias"]
    node = helper.make_node(op, inputs, ["y"], name="node", **attributes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], arrays)
    onnx.save(pinned_model(graph), str(path))
    return path


CASES = [  # op, input shape, kernel, strides, dilations
    ("Conv", ["b", 2, 7, 8], [3, 3], [2, 2], [1, 1]),  # 7: pads 1 in all; 8: pads 1 in all, the extra after
    ("Conv", ["b", 2, 9, 6], [4, 2], [3, 2], [1, 1]),  # 9: 1 in all; 6: 0
    ("Conv", ["b", 2, 10], [5], [3], [1]),  # 10: ceil(10/3)=4 windows, pads 2
    ("Conv", ["b", 2, "n"], [3], [1], [1]),  # stride 1: any size
    ("MaxPool", ["b", 2, 7, 8], [3, 3], [2, 2], None),
    ("MaxPool", ["b", 2, 11], [4], [3], None),
    ("AveragePool", ["b", 2, 7, 9], [3, 3], [2, 2], None),  # pads [1, 1] even: the padding not counted
]


@pytest.mark.parametrize("mode", ["SAME_UPPER", "SAME_LOWER"])
@pytest.mark.parametrize("op, shape, kernel, strides, dilations", CASES)
def test_a_same_padded_node_at_any_stride_imports_as_onnxruntime_runs_it(op, shape, kernel, strides, dilations,
                                                                         mode, tmp_path):
    extra = {"dilations": dilations} if dilations else {}
    path = _model(tmp_path / "same.onnx", op, shape, kernel_shape=kernel, strides=strides, auto_pad=mode, **extra)
    net = import_onnx(path)
    assert ("ConvolutionLayer" if op == "Conv" else "PoolingLayer") in kinds(net)
    sizes = [5 if d == "n" else d for d in shape[1:]]
    x = -1 - torch.rand(3, *sizes, generator=torch.Generator().manual_seed(1))  # negative: a Max padded by 0 differs
    np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


UNCOUNTED = [  # input shape, attributes of an AveragePool not counting its pads, pads uneven on a dim
    (["b", 2, 8], {"kernel_shape": [3], "strides": [2], "auto_pad": "SAME_UPPER"}),  # pads [0, 1]
    (["b", 2, 7, 6], {"kernel_shape": [2, 3], "strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    (["b", 2, "h", "w"], {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [2, 0, 0, 1]}),
    (["b", 2, "n"], {"kernel_shape": [4], "strides": [3], "pads": [1, 3]}),
    (["b", 2, 10], {"kernel_shape": [3], "strides": [3], "pads": [0, 2], "ceil_mode": 1}),  # no partial window
    (["b", 2, 5], {"kernel_shape": [3], "strides": [2], "pads": [0, 1], "ceil_mode": 1}),  # a partial last window
    (["b", 2, 8, 6], {"kernel_shape": [4, 3], "strides": [2, 3], "pads": [1, 2, 2, 1], "ceil_mode": 1}),
    (["b", 2, 7, 8], {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER", "ceil_mode": 1}),
]


@pytest.mark.parametrize("shape, attributes", UNCOUNTED)
def test_an_uneven_average_not_counting_its_pads_imports_as_onnxruntime_runs_it(shape, attributes, tmp_path):
    # it was refused: our Mean's padding_size is even, and extra zeros would be counted; it is the window's total
    # over the zero-padded input divided by its count of input elements
    path = _model(tmp_path / "avg.onnx", "AveragePool", shape, count_include_pad=0, **attributes)
    net = import_onnx(path)
    sizes = [[5 if isinstance(d, str) else d for d in shape[1:]], [7 if isinstance(d, str) else d for d in shape[1:]]]
    for size in sizes[:1 + any(isinstance(d, str) for d in shape[1:])]:
        x = torch.randn(3, *size, generator=torch.Generator().manual_seed(1))
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


def test_an_uneven_average_not_counting_its_pads_with_ceil_mode_over_unknown_sizes_is_refused_naming_its_pads(
        tmp_path):
    # ceil_mode's partial last window, completed by explicit zeros where the sizes are known ("Total" has no ceil_mode)
    path = _model(tmp_path / "avg.onnx", "AveragePool", ["b", 2, "n"], kernel_shape=[3], strides=[2], pads=[0, 1],
                  ceil_mode=1)
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.option, problem.found, problem.expected) == ("pads", (0, 1), "pads even on each dim")


@pytest.mark.parametrize("op", ["Conv", "MaxPool"])
def test_same_at_a_stride_over_unknown_sizes_is_refused_naming_auto_pad(op, tmp_path):
    path = _model(tmp_path / "dyn.onnx", op, ["b", 2, "h", 8], kernel_shape=[3, 3], strides=[2, 2],
                  auto_pad="SAME_UPPER")
    with pytest.raises(SpecError, match=r"auto_pad='SAME_UPPER' at strides \[2, 2\] over spatial dims of unknown size"):
        import_onnx(path)


CEIL_CASES = [  # op, input shape, kernel, strides, padding: auto_pad or explicit pads, count_include_pad
    ("MaxPool", ["b", 2, 7, 8], [3, 3], [2, 2], {"auto_pad": "SAME_UPPER"}, None),
    ("MaxPool", ["b", 2, 7, 8], [4, 2], [3, 2], {"auto_pad": "SAME_LOWER"}, None),
    ("MaxPool", ["b", 2, 8], [3], [2], {"pads": [0, 1]}, None),
    ("MaxPool", ["b", 2, 9, 6], [4, 3], [3, 2], {"pads": [2, 1, 1, 0]}, None),
    ("AveragePool", ["b", 2, 7, 8], [3, 3], [2, 2], {"auto_pad": "SAME_UPPER"}, 1),
    ("AveragePool", ["b", 2, 5], [3], [2], {"pads": [0, 1]}, 1),  # was refused: "asymmetric pads"
    ("AveragePool", ["b", 2, 8, 6], [4, 3], [2, 3], {"pads": [1, 2, 2, 1]}, 1),
    ("AveragePool", ["b", 2, 9], [4], [3], {"pads": [2, 1]}, 1),
]


@pytest.mark.parametrize("op, shape, kernel, strides, padding, counted", CEIL_CASES)
def test_a_ceil_mode_pool_of_uneven_pads_imports_as_onnxruntime_runs_it(op, shape, kernel, strides, padding, counted,
                                                                        tmp_path):
    extra = {} if counted is None else {"count_include_pad": counted}
    path = _model(tmp_path / "ceil.onnx", op, shape, kernel_shape=kernel, strides=strides, ceil_mode=1, **padding,
                  **extra)
    net = import_onnx(path)
    x = -1 - torch.rand(3, *shape[1:], generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
