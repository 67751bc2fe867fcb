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
    """8 labels, all-equal rows: plain torch.topk gives a later label first (3 labels gave label order anyway)."""
    from netgraph import NetChain, SoftmaxLayer
    net = NetChain([SoftmaxLayer()], input=("n", 8), output=ClassDecoder(list("abcdefgh")))
    x = torch.tensor([[0.0] * 8, [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]])
    assert net(x) == ["a", "b"]
    assert net(x, decoder=("TopDecisions", 3)) == [["a", "b", "c"], ["b", "d", "g"]]
    ragged = net([torch.zeros(1, 8), torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]] * 2)],
                 decoder=("TopDecisions", 2))
    assert ragged == [[["a", "b"]], [["b", "d"], ["b", "d"]]]


def test_a_top_k_equals_the_stable_sort_cut_to_k_on_tie_heavy_rows():
    """The top k by value, ties in label order, whatever rows tie at the k-th value."""
    from netgraph.data.decoding import _vectors
    generator = torch.Generator().manual_seed(0)
    for _ in range(300):
        classes, rows = int(torch.randint(1, 40, (), generator=generator)), int(torch.randint(1, 6, (),
                                                                                              generator=generator))
        p = torch.randint(0, 4, (rows, classes), generator=generator).double()
        k = int(torch.randint(1, classes + 1, (), generator=generator))
        labels = tuple(range(classes))
        expected = torch.sort(p, dim=-1, descending=True, stable=True)
        pairs = [list(zip(i[:k], v[:k])) for v, i in zip(expected.values.tolist(), expected.indices.tolist())]
        assert _vectors(labels, p, "TopProbabilities", k) == pairs


def test_a_top_k_converts_k_values_per_row_not_the_whole_sorted_matrix(monkeypatch):
    """A full sort and .tolist() of every row's 100k values took 45 s and 2.1 GiB for 256 rows; only k per row (and
    the boundary ties' rows, none here) reach Python."""
    from netgraph.data import decoding
    converted, tolist = [], torch.Tensor.tolist
    monkeypatch.setattr(torch.Tensor, "tolist", lambda self: converted.append(self.numel()) or tolist(self))
    p = torch.softmax(torch.randn(4, 1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64), -1)
    assert len(decoding._vectors(tuple(range(1000)), p, "TopProbabilities", 5)) == 4
    assert sum(converted) == 2 * 4 * 5
