"""torch's data containers given to net(x): a DataLoader or a Dataset is no tensor, and the DataError says how to
evaluate it (found by QA with torch habits: it was torch's 'Could not infer dtype of DataLoader')."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from netgraph import DataError, LinearLayer, NetChain, net_initialize


def _net():
    return net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)


@pytest.mark.parametrize("data, advice", [
    (DataLoader(torch.randn(8, 3), batch_size=4), "torch.cat([net(batch) for batch in loader])"),
    (DataLoader(TensorDataset(torch.randn(8, 3), torch.zeros(8)), batch_size=4), "net(batch[0])"),
    (TensorDataset(torch.randn(8, 3)), "net(dataset.tensors[0])"),
])
def test_a_loader_or_dataset_given_to_a_net_says_how_to_evaluate_it(data, advice):
    net = _net()
    with pytest.raises(DataError) as info:
        net(data)
    message = str(info.value)
    assert message.startswith(f"input port 'Input': net(x) takes the data itself (a tensor, array or list), found a "
                              f"{type(data).__name__}")
    assert advice in message and "infer dtype" not in message and "scalars" not in message
    assert info.value.diagnostics[0].port == "Input"


def test_the_advice_for_a_loader_computes_what_the_whole_batch_does():
    net, x = _net(), torch.randn(8, 3)
    loader = DataLoader(x, batch_size=3)
    assert torch.allclose(torch.cat([net(batch) for batch in loader]), net(x))
