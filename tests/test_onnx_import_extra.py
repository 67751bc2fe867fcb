"""import_onnx of GlobalAveragePool, GlobalMaxPool, Split, HardSigmoid, Celu, Tile (repeat) and ReduceL2 from plain torch
exports, and of LRN: each imported net computes what onnxruntime computes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import ResizeLayer, SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx, torch_export
from tests.test_onnx_import_ops import Op, kinds

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter


def _split_mix(x):
    a, b, c = x.split([2, 3, 7], -1)
    return torch.cat([a * torch.sigmoid(b[:, :2]), c], -1)


#: name -> (forward, input shape, the ONNX op it must export as, the layer types the import must contain)
OPS = {
    "global_avg": (nn.AdaptiveAvgPool2d(1), (3, 6, 5), "GlobalAveragePool", {"AggregationLayer"}),
    "global_avg_1d": (nn.AdaptiveAvgPool1d(1), (3, 7), "GlobalAveragePool", {"AggregationLayer"}),
    "split_equal": (lambda x: (lambda a, b, c: a * torch.sigmoid(b) + c)(*x.split(4, -1)), (12,), "Split",
                    {"PartLayer"}),
    "split_sizes": (_split_mix, (12,), "Split", {"PartLayer"}),
    "hard_sigmoid": (nn.Hardsigmoid(), (7,), "HardSigmoid", {"ElementwiseLayer"}),
    "celu": (nn.CELU(0.5), (7,), "Celu", {"ElementwiseLayer"}),
    "l2": (lambda x: torch.linalg.vector_norm(x, dim=-1), (3, 4), "ReduceL2", {"AggregationLayer"}),
    # torch writes x.repeat(1, 3) as Expand(x, ones) -> Tile: the Expand to its own shape was refused
    "repeat": (lambda x: x.repeat(1, 3), (4,), "Tile", {"CatenateLayer"}),
    "repeat_3d": (lambda x: x.repeat(1, 1, 2), (3, 4), "Tile", {"CatenateLayer"}),
    # F.normalize divides by the norm's Expand to Shape(x), a broadcast the Div does itself: it was refused
    "normalize": (lambda x: torch.nn.functional.normalize(x, dim=-1), (3, 4), "Expand", {"ThreadingLayer"}),
    "expand_as": (lambda x: x * x.amax(1, keepdim=True).expand_as(x), (3, 4), "Expand", {"ThreadingLayer"}),
    # x.std() and x.var() divide by n - 1, n the ReduceProd of the reduced sizes: refused ('no layer for this op')
    "std": (lambda x: (x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True), (3, 4), "ReduceProd",
            {"AggregationLayer"}),
    "var_image": (lambda x: x.var(dim=(2, 3)), (3, 4, 5), "ReduceProd", {"AggregationLayer"}),
    # torch writes padding="same" and "valid" as auto_pad (SAME_UPPER, VALID): refused before, naming auto_pad
    "conv_same": (nn.Conv2d(3, 4, (3, 5), padding="same"), (3, 8, 7), "Conv", {"ConvolutionLayer"}),
    "conv1d_same": (nn.Conv1d(3, 4, 5, padding="same"), (3, 9), "Conv", {"ConvolutionLayer"}),
    "conv_valid": (nn.Conv2d(3, 4, 3, padding="valid"), (3, 6, 6), "Conv", {"ConvolutionLayer"}),
}


@pytest.mark.parametrize("name", sorted(OPS))
@torch.no_grad()
def test_each_op_imports_and_runs_as_onnxruntime(name, tmp_path):
    forward, shape, op, expected = OPS[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(forward if isinstance(forward, nn.Module) else Op(forward), torch.randn(2, *shape), path, "x",
                 opset_version=17)
    assert op in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert expected <= kinds(net), kinds(net)
    x = 3 * torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))  # another batch size
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


def _model(path, op, shape, out_shape, constants=(), **attributes):
    """A one-node model (torch exports AdaptiveMaxPool as MaxPool and repeat as Expand): x -> op -> y."""
    inputs = ["x", *(name for name, _ in constants)]
    graph = helper.make_graph([helper.make_node(op, inputs, ["y"], name="node", **attributes)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", *shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", *out_shape])],
                              [numpy_helper.from_array(np.asarray(v), name) for name, v in constants])
    onnx.save(pinned_model(graph, 17), str(path))
    return path


#: name -> (op, input shape, output shape, constant inputs, the layer types the import must contain)
MODELS = {
    "global_max": ("GlobalMaxPool", (3, 6, 5), (3, 1, 1), (), {"AggregationLayer"}),
    "tile": ("Tile", (2, 4), (2, 12), [("repeats", np.array([1, 1, 3], np.int64))], {"CatenateLayer"}),
}


@pytest.mark.parametrize("name", sorted(MODELS))
@torch.no_grad()
def test_each_model_imports_and_runs_as_onnxruntime(name, tmp_path):
    op, shape, out_shape, constants, expected = MODELS[name]
    path = _model(tmp_path / f"{name}.onnx", op, shape, out_shape, constants)
    net = import_onnx(path)
    assert expected <= kinds(net), kinds(net)
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


def test_a_tile_of_the_batch_is_refused_naming_it(tmp_path):
    path = _model(tmp_path / "tile.onnx", "Tile", (4,), (4,), [("repeats", np.array([2, 1], np.int64))])
    with pytest.raises(SpecError, match=r"node 'node' \(Tile\): repeats \[2, 1\]: only copies along one non-batch"):
        import_onnx(path)


class BufferMask(nn.Module):
    """scaled_dot_product_attention with a boolean mask: a registered buffer, or built in forward (static length)."""

    def __init__(self, buffer: bool):
        super().__init__()
        self.q, self.buffer = nn.Linear(8, 8), buffer
        self.register_buffer("mask", torch.ones(5, 5, dtype=torch.bool).tril())

    def forward(self, x):
        mask = self.mask if self.buffer else torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).tril()
        q = self.q(x)
        return nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=mask)


@pytest.mark.parametrize("buffer", [True, False])
@torch.no_grad()
def test_attention_with_a_constant_boolean_mask_imports(buffer, tmp_path):
    # the NaN guard torch writes after the Softmax, Where(IsNaN(s), 0, s), had no layer (and a Trilu of
    # constants was not computed at import)
    path = tmp_path / "mask.onnx"
    torch_export(BufferMask(buffer).eval(), torch.randn(2, 5, 8), path, "x")
    assert "IsNaN" in {node.op_type for node in onnx.load(str(path)).graph.node}
    x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


def test_a_nan_guard_after_a_fully_masked_row_is_refused(tmp_path):
    module = BufferMask(True).eval()
    module.mask[0] = False  # the first query sees no key: its row of weights is NaN, zeroed by the guard
    path = tmp_path / "masked_row.onnx"
    torch_export(module, torch.randn(2, 5, 8), path, "x")
    with pytest.raises(SpecError, match=r"\(Where\): Where\(IsNaN\(s\), 0, s\) maps to s only .* without a fully masked"):
        import_onnx(path)


@torch.no_grad()
def test_a_dilated_same_convolution_imports_as_torch_computes_it(tmp_path):
    # onnxruntime itself refuses dilations with auto_pad SAME: compared with the module
    conv = nn.Conv2d(2, 3, 3, padding="same", dilation=2).eval()
    torch_export(conv, torch.randn(2, 2, 7, 7), tmp_path / "dil.onnx", "x")
    x = torch.randn(4, 2, 7, 7, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(import_onnx(tmp_path / "dil.onnx")(x), conv(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("conv, shape, axes", [
    (nn.Conv2d(2, 3, 2, padding="same"), (2, 2, 6, 6), {0: "b"}),  # pads [0, 0, 1, 1]
    (nn.Conv1d(3, 4, 4, padding="same", dilation=1), (2, 3, 9), {0: "b", 2: "n"}),  # [1, 2], a dynamic length
    (nn.Conv2d(2, 3, (2, 4), padding="same"), (2, 2, 5, 6), {0: "b", 2: "h", 3: "w"})])
@torch.no_grad()
def test_a_convolution_padded_unevenly_imports_padding_first(conv, shape, axes, tmp_path):
    # an even kernel's padding="same" pads one more zero after than before: it was refused as asymmetric pads
    path = torch_export(conv.eval(), torch.randn(*shape), tmp_path / "even.onnx", "x", axes={"x": axes})
    net = import_onnx(path)
    assert {"PaddingLayer", "ConvolutionLayer"} <= kinds(net)
    sizes = [7 if k in axes else d for k, d in enumerate(shape)]
    x = torch.randn(3, *sizes[1:], generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(net(x), conv(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("pad, conv, axes", [
    (nn.ConstantPad1d(1, 0.0), nn.Conv1d(3, 4, 3), {0: "b", 2: "n"}),
    (nn.ZeroPad2d(2), nn.Conv2d(3, 4, 3, padding=1, stride=2), {0: "b", 2: "h", 3: "w"}),
    (nn.ZeroPad2d((1, 1, 0, 0)), nn.Conv2d(3, 4, 3, padding=(1, 0)), {0: "b", 3: "w"})],
    ids=["1d", "2d_own_pads_too", "2d_one_dim"])
@torch.no_grad()
def test_a_zero_pad_before_a_convolution_over_dynamic_dims_imports_as_its_padding(pad, conv, axes, tmp_path):
    """torch's TorchScript export keeps ConstantPad/ZeroPad as a Pad node, which a PaddingLayer cannot take over a
    dynamic dim: it was refused ('not of known size'). Zeros on both sides alike are the Conv's own padding (as the
    dynamo exporter fuses them)."""
    module = nn.Sequential(pad, conv).eval()
    shape = (3, 7) if isinstance(conv, nn.Conv1d) else (3, 7, 7)
    net = import_onnx(torch_export(module, torch.randn(2, *shape), tmp_path / "m.onnx", "x", axes={"x": axes}))
    assert [type(layer).__name__ for layer in net.layers.values()] == ["ConvolutionLayer"]
    for grow in (0, 3):
        x = torch.randn(3, *(d + grow * (k + 1 in axes) for k, d in enumerate(shape)))
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)



@torch.no_grad()
def test_an_uneven_constant_pad_over_dynamic_dims_imports_as_a_padding_layer(tmp_path):
    """'Same' padding for an even kernel (1 before, 2 after) over dynamic h, w: no Conv padding can take it, and a
    PaddingLayer over a variable length was refused ('not of known size'); it pads h to h_plus_3 now."""
    module = nn.Sequential(nn.ConstantPad2d((1, 2, 1, 2), 0.5), nn.Conv2d(3, 4, 4)).eval()
    net = import_onnx(torch_export(module, torch.randn(2, 3, 7, 7), tmp_path / "m.onnx", "x",
                                   axes={"x": {0: "b", 2: "h", 3: "w"}}))
    assert "PaddingLayer" in [type(layer).__name__ for layer in net.layers.values()]
    for h, w in ((7, 7), (5, 9)):
        x = torch.randn(3, 3, h, w)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)

@pytest.mark.parametrize("module, shape, axes", [
    (nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (4, 5, 5), {0: "b", 2: "h", 3: "w"}),
    (nn.ConvTranspose1d(4, 6, 4, stride=3, padding=2, output_padding=(1,), groups=2, dilation=2), (4, 6), {0: "b"}),
    (nn.ConvTranspose2d(4, 2, 3, stride=(2, 3), padding=(1, 2), output_padding=(0, 2)), (4, 5, 4), {0: "b", 3: "w"}),
    (nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1), (4, 5, 5), {0: "b", 2: "h", 3: "w"}),
    (nn.ConvTranspose1d(4, 6, 4, stride=3, output_padding=2, groups=2, dilation=2), (4, 6), {0: "b", 2: "n"}),
    (nn.ConvTranspose2d(4, 2, 3, stride=(2, 3), padding=(1, 0), output_padding=(0, 2)), (4, 5, 4), {0: "b", 3: "w"})],
    ids=["2x_upsampling", "1d_groups_dilation", "one_dim", "past_pads", "1d_past_pads", "one_dim_past_pads"])
@torch.no_grad()
def test_a_transposed_convolution_with_output_padding_imports(module, shape, axes, tmp_path):
    """output_padding (the usual exact 2x upsampling, k=3, s=2, p=1, output_padding=1) was refused: it is the
    transposed convolution padded output_padding less, its first output_padding rows dropped; past the padding
    (padding=0), rows of the biases alone, as zero input rows give."""
    with torch.no_grad():
        module.bias.normal_()  # torch starts them small: the rows of biases alone must hold them
    net = import_onnx(torch_export(module, torch.randn(2, *shape), tmp_path / "m.onnx", "x", axes={"x": axes}))
    for grow in (0, 3):
        x = torch.randn(3, *(d + grow * (k + 1 in axes) for k, d in enumerate(shape)))
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("module, shape, axes", [
    (nn.Upsample(scale_factor=2), (3, 4, 5), {0: "b", 2: "h", 3: "w"}),
    (nn.Upsample(scale_factor=(1, 3)), (3, 4, 5), {0: "b", 3: "w"}), (nn.Upsample(scale_factor=2), (2, 5), {0: "b", 2: "n"})],
    ids=["2d", "one_dim", "1d"])
@torch.no_grad()
def test_a_nearest_upsampling_over_dynamic_dims_imports(module, shape, axes, tmp_path):
    """A whole-number nearest upsampling over dynamic dims (a decoder's nn.Upsample) was refused, then imported as a
    DeconvolutionLayer of ones (kernel = stride = the scale): it is a ResizeLayer, "Nearest" by the scale, exact."""
    net = import_onnx(torch_export(module, torch.randn(2, *shape), tmp_path / "m.onnx", "x", axes={"x": axes}))
    (layer,) = net.layers.values()
    scale = [float(s) for s in np.broadcast_to(module.scale_factor, (len(shape) - 1,))]
    assert (type(layer), layer.resampling, layer.scale) == (ResizeLayer, "Nearest", scale)
    for grow in (0, 3):
        x = torch.randn(3, *(d + grow * (k + 1 in axes) for k, d in enumerate(shape)))
        torch.testing.assert_close(net(x), module(x), atol=0, rtol=0)


@pytest.mark.parametrize("attributes", [{}, {"alpha": 2.0, "gamma": 3.0}, {"gamma": 0.5}])
@torch.no_grad()
def test_selu_keeps_its_alpha_and_gamma(attributes, tmp_path):
    # Selu imported as SELU whatever its attributes: a wrong result for any but ONNX's defaults
    path = _model(tmp_path / "selu.onnx", "Selu", (6,), (6,), **attributes)
    x = 3 * torch.randn(5, 6, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("training", [True, False])
def test_a_dropout_in_training_mode_is_refused(training, tmp_path):
    # imported as an identity, where onnxruntime drops half the elements at random
    graph = helper.make_graph([helper.make_node("Dropout", ["x", "ratio", "training"], ["d"], name="drop"),
                               helper.make_node("Tanh", ["d"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 6])],
                              [numpy_helper.from_array(np.array(0.5, np.float32), "ratio"),
                               numpy_helper.from_array(np.array(training), "training")])
    onnx.save(pinned_model(graph, 17), str(tmp_path / "drop.onnx"))
    if training:
        with pytest.raises(SpecError, match=r"node 'drop' \(Dropout\): training_mode is true"):
            import_onnx(tmp_path / "drop.onnx")
    else:
        x = torch.randn(3, 6)
        torch.testing.assert_close(import_onnx(tmp_path / "drop.onnx")(x), torch.tanh(x))


def test_a_batch_normalization_in_training_mode_is_refused(tmp_path):
    # imported with its moving statistics, where the node normalises with the batch's own
    constants = [(k, np.full(3, v, np.float32)) for k, v in (("scale", 1), ("B", 0), ("mean", 0), ("var", 1))]
    path = _model(tmp_path / "bn.onnx", "BatchNormalization", (3, 4), (3, 4), constants, training_mode=1)
    with pytest.raises(SpecError, match=r"\(BatchNormalization\): training_mode=1 \(statistics of the batch\)"):
        import_onnx(path)


def test_a_resize_keeping_the_aspect_ratio_is_refused(tmp_path):
    # the sizes were taken as the output's, where keep_aspect_ratio_policy (opset 18) makes them bounds
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize", mode="nearest",
                            coordinate_transformation_mode="asymmetric", nearest_mode="floor",
                            keep_aspect_ratio_policy="not_larger")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 3, 4, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.array([3, 3, 8, 8], np.int64), "sizes")])
    onnx.save(pinned_model(graph, 18), str(tmp_path / "resize.onnx"))
    with pytest.raises(SpecError, match=r"'resize' \(Resize\): keep_aspect_ratio_policy='not_larger' has no ResizeLayer"):
        import_onnx(tmp_path / "resize.onnx")


@pytest.mark.parametrize("module, shape", [(nn.PixelShuffle(2), (8, 3, 5)), (nn.PixelUnshuffle(2), (2, 4, 6)),
                                           (nn.Sequential(nn.PixelUnshuffle(2), nn.PixelShuffle(2)), (3, 4, 2))],
                         ids=["shuffle", "unshuffle", "both"])
def test_pixel_shuffles_import(module, shape, tmp_path):
    """nn.PixelShuffle exports as DepthToSpace (mode CRD), which had no layer (a super-resolution net's upsampling
    was refused); it is a ReshapeLayer, TransposeLayer, ReshapeLayer chain of the known sizes."""
    path = tmp_path / "ps.onnx"
    torch_export(module, torch.randn(2, *shape), path, "x")
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(import_onnx(path)(x), module(x))


@pytest.mark.parametrize("op, mode", [("SpaceToDepth", None), ("DepthToSpace", "DCR"), ("DepthToSpace", "CRD")])
def test_depth_and_space_moves_compute_as_onnxruntime(op, mode, tmp_path):
    options = {"mode": mode} if mode else {}
    node = helper.make_node(op, ["x"], ["y"], blocksize=2, **options)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 8, 4, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 13), tmp_path / "m.onnx")
    x = torch.randn(2, 8, 4, 6, generator=torch.Generator().manual_seed(0))
    want = torch.from_numpy(run_onnx(tmp_path / "m.onnx", {"x": x})[0])
    torch.testing.assert_close(import_onnx(tmp_path / "m.onnx")(x), want)


def _lrn_model(path, shape: list, **attributes) -> None:
    node = helper.make_node("LRN", ["x"], ["y"], name="lrn", **attributes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 13), str(path))


def _lrn_as_specified(x: np.ndarray, size: int, alpha: float, beta: float, bias: float) -> np.ndarray:
    """ONNX's LRN as its spec writes it: for each channel c, the sum of squares over channels
    max(0, c - floor((size - 1) / 2)) ... min(C - 1, c + ceil((size - 1) / 2)). (onnx's reference evaluator loops
    over the batch there, and onnxruntime takes only odd sizes of 4-d inputs.)"""
    channels, squares = x.shape[1], np.zeros_like(x, dtype=np.float64)
    for c in range(channels):
        low, high = max(0, c - (size - 1) // 2), min(channels - 1, c + -(-(size - 1) // 2))
        squares[:, c] = (x[:, low:high + 1].astype(np.float64) ** 2).sum(1)
    return x / (bias + alpha / size * squares) ** beta


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("shape", [["b", 6, 5, 4], ["b", 6, "n"], ["b", 6, 2, 3, 2]], ids=["2d", "1d", "3d"])
def test_onnx_lrn_imports_and_runs_as_specified(size, shape, tmp_path):
    """ONNX's window is c - (size - 1) // 2 ... c + size // 2 (torch's LocalResponseNorm centres an even window the
    other way): as the spec computes it, and as onnxruntime (odd sizes, 4-d inputs)."""
    path = tmp_path / "lrn.onnx"
    _lrn_model(path, shape, size=size, alpha=0.3, beta=0.6, bias=2.0)
    net = import_onnx(path)
    torch.manual_seed(size)
    for batch, n in ((2, 5), (3, 8)):
        x = 2 * torch.randn(batch, *(n if d == "n" else d for d in shape[1:]))
        expected = _lrn_as_specified(x.numpy(), size, alpha=0.3, beta=0.6, bias=2.0)
        np.testing.assert_allclose(net(x).numpy(), expected, atol=1e-6, rtol=1e-5)
        if size % 2 and len(shape) == 4:
            np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-6, rtol=1e-5)


def test_onnx_lrn_with_odd_size_is_torchs_local_response_norm(tmp_path):
    path = tmp_path / "lrn.onnx"
    _lrn_model(path, ["b", 7, 4, 4], size=5, alpha=0.01, beta=0.8, bias=1.5)
    x = 3 * torch.randn(2, 7, 4, 4)
    torch.testing.assert_close(import_onnx(path)(x), nn.LocalResponseNorm(5, 0.01, 0.8, 1.5)(x))


def test_onnx_lrn_over_channels_of_unknown_size_is_refused_naming_them(tmp_path):
    path = tmp_path / "lrn.onnx"
    _lrn_model(path, ["b", "c", 4], size=3)
    with pytest.raises(SpecError, match=r"node 'lrn' \(LRN\): an input of shape \('b', 'c', 4\).*known channels"):
        import_onnx(path)


@pytest.mark.parametrize("alpha", [0.0, -0.0])
def test_a_celu_of_alpha_0_is_refused_naming_its_alpha(alpha, tmp_path):
    """Celu's alpha 0 (x/alpha) was refused by the ElementwiseLayer it imports as: its internal expression with a caret
    and a port divided by 0."""
    path = _model(tmp_path / "celu.onnx", "Celu", (4,), (4,), alpha=alpha)
    with pytest.raises(SpecError, match=r"\(Celu\): its alpha must be nonzero, found -?0\.0") as caught:
        import_onnx(path)
    assert "If[" not in str(caught.value) and "^" not in str(caught.value), str(caught.value)
