"""torch's ``1 - F.cosine_similarity(a, b, dim=1)`` imports as one FunctionLayer of its formula, eps clamp included (a
chain differing in a constant imports as its ops); a cosine ``NetPairEmbeddingOperator``'s scale-invariant distance
imports as one FunctionLayer of its own formula."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from netgraph import (FunctionLayer, LinearLayer, NetChain, NetGraph, NetPairEmbeddingOperator, export_onnx,
                      import_onnx, net_initialize)
from tests.onnx_helpers import run_onnx, torch_export

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter


class CosineDistance(torch.nn.Module):
    def __init__(self, eps: float):
        super().__init__()
        self.eps = eps

    def forward(self, a, b):
        return 1 - F.cosine_similarity(a, b, dim=1, eps=self.eps)


def _inputs(scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    a, b = (torch.randn(6, 4, generator=generator) * scale for _ in range(2))
    a[0] = 0  # a zero vector: torch's clamp gives a distance of 1
    return a, b


def _functions(net) -> list:
    return [layer for layer in net.layers.values() if isinstance(layer, FunctionLayer)]


def test_a_cosine_pair_embedding_imports_its_distance_as_one_layer(tmp_path):
    """It imported as 19 layers (Muls, ReduceSums, Sqrt, Max, Div, Sub), the Euclidean one as 8."""
    net = net_initialize(NetGraph({"p": NetPairEmbeddingOperator(NetChain([LinearLayer(3)]), distance="Cosine")},
                                  [], Input1=4, Input2=4), seed=0)
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    assert len(back.layers) == 7 and len(_functions(back)) == 1  # 2 x (Linear, Unsqueeze, Flatten), the distance
    a, b = _inputs()
    want = net.compile()(Input1=a, Input2=b)
    assert want[0] == 1
    torch.testing.assert_close(back.compile()(Input1=a, Input2=b), want)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input1": a, "Input2": b})[0]), want)


@pytest.mark.parametrize("eps, scale", [(1e-8, 1.0), (0.5, 0.1)], ids=["default-eps", "clamping-eps"])
def test_torch_cosine_distance_imports_as_one_layer_with_its_eps(eps, scale, tmp_path):
    """The model's formula, clamping the product of the norms: torch's eager one clamps each norm (they differ
    where the clamp acts, so the clamping case is held to the model's outputs alone)."""
    path = torch_export(CosineDistance(eps), _inputs(), tmp_path / "m.onnx", ["a", "b"])
    [layer] = import_onnx(path).layers.values()
    assert isinstance(layer, FunctionLayer)
    a, b = _inputs(scale)
    got = import_onnx(path).compile()(a=a, b=b)
    torch.testing.assert_close(got, torch.from_numpy(run_onnx(path, {"a": a, "b": b})[0]))
    if eps == 1e-8:
        torch.testing.assert_close(got, CosineDistance(eps)(a, b))


def test_a_cosine_chain_with_another_constant_imports_as_its_ops(tmp_path):
    model = onnx.load(torch_export(CosineDistance(1e-8), _inputs(), tmp_path / "m.onnx", ["a", "b"]))
    [sub] = [node for node in model.graph.node if node.op_type == "Sub"]
    [one] = [node for node in model.graph.node if node.output[0] == sub.input[0]]
    one.attribute[0].t.CopyFrom(onnx.numpy_helper.from_array(np.array(2.0, dtype=np.float32)))
    onnx.save(model, tmp_path / "two.onnx")
    back = import_onnx(tmp_path / "two.onnx")
    assert len(back.layers) > 1 and not _functions(back)
    a, b = _inputs()
    torch.testing.assert_close(back.compile()(a=a, b=b), CosineDistance(1e-8)(a, b) + 1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"], indirect=True)
def test_a_cosine_pair_embedding_of_small_embeddings_round_trips_scale_invariant(dtype, tmp_path):
    """The operator's scale-invariant distance (each embedding divided by its largest |x|) imports as one layer
    that keeps it: at 1e-12 torch's clamped cosine_similarity gave 1 for parallel embeddings."""
    net = net_initialize(NetGraph({"p": NetPairEmbeddingOperator(LinearLayer(3, biases=False), distance="Cosine")},
                                  [], Input1=4, Input2=4), seed=0)
    path = export_onnx(net, tmp_path / "m.onnx")
    back = import_onnx(path)
    assert len(_functions(back)) == 1
    a, b = (x.to(dtype) * 1e-12 for x in _inputs())
    b[1] = 3 * a[1]  # parallel
    want = net.compile()(Input1=a, Input2=b)
    got = back.compile()(Input1=a, Input2=b)
    assert want[0] == 1 and abs(want[1].item()) < 1e-6
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input1": a, "Input2": b})[0]), want)


def test_the_scaled_cosine_chain_imports_with_its_own_constants(tmp_path):
    """A Clip bound other than the operator's (2, not 1, under the product of the squares) is kept in the formula."""
    net = net_initialize(NetGraph({"p": NetPairEmbeddingOperator(LinearLayer(3, biases=False), distance="Cosine")},
                                  [], Input1=4, Input2=4), seed=0)
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    div = next(node for node in model.graph.node if node.output[0] == model.graph.node[-1].input[1])
    root = next(node for node in model.graph.node if node.output[0] == div.input[1])
    clip = next(node for node in model.graph.node if node.output[0] == root.input[0])
    low = next(node for node in model.graph.node if node.output[0] == clip.input[1])
    low.attribute[0].t.CopyFrom(onnx.numpy_helper.from_array(np.array(2.0, dtype=np.float32)))
    onnx.save(model, tmp_path / "two.onnx")
    back = import_onnx(tmp_path / "two.onnx")
    assert len(_functions(back)) == 1
    a, b = _inputs()
    want = torch.from_numpy(run_onnx(tmp_path / "two.onnx", {"Input1": a, "Input2": b})[0])
    torch.testing.assert_close(back.compile()(Input1=a, Input2=b), want)
    assert not torch.allclose(want, net.compile()(Input1=a, Input2=b))


def test_an_infinite_eps_imports_as_the_formula_writes_infinity(tmp_path):
    """The formula wrote the eps as Python's 'inf', which the expression language refuses: import crashed."""
    path = torch_export(CosineDistance(float("inf")), _inputs(), tmp_path / "m.onnx", ["a", "b"])
    [layer] = import_onnx(path).layers.values()
    assert layer.function.endswith(", Infinity]")
    a, b = _inputs()
    torch.testing.assert_close(import_onnx(path).compile()(a=a, b=b), torch.ones(6))


@pytest.mark.parametrize("shapes", [((6, 1), (6, 4)), ((6, 4), (6, 1))], ids=["a-broadcast", "b-broadcast"])
def test_a_cosine_of_a_broadcast_vector_imports_as_its_ops(shapes, tmp_path):
    """torch broadcasts a (batch, 1) operand against (batch, n): the product's ReduceSum reads (batch, n) vectors but
    the Mul's operands differ in size. The product-sum path checked only the operands' ranks (the ReduceMax one the
    reduced tensor's): it folded to Dot[#1, #2] of sizes 1 and 4, a ShapeError. Both now ask one rule: (batch, n)
    vectors of one size n, the reduced tensor's and each operand's."""
    generator = torch.Generator().manual_seed(2)
    a, b = (torch.randn(*shape, generator=generator) for shape in shapes)
    path = torch_export(CosineDistance(1e-8), (a, b), tmp_path / "m.onnx", ["a", "b"])
    back = import_onnx(path)
    assert not _functions(back)
    # the model's own values: torch's eager cosine_similarity normalises the broadcast (batch, n) vector instead
    torch.testing.assert_close(back.compile()(a=a, b=b), torch.from_numpy(run_onnx(path, {"a": a, "b": b})[0]))
