"""What fills a padded batch's padding: a layer before a masked one computes on it, so a pointwise layer that is
infinite at 0 (Log) must not turn it into gradients that are NaN (0 * inf) in the arrays after it."""

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      NetMapOperator, Padded, SequenceLastLayer, SoftmaxLayer, net_initialize, net_train)
from netgraph.backend.masks import pad


def _positive_sequences(count=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    xs = [torch.rand(int(n), 2, generator=g) + 0.5 for n in torch.randint(1, 8, (count,), generator=g)]
    return xs, torch.tensor([int(x[-1, 0] > 1.0) for x in xs])


@pytest.mark.parametrize("layer", [LongShortTermMemoryLayer(4), GatedRecurrentLayer(4),
                                   NetMapOperator(LinearLayer(4))], ids=["lstm", "gru", "map"])
def test_padded_training_batches_stay_finite_behind_a_layer_infinite_at_zero(layer):
    xs, ys = _positive_sequences()  # Log is finite on every real element; Log(0) = -inf
    net = NetChain([ElementwiseLayer("Log"), layer, SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                   input=("n", 2))
    trained = net_train(net, {"Input": xs, "Target": ys}, max_training_rounds=2, batch_size=16, random_seed=0)
    out = trained(xs[:5])
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, torch.cat([trained(x[None]) for x in xs[:5]]))


def test_the_padding_repeats_each_sequences_first_element_and_padded_data_gets_the_same():
    xs, _ = _positive_sequences(4)
    x, lengths = pad(xs)
    for i, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(x[i, :n], xs[i])
        assert (x[i, n:] == xs[i][0]).all()
    net = net_initialize(NetChain([ElementwiseLayer("Log"), LongShortTermMemoryLayer(3), SequenceLastLayer()],
                                  input=("n", 2)), seed=0)
    dirty = x.clone()
    dirty[torch.arange(x.shape[1]) >= lengths[:, None]] = float("nan")
    torch.testing.assert_close(net(Padded(dirty, lengths)), net(xs))


@pytest.mark.parametrize("data", ["abc", [[1.0], [2.0, 3.0]], None])
def test_padded_data_that_is_no_array_is_a_data_error_naming_the_port(data):
    net = net_initialize(NetChain([LongShortTermMemoryLayer(3), SequenceLastLayer()], input=("n", 1)), seed=0)
    with pytest.raises(DataError, match=r"input port 'Input': Padded data must be an array \(batch, longest, \.\.\.\)"):
        net(Padded(data, [1, 2]))
