"""decoder=('TopDecisions', k) / ('TopProbabilities', k): the k numbers it takes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, OptionError
from netgraph.data import decode, parse_property


def test_a_top_property_takes_numpys_integers_as_k():
    """np.int64(2), as a loop over np.arange gives, was refused where 2 worked; numpy's bool is no k."""
    parsed = parse_property(("TopDecisions", np.int64(2)))
    assert parsed == ("TopDecisions", 2) and type(parsed[1]) is int
    probabilities = torch.tensor([[0.25, 0.5, 0.25]])
    assert decode(ClassDecoder(["a", "b", "c"]), "Output", probabilities, parse_property(("TopProbabilities",
                  np.int32(1)))) == [[("b", 0.5)]]
    for k in (np.int64(0), np.bool_(True)):
        with pytest.raises(OptionError, match="needs k a positive int"):
            parse_property(("TopDecisions", k))


def _tied_net():
    from netgraph import NetChain, SoftmaxLayer
    return NetChain([SoftmaxLayer()], input=8, output=ClassDecoder(list("abcdefgh")))


def test_tied_classes_come_in_label_order_so_the_first_of_a_top_k_is_the_decision():
    """torch.topk's tie order is unspecified: all-equal probabilities gave ['g', 'f', 'e'] beside the decision 'a'."""
    net, x = _tied_net(), torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    assert net(x) == "b"
    assert net(x, decoder=("TopDecisions", 4)) == ["b", "d", "g", "a"]
    assert net(torch.zeros(8), decoder=("TopDecisions", 3)) == ["a", "b", "c"]
    top = net(torch.zeros(2, 8), decoder="TopProbabilities")
    assert [[label for label, _ in row] for row in top] == [list("abcde")] * 2
    assert net(torch.zeros(2, 8)) == ["a", "a"]


def test_tied_classes_of_a_sequence_decide_the_first_label_at_each_position():
    from netgraph import NetChain, SoftmaxLayer
    net = NetChain([SoftmaxLayer()], input=("n", 3), output=ClassDecoder(["a", "b", "c"]))
    x = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    assert net(x) == ["a", "b"]
    assert net(x, decoder=("TopDecisions", 2)) == [["a", "b"], ["b", "c"]]
    ragged = net([torch.zeros(1, 3), torch.tensor([[0.0, 1.0, 1.0]] * 2)], decoder=("TopDecisions", 2))
    assert ragged == [[["a", "b"]], [["b", "c"], ["b", "c"]]]
