"""The ONNX tests' models load in every onnxruntime the test extra allows: pinned_model writes the IR version their
opset needs (onnx 1.23's make_model wrote IR 14, which onnxruntime 1.30 refused: "Unsupported model IR version")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper

from tests.onnx_helpers import OLDEST_RUNTIME_IR, pinned_model, run_onnx


@pytest.mark.parametrize("opset, ir", [(14, 7), (17, 8), (18, 8), (19, 9), (20, 9)])
def test_a_model_carries_its_opsets_ir_version(tmp_path, opset, ir):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3])
    model = pinned_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]), opset)
    assert model.ir_version == ir <= OLDEST_RUNTIME_IR
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    (tmp_path / "m.onnx").write_bytes(model.SerializeToString())
    data = np.array([[-1.0, 0.0, 2.0]], "f4")
    np.testing.assert_array_equal(run_onnx(tmp_path / "m.onnx", {"x": torch.from_numpy(data)})[0],
                                  np.maximum(data, 0))


def test_another_domain_is_imported_without_raising_the_ir_version():
    graph = helper.make_graph([], "g", [], [])
    model = pinned_model(graph, 17, ("com.example", 1))
    assert model.ir_version == 8
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17), ("com.example", 1)]


def test_every_onnx_test_model_is_made_by_pinned_model():
    """A model made with onnx's own ``helper.make_model`` carries onnx's newest IR version, which an older
    onnxruntime refuses (onnx 1.23 writes 14, onnxruntime 1.30 reads up to 13: seen on the GPU machine)."""
    tests = Path(__file__).parent
    skip = ("onnx_helpers.py", "test_onnx_helpers.py")
    makers = [f"{path.relative_to(tests)}:{number}" for path in sorted(tests.rglob("*.py")) if path.name not in skip
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if "make_model(" in line and "pinned_model(" not in line]
    assert makers == []
