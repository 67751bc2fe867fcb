"""An EmbeddingLayer without n takes it from every index encoder whose values reach it unchanged (through Reshape,
Part, Catenate, Append, nested nets and operators' inner nets), as one the encoder feeds does; and a Restricted range
is carried through CatenateLayer and Append/Prepend (the widest of the joined inputs' ranges, none where one has
none), so an EmbeddingLayer after them is checked against it when built."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, CatenateLayer, ClassEncoder, EmbeddingLayer, ExtractLayer, NetChain, NetGraph,
                      NetMapOperator, NetPairEmbeddingOperator, NetPort, PartLayer, PrependLayer, ReshapeLayer,
                      Restricted, ShapeError, TokensEncoder, net_initialize)
from netgraph.core.types import INTEGER, REAL, PortType

WORDS = ["a", "b", "c", "d", "e"]  # a ClassEncoder gives 0..4 (n=5); a TokensEncoder 0..6 (n=7)


def _catenated(left, right, n=None, right_first=False):
    """Inputs L and R, each reshaped to (1), catenated into an EmbeddingLayer(2, n); R's edge first if asked."""
    edges = [(NetPort("L"), "a"), (NetPort("R"), "b")]
    edges = (edges[::-1] if right_first else edges) + [("a", NetPort("cat", "Input1")),
                                                        ("b", NetPort("cat", "Input2")), ("cat", "emb")]
    layers = {"a": ReshapeLayer((1,)), "b": ReshapeLayer((1,)), "cat": CatenateLayer(), "emb": EmbeddingLayer(2, n)}
    return NetGraph(layers, edges, L=left, R=right)


def _appended(element, sequence, n=None, layer=AppendLayer):
    return NetGraph({"app": layer(), "emb": EmbeddingLayer(2, n)},
                    [(NetPort("Label"), NetPort("app", "Element")), (NetPort("Seq"), NetPort("app", "Input")),
                     ("app", "emb")], Label=element, Seq=sequence)


# name -> (the net, the embedding's path, the n it takes)
FORMS = {
    "reshape": (lambda: NetChain([ReshapeLayer((1,)), EmbeddingLayer(4)], input=ClassEncoder(WORDS)), ("2",), 5),
    "part": (lambda: NetChain([PartLayer(1), EmbeddingLayer(4)], input=TokensEncoder(WORDS)), ("2",), 7),
    "nested": (lambda: NetChain([NetChain([ReshapeLayer((1,)), EmbeddingLayer(4)])], input=ClassEncoder(WORDS)),
               ("1", "2"), 5),
    "map": (lambda: NetChain([NetMapOperator(NetChain([ReshapeLayer((1,)), EmbeddingLayer(4)]))],
                             input=TokensEncoder(WORDS)), ("1", "net", "2"), 7),
    "catenate": (lambda: _catenated(ClassEncoder(WORDS), Restricted("Integer", 3)), ("emb",), 5),
    "append": (lambda: _appended(ClassEncoder(WORDS), Restricted("Integer", 3, shape=(3,))), ("emb",), 5),
    "restricted": (lambda: NetChain([ReshapeLayer((1,)), EmbeddingLayer(4)], input=Restricted("Integer", 9)),
                   ("2",), 9),
}


@pytest.mark.parametrize("form", FORMS)
def test_an_embedding_the_encoders_values_reach_through_moving_layers_takes_its_n(form):
    # each built with n unknown (as net_initialize then refused), where the direct form takes the encoder's count
    make, path, n = FORMS[form]
    net = net_initialize(make(), seed=0)
    embedding = net.layer_at(path)
    assert embedding.n == n and tuple(embedding.arrays["Weights"].shape) == (n, embedding.size)


def test_the_taken_n_takes_the_encoders_last_index_when_run():
    net = net_initialize(FORMS["map"][0](), seed=0)
    weights = net.layer_at(("1", "net", "2")).arrays["Weights"]
    torch.testing.assert_close(net("e a"), weights[[6, 2]].unsqueeze(1))  # "e" is index 6 (two reserved first)


def test_two_encoders_feeding_one_embedding_give_the_first_edges_n():
    # the direct form: a NetPairEmbeddingOperator's net fed by two encoders takes the first edge's n, checks the other
    pair = NetPairEmbeddingOperator(EmbeddingLayer(4))
    small, large = ClassEncoder(WORDS[:3]), ClassEncoder(WORDS)
    pair_edges = [(NetPort("R"), NetPort("p", "Input2")), (NetPort("L"), NetPort("p", "Input1"))]
    with pytest.raises(ShapeError) as direct:
        NetGraph({"p": pair}, pair_edges, L=large, R=small)
    (problem,) = direct.value.diagnostics
    assert problem.message == ("graph input 'L': the ClassEncoder gives indices 0 to 4, but layer 'p/net/layer' "
                               "(EmbeddingLayer) takes n=3 (indices 0 to 2); give it n=5")
    assert problem.kind == "encoder-range"
    assert NetGraph({"p": pair}, pair_edges, L=small, R=large).layer_at(("p", "net", "layer")).n == 5


@pytest.mark.parametrize("right_first", [False, True])
@pytest.mark.parametrize("left_large", [False, True])
def test_two_encoders_reaching_one_embedding_through_moving_layers_give_the_largest_n(right_first, left_large):
    """Not fed by either, it took the first edge's n: L=5 words, R=3 with R's edge first refused 'give it n=5'."""
    small, large = ClassEncoder(WORDS[:3]), ClassEncoder(WORDS)
    left, right = (large, small) if left_large else (small, large)
    assert _catenated(left, right, right_first=right_first).layer_at("emb").n == 5


