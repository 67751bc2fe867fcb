"""import_onnx and sizes: dim names that a node needs equal share one length; sizes onnx's inference lost are
taken from our layers' inference (a Concat along such a dim imports)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper
from torch import nn

import onnx

from netgraph import (DataError, FlattenLayer, LinearLayer, NetChain, NetMapOperator, PartLayer, ReplicateLayer,
                      ReshapeLayer, SoftmaxLayer, SpecError, TransposeLayer, export_onnx, import_onnx, net_initialize)
from tests.onnx_helpers import pinned_model, run_onnx, torch_export


def onnx_model(path, nodes: list, inputs: dict, output: str, initializers: tuple = ()):
    values = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in inputs.items()]
    graph = helper.make_graph(nodes, "g", values, [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
                              list(initializers))
    model = pinned_model(graph, 17)
    onnx.save(model, str(path))
    return path


JOINING = {  # node, inputs (x, y): each names its own length, which the node needs equal
    "add": (helper.make_node("Add", ["x", "y"], ["z"], name="join"), {"x": ["b", "n", 4], "y": ["b", "m", 4]}),
    "concat": (helper.make_node("Concat", ["x", "y"], ["z"], name="join", axis=2),
               {"x": ["b", "n", 4], "y": ["b", "m", 3]}),
    "matmul": (helper.make_node("MatMul", ["x", "y"], ["z"], name="join"), {"x": ["b", 3, "n"], "y": ["b", "m", 2]}),
}


@pytest.mark.parametrize("name", sorted(JOINING))
def test_dims_a_node_needs_equal_share_one_length(name, tmp_path):
    # x (b, n, 4) + y (b, m, 4) got lengths n and m, independent: the import failed with a ShapeError
    node, inputs = JOINING[name]
    path = onnx_model(tmp_path / "j.onnx", [node], inputs, "z")
    with pytest.warns(UserWarning, match=rf"node 'join' \({node.op_type}\) needs dims 'n' and 'm' equal"):
        net = import_onnx(path)
    x_shape, y_shape = net.port_types["x"].shape, net.port_types["y"].shape
    assert "n" in x_shape and "n" in y_shape and "m" not in y_shape
    sized = {k: torch.randn(2, *[5 if d in ("n", "m") else d for d in v[1:]]) for k, v in inputs.items()}
    torch.testing.assert_close(net(**sized), torch.from_numpy(run_onnx(path, sized)[0]), atol=1e-5, rtol=1e-4)
    unequal = {"x": sized["x"], "y": torch.randn(2, *[6 if d == "m" else d for d in inputs["y"][1:]])}
    with pytest.raises(DataError, match=r"'x' and 'y' share the length n"):
        net(**unequal)


def test_lengths_no_node_joins_stay_independent(tmp_path):
    nodes = [helper.make_node("ReduceMean", [v], [f"{v}_mean"], axes=[1]) for v in ("x", "y")]
    nodes.append(helper.make_node("Add", ["x_mean", "y_mean"], ["z"]))
    path = onnx_model(tmp_path / "m.onnx", nodes, {"x": ["b", "n", 4], "y": ["b", "m", 4]}, "z")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = import_onnx(path)
    assert (net.port_types["x"].shape, net.port_types["y"].shape) == (("n", 4), ("m", 4))
    sized = {"x": torch.randn(2, 5, 4), "y": torch.randn(2, 7, 4)}
    torch.testing.assert_close(net(**sized), torch.from_numpy(run_onnx(path, sized)[0]), atol=1e-5, rtol=1e-4)


class PaddedCat(nn.Module):
    """A reflect-padded convolution (onnx's inference loses its spatial sizes), a constant added, then a
    Concat along a spatial dim."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        y = self.conv(x) * torch.arange(8.0) + 1.0
        return torch.cat([y, y[:, :, :2]], 2)


@torch.no_grad()
def test_a_concat_along_a_size_onnx_lost_imports_with_our_inferred_size(tmp_path):
    # the Add and Mul of a constant kept onnx's ('unk__', ...) shape: "Concat along axis 2, whose size is dynamic"
    torch.manual_seed(0)
    module, path = PaddedCat().eval(), tmp_path / "cat.onnx"
    torch_export(module, torch.randn(2, 3, 8, 8), path, "x")
    x = torch.randn(3, 3, 8, 8)
    torch.testing.assert_close(import_onnx(path)(x), module(x), atol=1e-5, rtol=1e-4)


def test_an_identity_keeps_the_sizes_our_layers_found(tmp_path):
    # the Identity's output kept onnx's unknown size: the Concat of it was refused
    torch_export(nn.ReflectionPad1d(1), torch.randn(2, 3, 8), tmp_path / "p.onnx", "x")
    model = onnx.load(str(tmp_path / "p.onnx"))
    pad = next(n for n in model.graph.node if n.op_type == "Pad")
    output, pad.output[0] = model.graph.output[0].name, "padded"
    model.graph.node.extend([helper.make_node("Identity", ["padded"], ["same"]),
                             helper.make_node("Concat", ["same", "padded"], [output], axis=2)])
    onnx.save(model, str(tmp_path / "cat.onnx"))
    x = torch.randn(3, 3, 8)
    want = torch.from_numpy(run_onnx(tmp_path / "cat.onnx", {"x": x})[0])
    torch.testing.assert_close(import_onnx(tmp_path / "cat.onnx")(x), want)
    assert want.shape == (3, 3, 20) and np.isfinite(want.numpy()).all()


class PerStepScore(nn.Module):
    """One number per step of a sequence: a Linear to 1, then squeeze(-1) of (batch, n, 1)."""

    def __init__(self):
        super().__init__()
        self.score = nn.Linear(4, 1)

    def forward(self, x):
        return self.score(x).squeeze(-1)


@torch.no_grad()
def test_a_squeeze_of_the_last_dim_after_a_variable_length_imports(tmp_path):
    # Squeeze (b, n, 1) -> (b, n) was refused: "its target dims after the batch ('n',) are not all known sizes"
    torch.manual_seed(0)
    module, path = PerStepScore().eval(), tmp_path / "score.onnx"
    torch_export(module, torch.randn(2, 5, 4), path, "x", axes={"x": {0: "b", 1: "n"}})
    net = import_onnx(path)
    assert net.port_types["x"].shape == ("n", 4)
    for length in (1, 5, 9):
        x = torch.randn(3, length, 4)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
        assert net(x).shape == (3, length)


class LeNet(nn.Module):
    """The tutorials' LeNet: x.view(-1, 16 * 4 * 4) between the convolutions and the linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2 = nn.Linear(16 * 4 * 4, 30), nn.Linear(30, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.view(-1, 16 * 4 * 4))))


@torch.no_grad()
def test_a_view_to_minus_one_and_the_sizes_after_the_batch_imports_with_a_dynamic_batch(tmp_path):
    # Reshape (b, 16, 4, 4) -> (-1, 256) was refused: "reshaping ... to (?, 256) mixes the batch dim with others"
    torch.manual_seed(0)
    module, path = LeNet().eval(), tmp_path / "lenet.onnx"
    torch_export(module, torch.randn(2, 1, 28, 28), path, "x")
    net = import_onnx(path)
    for batch in (1, 5):
        x = torch.randn(batch, 1, 28, 28)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("opset", [11, 12])
@torch.no_grad()
def test_a_softmax_after_a_mapped_linear_imports_at_an_opset_before_13(opset, tmp_path):
    # the Reshape back from the Gemm's merged batch recorded (batch, 5), losing n: the old Softmax's flatten of
    # "the dims from axis 2 on" became a ReshapeLayer to (): "cannot reshape 5 elements to ()"
    net = net_initialize(NetChain([NetMapOperator(LinearLayer(5)), SoftmaxLayer()], input=("n", 3)), seed=0)
    path = export_onnx(net, tmp_path / "m.onnx", opset=opset)
    back = import_onnx(path)
    for length in (1, 6):
        x = torch.randn(2, length, 3)
        torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("opset", [13, 16])
@torch.no_grad()
def test_a_decomposed_layer_norm_over_a_variable_length_imports(opset, tmp_path):
    # below opset 17 torch writes nn.LayerNorm as ReduceMean(keepdims=1) ...: an output (b, n, 1) with n
    # variable was refused ("keepdims=1 with an output shape that is not known")
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 6), nn.LayerNorm(6)).eval()
    torch_export(module, torch.randn(2, 5, 3), tmp_path / "ln.onnx", "x", axes={"x": {0: "b", 1: "n"}},
                 opset_version=opset)
    net = import_onnx(tmp_path / "ln.onnx")
    for length in (1, 8):
        x = torch.randn(2, length, 3)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("opset", [11, 13])
@torch.no_grad()
def test_a_transpose_and_an_unsqueeze_after_a_computed_reshape_import_at_older_opsets(opset, tmp_path):
    # onnx's inference loses every shape after the Reshape to a computed (batch, 3, 4); our layers' inference gave
    # them to no Transpose (skipped with the recurrence's glue ops: "Flatten of an input of unknown rank"), and an
    # Unsqueeze did not compute its own ("its input or output shape is not known")
    net = net_initialize(NetChain([ReshapeLayer((3, 4)), TransposeLayer(), FlattenLayer(), PartLayer(2),
                                   ReplicateLayer(2)], input=12), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx", opset=opset))
    x = torch.randn(5, 12)
    torch.testing.assert_close(back(x), net(x))


@pytest.mark.parametrize("opset", [11, 13])
@torch.no_grad()
def test_a_group_norm_exported_without_dynamic_axes_imports_below_opset_18(opset, tmp_path):
    # torch writes GroupNorm as Reshape -> InstanceNormalization -> Reshape to Shape(x); with every size static that
    # target is a constant onnx's inference did not apply: "its input or output shape is not known"
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4)).eval()
    torch_export(module, torch.randn(2, 3, 5, 5), tmp_path / "gn.onnx", "x", axes={}, opset_version=opset)
    x = torch.randn(3, 3, 5, 5)
    torch.testing.assert_close(import_onnx(tmp_path / "gn.onnx")(x), module(x), atol=1e-5, rtol=1e-4)



class MaskHead(nn.Module):
    """A one-channel convolution, squeezed to a (height, width) mask: segmentation's usual output."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 3, padding=1)

    def forward(self, x):
        return torch.sigmoid(self.conv(x)).squeeze(1)


@torch.no_grad()
def test_a_squeeze_of_the_channel_dim_of_an_image_of_any_size_imports(tmp_path):
    # (b, 1, h, w) -> (b, h, w), h and w dynamic: onnx names the output dims anew ('Squeeze..._dim_1'), and the
    # Squeeze was refused ("its target dims after the batch ... are not all known sizes")
    torch.manual_seed(0)
    module = MaskHead().eval()
    torch_export(module, torch.randn(2, 3, 6, 6), tmp_path / "mask.onnx", "x", axes={"x": {0: "b", 2: "h", 3: "w"}},
                 output_names=["mask"])
    net = import_onnx(tmp_path / "mask.onnx")
    assert net.port_types["mask"].shape == ("h", "w")
    for shape in ((3, 3, 7, 9), (1, 3, 4, 4)):
        x = torch.randn(*shape)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


class ConvNeXtBlock(nn.Module):
    """A depthwise convolution, then LayerNorm and an MLP on channels-last (batch, h, w, c), then back."""

    def __init__(self):
        super().__init__()
        self.dw, self.norm = nn.Conv2d(8, 8, 7, padding=3, groups=8), nn.LayerNorm(8)
        self.up, self.down = nn.Linear(8, 16), nn.Linear(16, 8)

    def forward(self, x):
        y = self.down(torch.nn.functional.gelu(self.up(self.norm(self.dw(x).permute(0, 2, 3, 1)))))
        return x + y.permute(0, 3, 1, 2)


@pytest.mark.parametrize("opset", [13, 17])
@torch.no_grad()
def test_a_convnext_block_imports_at_any_image_size(opset, tmp_path):
    # the Linear on (b, h, w, c) was refused (rank 4); below opset 17 the LayerNorm's ReduceMean(keepdims=1) of
    # (b, h, w, 1) too, and a reshape mapped over h and w would have named both 'n' (h and w one length)
    torch.manual_seed(0)
    module = ConvNeXtBlock().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_export(module, torch.randn(2, 8, 6, 6), tmp_path / "b.onnx", "x", axes={"x": {0: "b", 2: "h", 3: "w"}},
                     opset_version=opset)
        net = import_onnx(tmp_path / "b.onnx")
    for shape in ((3, 8, 6, 6), (1, 8, 9, 5)):
        x = torch.randn(*shape)
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


class TwoPoolingPaths(nn.Module):
    """Two stride-2 max poolings and one stride-4 over one length, added: ⌊⌊h/2⌋/2⌋ = ⌊h/4⌋ at every h."""

    def forward(self, x):
        pool = nn.functional.max_pool1d
        return pool(pool(x, 2), 2) + pool(x, 4)


@torch.no_grad()
def test_two_stride_2_poolings_and_one_stride_4_over_a_dynamic_length_import(tmp_path):
    # the Add of h_minus_1_over_2_minus_1_over_2 and h_minus_3_over_4 was a ShapeError ("they agree at every h")
    module, path = TwoPoolingPaths(), tmp_path / "pools.onnx"
    torch_export(module, torch.randn(2, 3, 16), path, "x", axes={"x": {0: "b", 2: "h"}})
    net = import_onnx(path)
    for h in (4, 7, 16, 19, 30):
        x = torch.randn(2, 3, h)
        torch.testing.assert_close(net(x), module(x))
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], rtol=1e-6)


