"""A nested net's length names are its own (bound variables): joined to the outer graph's lengths through its ports
only, never to an outer name spelled alike, in the flattened solve and in the one-level solve (``_Nested``)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, DotLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph, NetMapOperator,
                      NetPort, SequenceLastLayer, ShapeError, ThreadingLayer, net_initialize)
from netgraph.spec import from_yaml


def _plus(name: str) -> NetGraph:
    return NetGraph({"p": ThreadingLayer("Plus")}, [([NetPort("a"), NetPort("b")], "p")], a=(name, 3), b=(name, 3))


def _outer(inner: NetGraph, u: str, v: str, x: str) -> NetGraph:
    return NetGraph({"in": inner, "w": NetMapOperator(LinearLayer(2))},
                    [([NetPort("u"), NetPort("v")], "in"), (NetPort("x"), "w")], u=(u, 3), v=(v, 3), x=(x, 4))


def test_an_inner_name_joins_outer_names_it_is_wired_to_as_the_flat_net_would():
    with pytest.raises(ShapeError, match="lengths k and m are independent") as nested:
        _outer(_plus("q"), "m", "k", "q")
    with pytest.raises(ShapeError, match="lengths k and m are independent") as flat:
        NetGraph({"p": ThreadingLayer("Plus")}, [([NetPort("u"), NetPort("v")], "p")], u=("m", 3), v=("k", 3))
    assert nested.value.kind == flat.value.kind


@pytest.mark.parametrize("inner_name", ["q", "n", "m"])
def test_an_outer_name_spelled_as_an_inner_one_stays_independent(inner_name):
    o = net_initialize(_outer(_plus(inner_name), "m", "m", "q"), seed=0)
    assert o.input_shapes == {"u": ("m", 3), "v": ("m", 3), "x": ("q", 4)}
    out = o({"u": torch.randn(1, 2, 3), "v": torch.randn(1, 2, 3), "x": torch.randn(1, 5, 4)})
    assert out["Output1"].shape == (1, 2, 3) and out["Output2"].shape == (1, 5, 2)
    back = from_yaml(o.to_yaml())
    assert back.input_shapes == o.input_shapes


def test_an_inner_name_takes_the_outer_name_of_its_port():
    inner = NetGraph({"m": NetMapOperator(LinearLayer(3))}, [], Input=("q", 3))
    o = NetGraph({"in": inner}, [(NetPort("u"), "in")], u=("m", 3))
    assert (o.input_shapes, o.output_shapes) == ({"u": ("m", 3)}, {"Output": ("m", 3)})


def _towers(encoder: NetChain, **shapes) -> NetGraph:
    return NetGraph({"q": encoder, "dd": encoder, "d": DotLayer()},
                    [(NetPort("query"), "q"), (NetPort("doc"), "dd"), (["q", "dd"], "d")], **shapes)


def test_one_encoder_used_twice_takes_two_independent_lengths():
    enc = NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=("n", 8))
    g = net_initialize(_towers(enc), seed=0)
    assert g.input_shapes == {"query": ("n", 8), "doc": ("n_2", 8)}
    q, d = torch.randn(1, 3, 8), torch.randn(1, 7, 8)
    torch.testing.assert_close(g({"query": q, "doc": d}), g.compile()(q, d))
    g = _towers(enc, query=("m", 8), doc=("k", 8))
    assert g.input_shapes == {"query": ("m", 8), "doc": ("k", 8)}


def test_a_problem_meets_no_scoped_names_until_a_nested_graph_gives_one():
    from netgraph.core.inference_problem import Problem
    assert Problem([], [], str).scoped_names is False
    problem = NetGraph({"in": _plus("q")}, [([NetPort("u"), NetPort("v")], "in")])._problem()
    assert problem.scoped_names is True


def _apart_maps() -> NetGraph:
    """Two ports of one length q, each through a layer of its own: nothing but the names joins them."""
    return NetGraph({"f": NetMapOperator(LinearLayer(2)), "g": NetMapOperator(LinearLayer(2))},
                    [(NetPort("a"), "f"), (NetPort("b"), "g")], a=("q", 3), b=("q", 3))


def _wired(inner: NetGraph, u: tuple, v: tuple) -> NetGraph:
    return NetGraph({"in": inner}, [([NetPort("u"), NetPort("v")], "in")], u=u, v=v)


def test_an_inner_name_given_two_ports_joins_the_outer_lengths_wired_to_them():
    with pytest.raises(DataError, match="share the length q"):  # the inner net's own word: a and b are one length
        net_initialize(_apart_maps(), seed=0)({"a": torch.randn(1, 2, 3), "b": torch.randn(1, 5, 3)})
    with pytest.raises(ShapeError, match="lengths k and m are independent") as nested:
        _wired(_apart_maps(), ("m", 3), ("k", 3))
    assert nested.value.kind == "shape" and "through the length q of layer 1 'in' (NetGraph)" in str(nested.value)
    assert nested.value.diagnostics[0].port in {"u", "v"}
    g = _wired(_apart_maps(), ("m", 3), (None, 3))
    assert g.input_shapes == {"u": ("m", 3), "v": ("m", 3)}
    with pytest.raises(DataError, match="share the length m"):
        net_initialize(g, seed=0)({"u": torch.randn(1, 2, 3), "v": torch.randn(1, 5, 3)})
