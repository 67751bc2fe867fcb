"""An index encoder's values are followed out of an operator's inner net at the operator's outputs that give them out
unchanged (``NetOperator.passed_out``): NetMapOperator's, NetNestOperator's, NetFoldOperator's and a Catenate
NetBidirectionalOperator's; so an EmbeddingLayer after them is checked when built, and one without n takes it. A
Plus NetBidirectionalOperator and NetPairEmbeddingOperator compute new values: nothing after them is followed."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassEncoder, DataError, EmbeddingLayer, NetBidirectionalOperator, NetChain, NetFoldOperator,
                      NetGraph, NetMapOperator, NetNestOperator, NetPairEmbeddingOperator, NetPort, PaddingLayer,
                      PartLayer, ReshapeLayer, Restricted, ShapeError, TokensEncoder, net_initialize)
from netgraph.core.port_coders import index_leaves
from netgraph.core.types import INTEGER, PortType

RANGE = Restricted("Integer", (0, 2), shape=(5,))  # indices 0..2 (n=3), five per example
WORDS = ["a", "b", "c", "d", "e"]  # a ClassEncoder gives 0..4 (n=5); a TokensEncoder 0..6 (n=7)


def _mapped(n=None, input=RANGE):
    """Each element reshaped to (1) by a NetMapOperator, into an EmbeddingLayer(2, n)."""
    return NetChain([NetMapOperator(NetChain([ReshapeLayer((1,))], input=PortType((), INTEGER))),
                     EmbeddingLayer(2, n)], Input=input)


def _bidirectional(aggregation, n=None):
    seq = NetChain([ReshapeLayer((5, 1))], input=PortType((5, 1), INTEGER))
    return NetChain([NetBidirectionalOperator(seq, aggregation), EmbeddingLayer(2, n)],
                    Input=Restricted("Integer", (0, 2), shape=(5, 1)))


def _folded(out, n=None, initial=None):
    """A NetFoldOperator whose step gives out its element (reshaped to (1); the state only reshaped, dropped), its
    ``out`` port into an EmbeddingLayer(2, n); an input Init giving its initial state where ``initial`` is its type."""
    step = NetGraph({"r": ReshapeLayer((1,)), "z": ReshapeLayer(())},
                    [(NetPort("State"), "z"), ("z", None), (NetPort("Input"), "r"), ("r", NetPort("Output"))],
                    State=PortType((1,), INTEGER), Input=PortType((), INTEGER))
    other = "State" if out == "Output" else "Output"
    edges = [(NetPort("Input"), NetPort("f", "Input")), (NetPort("f", out), "emb"), (NetPort("f", other), None)]
    ports = {"Input": Restricted("Integer", (0, 2), shape=("n",))}
    if initial is not None:
        edges.append((NetPort("Init"), NetPort("f", "InitialState")))
        ports["Init"] = initial
    return NetGraph({"f": NetFoldOperator(step, initial is not None), "emb": EmbeddingLayer(2, n)}, edges, **ports)


def _nested(n=None, applications=1):
    """A ClassEncoder's index reshaped to () ``applications`` times by a NetNestOperator, into EmbeddingLayer(2, n)."""
    return NetChain([NetNestOperator(NetChain([ReshapeLayer(())], input=PortType((), INTEGER)), applications),
                     EmbeddingLayer(2, n)], input=ClassEncoder(WORDS))


# name -> (the net with an EmbeddingLayer of n given, the embedding's name, the n it takes without one)
FORMS = {"map": (lambda n=None: _mapped(n), "2", 3),
         "map-tokens": (lambda n=None: _mapped(n, TokensEncoder(WORDS)), "2", 7),
         "nest-classes": (_nested, "2", 5),
         "nest-no-time": (lambda n=None: _nested(n, 0), "2", 5),
         "bidirectional-catenate": (lambda n=None: _bidirectional("Catenate", n), "2", 3),
         "fold-output": (lambda n=None: _folded("Output", n), "emb", 3),
         "fold-state": (lambda n=None: _folded("State", n), "emb", 3)}


@pytest.mark.parametrize("form", FORMS)
def test_an_embedding_of_too_small_n_after_an_operator_passing_the_values_out_is_refused_when_built(form):
    make, name, n = FORMS[form]
    with pytest.raises(ShapeError) as info:
        make(n - 1)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.expected) == ("encoder-range", (name,), (0, n - 2))
    assert f"takes n={n - 1} (indices 0 to {n - 2}); give it n={n}" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_an_embedding_without_n_after_an_operator_passing_the_values_out_takes_the_encoders_n(form):
    # as one after a Reshape does (they were left without n: net_initialize refused them)
    make, name, n = FORMS[form]
    net = net_initialize(make(), seed=0)
    assert net.layer_at(name).n == n and tuple(net.layer_at(name).arrays["Weights"].shape) == (n, 2)