class Unsqueezed(nn.Module):
    def __init__(self, axis: int, view: bool):
        super().__init__()
        self.axis, self.view = axis, view

    def forward(self, x):
        b, c, h, w = x.shape
        return torch.tanh(x.view(b, 1, c, h, -1) if self.view else x.unsqueeze(self.axis)) * 2


@pytest.mark.parametrize("axis, view", [(1, False), (3, False), (-1, False), (1, True)],
                         ids=["unsqueeze_1", "unsqueeze_3", "unsqueeze_last", "view_b_1_c_h_-1"])
@torch.no_grad()
def test_a_unit_dim_put_in_beside_dynamic_dims_imports(axis, view, tmp_path):
    # the Unsqueeze (or torch's view(b, 1, c, h, -1), as its LocalResponseNorm writes it) of (b, c, h, w) with h and
    # w dynamic was refused: "its target dims after the batch (1, 3, 'h', 'w') are not all known sizes"
    module, path = Unsqueezed(axis, view), tmp_path / "u.onnx"
    torch_export(module, torch.randn(2, 3, 4, 5), path, "x", axes={"x": {0: "b", 2: "h", 3: "w"}})
    net = import_onnx(path)
    for shape in ((2, 3, 4, 5), (1, 3, 6, 2)):
        x = torch.randn(*shape)
        torch.testing.assert_close(net(x), module(x))
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], rtol=1e-6)


