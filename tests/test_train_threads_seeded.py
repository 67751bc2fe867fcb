"""Seeded net_train runs in several threads at once each repeat their run alone: every run keeps its own random
state (``OwnRandomState``), loaded into torch's one global generator only while it fetches a batch and steps."""

from __future__ import annotations

import threading

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


def train(seed: int) -> list[float]:
    x, y = known_function(48, seed)
    results = net_train(noisy_net(), {"Input": x, "Target": y}, max_training_rounds=4, batch_size=8,
                        validation_set=0.25, random_seed=seed, learning_rate=0.05, progress_reporting=None,
                        all=True)
    return [*results.batch_losses, *results.validation_losses]


def test_seeded_runs_in_two_threads_at_once_repeat_their_solo_runs():
    solo = {seed: train(seed) for seed in (1, 2)}
    assert solo[1] != solo[2]
    state = torch.get_rng_state()
    for _ in range(4):  # trials: the threads interleave differently each time
        found: dict[int, list[float]] = {}
        threads = [threading.Thread(target=lambda s=seed: found.__setitem__(s, train(s))) for seed in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == solo
    assert torch.equal(torch.get_rng_state(), state)  # torch's generator left as found
