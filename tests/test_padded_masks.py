"""A torch user porting a transformer has a padding mask (torch's ``src_key_padding_mask``, True at padding, or an
``attention_mask``, 1 at tokens) where ``Padded`` takes lengths: the DataError says how to get the lengths from it."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, EmbeddingLayer, NetChain, Padded, SequenceLastLayer, net_initialize, net_train
from netgraph.core.types import INTEGER


def _net():
    return net_initialize(NetChain([EmbeddingLayer(4, 10), SequenceLastLayer()], input=["n"]), seed=0)


def _batch():
    lengths = torch.tensor([3, 5, 2])
    return torch.randint(0, 10, (3, 5), generator=torch.Generator().manual_seed(0)), lengths


@pytest.mark.parametrize("mask_of", [lambda lengths: torch.arange(5) >= lengths[:, None],
                                     lambda lengths: (torch.arange(5) < lengths[:, None]).long()])
def test_a_padding_mask_given_for_lengths_says_how_to_get_them(mask_of):
    data, lengths = _batch()
    with pytest.raises(DataError) as info:
        _net()(Padded(data, mask_of(lengths)))
    d = info.value.diagnostics[0]
    assert (d.port, d.expected, d.found) == ("Input", (3,), (3, 5))
    assert "a mask of each example's padding?" in str(info.value)
    assert "(~mask).sum(1)" in d.hint and "mask.sum(1)" in d.hint


def test_the_lengths_a_hint_gives_run_as_the_lengths():
    data, lengths = _batch()
    mask = torch.arange(5) >= lengths[:, None]
    assert torch.equal(_net()(Padded(data, (~mask).sum(1))), _net()(Padded(data, lengths)))


def test_net_train_says_so_too():
    data, lengths = _batch()
    with pytest.raises(DataError, match=r"\(~mask\)\.sum\(1\)"):
        net_train(_net(), {"Input": Padded(data, torch.arange(5) >= lengths[:, None]), "Target": torch.zeros(3, 4)},
                  max_training_rounds=1)


def test_lengths_of_another_count_keep_their_message_without_the_mask_hint():
    data, _ = _batch()
    with pytest.raises(DataError) as info:
        _net()(Padded(data, [2, 3]))
    d = info.value.diagnostics[0]
    assert (d.expected, d.found, d.hint) == ((3,), (2,), None)


@pytest.mark.parametrize("lengths, expected, found", [
    (torch.tensor([3.0, 2.5, 1.0]), INTEGER, 2.5), (torch.tensor([True, True, False]), INTEGER, torch.bool),
    ([3, 6, 2], (1, 5), 6), ([0, 5, 2], (1, 5), 0)])
def test_bad_lengths_carry_what_was_expected_and_the_first_bad_one(lengths, expected, found):
    data, _ = _batch()
    with pytest.raises(DataError) as info:
        _net()(Padded(data, lengths))
    d = info.value.diagnostics[0]
    assert (d.port, d.expected, d.found) == ("Input", expected, found)
