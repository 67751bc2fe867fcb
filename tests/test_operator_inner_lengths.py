"""An operator's inner net names its own lengths (bound variables, as a nested graph's): seen from the graph around
the operator they are lengths of their own, neither taking nor taken by an outer name spelled alike, and joined to
the outer lengths only where the operator's ports are given them."""

from __future__ import annotations

import pytest
import torch

from netgraph import (GatedRecurrentLayer, LinearLayer, NetBidirectionalOperator, NetChain, NetFoldOperator,
                      NetGraph, NetMapOperator, NetNestOperator, NetPort, SequenceLastLayer, ShapeError,
                      ThreadingLayer, net_initialize)


def _encoder(name: str | None) -> NetChain:
    """A sequence of (name, 2) vectors to one vector of 4."""
    return NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=(name, 2))


def _fold_inner(name: str) -> NetGraph:
    """A fold step whose element is a sequence of (name, 2) vectors."""
    return NetGraph({"l": _encoder(None), "p": ThreadingLayer("Plus")},
                    [(NetPort("Input"), "l"), (["l", NetPort("State")], "p", NetPort("Output"))],
                    Input=(name, 2), State=4)


OPERATORS = {  # each operator, the shape of a call's Input (a length 3 where the inner net names q) and its rank
    "map": (lambda: NetMapOperator(_encoder("q")), (4, 3, 2)),
    "fold": (lambda: NetFoldOperator(_fold_inner("q")), (4, 3, 2)),
    "nest": (lambda: NetNestOperator(NetChain([NetMapOperator(LinearLayer(3))], input=("q", 3)), 2), (3, 3)),
    "bidirectional": (lambda: NetBidirectionalOperator(NetChain([NetMapOperator(LinearLayer(2))], input=("q", 3))),
                      (3, 3)),
}


@pytest.mark.parametrize("kind", OPERATORS)
def test_an_inner_nets_length_is_not_an_outer_length_spelled_alike(kind):
    make, shape = OPERATORS[kind]
    g = NetGraph({"p": make(), "z": NetMapOperator(LinearLayer(2))}, [(NetPort("w"), "z")], w=("q", 3))
    inner = g.input_shapes["Input"]
    assert g.input_shapes["w"] == ("q", 3) and "q" not in inner and "q_2" in inner
    out = net_initialize(g, seed=0)({"Input": torch.randn(1, *shape), "w": torch.randn(1, 5, 3)})
    assert out["Output2"].shape == (1, 5, 2)


def test_two_maps_over_one_inner_name_take_lengths_of_their_own():
    g = NetGraph({"p": NetMapOperator(_encoder("q")), "r": NetMapOperator(_encoder("q"))},
                 [(NetPort("x"), "p"), (NetPort("y"), "r")])
    assert g.input_shapes == {"x": ("n", "q", 2), "y": ("n_2", "q_2", 2)}
    out = net_initialize(g, seed=0)({"x": torch.randn(1, 4, 3, 2), "y": torch.randn(1, 5, 6, 2)})
    assert out["Output1"].shape == (1, 4, 4) and out["Output2"].shape == (1, 5, 4)


@pytest.mark.parametrize("name", [None, "n"])
def test_a_map_over_sequences_has_two_lengths_when_its_net_guesses_or_names_n(name):
    g = net_initialize(NetChain([NetMapOperator(_encoder(name))]), seed=0)
    assert g.input_shapes == {"Input": ("n", "n_2", 2)}
    assert g(torch.randn(2, 4, 3, 2)).shape == (2, 4, 4)


def test_an_inner_name_takes_the_outer_name_given_its_port():
    g = NetChain([NetMapOperator(_encoder("q"))], input=("k", "m", 2))
    assert g.input_shapes == {"Input": ("k", "m", 2)}
    g = NetChain([NetMapOperator(_encoder("q"))], input=("k", "q", 2))
    assert g.input_shapes == {"Input": ("k", "q", 2)}


def test_an_inner_nets_guessed_length_met_by_two_lengths_named_apart_is_refused():
    """The recurrent layer's sequence is one length: an outer input named m and an output named k cannot both be it
    (the inner net keeps its own guess where the outer names it: the graph around it joins the two through it)."""
    inner = NetChain([GatedRecurrentLayer(4)], input=(None, 2))
    with pytest.raises(ShapeError, match="independent") as refused:
        NetGraph({"m": NetMapOperator(inner)}, [(NetPort("x"), "m")], x=("s", "m", 2), Output=("s", "k", 4))
    assert refused.value.kind == "shape" and "length m " in str(refused.value) and "length k " in str(refused.value)
    g = NetGraph({"m": NetMapOperator(inner)}, [(NetPort("x"), "m")], x=("s", "m", 2), Output=("s", "m", 4))
    assert g.output_shapes == {"Output": ("s", "m", 4)}


def test_an_inner_name_given_two_ports_joins_the_outer_lengths_the_operator_gives_them():
    """As for a nested graph: the inner net's a and b are one length q however its layers use them."""
    inner = NetGraph({"f": NetMapOperator(LinearLayer(2)), "g": NetMapOperator(LinearLayer(2))},
                     [(NetPort("a"), "f"), (NetPort("b"), "g")], a=("q", 3), b=("q", 3))
    wired = [([NetPort("x"), NetPort("y")], "m")]
    with pytest.raises(ShapeError, match="lengths k and m are independent") as refused:
        NetGraph({"m": NetMapOperator(inner)}, wired, x=("s", "m", 3), y=("s", "k", 3))
    assert refused.value.kind == "shape" and "the length q of layer 1 'm' (NetMapOperator)" in str(refused.value)
    g = NetGraph({"m": NetMapOperator(inner)}, wired, x=("s", "m", 3), y=("s", None, 3))
    assert g.input_shapes == {"x": ("s", "m", 3), "y": ("s", "m", 3)}


