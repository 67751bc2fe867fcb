"""ONNX import and export of the resize and pooling options that torch models use: a linear resize by whole scales
over dynamic sizes (a segmentation decoder's F.interpolate(x, scale_factor=2, mode="bilinear")), align_corners=True,
and pooling with ceil_mode and dilations. Each imported net computes what the torch module and onnxruntime do."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from netgraph import NetChain, PoolingLayer, ResizeLayer, export_onnx, import_onnx
from netgraph import SpecError
from tests.onnx_helpers import Op, pinned_model, run_onnx, torch_export


def _sizes(shape: tuple, axes: dict, grow: int) -> tuple:
    """``shape`` (batch first) with its dynamic dims (``axes``) grown by ``grow``."""
    return tuple(d + grow if k in axes else d for k, d in enumerate(shape))


def _assert_imports_as_torch(module: nn.Module, shape: tuple, axes: dict, tmp_path, dynamo: bool = False):
    path = tmp_path / "m.onnx"
    if dynamo:
        dims = {k: torch.export.Dim.AUTO for k in axes}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), (torch.randn(*shape),), str(path), dynamo=True, dynamic_shapes=(dims,),
                              input_names=["x"])
    else:
        torch_export(module, torch.randn(*shape), path, "x", axes={"x": axes})
    net = import_onnx(path)
    for grow in (0, 3):
        x = torch.randn(*_sizes(shape, axes, grow), generator=torch.Generator().manual_seed(grow))
        with torch.no_grad():
            torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"x": x})[0]), net(x).detach(), atol=1e-5, rtol=1e-4)
    return net


RESIZES = {
    "bilinear_2": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), (2, 3, 4, 5), {0: "b", 2: "h", 3: "w"}),
    "linear_3": (lambda x: F.interpolate(x, scale_factor=3, mode="linear"), (2, 3, 4), {0: "b", 2: "n"}),
    "bilinear_align_corners": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True),
                               (2, 3, 4, 5), {0: "b", 2: "h", 3: "w"}),
    "trilinear_align_corners": (lambda x: F.interpolate(x, size=(3, 7, 2), mode="trilinear", align_corners=True),
                                (2, 3, 4, 5, 6), {0: "b"}),
    "bilinear_one_dim": (lambda x: F.interpolate(x, scale_factor=(2, 1), mode="bilinear"), (2, 3, 4, 5),
                         {0: "b", 2: "h"}),
}


#: dynamo writes the same Resize node as torchscript, its default attributes spelled out (and, where sizes are given,
#: a Shape with start/end for Shape+Slice): one dynamo case per graph form; the attributes each case differs by
#: (align_corners, a scale of 1) are read alike from either exporter and proved over the torchscript cases
DYNAMO_FORMS = {"bilinear_2", "bicubic_2", "bicubic_sizes_align_corners", "resnet_stem", "mean_ceil", "dropped_window"}


def _exporters(names, dynamo_names=DYNAMO_FORMS):
    """(name, dynamo) cases: every name by torchscript, those in ``dynamo_names`` by dynamo too."""
    cases = [(n, False) for n in sorted(names)] + [(n, True) for n in sorted(names) if n in dynamo_names]
    return [pytest.param(n, dynamo, id=f"{n}-{'dynamo' if dynamo else 'torchscript'}") for n, dynamo in cases]


@pytest.mark.parametrize("name, dynamo", _exporters(RESIZES))  # dynamo writes a 1d linear one as gathers (below)
def test_a_linear_resize_by_whole_scales_over_dynamic_dims_imports(name, dynamo, tmp_path):
    """It was refused: "ResizeLayer takes (batch, channels, 1 to 3 spatial dims of known sizes)"."""
    forward, shape, axes = RESIZES[name]
    net = _assert_imports_as_torch(Op(forward), shape, axes, tmp_path, dynamo)
    assert [layer.type_name for layer in net.layers.values()] == ["ResizeLayer"]


@torch.no_grad()
def test_a_resize_over_a_variable_length_exports_and_imports_back(tmp_path):
    net = NetChain([ResizeLayer(scale=[2, 3])], input=(3, "h", "w"))
    path = export_onnx(net, tmp_path / "resize.onnx")
    back = import_onnx(path)
    (layer,) = back.layers.values()
    assert (type(layer), layer.scale) == (ResizeLayer, [2.0, 3.0])
    for size in ((4, 5), (7, 2)):
        x = torch.randn(2, 3, *size)
        want = F.interpolate(x, scale_factor=(2, 3), mode="bilinear", align_corners=False)
        torch.testing.assert_close(back(x), want)
        torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape", [(3, 4, 5), (3, "h", "w")])
@torch.no_grad()
def test_a_resize_with_point_sampling_exports_and_imports_back(shape, tmp_path):
    net = NetChain([ResizeLayer(scale=[2, 3], scheme="Point")], input=shape)
    path = export_onnx(net, tmp_path / "resize.onnx")
    (layer,) = import_onnx(path).layers.values()
    assert (type(layer), layer.scheme) == (ResizeLayer, "Point")
    x = torch.randn(2, 3, 4, 5)
    want = F.interpolate(x, size=(8, 15), mode="bilinear", align_corners=True)
    torch.testing.assert_close(import_onnx(path)(x), want)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), want, atol=1e-5, rtol=1e-4)


CUBIC = {
    "bicubic_2": (lambda x: F.interpolate(x, scale_factor=2, mode="bicubic"), (2, 3, 4, 5), {0: "b", 2: "h", 3: "w"}),
    "bicubic_align_corners": (lambda x: F.interpolate(x, scale_factor=(2, 3), mode="bicubic", align_corners=True),
                              (2, 3, 4, 5), {0: "b", 2: "h", 3: "w"}),
    "bicubic_sizes": (lambda x: F.interpolate(x, size=(7, 3), mode="bicubic"), (2, 3, 4, 5), {0: "b"}),
    "bicubic_sizes_align_corners": (lambda x: F.interpolate(x, size=(3, 9), mode="bicubic", align_corners=True),
                                    (2, 3, 6, 5), {0: "b"}),
}


@pytest.mark.parametrize("name, dynamo", _exporters(CUBIC))
def test_a_bicubic_resize_imports_as_a_cubic_resize_layer(name, dynamo, tmp_path):
    """It was refused: "mode='cubic' (ResizeLayer resamples 'linear' or 'nearest') has no ResizeLayer equivalent"."""
    forward, shape, axes = CUBIC[name]
    net = _assert_imports_as_torch(Op(forward), shape, axes, tmp_path, dynamo)
    (layer,) = net.layers.values()
    assert (type(layer), layer.resampling, layer.scheme) == (ResizeLayer, "Cubic",
                                                             "Point" if "align_corners" in name else "Bin")


@pytest.mark.parametrize("scheme", ["Bin", "Point"])
@torch.no_grad()
def test_a_cubic_resize_exports_and_imports_back(scheme, tmp_path):
    net = NetChain([ResizeLayer(scale=[2, 3], resampling="Cubic", scheme=scheme)], input=(3, "h", "w"))
    path = export_onnx(net, tmp_path / "resize.onnx")
    (layer,) = import_onnx(path).layers.values()
    assert (type(layer), layer.resampling, layer.scheme) == (ResizeLayer, "Cubic", scheme)
    x = torch.randn(2, 3, 4, 5)
    want = F.interpolate(x, scale_factor=(2, 3), mode="bicubic", align_corners=scheme == "Point")
    torch.testing.assert_close(import_onnx(path)(x), want)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape, attributes, named", [
    (["b", 3, 4, 5], {"cubic_coeff_a": -0.5}, r"cubic_coeff_a=-0.5 \(torch's bicubic: -0.75\)"),
    (["b", 3, 4, 5], {"exclude_outside": 1}, r"exclude_outside=1 \(torch's bicubic takes the edge's values outside\)"),
    (["b", 3, 4, 5, 6], {}, r"mode='cubic' of 3 spatial dims \(ResizeLayer's 'Cubic', torch's bicubic, takes 2\)"),
    (["b", 3, 4, 5], {"coordinate_transformation_mode": "asymmetric"},
     r"coordinate_transformation_mode='asymmetric' \(cubic needs half-pixel centres, or 'align_corners'\)")],
    ids=["coefficient", "exclude_outside", "3d", "asymmetric"])
def test_a_cubic_resize_other_than_torch_bicubic_is_refused_naming_the_option(shape, attributes, named, tmp_path):
    from onnx import TensorProto, helper, numpy_helper
    scales = numpy_helper.from_array(np.array([1.0, 1.0] + [2.0] * (len(shape) - 2), np.float32), "scales")
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize", mode="cubic", **attributes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [scales])
    onnx.save(pinned_model(graph, 19), str(tmp_path / "resize.onnx"))
    with pytest.raises(SpecError, match=r"'resize' \(Resize\): " + named + " has no ResizeLayer equivalent"):
        import_onnx(tmp_path / "resize.onnx")


POOLS = {
    "resnet_stem": (nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), (2, 3, 9, 8), {0: "b", 2: "h", 3: "w"}),
    "max_2x2_ceil": (nn.MaxPool2d(2, 2, ceil_mode=True), (2, 3, 7, 5), {0: "b", 2: "h", 3: "w"}),
    "max_dilated": (nn.MaxPool2d(3, 1, padding=1, dilation=2), (2, 3, 9, 8), {0: "b", 2: "h", 3: "w"}),
    "max_1d_both": (nn.MaxPool1d(2, 2, dilation=2, ceil_mode=True), (2, 3, 9), {0: "b", 2: "n"}),
    "mean_ceil": (nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 8, 7),
                  {0: "b", 2: "h", 3: "w"}),
    "mean_ceil_static": (nn.AvgPool2d(2, 2, ceil_mode=True), (2, 3, 7, 5), {0: "b"}),
}


@pytest.mark.parametrize("name, dynamo", _exporters(POOLS))  # MaxPool, AveragePool by dynamo
def test_torch_pooling_with_ceil_mode_and_dilation_imports(name, dynamo, tmp_path):
    """MaxPool2d(..., ceil_mode=True) (ResNet-style stems, GoogLeNet) and dilated max pooling were refused: "ceil_mode=1
    (a partial last window) has no PoolingLayer equivalent", "dilations=[2, 2] ..."."""
    module, shape, axes = POOLS[name]
    net = _assert_imports_as_torch(module, shape, axes, tmp_path, dynamo)
    assert [layer.type_name for layer in net.layers.values()] == ["PoolingLayer"]