@pytest.mark.parametrize("make", [lambda: _catenated(ClassEncoder(WORDS), PortType((), INTEGER)),
                                  lambda: _appended(ClassEncoder(WORDS), PortType((3,), INTEGER))])
def test_an_embedding_reached_by_unranged_values_beside_encoded_ones_takes_no_n(make):
    """The Catenate's output may hold any integer (its range: none), yet the embedding took the encoder's n=5."""
    net = make()
    assert net.layer_at("emb").n is None
    with pytest.raises(ShapeError, match=r"'emb' \(EmbeddingLayer\): EmbeddingLayer needs n="):
        net_initialize(net, seed=0)


def test_an_encoder_feeding_an_embedding_gives_its_n_before_one_reaching_it_through_moving_layers():
    # the pair's Input1 fed by L (n=5), Input2 reached by R through a reshape: L's n, though R's edge comes first
    net = NetGraph({"r": ReshapeLayer(()), "p": NetPairEmbeddingOperator(EmbeddingLayer(4))},
                   [(NetPort("R"), "r"), (NetPort("L"), NetPort("p", "Input1")), ("r", NetPort("p", "Input2"))],
                   L=ClassEncoder(WORDS), R=ClassEncoder(WORDS[:3]))
    assert net.layer_at(("p", "net", "layer")).n == 5


# --- a Restricted range carried through the layers joining values ---------------------------------------------


def test_a_range_reaching_a_catenate_is_checked_at_the_embedding_after_it():
    # Restricted(9) -> Reshape -> Catenate -> EmbeddingLayer(2, 3) built, and refused index 8 at the call
    with pytest.raises(ShapeError) as info:
        NetChain([ReshapeLayer((1,)), CatenateLayer(), EmbeddingLayer(2, 3)], input=Restricted("Integer", 9))
    (problem,) = info.value.diagnostics
    assert problem.message == ("graph input 'Input' takes indices in its range 0..8, but layer '3' (EmbeddingLayer) "
                               "takes n=3 (indices 0 to 2); give it n=9, or narrow the range to within 0..2")
    assert (problem.kind, problem.layer, problem.port) == ("encoder-range", ("3",), "Input")


@pytest.mark.parametrize("layer", [AppendLayer, PrependLayer])
def test_a_range_reaching_an_append_is_checked_at_the_embedding_after_it(layer):
    with pytest.raises(ShapeError, match=r"graph input 'Label' takes indices in its range 0\.\.8, but layer 'emb' "
                                         r"\(EmbeddingLayer\) takes n=3 \(indices 0 to 2\); give it n=9, or narrow "
                                         r"the range to within 0\.\.2"):
        _appended(Restricted("Integer", (0, 8)), Restricted("Integer", (0, 2), shape=(3,)), n=3, layer=layer)


def test_joined_ranges_give_the_widest_and_an_unranged_input_gives_none():
    wide = _catenated(Restricted("Integer", (2, 3)), Restricted("Integer", (0, 8)), n=9)
    assert wide.layer_types("cat")["Output"] == PortType((2,), INTEGER, (0, 8))
    assert _appended(Restricted("Integer", (5, 9)), Restricted("Integer", (1, 2), shape=(3,)), n=10) \
        .layer_types("app")["Output"].range == (1, 9)
    plain = _catenated(Restricted("Integer", (0, 8)), PortType((), INTEGER), n=9)  # R's values are any integers
    assert plain.layer_types("cat")["Output"].range is None
    one = NetChain([ReshapeLayer((1,)), CatenateLayer(), EmbeddingLayer(2, 9)], input=Restricted("Integer", 9))
    assert one.layer_types("2")["Output"] == PortType((1,), INTEGER, (0, 8))  # one input: its range, as a Reshape
    net = net_initialize(wide, seed=0)
    weights = net.layer_at("emb").arrays["Weights"]
    assert torch.equal(net(L=torch.tensor([3]), R=torch.tensor([8])), weights[[3, 8]][None])


def test_a_range_joined_with_values_of_no_range_is_checked_at_the_embedding_it_reaches():
    """Restricted(10) -> Prepend (an Element of any integers) -> EmbeddingLayer(2, 3) was built (the joined type
    carries no range, and only a range carried in types was checked), and failed at the call on index 9."""
    with pytest.raises(ShapeError) as info:
        _appended(PortType((), INTEGER), Restricted("Integer", 10, shape=(3,)), n=3, layer=PrependLayer)
    (problem,) = info.value.diagnostics
    assert problem.message == ("graph input 'Seq' takes indices in its range 0..9, but layer 'emb' (EmbeddingLayer) "
                               "takes n=3 (indices 0 to 2); give it n=10, or narrow the range to within 0..2")
    assert (problem.kind, problem.layer, problem.found) == ("encoder-range", ("emb",), (0, 9))


def test_a_range_reaching_an_extract_position_through_a_reshape_is_checked_as_one_feeding_it():
    """Position 0 (1-based positions) reached it at the call only: the range was checked where it fed Position."""
    def net(span):
        return NetGraph({"r": ReshapeLayer((1,)), "ex": ExtractLayer()},
                        [(NetPort("P"), "r"), ("r", NetPort("ex", "Position")), (NetPort("V"), NetPort("ex", "Input"))],
                        P=Restricted("Integer", span), V=PortType((5,), REAL))
    with pytest.raises(ShapeError, match=r"graph input 'P' takes indices in its range 0\.\.9, but layer 'ex' "
                                         r"\(ExtractLayer\) port 'Position' takes 1-based positions 1 to 5"):
        net((0, 9))
    assert net((1, 3))(P=torch.tensor(3), V=torch.arange(5.0)).item() == 2.0
