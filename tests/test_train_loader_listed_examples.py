"""A DataLoader whose collate_fn gives a key as a list of same-shape tensors, one per example ([x0, x1, ...]), as
net(x) takes them: stacked as net(x) stacks them, where the batch's other tensors show the list is of examples. It was
refused with torch's text ("cannot make a tensor from list: only one element tensors can be converted to Python
scalars"). Where the list may be torch's default collate of a Python list in each item (one tensor per position, the
examples first), one DataError says what to give."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from netgraph import (DataError, FlattenLayer, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer,
                      net_initialize, net_train)


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


class _Nested(torch.utils.data.Dataset):
    """Items whose input is a nested Python list (2 rows of 2), as a script writes a matrix."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> dict:
        return {"Input": [[float(i), 1.0], [2.0, 3.0]], "Output": [float(i)]}


def test_a_default_collate_of_nested_lists_says_what_to_give():
    """torch's default collate makes each item's nested list a list of 2 lists of 2 tensors (one per position); it
    gave only torch's text ("only one element tensors can be converted to Python scalars")."""
    net = NetChain([FlattenLayer(), LinearLayer(1)], Input=(2, 2))
    with pytest.raises(DataError, match=r"key 'Input': .*it is a list of 2 lists of 2 tensors of 2 values, as "
                                        r"torch's default collate makes from a nested Python list in each item \(one "
                                        r"tensor per position\): make each item's value a tensor or numpy array, or "
                                        r"give the Dataset itself to net_train$") as raised:
        net_train(net, DataLoader(_Nested(), batch_size=2), max_training_rounds=1)
    assert raised.value.kind == "not-a-tensor" and raised.value.port == "Input"
    assert raised.value.diagnostics[0].expected == "a tensor or numpy array"


def test_the_dataset_of_nested_lists_itself_trains_as_the_list_of_its_items():
    """The form the message points to: net_train batches the Dataset's nested lists as it does a list of examples."""
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(1)], Input=(2, 2)), seed=0)
    items = [_Nested()[i] for i in range(4)]
    from_dataset = net_train(net, _Nested(), max_training_rounds=2, batch_size=4, random_seed=0, return_results=True)
    from_list = net_train(net, items, max_training_rounds=2, batch_size=4, random_seed=0, return_results=True)
    assert from_dataset.round_losses == pytest.approx(from_list.round_losses, rel=1e-6)  # one batch, shuffled
