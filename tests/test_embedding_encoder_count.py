"""EmbeddingLayer(size) fed by a graph input with a class or tokens encoder takes n from it, as Wolfram's
EmbeddingLayer[size] takes n from the Restricted["Integer", n] its NetEncoder["Class"] gives (Wolfram-parity
follow-up: EmbeddingLayer(size) without n was refused, though the encoder says how many indices come)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort, OptionError, ShapeError,
                      TokensEncoder, net_initialize)


def test_a_class_encoder_gives_n():
    net = NetChain({"emb": EmbeddingLayer(4), "lin": LinearLayer(2)}, input=ClassEncoder(["r", "g", "b"]))
    assert net.layers["emb"] == EmbeddingLayer(4, 3)
    assert net == NetChain({"emb": EmbeddingLayer(4, 3), "lin": LinearLayer(2)}, input=ClassEncoder(["r", "g", "b"]))
    net = net_initialize(net, seed=0)
    assert net.layers["emb"].arrays["Weights"].shape == (3, 4)
    torch.testing.assert_close(net(["b", "r"]), net.layers["lin"](net.layers["emb"].arrays["Weights"][[2, 0]]))


def test_a_tokens_encoder_gives_n_counting_its_padding_and_unknown_tokens():
    net = NetGraph({"emb": EmbeddingLayer(2)}, [(NetPort("Input"), "emb")], Input=TokensEncoder(["a", "b", "c"]))
    assert net.layers["emb"].n == 5  # <pad>, <unk>, a, b, c


def test_every_embedding_an_encoded_input_feeds_takes_n():
    net = NetGraph({"e1": EmbeddingLayer(2), "e2": EmbeddingLayer(3)}, [(NetPort("x"), ["e1", "e2"])],
                   x=ClassEncoder(["a", "b"]))
    assert (net.layers["e1"].n, net.layers["e2"].n) == (2, 2)


def test_a_given_n_is_kept_and_checked():
    assert NetChain([EmbeddingLayer(4, 5)], input=ClassEncoder(["a", "b"])).layers["1"].n == 5
    with pytest.raises(ShapeError, match=r"gives indices 0 to 2, but layer '1' \(EmbeddingLayer\) takes n=2"):
        NetChain([EmbeddingLayer(4, 2)], input=ClassEncoder(["a", "b", "c"]))


def test_an_embedding_without_n_nor_encoder_says_where_n_comes_from_when_initialised():
    net = NetChain([EmbeddingLayer(4)], input=())
    assert net.layers["1"].n is None and net.output_shapes == {"Output": (4,)}
    with pytest.raises(ShapeError, match=r"EmbeddingLayer needs n= \(the number of distinct indices\): give "
                                         r"EmbeddingLayer\(size, n\), or feed its Input from a graph input with a "
                                         r"ClassEncoder or TokensEncoder, which gives n"):
        net_initialize(net)


def test_an_embedding_without_size_is_still_refused():
    with pytest.raises(OptionError, match=r"EmbeddingLayer needs output= \(the embedding size\)"):
        EmbeddingLayer(n=3)


def test_the_command_lines_example_indices_pass_over_an_embedding_without_n():
    # netgraph run drew indices below the smallest n of the embeddings an input feeds: None - 1 was a TypeError
    from netgraph.cli.run import DEFAULT_INDEX_COUNT, example_inputs
    torch.manual_seed(0)
    inputs, _ = example_inputs(NetGraph({"e": EmbeddingLayer(4), "f": EmbeddingLayer(4, 3)},
                                        [(NetPort("Input"), ["e", "f"])], Input=(50,)))
    assert 0 <= int(inputs["Input"].min()) and int(inputs["Input"].max()) == 2
    inputs, _ = example_inputs(NetChain([EmbeddingLayer(4)], input=(50,)))
    assert 0 <= int(inputs["Input"].min()) and int(inputs["Input"].max()) < DEFAULT_INDEX_COUNT


def test_an_embedding_in_a_nested_net_takes_n_from_the_outer_encoder():
    """The encoded input fed a nested chain or graph whose first layer is the EmbeddingLayer: only layers the input
    fed directly took n, so this one still needed n (Wolfram's EmbeddingLayer[size] in a nested NetChain takes it)."""
    encoder = ClassEncoder(["r", "g", "b"])
    inner = NetGraph({"emb": EmbeddingLayer(4), "lin": LinearLayer(2)}, [("emb", "lin")])
    net = NetChain({"enc": NetChain({"deep": inner}), "out": LinearLayer(1)}, input=encoder)
    assert net.layers["enc"].layers["deep"].layers["emb"] == EmbeddingLayer(4, 3)
    net = net_initialize(net, seed=0)
    weights = net.layers["enc"].layers["deep"].layers["emb"].arrays["Weights"]
    assert weights.shape == (3, 4)
    deep = net.layers["enc"].layers["deep"]
    torch.testing.assert_close(net(["b", "r"]), net.layers["out"](deep.layers["lin"](weights[[2, 0]])))


def test_an_inner_port_fed_by_the_encoder_through_two_levels_is_checked_against_its_n():
    inner = NetGraph({"emb": EmbeddingLayer(4, 2)}, [(NetPort("Ids"), "emb")])
    with pytest.raises(ShapeError, match=r"graph input 'Ids': the ClassEncoder gives indices 0 to 2, but layer "
                                         r"'a/b/emb' \(EmbeddingLayer\) takes n=2 \(indices 0 to 1\); give it n=3"):
        NetChain({"a": NetChain({"b": inner})}, input=ClassEncoder(["x", "y", "z"]))



def test_an_embedding_in_a_mapped_net_takes_n_from_the_outer_encoder():
    """NetMapOperator passes each token index of an encoded input to its inner net: an EmbeddingLayer there kept
    needing n, as operators were not told of the encoder (nested graphs were)."""
    from netgraph import NetMapOperator
    net = NetChain({"map": NetMapOperator(NetChain({"emb": EmbeddingLayer(4)}))}, input=TokensEncoder(["a", "b", "c"]))
    assert net.layers["map"].net.layers["emb"] == EmbeddingLayer(4, 5)  # <pad>, <unk>, a, b, c
    net = net_initialize(net, seed=0)
    weights = net.layers["map"].net.layers["emb"].arrays["Weights"]
    torch.testing.assert_close(net("c a"), weights[[4, 2]])
    own = NetMapOperator(NetGraph({"emb": EmbeddingLayer(4)}, [(NetPort("Input"), "emb")],
                                  Input=ClassEncoder(["x", "y", "z"])))  # n=3, taking the outer 0..2
    assert NetChain([own], input=TokensEncoder(["a"])).layers["1"] == own  # an inner port's own encoder stays
    one = NetMapOperator(NetGraph({"emb": EmbeddingLayer(4)}, [(NetPort("Input"), "emb")], Input=ClassEncoder(["x"])))
    with pytest.raises(ShapeError, match=r"gives indices 0 to 2, but layer '1/net/emb' \(EmbeddingLayer\) takes n=1"):
        NetChain([one], input=TokensEncoder(["a"]))  # it built, and refused index 2 at the call


def test_an_embedding_in_a_folded_net_takes_n_from_an_encoded_element_input():
    from netgraph import NetFoldOperator, TotalLayer
    inner = NetGraph({"emb": EmbeddingLayer(3), "add": TotalLayer()}, [(NetPort("Input"), "emb"),
                                                                        (["emb", NetPort("State")], "add")])
    net = NetChain([NetFoldOperator(inner)], input=TokensEncoder(["a", "b"]))
    assert net.layers["1"].net.layers["emb"] == EmbeddingLayer(3, 4)


def test_embeddings_in_both_directions_of_a_bidirectional_operator_take_n_from_the_outer_encoder():
    """NetBidirectionalOperator gives the encoded indices to both its nets (the backward one reversed): an
    EmbeddingLayer in either kept needing n, as only NetMapOperator and NetFoldOperator passed the count on."""
    from netgraph import NetBidirectionalOperator
    fwd, bwd = NetChain({"emb": EmbeddingLayer(2)}), NetChain({"emb": EmbeddingLayer(3)})
    net = NetChain({"bi": NetBidirectionalOperator([fwd, bwd])}, input=TokensEncoder(["a", "b", "c"]))
    bi = net.layers["bi"]
    assert (bi.forward_net.layers["emb"], bi.backward_net.layers["emb"]) == (EmbeddingLayer(2, 5), EmbeddingLayer(3, 5))
    net = net_initialize(net, seed=0)
    bi = net.layers["bi"]
    forward, backward = (bi.forward_net.layers["emb"].arrays["Weights"], bi.backward_net.layers["emb"].arrays["Weights"])
    torch.testing.assert_close(net("c a"), torch.cat([forward[[4, 2]], backward[[4, 2]]], dim=-1))
    one = NetChain([NetBidirectionalOperator(NetChain({"emb": EmbeddingLayer(2)}), "Plus")],
                   input=TokensEncoder(["x"]))  # one net, used in both directions (a ClassEncoder's scalar is no sequence)
    assert one.layers["1"].forward_net.layers["emb"].n == one.layers["1"].backward_net.layers["emb"].n == 3


def test_an_embedding_in_a_pair_embedding_net_takes_n_from_an_outer_encoder():
    """NetPairEmbeddingOperator gives each of Input1 and Input2 to its inner net's Input: an EmbeddingLayer there kept
    needing n, as the operator said no input reached its net (``passed_through`` was empty)."""
    from netgraph import NetPairEmbeddingOperator
    pair = NetPairEmbeddingOperator(NetChain({"emb": EmbeddingLayer(2)}))
    for port in ("Input1", "Input2"):
        assert pair.passed_through(port) == (("net", "Input"),)
        assert pair.with_encoder(port, ClassEncoder(["a", "b", "c"])).net.layers["emb"] == EmbeddingLayer(2, 3)
    assert pair.passed_through("Output") == ()
    net = NetGraph({"pair": pair}, [], Input1=ClassEncoder(["a", "b", "c"]), Input2=ClassEncoder(["a", "b", "c"]))
    assert net.layers["pair"].net.layers["emb"] == EmbeddingLayer(2, 3)
    net = net_initialize(net, seed=0)
    weights = net.layers["pair"].net.layers["emb"].arrays["Weights"]
    distance = torch.linalg.vector_norm(weights[2] - weights[0])
    torch.testing.assert_close(net({"Input1": ["c"], "Input2": ["a"]}), distance[None])
