"""import_onnx refuses what it cannot import with one SpecError naming each node, never a raw traceback."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx, torch_export
from tests.test_onnx_import_ops import kinds

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter


def save(path, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    onnx.save(pinned_model(graph, 17), str(path))
    return path


class ScoresPlusBias(nn.Module):
    """A product of two computed tensors plus a learned constant (a relative position bias)."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(5, generator=torch.Generator().manual_seed(3)))

    def forward(self, x):
        return torch.softmax(x @ x.transpose(1, 2) + self.bias, -1)


@torch.no_grad()
def test_a_product_of_computed_tensors_plus_a_constant_is_not_fused_as_biases(tmp_path):
    # the Add was fused into the DotLayer as a LinearLayer's biases: AttributeError 'DotLayer' ... 'weights'
    path = tmp_path / "bmm_bias.onnx"
    torch_export(ScoresPlusBias(), torch.randn(2, 5, 4), path, "x")
    net = import_onnx(path)
    assert {"DotLayer", "ThreadingLayer"} <= kinds(net)
    x = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


class LinearOnHeads(nn.Module):
    """A Linear on (batch, heads, length, dim) queries (a MatMul of rank 4: a LinearLayer mapped twice)."""

    def __init__(self, refused: bool = False):
        super().__init__()
        self.l, self.refused = nn.Linear(4, 4), refused

    def forward(self, q, k, v):
        q = torch.softmax(q, 0) if self.refused else self.l(q)  # a softmax over the batch has no layer
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def test_an_attention_fed_by_a_refused_node_gives_one_spec_error_naming_it(tmp_path):
    # the attention pattern's inputs came from a refused node: netgraph's internal Unsupported escaped build()
    path = tmp_path / "linq.onnx"
    with torch.no_grad():
        torch_export(LinearOnHeads(refused=True), tuple(torch.randn(2, 2, 5, 4) for _ in range(3)), path,
                     ["q", "k", "v"])
    with pytest.raises(SpecError, match=r"node '/Softmax' \(Softmax\): Softmax over the batch dim") as info:
        import_onnx(path)
    assert len(info.value.errors) == 1 and "ops with a netgraph layer" not in str(info.value)


@torch.no_grad()
def test_a_linear_on_a_rank_4_input_imports_mapped_over_the_dims_between(tmp_path):
    # a MatMul of a (batch, heads, length, dim) input by a constant matrix was refused: only rank 2 or 3 mapped
    torch.manual_seed(0)
    module, path = LinearOnHeads().eval(), tmp_path / "linq.onnx"
    torch_export(module, tuple(torch.randn(2, 2, 5, 4) for _ in range(3)), path, ["q", "k", "v"])
    q, k, v = (torch.randn(3, 2, 5, 4) for _ in range(3))
    torch.testing.assert_close(import_onnx(path)(q=q, k=k, v=v), module(q, k, v), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("attribute", ["value", "value_float"])
def test_a_graph_output_computed_by_a_constant_is_a_spec_error(attribute, tmp_path):
    value = numpy_helper.from_array(np.ones(2, np.float32)) if attribute == "value" else 1.0
    path = save(tmp_path / "const.onnx", [helper.make_node("Relu", ["x"], ["a"]),
                                          helper.make_node("Constant", [], ["y"], **{attribute: value})],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 2])],
                [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["b", 2]),
                 helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(SpecError, match=r"graph output 'y': it is a constant, not computed from the graph inputs"):
        import_onnx(path)


def test_an_initializer_without_data_is_a_spec_error_naming_it(tmp_path):
    weights = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[3, 2])
    path = save(tmp_path / "nodata.onnx", [helper.make_node("MatMul", ["x", "W"], ["y"])],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 2])], [weights])
    with pytest.raises(SpecError, match=r"initializer 'W' of shape \[3, 2\] has no readable data"):
        import_onnx(path)


@torch.no_grad()
def test_a_gemm_with_a_row_bias_imports(tmp_path):
    # C of shape (1, N) broadcasts in ONNX; np.broadcast_to of it to (N,) raised a raw ValueError
    rs = np.random.RandomState(1)
    path = save(tmp_path / "gemm.onnx", [helper.make_node("Gemm", ["x", "W", "B"], ["y"], beta=0.5)],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3])],
                [numpy_helper.from_array(rs.randn(4, 3).astype(np.float32), "W"),
                 numpy_helper.from_array(rs.randn(1, 3).astype(np.float32), "B")])
    x = torch.randn(5, 4)
    torch.testing.assert_close(import_onnx(path)(x), torch.from_numpy(run_onnx(path, {"x": x})[0]))


