"""An index encoder's range is checked at build time at every EmbeddingLayer its values reach unchanged: through
layers that only move or pick values (Reshape, Part, Sequence*, Catenate, Append, ...), operators' inner nets and
nested nets, as where it feeds the layer directly; a layer computing on the values ends the check there."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, CatenateLayer, ClassEncoder, EmbeddingLayer, ExtractLayer, FlattenLayer, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetPort, PaddingLayer, PartLayer, ReshapeLayer,
                      Restricted, SequenceLastLayer, SequenceMostLayer, SequenceRestLayer, SequenceReverseLayer,
                      ShapeError, TokensEncoder, TotalLayer, TransposeLayer, net_initialize)
from netgraph.core.types import INTEGER, REAL, PortType

WORDS = ["a", "b", "c", "d", "e"]  # a ClassEncoder gives 0..4; a TokensEncoder 0..6 (its two reserved indices too)


def _chain(layers, encoder):
    return NetChain(layers, input=encoder)


def _catenated(n):
    layers = {"a": ReshapeLayer((1,)), "b": ReshapeLayer((1,)), "cat": CatenateLayer(), "emb": EmbeddingLayer(2, n)}
    return NetGraph(layers, [(NetPort("Labels"), "a"), (NetPort("Plain"), "b"), ("a", NetPort("cat", "Input1")),
                             ("b", NetPort("cat", "Input2")), ("cat", "emb")],
                    Labels=ClassEncoder(WORDS), Plain=PortType((), INTEGER))


def _appended(n):
    return NetGraph({"app": AppendLayer(), "emb": EmbeddingLayer(2, n)},
                    [(NetPort("Label"), NetPort("app", "Element")), (NetPort("Seq"), NetPort("app", "Input")),
                     ("app", "emb")], Label=ClassEncoder(WORDS), Seq=PortType((3,), INTEGER))


def _folded(n):
    step = NetGraph({"emb": EmbeddingLayer(2, n), "sum": TotalLayer()},
                    [(NetPort("Input"), "emb"), ("emb", NetPort("sum", "Input1")), (NetPort("State"),
                                                                                   NetPort("sum", "Input2"))])
    return _chain([NetFoldOperator(step)], TokensEncoder(WORDS))


# name -> (net given the embedding's n, the layer path named, the encoder's span, its graph input, data to run)
FORMS = {
    "map": (lambda n: _chain([NetMapOperator(EmbeddingLayer(2, n))], TokensEncoder(WORDS)), ("1", "net", "layer")),
    "map of a reshape": (lambda n: _chain([NetMapOperator(NetChain([ReshapeLayer((1,)), EmbeddingLayer(2, n)]))],
                                          TokensEncoder(WORDS)), ("1", "net", "2")),
    "fold": (_folded, ("1", "net", "emb")),
    "reshape": (lambda n: _chain([ReshapeLayer((1,)), EmbeddingLayer(2, n)], ClassEncoder(WORDS)), ("2",)),
    "flatten": (lambda n: _chain([ReshapeLayer((1, 1)), FlattenLayer(), EmbeddingLayer(2, n)], ClassEncoder(WORDS)),
                ("3",)),
    "transpose": (lambda n: _chain([ReshapeLayer((1, 1)), TransposeLayer(), EmbeddingLayer(2, n)],
                                   ClassEncoder(WORDS)), ("3",)),
    "part": (lambda n: _chain([PartLayer(1), EmbeddingLayer(2, n)], TokensEncoder(WORDS)), ("2",)),
    "most": (lambda n: _chain([SequenceMostLayer(), EmbeddingLayer(2, n)], TokensEncoder(WORDS)), ("2",)),
    "rest": (lambda n: _chain([SequenceRestLayer(), EmbeddingLayer(2, n)], TokensEncoder(WORDS)), ("2",)),
    "last": (lambda n: _chain([SequenceLastLayer(), EmbeddingLayer(2, n)], TokensEncoder(WORDS)), ("2",)),
    "reverse": (lambda n: _chain([SequenceReverseLayer(), EmbeddingLayer(2, n)], TokensEncoder(WORDS)), ("2",)),
    "nested": (lambda n: _chain([NetChain([ReshapeLayer((1,)), EmbeddingLayer(2, n)])], ClassEncoder(WORDS)),
               ("1", "2")),
    "catenate": (_catenated, ("emb",)),
    "append": (_appended, ("emb",)),
}


def _port_and_span(net_of):
    net = net_of(99)
    (port, coder), = ((p, c) for p, c in net.coders.items())
    return port, coder


@pytest.mark.parametrize("form", FORMS)
def test_an_embedding_the_encoders_values_reach_through_moving_layers_is_checked_when_built(form):
    # each built, and refused the encoder's larger indices only when run (a data-range error)
    make, path = FORMS[form]
    port, coder = _port_and_span(make)
    lo, hi = coder.index_span
    with pytest.raises(ShapeError) as info:
        make(3)
    (problem,) = info.value.diagnostics
    assert problem.message == (f"graph input {port!r}: the {coder.type_name} gives indices {lo} to {hi}, but layer "
                               f"{'/'.join(path)!r} (EmbeddingLayer) takes n=3 (indices 0 to 2); give it n={hi + 1}")
    assert (problem.kind, problem.layer, problem.port, problem.found) == ("encoder-range", path, port, (lo, hi))
    assert info.value.kind == "encoder-range"


def _example(net):
    data = {}
    for port in net.input_ports:
        coder = net.coders.get(port)
        if isinstance(coder, TokensEncoder):
            data[port] = ["a b e"]
        elif isinstance(coder, ClassEncoder):
            data[port] = ["e"]
        else:
            data[port] = torch.zeros((1, *net.port_types[port].shape), dtype=torch.long)
    return data if len(data) > 1 else next(iter(data.values()))


@pytest.mark.parametrize("form", FORMS)
def test_the_same_forms_with_an_embedding_taking_the_range_build_and_run(form):
    make, path = FORMS[form]
    _, coder = _port_and_span(make)
    net = net_initialize(make(coder.index_span[1] + 1), seed=0)
    out = net(_example(net))
    out = out if isinstance(out, torch.Tensor) else next(iter(out.values()))
    assert out.shape[0] == 1 and out.shape[-1] == 2 and torch.isfinite(out).all()


def test_a_layer_computing_new_values_ends_the_check():
    # padding joins new values to the encoder's (ResizeLayer interpolates, sums add): no range carried past it
    net = net_initialize(_chain([PaddingLayer([[0, 1]]), EmbeddingLayer(2, 3)], TokensEncoder(WORDS)), seed=0)
    assert net(["a a"]).shape == (1, 3, 2)


def test_a_range_given_inside_a_net_the_encoder_feeds_is_checked_when_built():
    # the inner net's input shows 0..3 at the outer port; the encoder's 4..6 reached it at the call
    inner = NetChain([ReshapeLayer((1,))], input=Restricted("Integer", (0, 3), shape=()))
    with pytest.raises(ShapeError) as info:
        _chain([NetMapOperator(inner)], TokensEncoder(WORDS))
    (problem,) = info.value.diagnostics
    assert problem.message == ("graph input 'Input': the TokensEncoder gives indices 0 to 6, but layer '1' "
                               "(NetMapOperator) port 'Input' takes indices in its range 0..3 (a range given inside "
                               "the net); widen that range to 0..6")
    assert (problem.kind, problem.layer, problem.port, problem.found, problem.expected) == \
        ("encoder-range", ("1",), "Input", (0, 6), (0, 3))
    wide = NetChain([ReshapeLayer((1,))], input=Restricted("Integer", (0, 6), shape=()))
    assert _chain([NetMapOperator(wide)], TokensEncoder(WORDS))(["a e"]).tolist() == [[[2], [6]]]


def test_an_encoder_feeding_an_extract_position_is_not_followed_into_its_output():
    # the positions say where to pick, the output's values are the Input's: an n=3 embedding after it is not refused
    net = NetGraph({"r": ReshapeLayer((1,)), "ex": ExtractLayer(), "emb": EmbeddingLayer(2, 3)},
                   [(NetPort("Labels"), "r"), ("r", NetPort("ex", "Position")),
                    (NetPort("Values"), NetPort("ex", "Input")), ("ex", "emb")],
                   Labels=ClassEncoder(WORDS), Values=PortType((5,), INTEGER))
    out = net_initialize(net, seed=0)(Labels=["c"], Values=torch.tensor([[0, 1, 2, 1, 0]]))  # position 2: value 1
    assert torch.equal(out, net_initialize(net, seed=0).layer_at("emb").arrays["Weights"][1:2])


def test_a_range_given_at_a_nested_nets_input_is_named_there_not_at_the_layer_it_feeds():
    """The 5 labels reaching Restricted(4) at net '1''s input were blamed on 'layer '1/1' (EmbeddingLayer)', which
    takes 0..6."""
    inner = NetChain([EmbeddingLayer(2, 7)], input=Restricted("Integer", 4))
    with pytest.raises(ShapeError) as info:
        NetChain([inner], input=ClassEncoder(list("abcde")))
    (problem,) = info.value.diagnostics
    assert problem.message == ("graph input 'Input': the ClassEncoder gives indices 0 to 4, but net '1' input 'Input' "
                               "takes indices in its range 0..3 (a range given inside the net); widen that range to "
                               "0..4")
    assert (problem.kind, problem.layer, problem.port, problem.expected, problem.found) == \
        ("encoder-range", ("1",), "Input", (0, 3), (0, 4))
    wide = NetChain([EmbeddingLayer(2, 7)], input=Restricted("Integer", 5))
    assert NetChain([wide], input=ClassEncoder(list("abcde"))).layer_at(("1", "1")).count == 7


@pytest.mark.parametrize("make, expected", [
    (lambda: NetChain([ReshapeLayer((1,)), EmbeddingLayer(2, 3)], input=ClassEncoder(list("abcde"))), (0, 2)),
    (lambda: NetChain([EmbeddingLayer(2, 3)], input=Restricted("Integer", 10)), (0, 2)),
    (lambda: NetChain([EmbeddingLayer(2)], input=Restricted("Integer", (-1, 3))), (0, 2**63 - 2)),
    (lambda: NetGraph({"ex": ExtractLayer()}, [(NetPort("P"), NetPort("ex", "Position"))],
                      P=Restricted("Integer", 9, shape=(1,)), Input=PortType((5,), REAL)), (1, 5)),
], ids=["encoder-n", "range-n", "negative", "position"])
def test_every_encoder_range_problem_says_the_indices_taken(make, expected):
    with pytest.raises(ShapeError) as info:
        make()
    assert info.value.kind == "encoder-range" and info.value.diagnostics[0].expected == expected
