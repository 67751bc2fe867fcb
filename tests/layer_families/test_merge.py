"""ThreadingLayer, TotalLayer, CatenateLayer, DotLayer: equal to torch, variadic ports, shape rules."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, DotLayer, LinearLayer, NetGraph, NetPort, OptionError, ThreadingLayer, TotalLayer,
                      WiringError)
from tests.layer_families._helpers import shape_error, three_way

A, B, C = torch.randn(4, 2, 3), torch.randn(4, 2, 3), torch.rand(4, 2, 3) + 0.5


@pytest.mark.parametrize("name, fn", [
    ("Plus", lambda a, b, c: a + b + c), ("Times", lambda a, b, c: a * b * c),
    ("Max", lambda a, b, c: torch.maximum(torch.maximum(a, b), c)),
    ("Min", lambda a, b, c: torch.minimum(torch.minimum(a, b), c)),
])
def test_variadic_threading_functions(name, fn):
    net = NetGraph({"f": ThreadingLayer(name)}, [([NetPort("a"), NetPort("b"), NetPort("c")], "f")],
                   a=(2, 3), b=(2, 3), c=(2, 3))
    assert net.layers["f"].input_ports == ("Input1", "Input2", "Input3")
    three_way(net, lambda m, a, b, c: fn(a, b, c), a=A, b=B, c=C)


@pytest.mark.parametrize("name, fn", [("Subtract", torch.sub), ("Divide", torch.div), ("Power", torch.pow),
                                      ("Mod", torch.remainder)])
def test_binary_threading_functions(name, fn):
    net = NetGraph([ThreadingLayer(name)], [], Input1=(2, 3), Input2=(2, 3))
    three_way(net, lambda m, Input1, Input2: fn(Input1, Input2), Input1=C, Input2=C.flip(0))


def test_threading_broadcasts_and_takes_expressions():
    net = NetGraph([ThreadingLayer("#1 * #2 + #3")], [], Input1=(2, 3), Input2=(3,), Input3=())
    assert net.output_shapes == {"Output": (2, 3)}
    x, y, z = torch.randn(4, 2, 3), torch.randn(4, 3), torch.randn(4)
    three_way(net, lambda m, Input1, Input2, Input3: Input1 * Input2[:, None] + Input3[:, None, None],
              Input1=x, Input2=y, Input3=z)
    named = NetGraph([ThreadingLayer("#a / #b")], [], a=3, b=3)
    assert named.input_ports == ("a", "b")


def test_threading_shape_rules():
    # an input of unknown shape takes the output's (backward)
    net = NetGraph([ThreadingLayer("Plus")], [], Input1=(2, 3), Output=(2, 3))
    assert net.input_shapes == {"Input1": (2, 3), "Input2": (2, 3)}
    shape_error(lambda: NetGraph([ThreadingLayer("Plus")], [], Input1=(2, 3), Input2=(4,)),
                "layer 1 (ThreadingLayer)", "'Input1' (2, 3)", "'Input2' (4)", "do not broadcast")


def test_threading_options():
    with pytest.raises(OptionError, match=r"unknown function 'Plu' \(did you mean 'Plus'\?\)"):
        ThreadingLayer("Plu")
    with pytest.raises(OptionError, match=r"ThreadingLayer\('Subtract'\) takes exactly 2 inputs"):
        NetGraph([ThreadingLayer("Subtract")], [([NetPort("a"), NetPort("b"), NetPort("c")], 1)])
    with pytest.raises(OptionError, match="inputs= must be a positive integer, found -1"):
        ThreadingLayer("Plus", inputs=-1)
    with pytest.raises(OptionError, match="inputs= takes at most 10000 ports"):  # not a MemoryError spelling them out
        TotalLayer(inputs=2**70)
    assert ThreadingLayer("Plus", inputs=["x", "y"]).input_ports == ("x", "y")


def test_total_layer_sums_equal_shapes():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "tot": TotalLayer()}, [(["a", "b"], "tot")], Input=2)
    x = torch.randn(5, 2)

    def hand(m, Input):
        return (torch.nn.functional.linear(Input, m.a.Weights, m.a.Biases)
                + torch.nn.functional.linear(Input, m.b.Weights, m.b.Biases))
    module = three_way(net, hand, Input=x)
    assert "tot = (a + b)" in module.code
    shape_error(lambda: NetGraph([TotalLayer()], [], Input1=3, Input2=4),
                "layer 1 (TotalLayer)", "port 'Input2'", "one shape")
    assert NetGraph([TotalLayer()], [], Input1=3).input_shapes == {"Input1": (3,), "Input2": (3,)}


@pytest.mark.parametrize("level, dim", [(1, 1), (2, 2), (-1, 2)])
def test_catenate_levels(level, dim):
    shapes = {1: ((2, 3), (4, 3)), 2: ((2, 3), (2, 5)), -1: ((2, 3), (2, 5))}[level]
    net = NetGraph([CatenateLayer(level=level)], [], Input1=shapes[0], Input2=shapes[1])
    x, y = torch.randn(4, *shapes[0]), torch.randn(4, *shapes[1])
    three_way(net, lambda m, Input1, Input2: torch.cat([Input1, Input2], dim), Input1=x, Input2=y)


def test_catenate_shape_rules_both_ways():
    net = NetGraph([CatenateLayer()], [], Input1=(2, 3), Output=(5, 3))
    assert net.input_shapes == {"Input1": (2, 3), "Input2": (3, 3)}
    net = NetGraph([CatenateLayer()], [], Input1=(2, None), Input2=(1, 4))
    assert net.output_shapes == {"Output": (3, 4)} and net.input_shapes["Input1"] == (2, 4)
    shape_error(lambda: NetGraph([CatenateLayer()], [], Input1=(2, 3), Input2=(2, 4)),
                "layer 1 (CatenateLayer)", "dimension 2 must agree", "'Input1' (2, 3)", "'Input2' (2, 4)")
    shape_error(lambda: NetGraph([CatenateLayer()], [], Input1=(2, 3), Input2=(2,)),
                "layer 1 (CatenateLayer)", "one rank")
    shape_error(lambda: NetGraph([CatenateLayer(level=3)], [], Input1=(2, 3), Input2=(2, 3)),
                "CatenateLayer", "level 3 does not exist")


def test_catenate_works_on_integers_too():
    from netgraph import EmbeddingLayer
    net = NetGraph({"cat": CatenateLayer(), "emb": EmbeddingLayer(2, 10)}, [("cat", "emb")], Input1=3, Input2=2)
    assert net.port_types["Input1"].dtype == "Integer"
    assert net.output_shapes == {"Output": (5, 2)}


@pytest.mark.parametrize("sa, sb, eq", [((3,), (3,), "bi,bi->b"), ((2, 3), (3,), "bij,bj->bi"),
                                        ((3,), (3, 4), "bj,bjk->bk"), ((2, 3), (3, 4), "bij,bjk->bik")])
def test_dot_contracts_last_with_first(sa, sb, eq):
    net = NetGraph([DotLayer()], [], Input1=sa, Input2=sb)
    x, y = torch.randn(5, *sa), torch.randn(5, *sb)
    three_way(net, lambda m, Input1, Input2: torch.einsum(eq, Input1, Input2), Input1=x, Input2=y)


def test_dot_shape_rules():
    net = NetGraph([DotLayer()], [], Input1=(2, 3), Output=(2, 7))
    assert net.input_shapes["Input2"] == (3, 7)
    net = NetGraph([DotLayer()], [], Input2=(3, 7), Output=(2, 7))
    assert net.input_shapes["Input1"] == (2, 3)
    shape_error(lambda: NetGraph([DotLayer()], [], Input1=(2, 3), Input2=(4, 5)),
                "layer 1 (DotLayer)", "last dimension of 'Input1' (2, 3)", "first of 'Input2' (4, 5)")
    shape_error(lambda: NetGraph([DotLayer()], [], Input1=(), Input2=(4, 5)), "DotLayer", "port 'Input1'", "scalar")


def test_unwired_variadic_layers_have_two_inputs():
    assert NetGraph([CatenateLayer()], []).input_ports == ("Input1", "Input2")
    with pytest.raises(WiringError, match="no port 'Input3'"):
        NetGraph([CatenateLayer()], [(NetPort("x"), NetPort(1, "Input3"))])
    net = NetGraph([CatenateLayer(inputs=3)], [(NetPort("x"), NetPort(1, "Input3"))])
    assert sorted(net.input_ports) == ["Input1", "Input2", "x"]
