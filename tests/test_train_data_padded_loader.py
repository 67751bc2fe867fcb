"""A user's DataLoader whose batches hold ``Padded(data, lengths)`` values, as ``pad_sequence`` and a collate_fn make
them: each batch runs through the net's padded module (what lies past each length is never read), as net_train's own
padded batches of a list of sequences do. It was refused with torch's wording ("cannot make a tensor from Padded:
only one element tensors can be converted to Python scalars"). Where the net cannot read lengths (a layer that does
not honour them, a sequence output) or a target is Padded, one DataError names the key and says what to give."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from netgraph import (AggregationLayer, DataError, GatedRecurrentLayer, LinearLayer, NetChain, NetMapOperator, Padded,
                      SequenceLastLayer, SoftmaxLayer, TransposeLayer, net_initialize, net_measurements, net_train)

LENGTHS = [2, 5, 3, 5, 1, 4]


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 3, generator=g) for n in LENGTHS], torch.tensor([0, 1, 1, 0, 1, 0])


def _net():
    net = NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=["n", 3])
    return net_initialize(net, seed=1)


def _loader(seqs, ys, batch_size, garbage=float("nan"), target_padded=False):
    """Batches of ``Padded`` sequences, their padding ``garbage`` (never to be read)."""
    def collate(items):
        xs = [x for x, _ in items]
        data = pad_sequence(xs, batch_first=True, padding_value=garbage)
        lengths = torch.tensor([len(x) for x in xs])
        targets = torch.stack([y for _, y in items])
        return {"Input": Padded(data, lengths),
                "Target": Padded(targets[:, None].expand(-1, data.shape[1]), lengths) if target_padded else targets}
    return torch.utils.data.DataLoader(list(zip(seqs, ys)), batch_size=batch_size, collate_fn=collate)


def test_measurements_on_padded_batches_read_no_padding():
    seqs, ys = _data()
    net = _net()
    expected = net_measurements(net, {"Input": seqs, "Target": ys}, ["Loss", "Accuracy"])
    got = net_measurements(net, _loader(seqs, ys, 4), ["Loss", "Accuracy"])
    assert got["Loss"] == pytest.approx(expected["Loss"], rel=1e-5)
    assert got["Accuracy"] == expected["Accuracy"]


def test_training_on_padded_batches_takes_the_same_step_as_on_the_list_of_sequences():
    seqs, ys = _data()
    options = dict(max_training_rounds=1, method="SGD", learning_rate=0.5, progress=False, random_seed=0)
    whole = len(seqs)  # one batch each way: the same examples, the same mean loss, the same step
    from_list = net_train(_net(), {"Input": seqs, "Target": ys}, batch_size=whole, **options)
    from_loader = net_train(_net(), _loader(seqs, ys, whole), **options)
    untrained = _net()
    assert not torch.allclose(untrained(seqs), from_list(seqs))  # the step changed the net
    torch.testing.assert_close(from_loader(seqs), from_list(seqs))


def test_a_validation_loader_of_padded_batches_is_read_as_the_training_one():
    seqs, ys = _data()
    other, other_ys = _data(seed=5)
    results = net_train(_net(), _loader(seqs, ys, 3), validation_set=_loader(other, other_ys, 4),
                        max_training_rounds=1, progress=False, random_seed=0, all=True)
    expected = net_measurements(results.trained_net, {"Input": other, "Target": other_ys}, "Loss")
    assert results.validation_loss == pytest.approx(expected, rel=1e-5)


def test_padded_batches_for_a_net_that_cannot_read_lengths_are_one_data_error():
    seqs, ys = _data()
    net = NetChain([NetMapOperator(LinearLayer(2))], input=["n", 3])  # a sequence output: its padding would be read
    loader = _loader(seqs, [torch.zeros(n, 2) for n in LENGTHS], 3)
    loader.collate_fn = lambda items: {"Input": Padded(pad_sequence([x for x, _ in items], batch_first=True),
                                                       [len(x) for x, _ in items]),
                                       "Target": pad_sequence([y for _, y in items], batch_first=True)}
    with pytest.raises(DataError, match=r"training data: key 'Input' holds Padded sequences, but output port 'Output' "
                                        r"is a sequence .*give batches of sequences of one length"):
        net_train(net, loader, max_training_rounds=1, progress=False)


def test_a_padded_target_from_a_loader_is_one_data_error_naming_it():
    seqs, ys = _data()
    with pytest.raises(DataError, match=r"training data: key 'Target' holds Padded sequences, which a data loader's "
                                        r"batches give only at input ports"):
        net_train(_net(), _loader(seqs, ys, 3, target_padded=True), max_training_rounds=1, progress=False)


def test_padded_batches_through_a_layer_that_does_not_honour_lengths_are_one_data_error_naming_it():
    seqs, ys = _data()
    net = NetChain([TransposeLayer(), AggregationLayer("Max", levels=2), LinearLayer(2), SoftmaxLayer()],
                   input=["n", 3])
    with pytest.raises(DataError, match=r"key 'Input' holds Padded sequences, but layer '1' \(TransposeLayer\) does "
                                        r"not honour sequence lengths.*give batches of sequences of one length"):
        net_train(net, _loader(seqs, ys, 3), max_training_rounds=1, progress=False)


def test_a_later_padded_batch_after_dense_ones_is_one_data_error_naming_the_batch():
    seqs, ys = _data()
    batches = [{"Input": torch.stack(seqs[1::2][:2]), "Target": ys[:2]}, next(iter(_loader(seqs, ys, 3)))]
    with pytest.raises(DataError, match=r"training data \(batch 2\): key 'Input' \(input port 'Input'\) holds Padded "
                                        r"sequences, but the net is run here without their lengths"):
        net_train(_net(), torch.utils.data.DataLoader(batches, batch_size=None), max_training_rounds=1,
                  progress=False)


def test_each_examples_own_length_is_checked_not_the_padded_one():
    """A length of 3 where the input declares a multiple of 2, padded to 6 in its batch: the padded length fits."""
    seqs = [torch.randn(n, 3, generator=torch.Generator().manual_seed(n)) for n in (2, 4, 3, 6)]
    ys = torch.tensor([0, 1, 1, 0])
    net = net_initialize(NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                                  input=["n_times_2", 3]), seed=1)
    with pytest.raises(DataError, match=r"bad training data \(batch 2\): input port 'Input': a length of 3 along "
                                        r"n_times_2 \(example 0\) is not one that name declares"):
        net_train(net, _loader(seqs, ys, 2), max_training_rounds=1, progress=False)


@pytest.mark.parametrize("as_lists", [False, True])
def test_a_loader_batch_of_listed_sequences_of_different_lengths_says_to_pad_them(as_lists):
    seqs, ys = _data()

    def collate(items):  # the list form net(x) takes, which a loader's batch cannot carry
        return {"Input": [x.tolist() if as_lists else x for x, _ in items],
                "Target": torch.stack([y for _, y in items])}
    loader = torch.utils.data.DataLoader(list(zip(seqs, ys)), batch_size=3, collate_fn=collate)
    with pytest.raises(DataError) as caught:
        net_train(_net(), loader, max_training_rounds=1, random_seed=0)
    assert caught.value.kind == "data-form" and caught.value.port == "Input"
    assert "key 'Input' holds a list of 3 sequences of different lengths (2, 5, 3)" in str(caught.value)
    assert "Padded(torch.nn.utils.rnn.pad_sequence(" in str(caught.value) and "list of tensors" not in str(caught.value)
