"""net_measurements on a run's validation data gives its validation loss exactly for variable-length sequences too:
the validation batched them in a shuffled order (by length, or in padded batches of other examples than
net_measurements' padded ones, the validation data given apart being batched by length), so float sums differed in
the last digits."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, LongShortTermMemoryLayer, NetChain, SequenceLastLayer, net_measurements, net_train


def _sequences(count: int, seed: int, to_sequences: bool) -> dict:
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(int(n), 2, generator=g) for n in torch.randint(1, 6, (count,), generator=g)]
    targets = [torch.randn(len(x), 1, generator=g) for x in xs] if to_sequences else torch.randn(count, 1, generator=g)
    return {"Input": xs, "Target": targets}


@pytest.mark.parametrize("to_sequences", [False, True])  # padded batches; batches by length (a sequence output)
def test_the_validation_loss_of_sequences_is_net_measurements_loss_exactly(to_sequences):
    layers = [LongShortTermMemoryLayer(3)] + ([LongShortTermMemoryLayer(1)] if to_sequences else [
        SequenceLastLayer(), LinearLayer(1)])
    net = NetChain(layers, input=["n", 2])
    validation = _sequences(60, 1, to_sequences)
    results = net_train(net, _sequences(120, 0, to_sequences), validation_set=validation, max_training_rounds=3,
                        batch_size=8, random_seed=0, progress=False, all=True)
    assert net_measurements(results.training_net, validation, batch_size=8) == results.validation_loss
