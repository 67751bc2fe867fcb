"""import_onnx of a classifier's last ops as torch exports them: ArgMax/ArgMin at a graph output (a ClassDecoder of
the class indices on that port, of a tagger's too), CumSum along a last axis of known size (a fixed triangle of ones),
running totals along a variable length (a NetFoldOperator), and the refusals of the forms without a layer (TopK, an
index used as data, a cumulative sum along an inner axis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper

from netgraph import ClassDecoder, SpecError, import_onnx
from tests.onnx_helpers import pinned_model, quiet_exporter, run_onnx


class Classifier(torch.nn.Module):
    """Scores, their decisions, running totals: over (batch, 5) and, along the last axis, over (batch, n, 5); a
    tagger's decisions over (batch, n, 5)."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 5)

    def forward(self, x, seq):
        s = self.fc(x)
        t = self.fc(seq)
        return s, s.argmax(-1), s.argmin(1), torch.cumsum(s, dim=1), torch.cumsum(t, dim=-1), t.argmax(-1)


def _export(module: torch.nn.Module, path, dynamo: bool):
    inputs = (torch.randn(2, 6), torch.randn(2, 4, 6))
    names = dict(input_names=["x", "seq"], output_names=["scores", "best", "worst", "totals", "running", "tags"])
    with warnings.catch_warnings(), quiet_exporter():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(module, inputs, str(path), dynamo=True, verbose=False, **names,
                              dynamic_shapes={"x": {0: auto}, "seq": {0: auto, 1: auto}})
        else:
            torch.onnx.export(module, inputs, str(path), dynamo=False, **names,
                              dynamic_axes={"x": {0: "batch"}, "seq": {0: "batch", 1: "length"}})
    return path


@pytest.mark.parametrize("dynamo", [False, True])
def test_decisions_and_running_totals_import_computing_as_the_module(dynamo, tmp_path):
    torch.manual_seed(0)
    module = Classifier().eval()
    path = _export(module, tmp_path / "m.onnx", dynamo)
    net = import_onnx(path)
    assert net.information("Decoders") == {p: ClassDecoder([0, 1, 2, 3, 4]) for p in ("best", "worst", "tags")}
    g = torch.Generator().manual_seed(1)
    inputs = {"x": torch.randn(7, 6, generator=g), "seq": torch.randn(7, 9, 6, generator=g)}
    with torch.no_grad():
        want = module(*inputs.values())
    got, ran = net(**inputs), run_onnx(path, inputs)
    assert got["best"] == want[1].tolist() == ran[1].tolist()  # the class indices, decoded
    assert got["worst"] == want[2].tolist() == ran[2].tolist()
    assert got["tags"] == want[5].tolist() == ran[5].tolist()  # one class index per position
    for port, w, r in [("scores", want[0], ran[0]), ("totals", want[3], ran[3]), ("running", want[4], ran[4])]:
        torch.testing.assert_close(got[port], w, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(got[port], torch.from_numpy(np.asarray(r)), atol=1e-5, rtol=1e-4)
    assert net(**inputs, decoder=None)["best"].shape == (7, 5)  # the scores themselves
    assert net(**inputs, decoder=None)["tags"].shape == (7, 9, 5)
    fixed = {k for k, v in net.learning_rate_multipliers.items() if v == 0}
    assert len(fixed) == 2  # the two CumSums' triangles stay as exported in training


def _cumsum_model(path, length, **attributes):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", length])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", length])
    axis = helper.make_tensor("axis", TensorProto.INT64, [], [-1])
    node = helper.make_node("CumSum", ["x", "axis"], ["y"], **attributes)
    path.write_bytes(pinned_model(helper.make_graph([node], "g", [x], [y], [axis])).SerializeToString())
    return path


@pytest.mark.parametrize("length", [4, "n"], ids=["fixed", "variable"])
@pytest.mark.parametrize("attributes", [{}, {"exclusive": 1}, {"reverse": 1}, {"exclusive": 1, "reverse": 1}])
def test_a_cumulative_sum_imports_with_its_options_as_onnxruntime_computes(attributes, length, tmp_path):
    """Along a fixed length, a triangle of ones; along a variable one (``mask.cumsum(-1)`` for position ids), a fold
    adding each element to the running total, at any length."""
    path = _cumsum_model(tmp_path / "m.onnx", length, **attributes)
    net = import_onnx(path)
    xs = [[[1.0, 2.0, 4.0, 8.0], [-1.0, 0.5, 3.0, 0.25]], [[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]]]
    for x in map(torch.tensor, xs[:2 if length == "n" else 1]):
        torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]))