@pytest.mark.parametrize("function", ["Max", "Mean"])
@torch.no_grad()
def test_pooling_with_ceil_mode_and_dilation_exports_and_imports_back(function, tmp_path):
    dilation = 2 if function == "Max" else 1
    net = NetChain([PoolingLayer(3, stride=2, padding_size=1, dilation=dilation, function=function, ceil_mode=True)],
                   input=(3, "h", "w"))
    path = export_onnx(net, tmp_path / "pool.onnx")
    back = import_onnx(path)
    (layer,) = back.layers.values()
    dilations = tuple(layer.dilation) if isinstance(layer.dilation, list) else (layer.dilation,) * 2
    assert (dilations, layer.ceil_mode, layer.function) == ((dilation,) * 2, True, function)
    for size in ((8, 9), (5, 12)):
        x = torch.randn(2, 3, *size) + 2
        pool = (lambda v: F.max_pool2d(v, 3, 2, 1, dilation, True)) if function == "Max" else (
            lambda v: F.avg_pool2d(v, 3, 2, 1, True, False))
        torch.testing.assert_close(back(x), pool(x))
        torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), pool(x), atol=1e-5, rtol=1e-4)


def test_a_dilated_average_pooling_is_refused_naming_the_dilations(tmp_path):
    from onnx import TensorProto, helper
    node = helper.make_node("AveragePool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], dilations=[2, 2])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(pinned_model(graph, 19), str(tmp_path / "pool.onnx"))
    with pytest.raises(SpecError,
                       match=r"'pool' \(AveragePool\): dilations=\[2, 2\] \(PoolingLayer dilates 'Max' only\)"):
        import_onnx(tmp_path / "pool.onnx")


#: torch's default AvgPool (count_include_pad=True) with ceil_mode: a partial last window divided by its part inside
#: the padded input, a window starting in the right padding dropped
COUNTED_CEIL = {
    "clipped_divisor": (nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), (2, 3, 8, 7)),  # 8: the last window's is 2
    "dropped_window": (nn.AvgPool2d((3, 2), 2, padding=1, ceil_mode=True), (2, 3, 8, 5)),  # 5: one starts in the
    # right padding (where the padding made explicit keeps it), beside 8's partial window
    "1d": (nn.AvgPool1d(3, 2, padding=1, ceil_mode=True), (2, 3, 8)),
    "3d": (nn.AvgPool3d(3, 2, padding=1, ceil_mode=True), (2, 2, 6, 5, 8)),
}


