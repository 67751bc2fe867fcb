"""import_onnx of the attention an AttentionLayer without a mask exports (Transpose of k, q and k^T each times c,
c^2 = 1/sqrt(d), MatMul, Softmax, MatMul; torch's own scaled_dot_product_attention writes the same): one
AttentionLayer back, as are the causal ones, at batches 1 and 4, fixed and variable lengths, float32 and float64.
A near-miss (another scale, another perm) imports node by node, still computing the same."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper
from torch import nn

import onnx

from netgraph import AttentionLayer, NetGraph, NetGraphError, NetPort, export_onnx, import_onnx, net_initialize
from netgraph.export.exporter import example_inputs
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


def _attention_net(length, **options) -> NetGraph:
    shape = (length, 2, 4) if options.get("multi_head") else (length, 4)
    layer = AttentionLayer(**options)
    return net_initialize(NetGraph({"att": layer}, [], Key=shape, Value=shape, Query=shape), seed=0)


def _attention_layers(net) -> list:
    found = []
    for layer in net.layers.values():
        nested = _attention_layers(layer) if isinstance(layer, NetGraph) else []
        found += [layer] if isinstance(layer, AttentionLayer) else nested
    return found


def _assert_same(back, net, length, dtype) -> None:
    for batch in (1, 4):
        x = example_inputs(net, batch=batch, length=7 if length == "n" else length, seed=batch)
        got, want = back.compile().eval()(**x), net.compile().eval()(**x)
        assert got.dtype == dtype
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)


OPTIONS = {"plain": {}, "unscaled": {"score_rescaling": "None"}, "causal": {"mask": "Causal"},
           "causal_unscaled": {"mask": "Causal", "score_rescaling": "None"}}
#: a causal float64 net cannot be exported (torch: "Unsupported type for attn_mask")
CASES = [pytest.param(name, dtype, id=f"{name}-{str(dtype)[6:]}")
         for name, dtype in [*((name, torch.float32) for name in sorted(OPTIONS)),
                             ("plain", torch.float64), ("unscaled", torch.float64)]]


@pytest.mark.parametrize("length", ["n", 5])
@pytest.mark.parametrize("name, dtype", CASES, indirect=["dtype"])
@torch.no_grad()
def test_an_attention_layer_imports_back_as_one_layer(name, length, dtype, tmp_path):
    # the unmasked ones imported as 8 layers (Transpose, two Muls and their constants, MatMul, Softmax, MatMul);
    # the causal ones as an attention fed by Transpose and Mul layers
    net = _attention_net(length, **OPTIONS[name])
    back = import_onnx(export_onnx(net, tmp_path / "att.onnx"))
    assert list(back.layers.values()) == [net.layers["att"]]
    _assert_same(back, net, length, dtype)


@pytest.mark.parametrize("mask", ["None", "Causal"])
@torch.no_grad()
def test_multi_head_attention_imports_back_with_one_attention_layer(mask, tmp_path):
    """q's Transpose also feeds the Shapes that compute d (and the causal mask's lengths): it was not taken in, so
    the heads imported as a TransposeLayer and a NetGraph of the attention and the output's Transpose."""
    net = _attention_net("n", multi_head=True, mask=mask)
    back = import_onnx(export_onnx(net, tmp_path / "heads.onnx"))
    assert list(back.layers.values()) == [net.layers["att"]]
    _assert_same(back, net, "n", torch.float32)


@torch.no_grad()
def test_a_shape_of_q_read_by_another_node_keeps_qs_transpose(tmp_path):
    """A near-miss: the Shape of q's Transpose also gives a Reshape its shape, so that Transpose is not taken in."""
    net = _attention_net("n", multi_head=True)
    model = onnx.load(export_onnx(net, tmp_path / "heads.onnx"))
    *_, last = model.graph.node
    q_shape = next(node for node in model.graph.node if node.op_type == "Shape").output[0]
    model.graph.node.insert(len(model.graph.node) - 1, helper.make_node("Reshape", [last.input[0], q_shape], ["r"]))
    last.input[0] = "r"
    onnx.save(model, tmp_path / "reshaped.onnx")
    back = import_onnx(tmp_path / "reshaped.onnx")
    assert _attention_layers(back) == [net.layers["att"]]
    assert [type(layer).__name__ for layer in back.layers.values()].count("TransposeLayer") == 2  # q's, the output's
    _assert_same(back, net, "n", torch.float32)