class Heads(nn.Module):
    """The usual multi-head causal self-attention: view as (b, n, h, d), transpose, SDPA, transpose back."""

    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(16, 48)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = [t.reshape(b, n, 4, 4).transpose(1, 2) for t in self.qkv(x).chunk(3, -1)]
        return F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, n, 16)


@pytest.mark.parametrize("dynamic", [{0: "b"}, {0: "b", 1: "n"}])
@torch.no_grad()
def test_multi_head_causal_attention_written_with_view_and_transpose_imports(dynamic, tmp_path):
    # onnx lost the sizes after the chunk's Slice ('unk__' dims: refused as mixing the batch), and a
    # reshape (b, n, 16) -> (b, n, 4, 4) with n dynamic had no layer
    path = tmp_path / "heads.onnx"
    torch_export(Heads().eval(), torch.randn(2, 5, 16), path, "x", axes={"x": dynamic})
    net = import_onnx(path)
    assert "AttentionLayer" in kinds(net)
    for length in (5, 7) if len(dynamic) > 1 else (5,):
        x = torch.randn(3, length, 16, generator=torch.Generator().manual_seed(length))
        torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_two_reflect_padded_convolutions_import(tmp_path):
    # onnx's inference gave the second Pad's input as ('unk__0', 4, 'unk__4', 'unk__5'): refused as unknown sizes
    module = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU(),
                           nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect")).eval()
    path = tmp_path / "reflect.onnx"
    torch_export(module, torch.randn(2, 3, 8, 8), path, "x")
    x = torch.randn(3, 3, 8, 8)
    torch.testing.assert_close(import_onnx(path)(x), module(x), atol=1e-5, rtol=1e-4)


class CatTail(nn.Module):
    def forward(self, x):  # (x[:, :2] after x is a circular padding: test_onnx_import_circular_pad)
        return torch.cat([x, x[:, 1:3]], 1)


def test_a_concat_along_a_dynamic_sequence_is_refused_at_import(tmp_path):
    # it imported as a CatenateLayer whose output size was unknown: a ShapeError at every call
    path = tmp_path / "cat.onnx"
    with torch.no_grad():
        torch_export(CatTail(), torch.randn(2, 5, 4), path, "x", axes={"x": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match=r"node '/Concat' \(Concat\): Concat along axis 1, whose size is dynamic"):
        import_onnx(path)


def test_an_option_refusal_is_not_headed_as_a_missing_op(tmp_path):
    path = tmp_path / "deconv.onnx"
    torch_export(nn.ConvTranspose2d(4, 2, 3, stride=2), torch.randn(1, 4, 5, 5), path, "x")
    model = onnx.load(str(path))
    model.graph.node[-1].attribute.append(helper.make_attribute("output_shape", [11, 11]))  # torch never writes it
    onnx.save(model, str(path))
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    message = str(info.value)
    assert "cannot import node '/ConvTranspose' (ConvTranspose): output_shape=[11, 11]" in message
    assert "without a netgraph layer" not in message and "ops with a netgraph layer" not in message


def test_onnx_placeholder_dims_are_not_named_in_messages(tmp_path):
    shape = numpy_helper.from_array(np.array([2, -1], np.int64), "shape")
    path = save(tmp_path / "unk.onnx", [helper.make_node("Reshape", ["x", "shape"], ["y"], name="merge")],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "unk__7", 4])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, None])], [shape])
    with pytest.raises(SpecError, match=r"node 'merge' \(Reshape\): reshaping \('b', \?, 4\)") as info:
        import_onnx(path)
    assert "unk__" not in str(info.value) and "(?: a dynamic dim)" in str(info.value)


class LastStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.r = nn.GRU(4, 6, batch_first=True)

    def forward(self, x):
        return self.r(x)[0][:, x.shape[1] - 1]


