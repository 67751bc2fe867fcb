"""DotLayer's compiled forward: a matrix product where each input has at most one dim beside the contracted one
(einsum was 1.1-2.5x its time), equal to the interpreter's einsum and to torch, values and gradients, and exported
to ONNX as a form that imports back as one DotLayer."""

from __future__ import annotations

import pytest
import torch

from netgraph import DotLayer, NetGraph, interpret, net_initialize
from tests.onnx_helpers import round_trip

_RANKS = {"vector-vector": ((4,), (4,)), "matrix-vector": ((3, 4), (4,)), "vector-matrix": ((4,), (4, 2)),
          "matrix-matrix": ((3, 4), (4, 2)), "variable-matrix": (("n", 4), (4, 2))}


@pytest.mark.parametrize("shapes", _RANKS.values(), ids=_RANKS.keys())
def test_a_dot_of_vectors_and_matrices_is_a_matrix_product_equal_to_torchs(shapes):
    net = net_initialize(NetGraph({"d": DotLayer()}, [], Input1=shapes[0], Input2=shapes[1]))
    module = net.compile().double()
    assert "einsum" not in module.code.split("if torch.jit.is_tracing() else")[-1], module.code
    g = torch.Generator().manual_seed(0)
    sizes = [[6 if s == "n" else s for s in shape] for shape in shapes]
    a, b = (torch.randn(5, *s, generator=g, dtype=torch.float64) for s in sizes)

    def hand(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # Wolfram's Dot of each example's pair
        return torch.stack([torch.tensordot(x, y, dims=1) for x, y in zip(a, b)])
    want = hand(a, b)
    for run in (lambda x, y: module(Input1=x, Input2=y), lambda x, y: interpret(net, module, Input1=x, Input2=y)):
        x, y = a.clone().requires_grad_(), b.clone().requires_grad_()
        got = run(x, y)
        torch.testing.assert_close(got, want)
        weights = torch.randn(want.shape, generator=g, dtype=torch.float64)
        grads = torch.autograd.grad((got * weights).sum(), (x, y))
        x0, y0 = a.clone().requires_grad_(), b.clone().requires_grad_()
        for grad, expected in zip(grads, torch.autograd.grad((hand(x0, y0) * weights).sum(), (x0, y0))):
            torch.testing.assert_close(grad, expected)


@pytest.mark.parametrize("shapes", [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2))], ids=["vv", "mv", "vm"])
def test_a_dot_of_vectors_and_matrices_exports_as_one_dot(shapes, tmp_path):
    back = round_trip(NetGraph({"d": DotLayer()}, [], Input1=shapes[0], Input2=shapes[1]), tmp_path)
    assert [layer.type_name for _, layer in back.leaves()] == ["DotLayer"]


@pytest.mark.parametrize("dtype", [torch.int32, torch.uint8, torch.int64])
@pytest.mark.parametrize("shapes", _RANKS.values(), ids=_RANKS.keys())
def test_a_dot_of_integers_keeps_their_dtype_as_the_interpreters_einsum(shapes, dtype):
    """The vector.vector product summed to int64, where einsum keeps int32 and uint8 (which wraps past 255)."""
    net = net_initialize(NetGraph({"d": DotLayer()}, [], Input1=shapes[0], Input2=shapes[1]))
    module = net.compile()
    g = torch.Generator().manual_seed(0)
    sizes = [[6 if s == "n" else s for s in shape] for shape in shapes]
    a, b = (torch.randint(0, 20, (5, *s), generator=g).to(dtype) for s in sizes)
    exact = torch.stack([torch.tensordot(x, y, dims=1) for x, y in zip(a.long(), b.long())])
    want = exact.to(dtype)
    assert dtype != torch.uint8 or bool((want.long() != exact).any())  # some uint8 sum wraps
    for got in (module(Input1=a, Input2=b), interpret(net, module, Input1=a, Input2=b)):
        torch.testing.assert_close(got, want)