class RunningTotals(torch.nn.Module):
    """Position ids from a padding mask (``mask.cumsum(-1) - 1``) and a running total of vectors, both along a
    variable length."""

    def forward(self, mask, seq):
        return mask.cumsum(-1) - 1, torch.cumsum(seq, dim=1)


@pytest.mark.parametrize("dynamo", [False, True])
def test_running_totals_along_a_variable_length_import_computing_as_the_module_at_any_length(dynamo, tmp_path):
    path, module = tmp_path / "m.onnx", RunningTotals().eval()
    inputs = (torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]]), torch.randn(2, 3, 2))
    with warnings.catch_warnings(), quiet_exporter():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(module, inputs, str(path), dynamo=True, verbose=False, input_names=["mask", "seq"],
                              dynamic_shapes={"mask": {0: auto, 1: auto}, "seq": {0: auto, 1: auto}})
        else:
            torch.onnx.export(module, inputs, str(path), dynamo=False, input_names=["mask", "seq"],
                              dynamic_axes={"mask": {0: "b", 1: "n"}, "seq": {0: "b", 1: "m"}})
    net = import_onnx(path)
    g = torch.Generator().manual_seed(2)
    for n, m in [(6, 2), (1, 7)]:
        mask, seq = (torch.rand(3, n, generator=g) > 0.3).float(), torch.randn(3, m, 2, generator=g)
        got, want, ran = net(mask=mask, seq=seq), module(mask, seq), run_onnx(path, {"mask": mask, "seq": seq})
        for port, w, r in zip(net.output_ports, want, ran):
            torch.testing.assert_close(got[port], w)
            torch.testing.assert_close(got[port], torch.from_numpy(np.asarray(r)))


class Refused(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.emb = torch.nn.Linear(6, 5), torch.nn.Embedding(5, 3)

    def forward(self, x, seq):
        s = self.fc(x)
        return (self.emb(s.argmax(-1)), s.argmax(-1, keepdim=True).float(), torch.cumsum(seq.unsqueeze(-1), dim=2),
                torch.topk(s, 2).values)


def test_forms_without_a_layer_are_refused_naming_why(tmp_path):
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Refused().eval(), (torch.randn(2, 6), torch.randn(2, 4, 6)), str(path), dynamo=False,
                          input_names=["x", "seq"], dynamic_axes={"x": {0: "b"}, "seq": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match="cannot import 4 problems") as info:
        import_onnx(path)
    found = {d.found if d.option is None else (d.found, d.option): d.detail for d in info.value.diagnostics}
    assert set(found) == {"ArgMax", (1, "keepdims"), (2, "axis"), "TopK"}
    assert "its index used as data by node '/emb/Gather' (Gather)" in found["ArgMax"]
    assert "as a ClassDecoder of the class indices" in found["ArgMax"]
    assert found[(1, "keepdims")].startswith("keepdims=1")
    assert "along axis 2 of an input of shape ('b', 'n', 6, 1)" in found[(2, "axis")]
    assert found["TopK"].startswith("no layer for this op: nothing sorts or selects the k largest entries")


class IntegerPositions(torch.nn.Module):
    def forward(self, mask):
        return mask.cumsum(-1)  # an integer running total (of mask.long()): our sequences are real


def test_a_running_total_of_an_integer_mask_is_refused_naming_the_node_and_the_cast(tmp_path):
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(IntegerPositions(), (torch.ones(2, 4, dtype=torch.long),), str(path), dynamo=False,
                          input_names=["mask"], dynamic_axes={"mask": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match="node '/CumSum' \\(CumSum\\)") as info:
        import_onnx(path)
    [refusal] = info.value.diagnostics
    assert (refusal.expected, refusal.found) == ("a real input", "an integer input")
    assert "mask.float().cumsum(-1)" in refusal.detail
