"""import_onnx of sequence patterns: causal attention (torch's Trilu mask; the Softmax as its opset reads it) and
Concat of an unsqueezed element (Append/Prepend). Our layers' exports import back, and so do plain torch's, at
lengths other than exported."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import onnx

from netgraph import AppendLayer, AttentionLayer, CatenateLayer, NetGraph, PrependLayer, SpecError, export_onnx, import_onnx, net_initialize
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


def attention_layers(net) -> list:
    """Every AttentionLayer in ``net``, nested graphs included."""
    found = []
    for layer in net.layers.values():
        found += [layer] if isinstance(layer, AttentionLayer) else attention_layers(layer) if isinstance(layer, NetGraph) else []
    return found


def inputs(shape: tuple, length: int, seed: int = 1) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {port: torch.randn(3, length, *shape[1:], generator=generator) for port in ("Key", "Value", "Query")}


CASES = {
    "dot": ({"scoring": "Dot"}, ("n", 4)),
    "dot_rescaled": ({"scoring": "Dot", "score_rescaling": "DimensionSqrt"}, ("n", 4)),
    "bilinear": ({"scoring": "Bilinear"}, ("n", 4)),
    "heads": ({"scoring": "Dot", "multi_head": True}, ("n", 2, 4)),
    "fixed_length": ({"scoring": "Dot"}, (5, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
@torch.no_grad()
def test_our_causal_attention_imports_back(name, tmp_path):
    options, shape = CASES[name]
    net = NetGraph({"att": AttentionLayer(mask="Causal", **options)}, [], Key=shape, Value=shape, Query=shape)
    net = net_initialize(net, seed=0)
    path = export_onnx(net, tmp_path / "causal.onnx")
    back = import_onnx(path)
    assert [layer.mask for layer in attention_layers(back)] == ["Causal"]
    length = 5 if name == "fixed_length" else 7  # exported at another length
    x = inputs(shape, length)
    torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(back(x), torch.from_numpy(run_onnx(path, x)[0]), atol=1e-5, rtol=1e-4)
    later = {**x, "Key": x["Key"].clone(), "Value": x["Value"].clone()}
    later["Key"][:, 1:] += 1.0
    later["Value"][:, 1:] += 1.0  # the first query sees the first key only; the second sees the changed ones
    torch.testing.assert_close(back(later)[:, 0], back(x)[:, 0])
    assert not torch.allclose(back(later)[:, 1], back(x)[:, 1])


class _Attention(nn.Module):
    def __init__(self, mask: str):
        super().__init__()
        self.mask = mask

    def forward(self, q, k, v):
        if self.mask == "causal":
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        length = q.shape[-2]
        upper = torch.ones(length, length, dtype=torch.bool).triu(1)  # query i sees keys i+1...: not causal
        return F.scaled_dot_product_attention(q, k, v, attn_mask=upper)


def _export(module: nn.Module, path) -> None:
    example = torch.randn(2, 6, 4)
    dynamic = {name: {0: "batch", 1: "length"} for name in ("q", "k", "v")}
    torch_export(module, (example, example, example), path, ["q", "k", "v"], axes=dynamic)


@torch.no_grad()
def test_torch_causal_attention_imports_and_runs_equal(tmp_path):
    _export(_Attention("causal"), tmp_path / "sdpa.onnx")
    back = import_onnx(tmp_path / "sdpa.onnx")
    assert [layer.mask for layer in attention_layers(back)] == ["Causal"]
    generator = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(4, 9, 4, generator=generator) for _ in range(3))
    torch.testing.assert_close(back({"q": q, "k": k, "v": v}), F.scaled_dot_product_attention(q, k, v, is_causal=True),
                               atol=1e-5, rtol=1e-4)


def test_other_triangular_masks_are_still_refused(tmp_path):
    _export(_Attention("upper"), tmp_path / "upper.onnx")
    with pytest.raises(SpecError, match=r"\(Trilu\): no layer for this op"):
        import_onnx(tmp_path / "upper.onnx")


def _causal_model(path, opset: int, softmax: dict, n: int = 5, d: int = 4):
    """softmax(q kt + torch's causal mask) v, written by hand at ``opset`` (``softmax``: the Softmax's attributes)."""
    def const(name, value, dtype=np.float32):
        return numpy_helper.from_array(np.array(value, dtype), name)

    node = helper.make_node
    nodes = [node("Expand", ["one", "square"], ["ones"]), node("Trilu", ["ones"], ["tri"], upper=0),
             node("Equal", ["tri", "zero"], ["keep"]), node("Where", ["keep", "ninf", "zero"], ["mask"]),
             node("MatMul", ["q", "kt"], ["s"]), node("Add", ["s", "mask"], ["masked"]),
             node("Softmax", ["masked"], ["p"], **softmax), node("MatMul", ["p", "v"], ["y"])]
    values = [helper.make_tensor_value_info(k, TensorProto.FLOAT, s)
              for k, s in (("q", ["b", n, d]), ("kt", ["b", d, n]), ("v", ["b", n, d]), ("y", ["b", n, d]))]
    constants = [const("one", 1.0), const("square", [n, n], np.int64), const("zero", 0.0), const("ninf", -np.inf)]
    model = pinned_model(helper.make_graph(nodes, "g", values[:3], values[3:], constants), opset)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("opset, softmax", [(11, {"axis": -1}), (12, {"axis": -1}), (13, {}), (12, {}),
                                            (11, {"axis": 1})])
@torch.no_grad()
def test_the_attention_pattern_needs_the_softmax_over_the_last_axis_as_its_opset_reads_it(opset, softmax, tmp_path):
    # before opset 13 a Softmax without axis normalises over all dims from axis 1 on: it was taken as attention
    path = _causal_model(tmp_path / "att.onnx", opset, softmax)
    back = import_onnx(path)
    generator = torch.Generator().manual_seed(5)
    q, k, v = (torch.randn(3, 5, 4, generator=generator) for _ in range(3))
    scores = q @ k.transpose(1, 2) + torch.full((5, 5), -torch.inf).triu(1)
    if opset < 13 and softmax.get("axis", 1) == 1:  # not attention: a constant mask, a softmax over both dims
        assert not attention_layers(back)
        want = torch.softmax(scores.reshape(3, -1), -1).reshape(3, 5, 5) @ v
    else:
        assert [layer.mask for layer in attention_layers(back)] == ["Causal"]
        want = torch.softmax(scores, -1) @ v
    torch.testing.assert_close(back({"q": q, "kt": k.transpose(1, 2), "v": v}), want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("layer", [AppendLayer(), PrependLayer()], ids=["append", "prepend"])
@pytest.mark.parametrize("shape", [("n", 4), (5, 4), ("n", 2, 3)], ids=["n", "fixed", "matrix"])
@torch.no_grad()
def test_append_and_prepend_import_back(layer, shape, tmp_path):
    net = NetGraph({"add": layer}, [], Input=shape, Element=shape[1:])
    path = export_onnx(net, tmp_path / "append.onnx")
    back = import_onnx(path)
    assert [type(imported) for imported in back.layers.values()] == [type(layer)]
    generator = torch.Generator().manual_seed(3)
    x = {"Input": torch.randn(2, 5 if shape[0] == 5 else 8, *shape[1:], generator=generator),
         "Element": torch.randn(2, *shape[1:], generator=generator)}
    torch.testing.assert_close(back(x), net(x))
    torch.testing.assert_close(back(x), torch.from_numpy(run_onnx(path, x)[0]))


class _Cat(nn.Module):
    def __init__(self, axis: int):
        super().__init__()
        self.axis = axis

    def forward(self, x, e):
        return torch.cat([x, e.unsqueeze(1)], self.axis) if self.axis == 1 else torch.cat([x, e.unsqueeze(2)], 2)


@torch.no_grad()
def test_torch_cat_of_an_unsqueezed_element(tmp_path):
    """Along the sequence: an AppendLayer (a CatenateLayer could not give length n + 1); along another
    axis: a CatenateLayer, as before."""
    for axis, expected in ((1, AppendLayer), (2, CatenateLayer)):
        x, e = torch.randn(2, 6, 3), torch.randn(2, 6 if axis == 2 else 3)
        path = tmp_path / f"cat{axis}.onnx"
        torch_export(_Cat(axis), (x, e), path, ["x", "e"], axes={"x": {0: "batch"}, "e": {0: "batch"}} if axis == 2 else
                          {"x": {0: "batch", 1: "length"}, "e": {0: "batch"}})
        back = import_onnx(path)
        assert expected in {type(layer) for layer in back.layers.values()}
        generator = torch.Generator().manual_seed(4)
        x = torch.randn(3, 9 if axis == 1 else 6, 3, generator=generator)
        e = torch.randn(3, 3 if axis == 1 else 6, generator=generator)
        torch.testing.assert_close(back({"x": x, "e": e}), _Cat(axis)(x, e))


class _MaskedFill(nn.Module):
    """nanoGPT's attention without flash: scores scaled by 1/sqrt(d), ``masked_fill`` where a lower triangle of ones
    (a buffer of the longest length, cut to the input's) is 0, softmax, times v; ``mask`` names another buffer."""

    def __init__(self, mask: str = "causal"):
        super().__init__()
        ones = torch.ones(8, 8)
        self.register_buffer("bias", (ones.tril() if mask == "causal" else ones.triu()).view(1, 1, 8, 8))
        self.qkv = nn.Linear(8, 24)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = [t.view(b, n, 2, c // 2).transpose(1, 2) for t in self.qkv(x).split(c, dim=2)]
        scores = (q @ k.transpose(-2, -1)) * (1.0 / k.size(-1) ** 0.5)
        scores = scores.masked_fill(self.bias[:, :, :n, :n] == 0, float("-inf"))
        return (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).contiguous().view(b, n, c)


@pytest.mark.parametrize("dynamic, opset", [({0: "b"}, 17), ({0: "b", 1: "n"}, 17), ({0: "b", 1: "n"}, 13)])
@torch.no_grad()
def test_attention_masked_by_a_lower_triangle_of_ones_imports_as_causal(dynamic, opset, tmp_path):
    # the Where of the scores was refused: a constant test of several values, or the triangle cut to a dynamic size;
    # at opset 13 onnx's inference gives the attention's output no shape (its rank is v's)
    module = _MaskedFill().eval()
    path = torch_export(module, torch.randn(2, 5, 8), tmp_path / "gpt.onnx", "x", axes={"x": dynamic},
                        opset_version=opset)
    back = import_onnx(path)
    assert [(layer.mask, layer.score_rescaling) for layer in attention_layers(back)] == [("Causal", "DimensionSqrt")]
    for length in (5, 7) if len(dynamic) > 1 else (5,):
        x = torch.randn(3, length, 8, generator=torch.Generator().manual_seed(length))
        torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-4)


def test_attention_masked_by_another_triangle_is_still_refused(tmp_path):
    path = torch_export(_MaskedFill("upper").eval(), torch.randn(2, 5, 8), tmp_path / "upper.onnx", "x",
                        axes={"x": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match=r"cannot import"):
        import_onnx(path)


class _ClassToken(nn.Module):
    """ViT's class token: a learned (1, 1, d) prepended to each example's sequence of projected patches (``expand`` to
    the batch, then ``cat``); ``column``: a learned (1, 3) appended to each example's vector instead."""

    def __init__(self, column: bool = False):
        super().__init__()
        self.project, self.column = nn.Linear(8, 8), column
        self.token = nn.Parameter(torch.randn(1, 3) if column else torch.randn(1, 1, 8))

    def forward(self, x):
        h = self.project(x)
        if self.column:
            return torch.cat([h[:, 0], self.token.expand(h.shape[0], -1)], -1)
        return torch.cat([self.token.expand(h.shape[0], -1, -1), h], dim=1)


@pytest.mark.parametrize("column, axes", [(False, {0: "b"}), (False, {0: "b", 1: "n"}), (True, {0: "b"})])
@torch.no_grad()
def test_a_constant_per_example_concatenated_imports(column, axes, tmp_path):
    # a Concat with a constant operand (the token expanded to the batch, folded at import) was refused
    module = _ClassToken(column).eval()
    path = torch_export(module, torch.randn(2, 4, 8), tmp_path / "vit.onnx", "x", axes={"x": axes})
    back = import_onnx(path)
    x = torch.randn(3, 7 if len(axes) > 1 else 4, 8, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(back(x), module(x), atol=1e-5, rtol=1e-4)
    (name,) = [n for n, _ in back.compile().named_parameters() if not n.startswith("project")]  # the token's
    layer, _ = name.split(".", 1)  # the Concat's NetGraph; its constant stays fixed in training, as the model's others
    assert [(key.split("/")[0], rate) for key, rate in back.learning_rate_multipliers.items()] == [(layer, 0.0)]


class _StartToken(nn.Module):
    """Token ids with a constant start token prepended (``torch.cat([bos, x], 1)``), then embedded."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.register_buffer("bos", torch.tensor([[7]]))

    def forward(self, x):
        return self.embed(torch.cat([self.bos.expand(x.shape[0], -1), x], 1))


@pytest.mark.parametrize("axes", [{0: "b"}, {0: "b", 1: "n"}])
@torch.no_grad()
def test_an_integer_constant_concatenated_is_refused_naming_its_type(axes, tmp_path):
    # the constant was made a float ConstantArrayLayer, feeding Real values to the EmbeddingLayer
    module = _StartToken().eval()
    x = torch.tensor([[1, 2, 3], [4, 5, 6]])
    path = torch_export(module, x, tmp_path / "bos.onnx", "x", axes={"x": axes})
    np.testing.assert_allclose(run_onnx(path, {"x": x})[0], module(x).numpy(), atol=1e-6)
    with pytest.raises(SpecError, match=r"int64") as caught:
        import_onnx(path)
    assert [d.found for d in caught.value.diagnostics] == ["int64"]
