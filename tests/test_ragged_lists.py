"""Sequences of different lengths as plain nested lists (``[[1, 2, 5], [3, 4]]``, token ids as Python gives them)
are the ragged form, as a list of tensors is: net(x) and net_train take them (Wolfram's lists of lists)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer,
                      SoftmaxLayer, net_initialize, net_train)


def _classifier():
    return net_initialize(NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer(),
                                    LinearLayer(2), SoftmaxLayer()], input=["n"]), seed=0)


@pytest.mark.parametrize("rows", [[[1, 2, 5], [3, 4], [6, 7, 8, 9]], [(1, 2, 5), (3, 4), (6, 7, 8, 9)]])
def test_a_list_of_lists_of_different_lengths_runs_as_a_list_of_tensors(rows):
    net = _classifier()
    as_tensors = net([torch.tensor(r) for r in rows])
    torch.testing.assert_close(net(rows), as_tensors, rtol=0, atol=0)
    for i, r in enumerate(rows):  # each example as it runs alone
        torch.testing.assert_close(net(list(r)), as_tensors[i], rtol=0, atol=1e-6)


def test_net_train_takes_lists_of_lists_as_it_takes_lists_of_tensors():
    g = torch.Generator().manual_seed(0)
    rows = [torch.randint(0, 10, (int(n),), generator=g).tolist() for n in torch.randint(2, 6, (40,), generator=g)]
    labels = [int(r[0] > 4) for r in rows]
    options = {"max_training_rounds": 2, "random_seed": 0, "progress": False, "batch_size": 8}
    a = net_train(_classifier(), {"Input": rows, "Target": labels}, **options)
    b = net_train(_classifier(), {"Input": [torch.tensor(r) for r in rows], "Target": labels}, **options)
    assert all(torch.equal(a.layers[k].arrays[n], b.layers[k].arrays[n]) for k in a.layers
               for n in a.layers[k].arrays)


def test_rows_of_different_lengths_at_a_fixed_port_name_the_lengths():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError, match=r"input port 'Input' has the fixed shape \(3\), but its examples \(nested "
                                        r"lists\) have different lengths \[2, 3\]"):
        net([[1, 2, 3], [1, 2]])
    rows = [[0] * n for n in range(1, 501)]  # 500 lengths: the message names a few, and how many
    with pytest.raises(DataError, match=r"different lengths \[1, 2, 3, 4, 5, 6, 7, 8, 9, 10\] \.\.\. \(500 in "
                                        r"all\); each example"):
        net(rows)


@pytest.mark.parametrize("pair", [False, True])
def test_a_sequence_net_without_its_input_shape_is_told_the_variable_length(pair):
    from netgraph import ShapeError
    net = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()])
    rows, labels = [[1, 2, 3], [4, 5]], [0, 1]
    data = (rows, labels) if pair else {"Input": [torch.tensor(r) for r in rows], "Target": labels}
    with pytest.raises(ShapeError) as info:
        net_train(net, data, max_training_rounds=1, progress=False)
    assert str(info.value).endswith("; the data gives it a list of sequences, one per example: a sequence port takes a "
                                    "variable length first, NetChain(layers, input=['n']) or NetGraph(layers, edges, "
                                    "Input=['n']) (['n', 3] for sequences of 3-vectors)")


def test_torchs_packed_and_padded_forms_point_to_padded():
    """A torch user passes what pack_padded_sequence takes, (padded, lengths), or a PackedSequence: each was "cannot
    make a tensor from tuple: only integer tensors of a single element can be converted to an index"."""
    from torch.nn.utils.rnn import pack_sequence
    net = _classifier()
    padded, lengths = torch.tensor([[1, 2, 5], [3, 4, 0]]), torch.tensor([3, 2])
    for data, hint in (((padded, lengths), "; a (padded, lengths) pair, as torch's pack_padded_sequence takes, is "
                                           "Padded(padded, lengths) here"),
                       (pack_sequence([padded[0], padded[1, :2]]),
                        "; a PackedSequence goes in as Padded(*pad_packed_sequence(x, batch_first=True))")):
        with pytest.raises(DataError) as info:
            net(data)
        assert str(info.value).endswith(hint)
        with pytest.raises(DataError) as info:
            net_train(net, {"Input": data, "Target": torch.tensor([0, 1])}, max_training_rounds=1, progress=False)
        assert str(info.value).endswith(hint)


def test_a_tuple_of_tensors_is_told_to_be_a_batch_or_a_list():
    """net((a, b)) failed in torch's words, 'cannot make a tensor from tuple: only one element tensors can be
    converted to Python scalars', where the list [a, b] works (a variable length) or is told to be one tensor."""
    from netgraph import DataError, LinearLayer, LongShortTermMemoryLayer, NetChain, SequenceLastLayer, net_initialize
    said = ("input port 'Input': a tuple of tensors is no batch: give one batched tensor (torch.stack), or examples "
            "of different lengths as a list, one tensor each")
    rnn = net_initialize(NetChain([LongShortTermMemoryLayer(4), SequenceLastLayer()], input=("n", 3)), seed=0)
    line = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    for net, value in ((rnn, (torch.randn(5, 3), torch.randn(2, 3))), (line, (torch.randn(3), torch.randn(3)))):
        with pytest.raises(DataError) as info:
            net(value)
        assert str(info.value) == said
    assert rnn([torch.randn(5, 3), torch.randn(2, 3)]).shape == (2, 4)
