"""FunctionLayer's Wolfram distances and statistics beyond the first ones (SquaredEuclideanDistance,
ManhattanDistance, ChessboardDistance, CosineDistance, RootMeanSquare, Differences, Accumulate) and Log2, Log10:
values and gradients against torch written by hand, shapes, both execution paths, and ONNX export."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from netgraph import FunctionLayer, NetGraph, ShapeError, export_onnx, interpret, net_initialize
from tests.onnx_helpers import run_onnx

G = torch.Generator().manual_seed(0)
U = torch.randn(4, 3, generator=G, dtype=torch.float64)
V = torch.randn(4, 3, generator=G, dtype=torch.float64)
X = torch.randn(4, 5, 3, generator=G, dtype=torch.float64)

CASES = [  # (expression, input shapes, output shape, the same in torch)
    ("SquaredEuclideanDistance[#u, #v]", {"u": 3, "v": 3}, (), lambda u, v: ((u - v) ** 2).sum(1)),
    ("ManhattanDistance[#u, #v]", {"u": 3, "v": 3}, (), lambda u, v: (u - v).abs().sum(1)),
    ("ChessboardDistance[#u, #v]", {"u": 3, "v": 3}, (), lambda u, v: (u - v).abs().amax(1)),
    ("CosineDistance[#u, #v]", {"u": 3, "v": 3}, (),
     lambda u, v: 1 - torch.nn.functional.cosine_similarity(u, v, dim=1, eps=0.0)),
    ("ManhattanDistance[#u[[1]], #v[[2]]]", {"u": 3, "v": 3}, (), lambda u, v: (u[:, 0] - v[:, 1]).abs()),
    ("SquaredEuclideanDistance[#u[[1]], #v[[2]]]", {"u": 3, "v": 3}, (), lambda u, v: (u[:, 0] - v[:, 1]) ** 2),
    ("RootMeanSquare[#x]", {"x": (5, 3)}, (3,), lambda x: x.square().mean(1).sqrt()),
    ("RootMeanSquare[#u]", {"u": 3}, (), lambda u: u.square().mean(1).sqrt()),
    ("Differences[#x]", {"x": (5, 3)}, (4, 3), lambda x: torch.diff(x, dim=1)),
    ("Accumulate[#x]", {"x": (5, 3)}, (5, 3), lambda x: torch.cumsum(x, 1)),
    ("Accumulate[#u] * Log2[Abs[#v]] + Log10[Abs[#v]]", {"u": 3, "v": 3}, (3,),
     lambda u, v: torch.cumsum(u, 1) * torch.log2(v.abs()) + torch.log10(v.abs())),
]
VALUES = {"u": U, "v": V, "x": X}


def _feeds(shapes: dict) -> dict[str, torch.Tensor]:
    return {p: VALUES[p].clone().requires_grad_() for p in shapes}


@pytest.mark.parametrize("text, shapes, shape, hand", CASES)
def test_values_and_gradients_are_torchs_on_both_paths(text, shapes, shape, hand):
    net = NetGraph({"f": FunctionLayer(text)}, [], **shapes)
    assert net.output_shapes == {"Output": shape}
    module = net_initialize(net, seed=0).compile().double()
    for run in (lambda **f: module(**f), lambda **f: interpret(module.net, module, **f)):
        feeds, mine = _feeds(shapes), _feeds(shapes)
        got, want = run(**mine), hand(**feeds)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
        seed = torch.randn(want.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        for a, b in zip(torch.autograd.grad(got, list(mine.values()), seed),
                        torch.autograd.grad(want, list(feeds.values()), seed)):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text, shapes, shape, hand", CASES)
def test_each_exports_to_onnx_and_runs_as_compiled(text, shapes, shape, hand, tmp_path):
    net = net_initialize(NetGraph({"f": FunctionLayer(text)}, [], **shapes), seed=0)
    feeds = {p: VALUES[p].float() for p in shapes}
    got = run_onnx(export_onnx(net, tmp_path / "f.onnx"), feeds)[0]
    torch.testing.assert_close(torch.from_numpy(np.asarray(got)), hand(**feeds), rtol=1e-5, atol=1e-5)


def test_differences_and_accumulate_of_a_variable_length_take_each_sequences_own():
    net = NetGraph([FunctionLayer('<|"d" -> Differences[#x], "a" -> Accumulate[#x]|>')], [], x=("n",))
    assert net.output_shapes == {"d": ("n_minus_1",), "a": ("n",)}
    xs = [torch.tensor([1.0, 4.0, 9.0]), torch.tensor([2.0, -1.0])]
    out = net(x=xs)
    assert [d.tolist() for d in out["d"]] == [[3.0, 5.0], [-3.0]]
    assert [a.tolist() for a in out["a"]] == [[1.0, 5.0, 14.0], [2.0, 1.0]]


def test_distances_of_two_constants_are_numbers():
    """EuclideanDistance[1, 3] raised a TypeError inside inference and HammingDistance[1, 3] a bare KeyError."""
    u = torch.tensor([[1.0, 2.0, 4.0]])
    for text, gap in [("EuclideanDistance[1, 3]", 2.0), ("HammingDistance[1, 3]", 1.0), ("HammingDistance[2, 2]", 0.0),
                      ("ManhattanDistance[1, -3]", 4.0), ("ChessboardDistance[1, 3]", 2.0),
                      ("SquaredEuclideanDistance[1, 4]", 9.0)]:
        assert NetGraph([FunctionLayer(f"{text} + #u")], [], u=3)(u=u).tolist() == (u + gap).tolist(), text


@pytest.mark.parametrize("text, shapes, message", [
    ("CosineDistance[#u[[1]], #v[[1]]]", {"u": 3, "v": 3}, "CosineDistance takes two vectors, found ()"),
    ("CosineDistance[1, 2] + #u", {"u": 3}, "CosineDistance takes two vectors, found two constants"),
    ("CosineDistance[#u, #v]", {"u": 3, "v": 2}, "do not broadcast"),
    ("ManhattanDistance[#x, #x]", {"x": (2, 3)}, "ManhattanDistance takes two vectors (or numbers), found (2, 3)"),
    ("Accumulate[#u[[1]]]", {"u": 3}, "Accumulate needs an array argument, found a scalar ()"),
    ("RootMeanSquare[2] + #u", {"u": 3}, "RootMeanSquare needs an array argument, found a constant"),
    ("Differences[#u]", {"u": 1}, "Differences needs at least 2 elements at level 1 (found 1)"),
    ("ManhattanDistance[#u, #v]", {"u": 1, "v": 3}, "ManhattanDistance compares two vectors of equal length (or two "
                                                    "numbers), found (1) and (3)"),
    ("EuclideanDistance[#u, #v]", {"u": (), "v": 3}, "EuclideanDistance compares two vectors of equal length (or two "
                                                     "numbers), found () and (3)"),
])
def test_shapes_they_cannot_take_are_shape_errors(text, shapes, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        NetGraph([FunctionLayer(text)], [], **shapes)


@pytest.mark.parametrize("name", ["SquaredEuclideanDistance", "ManhattanDistance", "ChessboardDistance",
                                  "CosineDistance", "EuclideanDistance", "HammingDistance"])
def test_no_distance_broadcasts_a_length_1_vector_or_a_number(name):
    """ManhattanDistance[#u, #v] of (3) and (1), or of (3) and a number, broadcast to a distance where
    EuclideanDistance and HammingDistance (and Wolfram's) refuse; CosineDistance's was Dot's message."""
    with pytest.raises(ShapeError, match=rf"{name} compares two vectors of equal length.*found \(3\) and \(1\)"):
        NetGraph([FunctionLayer(f"{name}[#u, #v]")], [], u=3, v=1)
    if name != "CosineDistance":
        with pytest.raises(ShapeError, match=rf"{name} compares two vectors of equal length.*found \(3\) and \(\)"):
            NetGraph([FunctionLayer(f"{name}[#u, 2]")], [], u=3)


def test_root_mean_square_of_a_zero_vector_has_gradient_zero():
    """Sqrt[Mean[x^2]] had a NaN gradient at 0; Norm[x] / Sqrt[n] gives 0 there, as EuclideanDistance does."""
    net = NetGraph([FunctionLayer("RootMeanSquare[#x]")], [], x=3)
    x = torch.tensor([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]], requires_grad=True)
    out = net(x=x)
    out.sum().backward()
    assert out.tolist() == [0.0, pytest.approx(5 / 3 ** 0.5)]
    torch.testing.assert_close(x.grad, torch.tensor([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]]) / (5 * 3 ** 0.5))