class _FoldThenView(nn.Module):
    """(b, 3, 4, 5).reshape(-1, 5): the batch folded with 3 and 4; a Linear; then ``view`` (a function of it)."""

    def __init__(self, width: int, view):
        super().__init__()
        self.linear, self.view = nn.Linear(5, width), view

    def forward(self, x):
        return self.view(self.linear(x.reshape(-1, 5)))


@torch.no_grad()
def test_a_split_of_a_folded_batch_into_sizes_other_than_its_folded_ones_is_refused(tmp_path):
    """(4b, 3, 2) by ONNX's reading (3 is no folded level; 4 is the inner one) was read as (3b, 4, 2), one level
    unfolded: the softmax over dim 1 came out wrong; and a split of the features (-1, 2, 3), read as a level, failed
    at build naming no node. Both are refused naming the Reshape back."""
    torch.manual_seed(0)
    softmax = _FoldThenView(2, lambda y: y.reshape(-1, 3, 2).softmax(1).reshape(-1, 3, 4, 2))
    features = _FoldThenView(6, lambda y: y.view(-1, 2, 3).softmax(1).reshape(-1, 3, 4, 6))
    for module in (softmax, features):  # their first dim, -1 in torch, is onnx's '?': the batch, or 4b of (3, 4)?
        path = torch_export(module, torch.randn(2, 3, 4, 5), tmp_path / "m.onnx")
        with pytest.raises(SpecError, match=r"cannot import node '/Reshape_\d+' \(Reshape\): reshaping .*: its first "
                                            r"dim cannot be told apart from the batch folded with \(3, 4\)"):
            import_onnx(path)


