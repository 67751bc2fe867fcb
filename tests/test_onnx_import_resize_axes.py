"""A Resize's ``axes`` (opset 18 on) at import: the spatial dims (negative ones counted from the end) resize as if
no axes were given; other axes are refused for that reason, not for their sizes' or scales' length."""

from __future__ import annotations

import re

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import ResizeLayer, SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx

NEAREST = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}


def _resize(tmp_path, axes, given, values, **attributes):
    """A Resize of x (b, 3, 6, 7) by ``given`` ("sizes" or "scales") ``values`` of ``axes``, saved at opset 19."""
    inputs = ["x", "", "given", ""] if given == "scales" else ["x", "", "", "given"]
    dtype = np.float32 if given == "scales" else np.int64
    graph = helper.make_graph([helper.make_node("Resize", inputs, ["y"], name="rz", axes=axes, **attributes)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 6, 7])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array(values, dtype), "given")])
    onnx.save(pinned_model(graph, 19), path := tmp_path / "m.onnx")
    return path


@pytest.mark.parametrize("axes, given, values, attributes", [
    ([2, 3], "sizes", [12, 21], {"mode": "linear"}), ([-2, -1], "sizes", [3, 14], {"mode": "linear"}),
    ([2, 3], "scales", [2.0, 3.0], NEAREST), ([-2, 3], "scales", [0.5, 2.0], {"mode": "linear"})])
def test_axes_of_the_spatial_dims_resize_as_onnxruntime_does(tmp_path, axes, given, values, attributes):
    # they were refused: "sizes (12, 21) for an input of shape ('b', 3, 6, 7): only the spatial dims may be resized"
    path = _resize(tmp_path, axes, given, values, **attributes)
    x = torch.randn(2, 3, 6, 7, generator=torch.Generator().manual_seed(0))
    [want] = run_onnx(path, {"x": x})
    net = import_onnx(path)
    assert [type(layer) for layer in net.layers.values()] == [ResizeLayer]
    torch.testing.assert_close(net(x), torch.from_numpy(want))


@pytest.mark.parametrize("axes, given, values", [([-1], "scales", [3.0]), ([3], "sizes", [14]),
                                                 ([3, 2], "sizes", [14, 12]), ([1, 2, 3], "sizes", [3, 12, 14])])
def test_other_axes_are_refused_naming_the_axes(tmp_path, axes, given, values):
    with pytest.raises(SpecError, match=rf"'rz' \(Resize\): axes={re.escape(str(axes))} for an input of shape "
                                        r"\('b', 3, 6, 7\): ResizeLayer resizes every spatial dim "
                                        r"\(axes \[2, 3\]\)") as info:
        import_onnx(_resize(tmp_path, axes, given, values, mode="linear"))
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.option, diagnostic.expected, diagnostic.found) == (
        "unsupported-node", "axes", (2, 3), tuple(axes))