@pytest.mark.parametrize("name, dynamo", _exporters(COUNTED_CEIL))
@torch.no_grad()
def test_a_ceil_mode_average_counting_its_padding_imports_as_torch_computes_it(name, dynamo, tmp_path):
    """It was refused: "ceil_mode=1 (a partial last window) with count_include_pad=1 and pads has no PoolingLayer
    equivalent". It imports as the zero padding made explicit, then a Mean with ceil_mode (whose divisor is then the
    window's part inside the padded input, as torch's), cropped where that keeps a window torch drops."""
    module, shape = COUNTED_CEIL[name]
    net = _assert_imports_as_torch(module, shape, {0: "b"}, tmp_path, dynamo)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(5)) + 2  # not centred: a divisor shows
    torch.testing.assert_close(net(x), module(x), rtol=0, atol=0)
    (chain,) = net.layers.values()
    kinds = [layer.type_name for layer in chain.layers.values()]
    assert kinds in (["PaddingLayer", "PoolingLayer"], ["PaddingLayer", "PoolingLayer", "PartLayer"]), kinds
    assert ("PartLayer" in kinds) == (name == "dropped_window")


def test_a_ceil_mode_average_counting_its_padding_over_dynamic_dims_is_refused_naming_them(tmp_path):
    path = torch_export(nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), torch.randn(2, 3, 8, 7), tmp_path / "avg.onnx",
                        "x", axes={"x": {0: "b", 2: "h", 3: "w"}})
    with pytest.raises(SpecError, match=r"\(AveragePool\): ceil_mode=1 \(a partial last window\) with "
                                        r"count_include_pad=1 and pads over spatial dims of unknown size"):
        import_onnx(path)