def _two_maps(a: tuple, b: tuple) -> NetGraph:
    """A net mapping its ports a and b, of the shapes given, each on its own."""
    return NetGraph({"f": NetMapOperator(LinearLayer(2)), "g": NetMapOperator(LinearLayer(2))},
                    [(NetPort("a"), "f"), (NetPort("b"), "g")], a=a, b=b)


@pytest.mark.parametrize("a, b, x, y", [(("q", 3), (None, 3), ("s", "k", 3), ("s", "q", 3)),
                                        (("q", 3), ("r", 3), ("s", "r", 3), ("s", "q", 3))])
def test_an_inner_name_is_the_outer_name_only_at_the_port_and_dim_given_it(a, b, x, y):
    """The inner q given the outer k at port a is not the outer q given to port b (a name spelled alike elsewhere)."""
    wired = [([NetPort("x"), NetPort("y")], "m")]
    g = NetGraph({"m": NetMapOperator(_two_maps(a, b))}, wired, x=x, y=y)
    assert g.input_shapes == {"x": x, "y": y}
    out = net_initialize(g, seed=0)({"x": torch.randn(1, 2, 3, 3), "y": torch.randn(1, 2, 5, 3)})
    assert [tuple(v.shape) for v in out.values()] == [(1, 2, 3, 2), (1, 2, 5, 2)]
    nested = NetGraph({"m": _two_maps(a, b)}, wired, x=x[1:], y=y[1:])  # as a nested graph
    assert nested.input_shapes == {"x": x[1:], "y": y[1:]}


def test_a_guess_named_after_an_inner_name_never_shows_a_name_another_guess_took():
    """Two recurrent guesses (n, n_2) and a map over an encoder whose own length is named n_2: three lengths, three
    names (the encoder's own n_2 was shown n_2 too, and calls with different lengths were refused)."""
    g = NetGraph({"a": GatedRecurrentLayer(3, input=2), "b": GatedRecurrentLayer(3, input=2),
                  "m": NetMapOperator(_encoder("n_2"))},
                 [(NetPort("x"), "a"), (NetPort("y"), "b"), (NetPort("z"), "m")])
    x, y, (steps, z) = g.input_shapes["x"][0], g.input_shapes["y"][0], g.input_shapes["z"][:2]
    assert len({x, y, steps, z}) == 4 and g.input_shapes["z"][2] == 2
    data = {"x": torch.randn(1, 3, 2), "y": torch.randn(1, 4, 2), "z": torch.randn(1, 5, 6, 2)}
    out = net_initialize(g, seed=0)(data)
    assert [tuple(v.shape) for v in out.values()] == [(1, 3, 3), (1, 4, 3), (1, 5, 4)]


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_maps_nested_deep_keep_each_mapped_length_apart(depth):
    net = _encoder("q")
    for _ in range(depth):
        net = NetChain([NetMapOperator(net)])
    shape = net.input_shapes["Input"]
    assert len(set(shape[:depth])) == depth and shape[depth:] == ("q", 2)
    sizes = tuple(range(2, 2 + depth))
    assert net_initialize(net, seed=0)(torch.randn(1, *sizes, 5, 2)).shape == (1, *sizes, 4)


def test_an_inner_net_specialised_for_lengths_spelled_alike_keeps_them_as_they_are():
    """The inner nets an operator runs are cached by the port types it gives them, whose length names were compared
    as text: an inner net's own lengths (each a guess spelled 'n') took the net made for a user's 'n' at both ports (one
    length), and a guess met twice in a port took the net made for two guesses (two lengths), and the reverse."""
    from netgraph import ElementwiseLayer
    from netgraph.core.guessed_lengths import LocalLength
    from netgraph.core.operator import specialised
    from netgraph.core.types import PortType

    def shapes(declared) -> dict:
        inner = NetGraph({"a": ElementwiseLayer("Tanh"), "b": ElementwiseLayer("Tanh")},
                         [(NetPort("A"), "a", NetPort("X")), (NetPort("B"), "b", NetPort("Y"))])
        return [{p: specialised(inner, {p: PortType(s) for p, s in d.items()}).port_types[p].shape for p in d}
                for d in declared]
    own = LocalLength("k")
    assert shapes([{"A": (LocalLength("k"), 3), "B": (LocalLength("j"), 3)}, {"A": ("n", 3), "B": ("n", 3)}]) == [
        {"A": ("k", 3), "B": ("j", 3)}, {"A": ("n", 3), "B": ("n", 3)}]
    assert shapes([{"A": ("n", 3), "B": ("n", 3)}, {"A": (LocalLength("k"), 3), "B": (LocalLength("j"), 3)}])[1] == {
        "A": ("k", 3), "B": ("j", 3)}
    assert shapes([{"A": (own, own)}, {"A": (LocalLength("k"), LocalLength("k"))}]) == [{"A": ("k", "k")},
                                                                                      {"A": ("k", "k_2")}]
