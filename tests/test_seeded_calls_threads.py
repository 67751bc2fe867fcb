"""net(x, seed=s) repeats its draws when several threads call nets at once: torch's CPU generator is one for all
threads, so seeded calls run one at a time."""

from __future__ import annotations

import threading

import torch

from netgraph import DropoutLayer, LinearLayer, NetChain, NetGraph, NormalDistribution, RandomArrayLayer, net_initialize


def test_seeded_calls_in_several_threads_repeat_their_draws():
    dropout = net_initialize(NetChain([LinearLayer(16), DropoutLayer(0.5), LinearLayer(4)], input=8), seed=0)
    noise = NetGraph([RandomArrayLayer(NormalDistribution("#mu", 1.0))], [], mu=4)
    x, mu = torch.randn(32, 8), torch.randn(32, 4)
    expected = {"dropout": dropout(x, mode="train", seed=7), "noise": noise(mu=mu, seed=3)}
    state = torch.get_rng_state()
    found: list[tuple[str, bool]] = []

    def calls() -> None:
        for _ in range(150):
            found.append(("dropout", torch.equal(dropout(x, mode="train", seed=7), expected["dropout"])))
            found.append(("noise", torch.equal(noise(mu=mu, seed=3), expected["noise"])))

    threads = [threading.Thread(target=calls) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 1200 and [name for name, same in found if not same] == []
    assert torch.equal(torch.get_rng_state(), state)  # the global generator untouched