@pytest.mark.parametrize("applications", [2, 3])
def test_a_net_nested_twice_or_more_is_followed_round_its_applications_and_checked_but_gives_no_n(applications):
    """Its later applications get the earlier ones' output: the walk did not enter it, so an EmbeddingLayer(2, 2)
    after a nest only reshaping a ClassEncoder's indices 0..4 was built (and failed at the call on index 2)."""
    with pytest.raises(ShapeError) as info:
        _nested(2, applications=applications)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.expected, problem.found) == ("encoder-range", ("2",), (0, 1), (0, 4))
    assert _nested(applications=applications).layer_at("2").n is None  # taken as joined with other values: no n
    net = net_initialize(_nested(5, applications=applications), seed=0)
    weights = net.layer_at("2").arrays["Weights"]
    torch.testing.assert_close(net(["e", "b"]), weights[[4, 1]])


def test_what_the_refusal_after_a_map_saves_index_two_into_n_two_fails_only_at_the_call():
    # unranged, the same net builds: its call stops at index 2, which the range 0..2 would have let in
    net = net_initialize(_mapped(2, PortType((5,), INTEGER)), seed=0)
    with pytest.raises(DataError) as info:
        net(torch.tensor([[0, 1, 2, 2, 1]]))
    assert info.value.kind == "data-range" and info.value.layer == ("2",)
    ranged = net_initialize(_mapped(), seed=0)  # n=3 taken from the range: every index in it runs
    weights = ranged.layer_at("2").arrays["Weights"]
    expected = weights[torch.tensor([[0], [1], [2], [2], [1]])][None]
    torch.testing.assert_close(ranged(torch.tensor([[0, 1, 2, 2, 1]])), expected)


def test_a_catenate_bidirectional_operator_with_one_net_computing_new_values_gives_no_n_but_is_checked():
    # the backward net pads with 9 (then drops the padding): its values are no index the walk follows
    forward = NetChain([ReshapeLayer((5, 1))], input=PortType((5, 1), INTEGER))
    backward = NetChain([PaddingLayer([[0, 1], [0, 0]], padding=9), PartLayer("1;;5")],
                        input=PortType((5, 1), INTEGER))
    make = lambda n=None: NetChain([NetBidirectionalOperator([forward, backward]), EmbeddingLayer(2, n)],
                                   Input=Restricted("Integer", (0, 2), shape=(5, 1)))
    assert make().layer_at("2").n is None
    with pytest.raises(ShapeError, match="takes n=2"):
        make(2)


def test_a_plus_bidirectional_operator_sums_the_values_so_does_not_carry_the_range():
    # both directions' indices 0..2 summed give 0..4: an EmbeddingLayer(2, 2) is no index problem at build time
    assert _bidirectional("Plus").layer_at("2").n is None
    net = net_initialize(_bidirectional("Plus", 5), seed=0)
    weights = net.layer_at("2").arrays["Weights"]
    expected = weights[torch.tensor([[4], [4], [0], [2], [4]])][None]
    torch.testing.assert_close(net(torch.tensor([[[2], [2], [0], [1], [2]]])), expected)
    assert _bidirectional("Plus", 2).layer_at("2").n == 2


def test_a_fold_with_an_initial_state_gives_its_state_no_n_and_is_checked_without_a_false_refusal():
    """After no step the State would be the InitialState's, which the walk does not follow: no n from the Input's
    range alone (the state's type gives Init the range 0..2, checked at the call); the Input's 0..2 are checked."""
    initial = PortType((1,), INTEGER)
    assert _folded("State", initial=initial).layer_at("emb").n is None
    net = net_initialize(_folded("State", 3, initial), seed=0)
    weights = net.layer_at("emb").arrays["Weights"]
    torch.testing.assert_close(net({"Input": torch.tensor([[2, 1]]), "Init": torch.tensor([[0]])}),
                               weights[torch.tensor([[1]])])  # the last element's
    with pytest.raises(DataError, match="index 7 is outside the port's range 0..2"):
        net({"Input": torch.tensor([[2, 1]]), "Init": torch.tensor([[7]])})
    with pytest.raises(ShapeError, match="takes n=2"):
        _folded("State", 2, initial)


def test_a_pair_embedding_computes_a_distance_so_nothing_after_it_is_followed():
    pair = NetPairEmbeddingOperator(NetChain([EmbeddingLayer(2, 3)]))
    net = NetGraph({"p": pair, "r": ReshapeLayer((1,))}, [(NetPort("A"), NetPort("p", "Input1")),
                   (NetPort("B"), NetPort("p", "Input2")), ("p", "r")], A=RANGE, B=RANGE)
    assert [leaf.path for leaf in index_leaves(net, "A")] == [("p",), ("p", "net", "1")]
    net = net_initialize(net, seed=0)
    assert net({"A": torch.tensor([[0, 1, 2, 2, 1]]), "B": torch.tensor([[0, 1, 2, 2, 1]])}).tolist() == [[0.0]]