@torch.no_grad()
def test_a_total_pooling_over_variable_lengths_exports_and_imports_back_as_one_layer(tmp_path):
    """It came back as a NetChain of a Total pooling over k and a division by k, times a constant k."""
    net = NetChain([PoolingLayer(3, stride=2, padding_size=1, function="Total")], input=(3, "h", "w"))
    back = import_onnx(export_onnx(net, tmp_path / "total.onnx"))
    (layer,) = back.layers.values()
    assert (type(layer), layer.function, layer.padding_size) == (PoolingLayer, "Total", [1, 1])
    for size in ((8, 9), (5, 12)):
        x = torch.randn(2, 3, *size, generator=torch.Generator().manual_seed(size[0]))
        torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("factor", [4.0, 3.0])
@torch.no_grad()
def test_an_average_pooling_times_its_window_size_imports_as_a_total_and_no_other_factor_does(factor, tmp_path):
    module = Op(lambda x: F.avg_pool2d(x, 2, 2) * factor)
    net = _assert_imports_as_torch(module, (2, 3, 6, 4), {0: "b", 2: "h", 3: "w"}, tmp_path)
    first, *others = net.layers.values()
    assert (first.function, bool(others)) == (("Total", False) if factor == 4.0 else ("Mean", True))


LINEAR_1D = {
    "scale_2": (lambda x: F.interpolate(x, scale_factor=2, mode="linear"), "Bin"),
    "size_7": (lambda x: F.interpolate(x, size=7, mode="linear"), "Bin"),
    "shrink": (lambda x: F.interpolate(x, size=3, mode="linear"), "Bin"),
    "align_corners": (lambda x: F.interpolate(x, size=9, mode="linear", align_corners=True), "Point"),
}


@pytest.mark.parametrize("name", sorted(LINEAR_1D))
def test_a_dynamo_1d_linear_resize_of_a_known_length_imports_as_a_resize_layer(name, tmp_path):
    """dynamo writes it as gathers of the neighbours and a weighted difference, no Resize: it was refused ("GatherND:
    no layer for this op", "perm [2, 0, 1] moves the batch dim")."""
    forward, scheme = LINEAR_1D[name]
    net = _assert_imports_as_torch(Op(forward), (2, 3, 5), {0: "b"}, tmp_path, dynamo=True)
    (layer,) = net.layers.values()
    assert (type(layer), layer.resampling, layer.scheme) == (ResizeLayer, "Linear", scheme)


def test_a_dynamo_1d_linear_resize_by_a_scale_not_the_sizes_ratio_is_still_refused(tmp_path):
    # torch maps coordinates by 1 / 1.5, ResizeLayer by 5 / 7: the gathers' indices differ, so they are not matched
    with pytest.raises(SpecError, match=r"\(GatherND\): no layer for this op"):
        _assert_imports_as_torch(Op(lambda x: F.interpolate(x, scale_factor=1.5, mode="linear")), (2, 3, 5), {0: "b"},
                                 tmp_path, dynamo=True)