def test_a_size_of_a_dynamic_dim_used_as_an_index_is_named(tmp_path):
    # was "node '/Shape' (Shape): no layer for this op", though Shape computations are followed at import
    path = tmp_path / "last.onnx"
    with torch.no_grad():
        torch_export(LastStep().eval(), torch.randn(2, 5, 4), path, "x", axes={"x": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match=r"\(Shape\): the shape of 'x' has a dynamic dim, and node '/Sub' \(Sub\) uses"):
        import_onnx(path)


class VectorPooling(nn.Module):
    """Attention pooling: scores h v with a 1-D parameter v."""

    def __init__(self):
        super().__init__()
        self.l, self.v = nn.Linear(4, 8), nn.Parameter(torch.randn(8))

    def forward(self, x):
        h = torch.tanh(self.l(x))
        return (F.softmax(h @ self.v, 1).unsqueeze(-1) * h).sum(1)


@torch.no_grad()
def test_a_matmul_by_a_constant_vector_imports(tmp_path):
    # was a bare OptionError 'LinearLayer weights= must be a matrix' naming no node
    path = tmp_path / "vector.onnx"
    torch_export(VectorPooling().eval(), torch.randn(2, 5, 4), path, "x", axes={"x": {0: "b", 1: "n"}})
    net = import_onnx(path)
    for length in (5, 7):
        x = torch.randn(3, length, 4, generator=torch.Generator().manual_seed(length))
        torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True)

    def forward(self, x):
        return self.t(x, src_mask=torch.full((x.shape[1], x.shape[1]), 0.5))  # not a causal mask


def test_a_transformer_encoder_layer_with_another_mask_is_refused_once_saying_why(tmp_path):
    # nn.MultiheadAttention imports without a mask or with a causal one (test_onnx_import_mha.py); another mask's
    # refusal names the attention's first node, and the nodes it feeds are not reported again (README "ONNX")
    path = tmp_path / "tel.onnx"
    torch_export(EncoderLayer(), torch.randn(2, 5, 16), path, "x")  # with grad: not torch's fused fast path
    with pytest.raises(SpecError, match=r"\(Transpose\): perm \[1, 0, 2\] moves .* the mask added by .* is not "
                                        r"causal") as info:
        import_onnx(path)
    assert len(info.value.errors) == 1


