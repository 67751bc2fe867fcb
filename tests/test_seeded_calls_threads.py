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


def test_calls_in_another_precision_in_several_threads_keep_each_threads_precision():
    # precision="float64" compiles its copy with torch's default dtype (one for all threads) set to float64: other
    # threads' nets compiled meanwhile computed in float64 (or refused their float32 data), and interleaved
    # restores left float64 the default for good
    x = torch.randn(8, 4)
    found: list[object] = []

    def calls(precision: str | None) -> None:
        for _ in range(60):
            net = net_initialize(NetChain([LinearLayer(8), "Tanh", LinearLayer(2)], input=4), seed=0)
            try:
                found.append((precision, net(x, precision=precision).dtype, net.compile()(x).dtype))
            except Exception as error:  # noqa: BLE001 -- recorded, for the assertion to show
                found.append(error)

    threads = [threading.Thread(target=calls, args=(p,)) for p in ("float64", None, "float64", None)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = {("float64", torch.float64, torch.float32), (None, torch.float32, torch.float32)}
    assert len(found) == 240 and set(found) == expected
    assert torch.get_default_dtype() == torch.float32
