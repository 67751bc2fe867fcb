"""The plain call ``net(x)`` on an Integer port and on a port of variable length: served by the closure (the compiled
module checks the indices and lengths itself), with the general path's answers and errors."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, FlattenLayer, LinearLayer, NetChain, PoolingLayer, AggregationLayer,
                      net_initialize)
from netgraph.backend.evaluation import compiled_for_evaluation
from tests.test_plain_call import spy


def embedding():
    return net_initialize(NetChain([EmbeddingLayer(3, 10), FlattenLayer(), LinearLayer(2)], input=[4]), seed=0)


def pooling():
    return net_initialize(NetChain([PoolingLayer(3, stride=2), AggregationLayer("Mean")], input=(2, "n")), seed=0)


def primed(net, x):
    net(x), net(x)
    assert net._plain_call is not None
    return net


def test_indices_are_served_by_the_plain_call_with_the_general_paths_answer():
    x = torch.randint(0, 10, (5, 4), generator=torch.Generator().manual_seed(0))
    net = primed(embedding(), x)
    seen = spy(compiled_for_evaluation(net))
    out = net(x)
    assert len(seen) == 1 and seen[0][0][0] is x and seen[0][2] is False
    arrays = {k: layer.arrays for k, layer in net.layers.items()}
    by_hand = arrays["1"]["Weights"][x].flatten(1) @ arrays["3"]["Weights"].T + arrays["3"]["Biases"]
    torch.testing.assert_close(out, by_hand)
    assert net._plain_call(x.int()) is None and torch.equal(net(x.int()), out)  # int32: the general path converts


def test_an_index_out_of_range_through_the_plain_call_is_the_general_paths_data_error():
    net = primed(embedding(), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(DataError) as plain:
        net(torch.tensor([[1, 2, 10, 3]]))
    with pytest.raises(DataError) as general:
        net(torch.tensor([[1, 2, 10, 3]], dtype=torch.int32))
    assert plain.value.kind == general.value.kind == "data-range" and str(plain.value) == str(general.value)


def test_a_variable_length_is_served_by_the_plain_call_at_any_length():
    net = primed(pooling(), torch.randn(2, 2, 9))
    seen = spy(compiled_for_evaluation(net))
    for length in (9, 12, 3):
        x = torch.randn(2, 2, length)
        out = net(x)
        assert seen[-1][0][0] is x
        torch.testing.assert_close(out, torch.nn.functional.max_pool1d(x, 3, 2).mean(-1))
    assert len(seen) == 3
    assert net._plain_call(torch.randn(2, 3, 9)) is None and net._plain_call(torch.randn(2, 9)) is None


@pytest.mark.parametrize("length, message", [(2, "too short"), (0, "has length 0")])
def test_a_length_too_short_through_the_plain_call_is_the_general_paths_data_error(length, message):
    net = primed(pooling(), torch.randn(2, 2, 9))
    with pytest.raises(DataError, match=message) as plain:
        net(torch.randn(2, 2, length))
    with pytest.raises(DataError) as general:
        net(torch.randn(2, 2, length, dtype=torch.float64))  # another dtype: the general path
    assert str(plain.value) == str(general.value)