@pytest.mark.parametrize("length", ["n", 5])
@torch.no_grad()
def test_self_attention_of_one_input_takes_its_shared_transpose_in(length, tmp_path):
    """q and v of one input are one Transpose in the export (read by q's scale and by the last MatMul): it stayed a
    TransposeLayer before the attention, which kept that port's perm; now the export imports as the one layer."""
    layer = AttentionLayer(multi_head=True)
    edges = [(NetPort("Input"), NetPort("att", port)) for port in ("Query", "Key", "Value")]
    net = net_initialize(NetGraph({"att": layer}, edges, Input=(length, 2, 4)), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "self.onnx"))
    assert [*back.layers.values()] == [layer]
    _assert_same(back, net, length, torch.float32)


class _Attention(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


@torch.no_grad()
def test_torchs_scaled_dot_product_attention_imports_as_one_layer(tmp_path):
    example = torch.randn(2, 6, 4)
    path = torch_export(_Attention(), (example,) * 3, tmp_path / "sdpa.onnx", ["q", "k", "v"],
                        axes={name: {0: "b", 1: "n"} for name in "qkv"})
    back = import_onnx(path)
    assert [type(layer) for layer in back.layers.values()] == [AttentionLayer]
    assert back.layers[next(iter(back.layers))].score_rescaling == "DimensionSqrt"
    generator = torch.Generator().manual_seed(3)
    q, k, v = (torch.randn(4, 9, 4, generator=generator) for _ in range(3))
    torch.testing.assert_close(back({"q": q, "k": k, "v": v}), F.scaled_dot_product_attention(q, k, v))


def _split_scaled(path, scales: tuple[float, float], perm: tuple[int, ...] | None = (0, 2, 1), n: int = 5, d: int = 4,
                  dtype=np.float32):
    """softmax((q c1) (Transpose(k, perm) c2)) v written by hand (perm None: the Transpose has no perm)."""
    node = helper.make_node
    transpose = node("Transpose", ["k"], ["kt"], **({} if perm is None else {"perm": list(perm)}))
    nodes = [transpose, node("Mul", ["q", "c1"], ["qs"]),
             node("Mul", ["kt", "c2"], ["ks"]), node("MatMul", ["qs", "ks"], ["s"]),
             node("Softmax", ["s"], ["p"], axis=-1), node("MatMul", ["p", "v"], ["y"])]
    key = ["b", d, n] if perm == (0, 1, 2) else ["b", n, d]  # (0, 1, 2): k^T given
    values = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)
              for name, shape in (("q", ["b", n, d]), ("k", key), ("v", ["b", n, d]), ("y", ["b", n, d]))]
    constants = [numpy_helper.from_array(np.array(c, dtype), name) for name, c in zip(("c1", "c2"), scales)]
    onnx.save(pinned_model(helper.make_graph(nodes, "g", values[:3], values[3:], constants)), str(path))
    return path


NEAR_MISSES = {"scale_off": ((0.5, 0.5 * 1.01), (0, 2, 1)), "unequal": ((1.0, 0.5), (0, 2, 1)),
               "other_perm": ((4 ** -0.25, 4 ** -0.25), (0, 1, 2))}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
