"""Wolfram's one-argument Plus[x] and Times[x] are x, and Norm[x, p] is the p-norm (vectors) or Wolfram's matrix
p-norm, each against Wolfram's definition written here by hand, on both execution paths."""

from __future__ import annotations

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetGraph, OptionError, ShapeError, ThreadingLayer
from tests.layer_families._helpers import three_way

V = torch.tensor([[3.0, -4.0, 0.0], [-1.0, 2.0, 2.5]])  # (2, 3)


@pytest.mark.parametrize("text, hand", [
    ("Plus[#v]", lambda v: v), ("Times[#v]", lambda v: v), ("Plus[#v^2] + Times[2]", lambda v: v ** 2 + 2),
    ("Times[Plus[#v], 3]", lambda v: 3 * v)])
def test_plus_and_times_of_one_argument_are_that_argument(text, hand):
    three_way(NetGraph([FunctionLayer(text)], [], v=3), lambda m, v: hand(v), v=V)


@pytest.mark.parametrize("text", ["Plus[]", "Times[]"])
def test_plus_and_times_of_nothing_are_refused_with_the_count(text):
    with pytest.raises(OptionError, match=rf"{text[:-2]} takes 1 or more arguments, found 0"):
        FunctionLayer(text)


M = torch.tensor([[[3.0, -1.0, 2.0], [0.5, 7.0, -4.0]], [[-2.0, -3.0, -9.0], [-5.0, -1.5, -8.0]]])  # (2, 2, 3)


@pytest.mark.parametrize("p, hand", [
    ("1", lambda v: v.abs().sum(1)), ("2", lambda v: (v ** 2).sum(1).sqrt()), ("Infinity", lambda v: v.abs().amax(1)),
    ("3", lambda v: (v.abs() ** 3).sum(1) ** (1 / 3)), ("1.5", lambda v: (v.abs() ** 1.5).sum(1) ** (1 / 1.5))])
def test_norm_of_a_vector_with_p_is_its_p_norm(p, hand):
    net = NetGraph([FunctionLayer(f"Norm[#v, {p}]")], [], v=3)
    assert net.output_shapes == {"Output": ()}
    three_way(net, lambda m, v: hand(v), v=V)


@pytest.mark.parametrize("p, hand", [
    ("1", lambda x: x.abs().sum(1).amax(1)),  # the largest column sum of absolute values
    ("Infinity", lambda x: x.abs().sum(2).amax(1)),  # the largest row sum
    ("2", lambda x: torch.stack([torch.linalg.svdvals(m)[0] for m in x]))])  # the largest singular value
def test_norm_of_a_matrix_with_p_is_wolframs_matrix_norm(p, hand):
    three_way(NetGraph([FunctionLayer(f"Norm[#x, {p}]")], [], x=(2, 3)), lambda m, x: hand(x), x=M)


def test_norm_of_a_number_with_p_is_its_absolute_value():
    three_way(NetGraph([FunctionLayer("Norm[#v[[2]], 3] + Norm[-2, 1]")], [], v=3), lambda m, v: v[:, 1].abs() + 2, v=V)


@pytest.mark.parametrize("text, message", [
    ("Norm[#v, 0.5]", "Norm\\[x, p\\] needs a constant p >= 1 or Infinity, found 0.5"),
    ("Norm[#v, #v]", "Norm\\[x, p\\] needs a constant p >= 1 or Infinity"),
    ("Norm[#v, 1, 2]", "Norm takes 1 to 2 arguments, found 3")])
def test_a_norm_p_that_is_not_a_constant_of_at_least_one_is_refused(text, message):
    with pytest.raises(OptionError, match=message):
        FunctionLayer(text)


def test_a_matrix_norm_wolfram_lacks_is_refused_naming_the_ones_it_has():
    with pytest.raises(ShapeError, match=r"Norm\[m, 3\] of a matrix: Wolfram's matrix norms are p = 1, 2 and "
                                          r"Infinity"):
        NetGraph([FunctionLayer("Norm[#x, 3]")], [], x=(2, 3))


@pytest.mark.parametrize("function", ["#2 - #1", "Function[{b, a}, a - b]"])
@pytest.mark.parametrize("layer", [ThreadingLayer, FunctionLayer])
def test_numbered_slots_are_wired_by_position_as_wolframs_arguments(layer, function):
    """The ports came in order of appearance, (Input2, Input1), so [p, q] -> t fed p into #2 and gave p - q where
    Wolfram's f[p, q] is q - p; a Function's parameters are its arguments in order too."""
    assert layer(function).input_ports == ("Input1", "Input2")
    net = NetGraph({"p": ElementwiseLayer("# + 0"), "q": ElementwiseLayer("# * 0 + 1"), "t": layer(function)},
                   [(["p", "q"], "t")], Input=1)
    assert net(Input=torch.tensor([[10.0]])).item() == -9.0
    assert FunctionLayer("#b - #a").input_ports == ("b", "a")  # named slots: by name, in order of appearance
