"""A DataLoader whose collate_fn gives a key as a list of same-shape tensors, one per example ([x0, x1, ...]), as
net(x) takes them: stacked as net(x) stacks them, where the batch's other tensors show the list is of examples. It was
refused with torch's text ("cannot make a tensor from list: only one element tensors can be converted to Python
scalars"). Where the list may be torch's default collate of a Python list in each item (one tensor per position, the
examples first), one DataError says what to give."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from netgraph import DataError, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer, net_initialize, net_train


def _items(length: int) -> list[dict]:
    g = torch.Generator().manual_seed(0)
    return [{"Input": torch.randn(length, 2, generator=g), "Output": torch.randn(2, generator=g)} for _ in range(8)]


def _train(items: list[dict], listed: bool):
    net = net_initialize(NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2)], Input=("n", 2)),
                         seed=0)

    def collate(batch: list[dict]) -> dict:
        inputs = [x["Input"] for x in batch]
        return {"Input": inputs if listed else torch.stack(inputs), "Output": torch.stack([x["Output"] for x in batch])}
    return net_train(net, DataLoader(items, batch_size=4, collate_fn=collate), max_training_rounds=2, random_seed=0,
                     return_results=True)


def test_a_collated_list_of_examples_trains_as_their_stack():
    listed, stacked = _train(_items(5), True), _train(_items(5), False)
    assert listed.round_losses == stacked.round_losses
    assert listed.trained_net == stacked.trained_net


def test_a_list_that_may_be_collated_by_position_says_what_to_give():
    """Sequences of 4 steps in batches of 4: a default collate's 4 positions of 4 examples would look the same."""
    with pytest.raises(DataError, match=r"key 'Input': .*a list of 4 tensors of shape \(4, 2\).*torch\.stack them") \
            as raised:
        _train(_items(4), True)
    assert raised.value.kind == "not-a-tensor" and raised.value.port == "Input"
