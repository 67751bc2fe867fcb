"""Wolfram's infix Dot in FunctionLayer expressions: ``#a . #b`` is ``Dot[#a, #b]``, binding tighter than Times
(``2 #a . #b``, ``#c * #a . #b`` and ``#v / #a . #b`` take the product first) and looser than Power; a '.' inside a
number stays a decimal point."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, ShapeError
from netgraph.layers.expression_errors import ExpressionError
from tests.layer_families._helpers import three_way

G = torch.Generator().manual_seed(3)
A, B, C = torch.randn(4, 2, 3, generator=G), torch.randn(4, 3, generator=G), torch.randn(4, 3, 5, generator=G)
V = torch.randn(4, 2, generator=G) + 3.0


def _matvec(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.einsum("bij,bj->bi", a, b)


@pytest.mark.parametrize("text, shapes, inputs, hand", [
    ("#a . #b", {"a": (2, 3), "b": 3}, {"a": A, "b": B}, lambda a, b: _matvec(a, b)),
    ("#a.#b", {"a": (2, 3), "b": 3}, {"a": A, "b": B}, lambda a, b: _matvec(a, b)),
    ("#b . #b", {"b": 3}, {"b": B}, lambda b: (b * b).sum(-1)),
    ("#a . #c", {"a": (2, 3), "c": (3, 5)}, {"a": A, "c": C}, lambda a, c: a @ c),
    ("#a . #c . #d", {"a": (2, 3), "c": (3, 5), "d": 5}, {"a": A, "c": C, "d": B.repeat(1, 2)[:, :5]},
     lambda a, c, d: _matvec(a @ c, d)),
    ("2 #a . #b", {"a": (2, 3), "b": 3}, {"a": A, "b": B}, lambda a, b: 2 * _matvec(a, b)),
    ("#v * #a . #b", {"v": 2, "a": (2, 3), "b": 3}, {"v": V, "a": A, "b": B}, lambda v, a, b: v * _matvec(a, b)),
    ("#v / #a . #b", {"v": 2, "a": (2, 3), "b": 3}, {"v": V, "a": A, "b": B}, lambda v, a, b: v / _matvec(a, b)),
    ("#v #a . #b / 2", {"v": 2, "a": (2, 3), "b": 3}, {"v": V, "a": A, "b": B},
     lambda v, a, b: v * _matvec(a, b) / 2),
    ("#s / #a . #b", {"s": (), "a": (2, 3), "b": 3}, {"s": V[:, 0], "a": A, "b": B},
     lambda s, a, b: s[:, None] / _matvec(a, b)),
    ("(#s / #a) . #b", {"s": (), "a": (2, 3), "b": 3}, {"s": V[:, 0], "a": A, "b": B},
     lambda s, a, b: _matvec(s[:, None, None] / a, b)),
    ("#a . #b^2 + 1.5", {"a": (2, 3), "b": 3}, {"a": A, "b": B}, lambda a, b: _matvec(a, b ** 2) + 1.5),
    ("-#a . #b", {"a": (2, 3), "b": 3}, {"a": A, "b": B}, lambda a, b: -_matvec(a, b)),
    ("Dot[#a, #b] - #a . #b + .5 #v", {"v": 2, "a": (2, 3), "b": 3}, {"v": V, "a": A, "b": B},
     lambda v, a, b: 0.5 * v),
])
def test_infix_dot_is_wolframs_dot_binding_tighter_than_times(text, shapes, inputs, hand):
    net = NetGraph([FunctionLayer(text, input=shapes)], [])
    three_way(net, lambda m, **xs: hand(**xs), **inputs)


def test_infix_dot_of_mismatched_sizes_names_both_shapes():
    with pytest.raises(ShapeError, match=r"Dot: the last dimension of \(2, 3\) must equal the first of \(4\)"):
        NetGraph([FunctionLayer("#a . #b", input={"a": (2, 3), "b": 4})], [])


def test_a_decimal_point_is_no_dot():
    net = NetGraph([FunctionLayer("2. #x + 1.5 * #x + .25", input={"x": 3})], [])
    three_way(net, lambda m, x: 3.5 * x + 0.25, x=B)


def test_a_dot_before_a_name_that_is_no_port_names_it():
    with pytest.raises(ExpressionError, match=r"unknown name 'real'"):
        FunctionLayer("#a.real")