def test_malformed_nodes_are_named_in_the_spec_error(tmp_path):
    # a layer refusing the node's arrays (OptionError) and an attribute missing (KeyError) escaped raw
    kernel = numpy_helper.from_array(np.ones((2, 3), np.float32), "W")  # a Conv kernel needs (out, in, k...)
    path = save(tmp_path / "bad.onnx", [helper.make_node("MaxPool", ["x"], ["a"], name="pool"),
                                        helper.make_node("Conv", ["x", "W"], ["c"], name="conv")],
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 4, 4])],
                [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ac"], [kernel])
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    assert len(info.value.errors) == 2
    assert "node 'pool' (MaxPool): cannot be read (KeyError: 'kernel_shape')" in str(info.value)
    conv = next(e for e in info.value.errors if e.startswith("node 'conv' (Conv): ConvolutionLayer"))
    # the layer names every bad option value: the weights' rank, and the kernel of no dims read off them
    assert "weights= must have shape" in conv and "found 0: kernel= ()" in conv


def _value(name, shape=("b", 4)):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


@pytest.mark.parametrize("nodes, inputs, message", [
    ([helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Tanh", ["x"], ["y"], name="b")], ["x"],
     r"tensor 'y' is defined 2 times \(node 'a' \(Relu\), node 'b' \(Tanh\)\)"),
    ([helper.make_node("Add", ["x", "x"], ["y"], name="a")], ["x", "x"], r"tensor 'x' is defined 2 times \(a graph input"),
    ([helper.make_node("Relu", ["x"], ["x"], name="a"), helper.make_node("Relu", ["x"], ["y"], name="b")], ["x"],
     r"tensor 'x' is defined 2 times \(a graph input, node 'a' \(Relu\)\)"),
])
def test_a_tensor_defined_twice_is_a_spec_error_naming_its_definitions(nodes, inputs, message, tmp_path):
    # imported silently, one definition picked: onnxruntime refuses such a model
    path = save(tmp_path / "twice.onnx", nodes, [_value(i) for i in inputs], [_value("y")])
    with pytest.raises(SpecError, match=rf"invalid ONNX graph: {message}") as info:
        import_onnx(path)
    assert [d.kind for d in info.value.diagnostics] == ["defined-twice"]


def test_a_graph_input_of_negative_size_is_a_spec_error(tmp_path):
    # imported as a port of shape (-3,)
    path = save(tmp_path / "neg.onnx", [helper.make_node("Relu", ["x"], ["y"])], [_value("x", ("b", -3))],
                [_value("y", ("b", -3))])
    with pytest.raises(SpecError, match=r"graph input 'x' has a dim of negative size -3") as info:
        import_onnx(path)
    assert [(d.kind, d.found) for d in info.value.diagnostics] == [("negative-dim", -3)]


@pytest.mark.parametrize("constant", [np.ones((2, 1, 3), np.float32), np.ones((3, 3), np.float32)])
def test_a_constant_operand_that_broadcasts_against_the_batch_is_refused(constant, tmp_path):
    # x (b, 3) + k: ONNX gives (2, b, 3) (or one row per example); the import gave (b, 2, 1, 3) (or (b, 3, 3))
    path = save(tmp_path / "bcast.onnx", [helper.make_node("Add", ["x", "k"], ["y"], name="add")], [_value("x", ("b", 3))],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(constant, "k")])
    with pytest.raises(SpecError, match=r"node 'add' \(Add\): its constant operand of shape .* broadcasts against the "
                                        r"batch dim of 'x'"):
        import_onnx(path)


@pytest.mark.parametrize("op", ["Relu", "Split", "Identity"])
def test_an_op_of_another_domain_is_refused_whatever_its_name(op, tmp_path):
    # a custom-domain op named as one of ONNX's (com.microsoft has its own LayerNormalization, Gelu, ...) was
    # imported as ONNX's op
    node = helper.make_node(op, ["x"], ["y"], name="custom", domain="com.example")
    graph = helper.make_graph([node], "g", [_value("x")], [_value("y")])
    model = pinned_model(graph, 17, ("com.example", 1))
    onnx.save(model, str(tmp_path / "custom.onnx"))
    with pytest.raises(SpecError, match=rf"node 'custom' \({op}\): an op of domain 'com.example'"):
        import_onnx(tmp_path / "custom.onnx")


def test_nodes_out_of_order_are_sorted_and_a_cycle_or_an_undefined_input_is_named(tmp_path):
    # an unsorted graph (onnxruntime sorts it and runs it) was refused: "its input 'a' is neither a graph input nor
    # computed by a supported node", and so were a cycle and an undefined input, without saying which
    node = helper.make_node
    path = save(tmp_path / "unsorted.onnx", [node("Exp", ["a"], ["y"], name="last"), node("Tanh", ["x"], ["a"])],
                [_value("x")], [_value("y")])
    x = torch.randn(3, 4)
    torch.testing.assert_close(import_onnx(path)(x), torch.exp(torch.tanh(x)))
    path = save(tmp_path / "cycle.onnx", [node("Relu", ["z"], ["a"], name="r1"), node("Add", ["x", "a"], ["z"], name="r2"),
                                          node("Tanh", ["z"], ["y"], name="t")], [_value("x")], [_value("y")])
    with pytest.raises(SpecError, match=r"nodes 'r1' \(Relu\), 'r2' \(Add\), 't' \(Tanh\) wait on each other in a cycle") as info:
        import_onnx(path)
    assert [d.kind for d in info.value.diagnostics] == ["cycle"]
    path = save(tmp_path / "ghost.onnx", [node("Add", ["x", "ghost"], ["y"], name="add")], [_value("x")], [_value("y")])
    with pytest.raises(SpecError, match=r"node 'add' \(Add\) reads 'ghost', which no graph input, initializer or node") as info:
        import_onnx(path)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.found) == ("undefined-input", ("add",), "Add")


class HeadsOfComputedSize(nn.Module):
    """nanoGPT's causal self-attention: each head's size computed from the input's, ``view(b, n, h, c // h)``."""

    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(8, 24)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = [t.view(b, n, 2, c // 2).transpose(1, 2) for t in self.qkv(x).split(c, dim=2)]
        return F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).contiguous().view(b, n, c)


@pytest.mark.parametrize("dynamic", [{0: "b"}, {0: "b", 1: "n"}])
@torch.no_grad()
def test_heads_whose_size_is_computed_from_the_input_import(dynamic, tmp_path):
    # onnx's inference could not tell the view's last dim (c // 2: a Div, a Cast), so the scale 1 / sqrt(d) that SDPA
    # computes from the heads' Shape was refused as a dynamic size used as data
    path = tmp_path / "heads.onnx"
    torch_export(HeadsOfComputedSize().eval(), torch.randn(2, 5, 8), path, "x", axes={"x": dynamic})
    net = import_onnx(path)
    for length in (5, 7) if len(dynamic) > 1 else (5,):
        x = torch.randn(3, length, 8, generator=torch.Generator().manual_seed(length))
        torch.testing.assert_close(net(x), torch.from_numpy(run_onnx(path, {"x": x})[0]), atol=1e-5, rtol=1e-4)
