"""Seeded net_train runs in several threads at once each repeat their run alone: every run keeps its own random
state (``OwnRandomState``), loaded into torch's one global generator only while it fetches a batch and steps."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from netgraph import (DropoutLayer, LinearLayer, NetGraph, NetPort, NormalDistribution, RandomArrayLayer,
                      net_initialize, net_train)
from tests.test_train import known_function


def noisy_net() -> NetGraph:
    """Dropout and a random layer draw from torch's generator at every step."""
    layers = {"mu": LinearLayer(6), "noise": RandomArrayLayer(NormalDistribution("#mu", 0.5)),
              "drop": DropoutLayer(0.4), "out": LinearLayer(1)}
    wiring = [("mu", NetPort("noise", "mu")), ("noise", "drop", "out")]
    return net_initialize(NetGraph(layers, wiring, Input=2), seed=0)


class Examples(torch.utils.data.Dataset):
    """A map-style Dataset of example dicts: net_train's DataLoader draws its order from torch's generator."""

    def __init__(self, seed: int):
        x, y = known_function(48, seed)
        self.cols = {"Input": x, "Target": y}

    def __len__(self) -> int:
        return 48

    def __getitem__(self, i: int) -> dict:
        return {k: v[i] for k, v in self.cols.items()}


def train(seed: int, form: str) -> list[float]:
    x, y = known_function(48, seed)
    data = {"Input": x, "Target": y} if form == "tensors" else Examples(seed)
    validation = 0.25 if form == "tensors" else {"Input": x[:12], "Target": y[:12]}
    results = net_train(noisy_net(), data, max_training_rounds=4, batch_size=8, validation_set=validation,
                        random_seed=seed, learning_rate=0.05, progress=None, all=True)
    return [*results.batch_losses, *results.validation_losses]


@pytest.mark.parametrize("form", ["tensors", "dataset"])
def test_seeded_runs_in_two_threads_at_once_repeat_their_solo_runs(form):
    solo = {seed: train(seed, form) for seed in (1, 2)}
    assert solo[1] != solo[2]
    state = torch.get_rng_state()
    for _ in range(4):  # trials: the threads interleave differently each time
        found: dict[int, list[float]] = {}
        threads = [threading.Thread(target=lambda s=seed: found.__setitem__(s, train(s, form))) for seed in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == solo
    assert torch.equal(torch.get_rng_state(), state)  # torch's generator left as found


def test_two_threads_training_runs_are_serialised_step_by_step():
    # the README's claim: runs in threads interleave but never step at once (no speed-up from threads)
    inside, most, steps, guard = [0], [0], {1: 0, 2: 0}, threading.Lock()

    def loss(seed: int):
        def per_example(outputs: dict, batch: dict) -> torch.Tensor:
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.002)  # long enough for the other thread to come in, were it let in
            with guard:
                inside[0] -= 1
                steps[seed] += 1
            return (outputs["Output"] - batch["Target"]).square().sum(-1)
        return per_example

    def run(seed: int) -> None:
        x, y = known_function(48, seed)
        net_train(noisy_net(), {"Input": x, "Target": y}, max_training_rounds=3, batch_size=8, random_seed=seed,
                  loss_function=loss(seed), progress=None)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert steps == {1: 18, 2: 18} and most[0] == 1
