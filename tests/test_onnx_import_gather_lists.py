"""import_onnx of a Gather of a constant list of indices along a non-batch axis (``x[:, [0, 2]]``, which torch exports
as Gather of a 1-d constant): a PartLayer span per run of consecutive indices, joined by a CatenateLayer where there
are several; each imported net computes what onnxruntime computes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import Op, run_onnx, torch_export
from tests.test_onnx_import_ops import kinds

#: name -> (x -> the picked part, x's shape after the batch, its dynamic axes, the layer types the import has)
PICKS = {
    "two": (lambda x: x[:, [0, 2]], (4,), {0: "b"}, {"PartLayer", "CatenateLayer"}),
    "run": (lambda x: x[:, :, [1, 2, 3]], (3, 5), {0: "b"}, {"PartLayer"}),
    "reordered": (lambda x: x[:, [3, 1, 2, 0, 0]], (4, 2), {0: "b"}, {"PartLayer", "CatenateLayer"}),
    "from_the_end": (lambda x: x[..., [-1, 0]], (3, 4), {0: "b"}, {"PartLayer", "CatenateLayer"}),
    "variable_length": (lambda x: x[:, [0, 2, 3]], (6, 2), {0: "b", 1: "n"}, {"PartLayer", "CatenateLayer"}),
}


@pytest.mark.parametrize("name", sorted(PICKS))
@torch.no_grad()
def test_a_gather_of_a_constant_index_list_imports_as_onnxruntime_runs_it(name, tmp_path):
    pick, shape, axes, expected = PICKS[name]
    path = torch_export(Op(pick), torch.randn(2, *shape), tmp_path / f"{name}.onnx", "x", axes={"x": axes})
    assert "Gather" in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert expected <= kinds(net)
    sizes = [5 if k + 1 in axes else d for k, d in enumerate(shape)]
    x = torch.randn(3, *sizes, generator=torch.Generator().manual_seed(2))
    np.testing.assert_array_equal(net(x).numpy(), run_onnx(path, {"x": x})[0])


def test_a_gather_of_an_index_past_the_end_is_refused_naming_the_indices(tmp_path):
    path = torch_export(Op(lambda x: x[:, [0, 2]]), torch.randn(2, 4), tmp_path / "past.onnx", "x")
    model = onnx.load(str(path))
    (index,) = [t for t in model.graph.initializer] or [n.attribute[0].t for n in model.graph.node
                                                        if n.op_type == "Constant"]
    index.CopyFrom(onnx.numpy_helper.from_array(np.array([0, 4], np.int64), index.name))
    onnx.save(model, str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.expected, problem.found) == ("indices from -4 to 3", (0, 4))