@torch.no_grad()
def test_a_near_miss_of_the_exported_attention_imports_node_by_node(name, tmp_path):
    scales, perm = NEAR_MISSES[name]
    path = _split_scaled(tmp_path / "near.onnx", scales, perm)
    back = import_onnx(path)
    assert not _attention_layers(back)
    generator = torch.Generator().manual_seed(6)
    x = {"q": torch.randn(3, 5, 4, generator=generator), "v": torch.randn(3, 5, 4, generator=generator),
         "k": torch.randn(*((3, 5, 4) if perm == (0, 2, 1) else (3, 4, 5)), generator=generator)}
    torch.testing.assert_close(back(x), torch.from_numpy(run_onnx(path, x)[0]), atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_the_split_scale_folds_only_at_one_over_the_root_of_the_key_size(tmp_path):
    path = _split_scaled(tmp_path / "exact.onnx", (4 ** -0.25, 4 ** -0.25))
    assert [layer.score_rescaling for layer in import_onnx(path).layers.values()] == ["DimensionSqrt"]


@torch.no_grad()
def test_a_float16_split_scale_folds_within_float16_rounding(tmp_path):
    # c = 64^-1/4 in float16: c^2 is 1/8 to 2e-4, which a float32 tolerance (1e-6) took for another scale
    path = _split_scaled(tmp_path / "half.onnx", (64 ** -0.25, 64 ** -0.25), n=5, d=64, dtype=np.float16)
    back = import_onnx(path)
    assert [layer.score_rescaling for layer in _attention_layers(back)] == ["DimensionSqrt"]
    generator = torch.Generator().manual_seed(8)
    x = {name: torch.randn(3, 5, 64, generator=generator).half() for name in "qkv"}
    want = torch.from_numpy(run_onnx(path, x)[0])
    torch.testing.assert_close(back(x).double(), want.double(), atol=2e-3, rtol=2e-3)


def test_a_transpose_with_no_perm_is_one_clear_error_naming_the_reversed_dims(tmp_path):
    # ONNX's default perm reverses the dims, (2, 1, 0) here, moving the batch: an IndexError before
    path = _split_scaled(tmp_path / "noperm.onnx", (1.0, 1.0), perm=None, n=4, d=4)
    with pytest.raises(NetGraphError) as raised:
        import_onnx(path)
    assert raised.value.kind == "unsupported-node" and "perm [2, 1, 0] moves the batch" in str(raised.value)


class _Attention4D(nn.Module):
    def __init__(self, causal: bool):
        super().__init__()
        self.causal = causal

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)


@pytest.mark.parametrize("causal", [False, True])
@torch.no_grad()
def test_torchs_four_dim_scaled_dot_product_attention_imports_as_one_attention(causal, tmp_path):
    # (batch, heads, length, dim), k^T a Transpose [0, 1, 3, 2] of k (the AttentionLayer export's is [0, 2, 3, 1]):
    # the unmasked form imported node by node (8 layers), the causal one kept k^T's Transpose as a TransposeLayer
    path = torch_export(_Attention4D(causal), (torch.randn(2, 3, 6, 4),) * 3, tmp_path / "sdpa4.onnx",
                        ["q", "k", "v"], axes={name: {0: "b", 2: "n"} for name in "qkv"})
    back = import_onnx(path)
    [graph] = back.layers.values()
    kinds = sorted(type(layer).__name__ for layer in graph.layers.values())
    assert kinds == ["AttentionLayer", *["TransposeLayer"] * 4]
    [attention] = _attention_layers(back)
    assert (attention.mask, attention.score_rescaling, attention.multi_head) == (
        "Causal" if causal else "None", "DimensionSqrt", True)
    generator = torch.Generator().manual_seed(5)
    q, k, v = (torch.randn(4, 3, 9, 4, generator=generator) for _ in range(3))
    got = back({"q": q, "k": k, "v": v})
    torch.testing.assert_close(got, F.scaled_dot_product_attention(q, k, v, is_causal=causal))
    torch.testing.assert_close(got, torch.from_numpy(run_onnx(path, {"q": q, "k": k, "v": v})[0]),
                               atol=1e-5, rtol=1e-4)
