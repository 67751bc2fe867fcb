"""A float64 ``net_train`` in one thread and default-precision training, measuring and compiling in another: each
thread's compile is in its own working precision (``netgraph.core.torch_state.own_precision``), and every result is
the one it gives alone. Events force the overlap; every wait has a timeout so a hang fails instead."""

from __future__ import annotations

import contextlib
import threading

import torch

from netgraph import LinearLayer, NetChain, net_initialize, net_measurements, net_train

WAIT = 30.0  # seconds a thread waits for the other before giving up
_TRAIN = {"batch_size": 8, "random_seed": 1}


def _net_and_data():
    net = net_initialize(NetChain({"a": LinearLayer(8), "b": LinearLayer(2)}, input=4), seed=0)
    generator = torch.Generator().manual_seed(0)
    return net, {"Input": torch.randn(32, 4, generator=generator), "Target": torch.randn(32, 2, generator=generator)}


def _arrays(net) -> dict[str, torch.Tensor]:
    return net.information("Arrays")


def _assert_same_arrays(found, expected) -> None:
    assert _arrays(found).keys() == _arrays(expected).keys()
    for name, array in _arrays(expected).items():
        assert array.dtype == _arrays(found)[name].dtype and torch.equal(_arrays(found)[name], array), name


def _float64_run_until(net, data, stop: threading.Event, running: threading.Event, rounds: list[int]):
    """A float64 run that goes on, round after round, until ``stop`` is set (the other thread's work done)."""
    def progress(info) -> str | None:
        rounds.append(info["round"])
        running.set()
        return "StopTraining" if stop.is_set() else None

    def run() -> None:
        trained.append(net_train(net, data, max_training_rounds=5000, working_precision="float64", progress=progress,
                                 **_TRAIN))
    trained: list = []
    return run, trained


def test_default_precision_training_and_measuring_beside_a_float64_run_are_as_alone():
    net, data = _net_and_data()
    running, done, found = threading.Event(), threading.Event(), {}
    float64_run, trained64 = _float64_run_until(net, data, done, running, rounds := [])

    def default_precision_work() -> None:
        try:
            assert running.wait(timeout=WAIT)  # the float64 run's window is open
            found["trained"] = net_train(net, data, max_training_rounds=3, progress=False, **_TRAIN)
            found["loss"] = net_measurements(net, data, "Loss")
            found["compiled"] = net.compile()(data["Input"][:2])
        finally:
            done.set()

    threads = [threading.Thread(target=t, daemon=True) for t in (float64_run, default_precision_work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and trained64 and rounds[-1] >= 1
    assert torch.get_default_dtype() is torch.float32
    _assert_same_arrays(found["trained"], net_train(net, data, max_training_rounds=3, progress=False, **_TRAIN))
    assert found["loss"] == net_measurements(net, data, "Loss")
    assert found["compiled"].dtype is torch.float32 and torch.equal(found["compiled"], net(data["Input"][:2]))
    alone64 = net_train(net, data, max_training_rounds=rounds[-1], working_precision="float64", progress=False,
                        **_TRAIN)
    _assert_same_arrays(trained64[0], alone64)


@contextlib.contextmanager
def _float64_beside(window):
    """Inside: this thread's float64 window (run-long, as net_train's) and, newer, ``window()`` held open by another
    thread, so torch's default dtype is float32."""
    from netgraph.core.torch_state import working_precision
    opened, done = threading.Event(), threading.Event()

    def hold() -> None:
        with window():
            opened.set()
            done.wait(timeout=WAIT)

    other = threading.Thread(target=hold)
    with working_precision(torch.float64, exclusive=False):
        other.start()
        try:
            assert opened.wait(timeout=WAIT) and torch.get_default_dtype() == torch.float32  # the other's window
            yield
        finally:
            done.set()
            other.join(WAIT)


def test_run_time_code_beside_another_threads_compile_keeps_its_own_working_precision():
    """A compile elsewhere moves torch's default to float32 (``own_precision``) inside a float64 run's window: the
    run's own run-time code (counts made floats, a constant parameter filled) still makes float64."""
    from netgraph.core.torch_state import own_precision
    from netgraph.layers.dist_tensors import floating, full
    from netgraph.layers.distributions import PoissonDistribution
    with _float64_beside(own_precision):
        counts = torch.tensor([1, 2])
        found = {"floating": floating(counts), "full": full(2.0, (2,), []),
                 "log_prob": PoissonDistribution(1.5).log_prob(counts)}
    assert {name: t.dtype for name, t in found.items()} == dict.fromkeys(found, torch.float64)


def test_initialising_in_a_float64_window_beside_another_thread_s_newer_float32_window_draws_float64():
    """net_initialize drew in torch's default dtype, which the newest window (another thread's float32) sets: a
    float64 run's arrays came out float32. Each draw (default weights and biases, a layer's init_array, a method) is in
    the calling thread's working precision, the numbers it draws alone."""
    from netgraph import EmbeddingLayer
    from netgraph.core.torch_state import working_precision
    net = NetChain([EmbeddingLayer(4, 10), LinearLayer(3), LinearLayer(2)], input=5)

    def initialised():
        return net_initialize(net, seed=0, method={("3", "Weights"): "Xavier"})
    with working_precision(torch.float64):
        alone = initialised()
    with _float64_beside(lambda: working_precision(torch.float32, exclusive=False)):
        beside = initialised()
    _assert_same_arrays(beside, alone)
    assert {a.dtype for a in _arrays(alone).values()} == {torch.float64}
