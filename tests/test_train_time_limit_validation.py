"""max_training_time with a validation set: training stops after the batch that crosses the limit, and the round it
cuts short is then validated in full (a pass the limit does not cut short), as the README says, so that the best
net is chosen on whole validation passes; a large validation set lengthens the run by its pass."""

from __future__ import annotations

import time

import torch

from netgraph import LinearLayer, NetChain, net_train


class SlowItems(torch.utils.data.Dataset):
    """``size`` examples, each read taking ``delay`` seconds; the indices read, in order."""

    def __init__(self, size: int, delay: float):
        self.size, self.delay, self.read = size, delay, []

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        time.sleep(self.delay)
        self.read.append(int(i))
        x = torch.full((2,), float(i))
        return {"Input": x, "Target": x[:1]}


def test_the_round_cut_short_by_time_is_validated_in_full():
    data = SlowItems(80, 0.01)  # 40 held out, 40 trained on: 10 batches of 4, 0.04 s each
    result = net_train(NetChain([LinearLayer(1)], input=2), data, validation_set=0.5, batch_size=4,
                       max_training_time=0.1, progress=False, random_seed=0, all=True)
    held_out = 40
    trained = len(data.read) - held_out
    assert 0 < trained < 40 and trained % 4 == 0  # stopped mid-round, after a whole batch
    assert len(set(data.read[trained:])) == held_out and not set(data.read[trained:]) & set(data.read[:trained])
    assert result.total_rounds == 1 and len(result.validation_losses) == 1
    assert result.reason_training_stopped == "MaxTrainingTime"