def test_cosine_distance_is_scale_invariant_and_the_pair_operators_nan_at_a_zero_vector():
    """FunctionLayer's CosineDistance was 1 - Dot[u, v] / (Norm[u] Norm[v]): parallel vectors of norm 1e-20 in
    float32 were -7e-6 apart (the squares underflow to subnormals); it is now the pair operator's definition (each
    vector scaled by its largest |x|): 0 to a rounding, the same for every scale, compiled and interpreted alike,
    NaN where a vector is zero (Wolfram's Indeterminate, where the pair operator's is 1)."""
    from netgraph.layers.cosine import cosine_distance
    g = torch.Generator().manual_seed(0)
    u, v = torch.randn(2, 4, 5, generator=g)
    module = NetGraph([FunctionLayer("CosineDistance[#u, #v]")], [], u=5, v=5).compile()
    for run in (module, lambda **p: interpret(module.net, module, **p)):
        for scale in (1e-20, 1e-30, 1.0, 1e20):
            assert run(u=u * scale, v=u * (3 * scale)).abs().max() <= 4 * 2.0 ** -23
            got, want = run(u=u * scale, v=v * scale), cosine_distance(u, v)
            torch.testing.assert_close(got, want, rtol=0, atol=4 * 2.0 ** -23)
        assert run(u=torch.zeros(1, 5), v=v[:1]).isnan().all()
        assert cosine_distance(torch.zeros(1, 5), v[:1]).tolist() == [1.0]
