"""Wolfram's Det in FunctionLayer: gradients equal the cofactor matrix (the transposed adjugate), at singular
matrices too, compiled, interpreted and exported alike; sizes not known yet are checked once known."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, FunctionLayer, NetGraph, ShapeError, export_onnx, interpret, net_port_gradient
from tests.onnx_helpers import assert_same_outputs


def _cofactors(m: list[list[float]]) -> list[list[float]]:
    """The cofactor matrix of a 1x1, 2x2 or 3x3 matrix, by hand: (-1)^(i+j) times the minor's determinant."""
    n = len(m)
    if n == 1:
        return [[1.0]]

    def minor(i, j):
        rows = [[v for c, v in enumerate(row) if c != j] for r, row in enumerate(m) if r != i]
        return rows[0][0] if n == 2 else rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]
    return [[(-1) ** (i + j) * minor(i, j) for j in range(n)] for i in range(n)]


def _expanded(m: list[list[float]]) -> float:
    """The determinant by expansion along row 1."""
    return sum(m[0][j] * _cofactors(m)[0][j] for j in range(len(m)))


def _net(n):
    return NetGraph({"det": FunctionLayer("Det[#x]")}, [], x=(n, n))


MATRICES = [
    [[1.0, 2.0], [2.0, 4.0]],  # singular: torch.linalg.det's gradient there is 0
    [[0.0, 0.0], [0.0, 1.0]],  # singular, rank 1: the gradient is 1 at (1, 1) only
    [[2.5]], [[0.0]],
    [[3.0, -1.0], [0.5, 2.0]],
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],  # singular, rank 2
    [[2.0, 0.0, 1.0], [-1.0, 3.0, 0.5], [0.0, 4.0, -2.0]],
    [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],  # rank 1: every cofactor 0 (the adjugate is 0)
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]],  # rank 2: one cofactor 1, at (3, 1)
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("m", MATRICES)
def test_the_gradient_of_det_is_the_cofactor_matrix(m, dtype):
    # Found by review: at [[1, 2], [2, 4]] the gradient was 0 (torch.linalg.det's), not [[4, -2], [-2, 1]]
    x = torch.tensor([m], dtype=dtype)
    expected = torch.tensor([_cofactors(m)], dtype=dtype)
    if dtype == torch.float32:  # Wolfram's NetPortGradient
        torch.testing.assert_close(net_port_gradient(_net(len(m)), {"x": x}, "x"), expected)
    module = _net(len(m)).compile().to(dtype)
    for run in (lambda t: module(x=t), lambda t: interpret(module.net, module, x=t)):
        given = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(run(given).sum(), given)
        torch.testing.assert_close(grad, expected)


def test_det_of_a_batch_is_each_matrixs_and_its_gradient_each_cofactor_matrix():
    ms = [MATRICES[5], MATRICES[6], MATRICES[8]]
    x = torch.tensor(ms, dtype=torch.float64, requires_grad=True)
    module = _net(3).compile().double()
    values = module(x=x)
    hand = [_expanded(m) for m in ms]
    torch.testing.assert_close(values, torch.tensor(hand, dtype=torch.float64))
    (grad,) = torch.autograd.grad(values.sum(), x)
    torch.testing.assert_close(grad, torch.tensor([_cofactors(m) for m in ms], dtype=torch.float64))


def test_det_of_a_larger_matrix_is_torchs():
    x = torch.tensor([[[2.0, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]]])  # tridiagonal: det = n + 1
    torch.testing.assert_close(_net(4)(x=x), torch.tensor([5.0]))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_det_still_exports_to_onnx_and_runs_the_same_in_onnxruntime(n, tmp_path):
    net = _net(n)
    x = torch.tensor([MATRICES[6][0][:n], MATRICES[6][1][:n], MATRICES[6][2][:n]][:n]).unsqueeze(0).repeat(2, 1, 1)
    x[1] = x[1] * 2 - 1
    path = export_onnx(net, tmp_path / "det.onnx")
    assert_same_outputs(path, net.compile(), {"x": x})


@pytest.mark.parametrize("shape", [(None, None), (None, 3), (3, None)])
def test_det_of_sizes_not_known_yet_is_checked_once_known(shape):
    # Found by review: Det[#x] with x=(None, None) was "Det takes a square matrix, found (?, ?)" (Tr took it)
    net = NetGraph({"det": FunctionLayer("Det[#x]")}, [], x=shape)
    assert net.output_shapes["Output"] == ()
    torch.testing.assert_close(net(x=torch.tensor([MATRICES[6]])), torch.tensor([_expanded(MATRICES[6])]))
    singular = torch.tensor([MATRICES[5]])  # the sizes come from the data: the exact gradient still
    torch.testing.assert_close(net_port_gradient(net, {"x": singular}, "x"), torch.tensor([_cofactors(MATRICES[5])]))
    wrong = (3, 2) if shape[0] == 3 else (2, 3)  # two known different sizes
    with pytest.raises(DataError, match=rf"Det takes a square matrix, found \({wrong[0]}, {wrong[1]}\)"):
        net(x=torch.ones(1, *wrong))


@pytest.mark.parametrize("shape, found", [((2, 3), r"\(2, 3\)"), (("n", 3), r"\(n, 3\)"), (("n", "n"), r"\(n, n\)")])
def test_det_refuses_two_known_different_sizes_and_a_variable_length(shape, found):
    with pytest.raises(ShapeError, match=rf"Det takes a square matrix, found {found}"):
        NetGraph({"det": FunctionLayer("Det[#x]")}, [], x=shape).compile()
