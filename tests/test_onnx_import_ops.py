"""import_onnx of single ops from plain torch exports: each imported net computes what onnxruntime computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import onnx

from netgraph import (DeconvolutionLayer, NetChain, PaddingLayer, ParametricRampLayer, PoolingLayer, ResizeLayer,
                      SpecError, export_onnx, import_onnx, net_initialize)
from tests.onnx_helpers import Op, pinned_model, run_onnx, torch_export

_PER_TOKEN = nn.Linear(4, 3).requires_grad_(False)
with torch.no_grad():  # fixed weights, whatever the global seed is when the module is imported
    _gen = torch.Generator().manual_seed(7)
    _PER_TOKEN.weight.copy_(torch.randn(3, 4, generator=_gen))
    _PER_TOKEN.bias.copy_(torch.randn(3, generator=_gen))

#: name -> (forward, input shape, the layer types the import must contain)
OPS = {
    "per_token_linear": (lambda x: torch.relu(_PER_TOKEN(x.reshape(-1, 4))).reshape(x.shape[0], x.shape[1], 3),
                         (6, 4), {"NetMapOperator", "LinearLayer"}),
    "slice_span": (lambda x: x[:, 1:3] * 2, (4, 5), {"PartLayer"}),
    "slice_tail": (lambda x: x[:, :, -2:], (3, 4, 5), {"PartLayer"}),
    "slice_head": (lambda x: x[:, :-1], (6, 2), {"PartLayer"}),
    "flip": (lambda x: x.flip(1), (5, 3), {"SequenceReverseLayer"}),
    "mean": (lambda x: x.mean(-1), (3, 4, 5), {"AggregationLayer"}),
    "sum_all": (lambda x: x.sum((1, 2)), (4, 5), {"SummationLayer"}),
    "max_keepdim": (lambda x: x.amax(1, keepdim=True), (3, 4, 5), {"AggregationLayer", "ReshapeLayer"}),
    "bmm": (lambda x: torch.tanh(x) @ x.transpose(1, 2), (4, 5), {"DotLayer"}),
    "einsum": (lambda x: torch.einsum("bij,bjk->bik", x, torch.sin(x).transpose(1, 2)), (4, 5), {"DotLayer"}),
    # einsum attention (scores q kᵀ, then the weights times v) and einsum by a weight matrix, as (d, e) or (e, d)
    "einsum_scores": (lambda x: torch.einsum("bhid,bhjd->bhij", x, torch.sin(x)), (2, 4, 3), {"DotLayer"}),
    "einsum_weighted": (lambda x: torch.einsum("bhij,bhjd->bhid", torch.softmax(x @ x.transpose(2, 3), -1), x),
                        (2, 4, 3), {"DotLayer"}),
    # the dot of two vectors per example, or per position (was refused as no matrix product), and written as a sum
    "einsum_vectors": (lambda x: torch.einsum("bi,bi->b", x, torch.sin(x)), (4,), {"DotLayer"}),
    "einsum_vectors_per_position": (lambda x: torch.einsum("bni,bni->bn", x, torch.sin(x)), (6, 4), {"DotLayer"}),
    "mul_sum_vectors": (lambda x: (x * torch.sin(x)).sum(-1), (4,), {"ThreadingLayer", "SummationLayer"}),
    "einsum_by_matrix": (lambda x: torch.einsum("bnd,de->bne", x, _PER_TOKEN.weight.T), (6, 4), {"LinearLayer"}),
    "einsum_by_weights": (lambda x: torch.einsum("bnd,ed->bne", x, _PER_TOKEN.weight), (6, 4), {"LinearLayer"}),
    "neg_clip": (lambda x: (-x).clamp(-0.5, 1.0), (6,), {"FunctionLayer"}),
    "clip_min": (lambda x: torch.log(x.clamp(min=1e-3)), (6,), {"FunctionLayer"}),
    "reciprocal": (lambda x: torch.reciprocal(x.abs() + 1), (6,), {"FunctionLayer"}),
    "replicate": (lambda x: x.unsqueeze(1).expand(-1, 3, -1) + 0, (4,), {"ReplicateLayer"}),
}


def kinds(net) -> set[str]:
    found = set()
    for layer in net.layers.values():
        found.add(layer.type_name)
        inner = layer if hasattr(layer, "layers") else getattr(layer, "net", None)  # nested nets, mapped nets
        found |= kinds(inner) if inner is not None else set()
    return found


@pytest.mark.parametrize("name", sorted(OPS))
@torch.no_grad()
def test_each_op_imports_and_runs_as_onnxruntime(name, tmp_path):
    forward, shape, expected = OPS[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(Op(forward), torch.randn(2, *shape), path, "x")
    net = import_onnx(path)
    assert expected <= kinds(net), kinds(net)
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))  # another batch size than the export's
    want = torch.from_numpy(run_onnx(path, {"x": x})[0])
    torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(want, forward(x), atol=1e-5, rtol=1e-4)  # and onnxruntime agrees with torch


def test_a_layer_on_a_merged_batch_is_mapped_over_the_merged_dims(tmp_path):
    """Only element-wise layers were followed through a batch merged with other dims; a softmax over the rows of
    (batch * time, 3), a SoftmaxLayer per step, was refused. Any layer whose inputs are all merged alike now is
    mapped over the merged dims (a NetFoldOperator inside a NetMapOperator exports so)."""
    def forward(x):
        return torch.softmax(_PER_TOKEN(x.reshape(-1, 4)), 1).reshape(x.shape[0], x.shape[1], 3)
    path = tmp_path / "merged.onnx"
    torch_export(Op(forward), torch.randn(2, 6, 4), path, "x")
    x = torch.randn(3, 6, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(import_onnx(path)(x), forward(x), atol=1e-6, rtol=1e-5)


def test_a_constant_operand_on_a_merged_batch_broadcasts_over_the_dims_after_it(tmp_path):
    def forward(x):  # the constant broadcasts over the dims after the merged batch: per element of the map alike
        return (x.reshape(-1, 4) * torch.arange(4.0)).reshape(x.shape[0], x.shape[1], 4)
    path = tmp_path / "merged.onnx"
    torch_export(Op(forward), torch.randn(2, 6, 4), path, "x")
    x = torch.randn(5, 6, 4)
    torch.testing.assert_close(import_onnx(path)(x), forward(x))


#: plain torch activations with options (opset 20 has Gelu) -> the ONNX op, the layer type, the input shape
ACTIVATIONS = {
    "gelu": (nn.GELU(), "Gelu", "ElementwiseLayer", (4,)),
    "gelu_tanh": (nn.GELU("tanh"), "Gelu", "ElementwiseLayer", (4,)),
    "elu": (nn.ELU(), "Elu", "ElementwiseLayer", (4,)),
    "elu_alpha": (nn.ELU(0.5), "Elu", "ElementwiseLayer", (4,)),
    "leaky": (nn.LeakyReLU(0.2), "LeakyRelu", "ElementwiseLayer", (4,)),
    "prelu": (nn.PReLU(init=0.3), "PRelu", "ParametricRampLayer", (4,)),
    "prelu_channels": (nn.PReLU(3, init=0.2), "PRelu", "ParametricRampLayer", (3, 5, 5)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@torch.no_grad()
def test_activations_with_options_import_and_run_as_torch(name, tmp_path):
    # Gelu and Elu (which our own export of GELU and ELU writes) had no converter; nor LeakyRelu and PRelu
    module, op, kind, shape = ACTIVATIONS[name]
    if name == "prelu_channels":
        module.weight.copy_(torch.tensor([0.1, -0.5, 2.0]))
    path = tmp_path / f"{name}.onnx"
    torch_export(module, torch.randn(2, *shape), path, "x", opset_version=20)
    assert op in {node.op_type for node in onnx.load(str(path)).graph.node}
    net = import_onnx(path)
    assert kind in kinds(net), kinds(net)
    x = 3 * torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"x": x})[0]), module(x), atol=1e-5, rtol=1e-4)


def test_a_gelu_approximation_without_a_definition_is_refused_naming_it(tmp_path):
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    graph = helper.make_graph([helper.make_node("Gelu", ["x"], ["y"], name="act", approximate="fast")], "g", [x], [y])
    path = tmp_path / "gelu.onnx"
    onnx.save(pinned_model(graph, 20), str(path))
    with pytest.raises(SpecError, match=r"node 'act' \(Gelu\): approximate='fast' is neither 'none' \(GELU\) nor 'tanh'"):
        import_onnx(path)


#: pooling forms torch exports -> (forward, input size); each was refused once (the refusals left are tested with
#: their dims in test_onnx_resize_pool_options) and now imports as onnxruntime computes it
POOLS = {
    "avg_count_pad": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1), 7),  # torch's default: it was refused
    "max_ceil": (lambda x: nn.functional.max_pool2d(x, 2, 2, ceil_mode=True), 7),  # both were refused
    "max_dilated": (lambda x: nn.functional.max_pool2d(x, 2, 1, dilation=2), 7),
    "avg_both": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True), 8),  # refused before
    "avg_ceil": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), 8),
    "max_ceil_exact": (lambda x: nn.functional.max_pool2d(x, 2, 2, ceil_mode=True), 8),  # no partial window
    "avg_excluding_pad": (lambda x: nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), 7),
}


@pytest.mark.parametrize("name", sorted(POOLS))
@torch.no_grad()
def test_a_pooling_form_torch_exports_imports_as_onnxruntime_computes_it(name, tmp_path):
    forward, size = POOLS[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(Op(forward), torch.randn(2, 3, size, size), path, "x")
    x = torch.randn(5, 3, size, size, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]))


@pytest.mark.parametrize("module, shape, axes", [
    (nn.AvgPool2d(3, stride=2, padding=1), (3, 7, 7), {0: "b", 2: "h", 3: "w"}),
    (nn.AvgPool1d(4, stride=1, padding=2), (3, 6), {0: "b", 2: "n"}), (nn.AvgPool3d(3, padding=1), (2, 5, 4, 6), {})],
    ids=["2d_dynamic", "1d_even_kernel", "3d"])
@torch.no_grad()
def test_an_average_counting_its_padding_imports_as_torch_computes_it(module, shape, axes, tmp_path):
    """torch's AvgPool default (count_include_pad=True) divides by the whole window, zeros of the padding too: it was
    refused, PoolingLayer's Mean leaving the padding out of each window's count."""
    path = torch_export(module, torch.randn(2, *shape), tmp_path / "avg.onnx", "x", axes={"x": axes})
    net = import_onnx(path)
    bigger = tuple(d + 3 if k + 1 in axes else d for k, d in enumerate(shape))
    for size in (shape, bigger):
        x = torch.randn(3, *size) + 2  # not centred: a window's count shows in its mean
        torch.testing.assert_close(net(x), module(x))


#: our layers whose export (ConvTranspose, Pad, Gather of padding indices, Where, Resize) did not import back
OURS = {
    "deconv": (DeconvolutionLayer(4, 3, stride=2, padding_size=1, dilation=[1, 2], channel_groups=2), (2, 4, 5)),
    "pad": (PaddingLayer([0, [1, 2]], padding=0.5), (3, 4)),
    **{f"pad_{method}": (PaddingLayer([[2, 1], [0, 3]], padding=method), (3, 4))
       for method in ("Reflected", "Fixed", "Periodic")},
    "ramp_channels": (ParametricRampLayer(slope=torch.tensor([-1.0, 0.5, 2.0])), (3, 4)),
    "ramp_one": (ParametricRampLayer([], slope=-0.7), (3, 4)),
    "resize": (ResizeLayer([7, 6]), (2, 4, 3)),
    "resize_nearest": (ResizeLayer(scale=[2, 3], resampling="Nearest"), (2, 4, 3)),
    # an AveragePool counting its padding times the window's size: it came back as a Total over k times k
    "pool_total": (PoolingLayer(3, stride=2, padding_size=1, function="Total"), (2, 5, 6)),
    "pool_total_1d": (PoolingLayer(2, stride=2, function="Total"), (3, 6)),
}


@pytest.mark.parametrize("name", sorted(OURS))
@torch.no_grad()
def test_our_exports_import_back_as_the_same_layer(name, tmp_path):
    layer, shape = OURS[name]
    net = net_initialize(NetChain([layer], input=shape), seed=0)
    path = export_onnx(net, tmp_path / "ours.onnx")
    back = import_onnx(path)
    (imported,) = back.layers.values()  # one layer (a PaddingLayer of two levels exports two Gathers)
    assert type(imported) is type(layer)
    if name.startswith("pad"):
        assert (imported._pairs, imported.padding) == (layer._pairs, layer.padding)
    if name.startswith("pool"):  # the options per spatial dim
        spatial = len(shape) - 1
        assert [getattr(imported, o) for o in ("kernel", "stride", "padding_size", "function")] == [
            [getattr(layer, o)] * spatial for o in ("kernel", "stride", "padding_size")] + ["Total"]
    x = 2 * torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(back(x), torch.from_numpy(run_onnx(path, {"Input": x})[0]), atol=1e-5, rtol=1e-4)


def _seeded(module: nn.Module) -> nn.Module:
    """``module`` with its parameters drawn from a fixed generator (not ones and zeros, whatever the global seed)."""
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for value in module.parameters():
            value.copy_(torch.randn(value.shape, generator=generator))
    return module.eval()


#: plain torch forms -> (module, input shape, the layer type the import must be)
PLAIN = {
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1), (2, 5), "DeconvolutionLayer"),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 2, (2, 3), stride=(1, 2), groups=2, dilation=2), (4, 4, 5),
                         "DeconvolutionLayer"),
    "pad_constant": (lambda: Op(lambda x: F.pad(x, (1, 2, 0, 1), value=-0.5)), (2, 4, 4), "PaddingLayer"),
    "pad_reflect": (lambda: Op(lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect")), (2, 4, 4), "PaddingLayer"),
    "pad_replicate": (lambda: Op(lambda x: F.pad(x, (3, 1), mode="replicate")), (2, 4), "PaddingLayer"),
    "bilinear": (lambda: Op(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear")), (2, 3, 4), "ResizeLayer"),
    "nearest_size": (lambda: Op(lambda x: F.interpolate(x, size=(7, 9), mode="nearest")), (2, 4, 4), "ResizeLayer"),
    "align_corners": (lambda: Op(lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True)),
                      (2, 4, 4), "ResizeLayer"),  # it was refused naming coordinate_transformation_mode
    "instance_norm": (lambda: nn.InstanceNorm2d(3, affine=True), (3, 4, 5), "NormalizationLayer"),
    "layer_norm_2d": (lambda: nn.LayerNorm([4, 5]), (3, 4, 5), "NormalizationLayer"),
    "where_ramp": (lambda: Op(lambda x: torch.where(x <= 0, 0.3 * x, x)), (3, 4), "ParametricRampLayer"),
    "where_ramp_at_0": (lambda: Op(lambda x: torch.where(x >= 0, x, 0.3 * x)), (3, 4), "ElementwiseLayer"),
    "where_ramp_greater": (lambda: Op(lambda x: torch.where(x > 0, x, x * -2.0)), (3, 4), "ParametricRampLayer"),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
@torch.no_grad()
def test_plain_torch_spatial_forms_import_as_our_layers(name, tmp_path):
    make, shape, kind = PLAIN[name]
    module = _seeded(make())
    path = tmp_path / f"{name}.onnx"
    torch_export(module, torch.randn(2, *shape), path, "x")
    net = import_onnx(path)
    assert [layer.type_name for layer in net.layers.values()] == [kind]
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


#: forms without an exact layer -> the option the refusal names (a bicubic resize imports: see
#: test_onnx_resize_pool_options)
REFUSED = {
    "fractional_scale": (lambda: Op(lambda x: F.interpolate(x, scale_factor=1.5, mode="nearest")), (2, 5),
                         r"\(Resize\): scales \[1.0, 1.0, 1.5\]"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_spatial_forms_without_a_layer_are_refused_naming_the_option(name, tmp_path):
    make, shape, message = REFUSED[name]
    path = tmp_path / f"{name}.onnx"
    torch_export(make().eval(), torch.randn(2, *shape), path, "x")
    with pytest.raises(SpecError, match=message):
        import_onnx(path)


#: hand-built Pad nodes (opset 19): mode, pads, the axes they pad (None: all), the PaddingLayer's padding
HAND_PADS = {"wrap": ("wrap", [0, 0, 2, 0, 1, 3], None, "Periodic"), "edge": ("edge", [0, 0, 2, 0, 1, 3], None, "Fixed"),
             "axes": ("constant", [2, 1], [-1], 1.5)}


@pytest.mark.parametrize("name", sorted(HAND_PADS))
def test_an_onnx_pad_by_wrapping_the_edge_or_named_axes_is_a_padding_layer(name, tmp_path):
    from onnx import TensorProto, helper, numpy_helper
    mode, pads, axes, padding = HAND_PADS[name]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    arrays = [numpy_helper.from_array(np.array(pads, np.int64), "pads"),
              numpy_helper.from_array(np.array(1.5, np.float32), "value")]
    if axes is not None:
        arrays.append(numpy_helper.from_array(np.array(axes, np.int64), "axes"))
    node = helper.make_node("Pad", ["x", "pads", "value", *(["axes"] if axes else [])], ["y"], name="pad", mode=mode)
    graph = helper.make_graph([node], "g", [x], [y], arrays)
    path = tmp_path / "pad.onnx"
    onnx.save(pinned_model(graph, 19), str(path))
    net = import_onnx(path)
    assert net.layers["pad"].padding == padding
    inputs = {"x": torch.randn(5, 3, 4)}
    torch.testing.assert_close(net(inputs["x"]), torch.from_numpy(run_onnx(path, inputs)[0]))


def test_an_einsum_that_is_no_matrix_product_is_refused_naming_its_equation(tmp_path):
    outer = Op(lambda x: torch.einsum("bi,bj->bij", x, torch.sin(x)))
    path = torch_export(outer, torch.randn(2, 4), tmp_path / "e.onnx", "x")
    with pytest.raises(SpecError, match=r"\(Einsum\): an einsum that is not a matrix product of two operands, "
                                        r"found 'bi,bj->bij'") as info:
        import_onnx(path)
    assert (info.value.diagnostics[0].option, info.value.diagnostics[0].found) == ("equation", "bi,bj->bij")


def test_an_einsum_broadcasting_a_letter_of_size_1_is_refused_naming_the_letter(tmp_path):
    """ONNX broadcasts a shared letter of size 1 on one side; a DotLayer takes the same size on both (this was a
    shape conflict at the mapped Dot, naming no Einsum)."""
    per_row = Op(lambda x: torch.einsum("bnij,bnj->bni", x, torch.sin(x[:, :1, 0])))
    path = torch_export(per_row, torch.randn(2, 3, 4, 5), tmp_path / "e.onnx", "x")
    with pytest.raises(SpecError, match=r"'/Einsum' \(Einsum\): an einsum broadcasting a letter of size 1") as info:
        import_onnx(path)
    assert info.value.diagnostics[0].found == "letter 'n' of size 3 in the first operand, 1 in the second"