@pytest.mark.parametrize("view", [(-1, 2, 3), (-1, 4, 3, 6)], ids=["graph output", "levels swapped"])
@torch.no_grad()
def test_an_unfold_into_sizes_other_than_the_folded_levels_is_refused_naming_the_reshape(tmp_path, view):
    """(b, 3, 4, 5).reshape(-1, 5) -> Linear(6) -> view(*view), the graph output: unfolded as if its sizes after -1
    were the folded levels (3, 4), it failed at build ("cannot reshape 6 elements to ()"), naming no ONNX node, or
    (levels swapped) imported with the output shape (3, 4, 6), not (4, 3, 6)."""
    module = _FoldThenView(6, lambda y: y.view(*view))
    path = torch_export(module, torch.randn(2, 3, 4, 5), tmp_path / "m.onnx")
    with pytest.raises(SpecError, match=r"cannot import node '/Reshape_\d+' \(Reshape\): reshaping \(.*\) to \(.*\) "
                                        r"unfolds the batch's folded levels \(3, 4\) as"):
        import_onnx(path)


@torch.no_grad()
def test_an_inner_map_splitting_its_own_folded_level_off_imports(tmp_path):
    """(b, 3, 4, 5).reshape(-1, 5) -> Linear -> reshape(-1, 4, 2): the inner level split off again (a map inside a
    map), softmax over it, then all unfolded."""
    torch.manual_seed(0)
    module = _FoldThenView(2, lambda y: y.reshape(-1, 4, 2).softmax(1).reshape(-1, 3, 4, 2))
    net = import_onnx(torch_export(module, torch.randn(2, 3, 4, 5), tmp_path / "m.onnx"))
    for batch in (1, 5):
        x = torch.randn(batch, 3, 4, 5)
        torch.testing.assert_close(net(x), module(x), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("shape", [(1, 5), (1, 1, 5)])
@torch.no_grad()
def test_a_view_merging_the_batch_with_unit_dims_imports_with_a_dynamic_batch(shape, tmp_path):
    """(b, 1, 5).view(-1, 5): the merged dims are all 1, so -1 is the batch (it was refused as a graph output
    merging the batch dim with the dims after it)."""
    torch.manual_seed(0)
    module = _FoldThenView(3, lambda y: y)
    module.forward = lambda x: module.linear(x.view(-1, 5))
    net = import_onnx(torch_export(module, torch.randn(4, *shape), tmp_path / "m.onnx"))
    for batch in (1, 6):
        x = torch.randn(batch, *shape)
        torch.testing.assert_close(net(x), module(x), atol=1e-6, rtol=1e-5)


class _FoldSplitInside(nn.Module):
    """(b, n, 8).reshape(-1, 8): the batch folded with n; a Linear(6); view(b * n, 3, 2), a split inside the folded
    batch's features, summed; then back to (b, n, 3)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(8, 6)

    def forward(self, x):
        b, n, d = x.shape
        return self.linear(x.reshape(-1, d)).view(b * n, 3, 2).sum(-1).view(b, n, 3)


@pytest.mark.parametrize(("axes", "levels"), [({"input": {0: "b", 1: "n"}}, ("n",)), (None, (5,))],
                         ids=["b and n dynamic", "b dynamic"])
@torch.no_grad()
def test_a_reshape_inside_the_folded_batch_is_refused_saying_its_first_dim_is_not_told_apart(tmp_path, axes, levels):
    """view(b * n, 3, 2) unfolds nothing; it was refused as "unfolds the batch's folded levels (5,) as (3,)"."""
    path = torch_export(_FoldSplitInside(), torch.randn(2, 5, 8), tmp_path / "m.onnx", axes=axes)
    with pytest.raises(SpecError, match=r"cannot import node '/Reshape_\d+' \(Reshape\): reshaping ") as info:
        import_onnx(path)
    assert "unfolds" not in str(info.value)
    assert f"its first dim cannot be told apart from the batch folded with {levels}" in str(info.value)
