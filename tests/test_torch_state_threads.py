"""torch's default dtype and CPU generator are one for every process: compiles, seeded calls and precision windows
share one lock (``netgraph.core.torch_state``); events force the interleavings, and every wait has a timeout so a
deadlock fails the test instead of hanging it."""

from __future__ import annotations

import dataclasses
import threading
import time

import torch
from torch import nn

from netgraph import (DropoutLayer, LinearLayer, NetChain, ReshapeLayer, ScalarEncoder, TorchLayer, net_initialize,
                      register_module)
from netgraph.core.torch_state import working_dtype, working_precision
from netgraph.core.types import unify
from netgraph.layers import Layer

WAIT = 1.0  # seconds a forced interleaving waits for the other thread before going on


def _run(*targets) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


def _dropout_net():
    return net_initialize(NetChain([LinearLayer(4), DropoutLayer(0.5)], input=4), seed=0)


class _Scale(nn.Module):
    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return self.scale * x


def test_a_compile_making_seeded_calls_beside_a_seeded_call_compiling_a_net_does_not_deadlock():
    # a compile whose build makes a seed= call, and a seeded call whose module compiles a net: with two locks taken
    # in opposite orders, both threads met at the barrier and then each waited for the other's lock
    probe, meet, found = _dropout_net(), threading.Barrier(2), []

    def wait_for_the_other() -> None:
        try:
            meet.wait(timeout=WAIT)
        except threading.BrokenBarrierError:
            pass  # the other thread waits for the lock this one holds: one lock makes the meeting impossible

    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class Calibrated(Layer, register=False):
        input_ports = ("Input",)

        def infer(self, types):
            t = unify(types["Input"], types["Output"])
            return {"Input": t, "Output": t}

        def build(self, types):
            wait_for_the_other()
            return _Scale(probe(torch.ones(8, 4), mode="train", seed=0).std().item())

    armed = []

    class CallsNet(nn.Module):
        def forward(self, x):
            if x.device.type != "meta" and armed:  # the layer's module is a copy: a flag outside it
                wait_for_the_other()
                x = x + net_initialize(NetChain([LinearLayer(4)], input=4), seed=0)(x)
            return x

    outer = NetChain([TorchLayer(CallsNet())], input=4)
    outer(torch.randn(2, 4), seed=1)  # compiled before the race
    armed.append(True)
    stuck = _run(lambda: found.append(NetChain([Calibrated()], input=4).compile()),
                 lambda: found.append(outer(torch.randn(2, 4), seed=1)))
    assert stuck == [] and len(found) == 2


def _window(dtype, opened: threading.Event, close: threading.Event, exclusive: bool):
    def run() -> None:
        with working_precision(dtype, exclusive=exclusive):
            opened.set()
            close.wait(timeout=WAIT)
    return run


def test_net_trains_window_interleaved_with_a_compile_leaves_float32_the_default():
    # net_train's run-long window (exclusive=False) closed while another thread compiled in float32: the compile's
    # restore put back the float64 it had found, for good
    opened, compiling, closed = threading.Event(), threading.Event(), threading.Event()

    def trainer() -> None:
        _window(torch.float64, opened, compiling, exclusive=False)()
        closed.set()

    def compile_() -> None:
        opened.wait(timeout=WAIT)
        assert working_dtype() is torch.float32  # the other thread's window is not this thread's precision
        _window(working_dtype(), compiling, closed, exclusive=True)()

    assert _run(trainer, compile_) == []
    assert torch.get_default_dtype() is torch.float32 and working_dtype() is torch.float32


def test_overlapping_windows_of_two_threads_restore_the_other_open_windows_dtype():
    first_open, second_open, first_closed = threading.Event(), threading.Event(), threading.Event()
    seen: list[torch.dtype] = []

    def first() -> None:
        with working_precision(torch.float64, exclusive=False):
            first_open.set()
            second_open.wait(timeout=WAIT)
        first_closed.set()

    def second() -> None:
        first_open.wait(timeout=WAIT)
        with working_precision(torch.float64, exclusive=False):
            second_open.set()
            first_closed.wait(timeout=WAIT)
            seen.append(torch.get_default_dtype())  # the first window closed: this one's dtype stays

    assert _run(first, second) == []
    assert seen == [torch.float64] and torch.get_default_dtype() is torch.float32


def test_net_of_arrays_and_lists_during_another_threads_float64_run_computes_in_float32():
    net, x = net_initialize(NetChain([LinearLayer(2)], input=4), seed=0), torch.randn(3, 4)
    scaled = net_initialize(NetChain([ReshapeLayer([1]), LinearLayer(1)], input=ScalarEncoder(min=0, max=10)), seed=0)
    opened, close = threading.Event(), threading.Event()
    window = threading.Thread(target=_window(torch.float64, opened, close, exclusive=False), daemon=True)
    window.start()
    assert opened.wait(timeout=WAIT)
    try:
        found = [net(data) for data in (x, x.numpy(), x.tolist())] + [scaled([1.0, 5.0])]
    finally:
        close.set()
        window.join(timeout=60)
    assert [y.dtype for y in found] == [torch.float32] * 4
    torch.testing.assert_close(found[2], net(x))
    torch.testing.assert_close(found[3], scaled([1.0, 5.0]))


class _DrawingBlock(nn.Module):
    """A module whose constructor keeps drawing from the CPU generator for a while (a registered layer's
    construction forks and reseeds it)."""

    started = threading.Event()

    def __init__(self, n: int = 4) -> None:
        super().__init__()
        self.lin = nn.Linear(n, n)
        _DrawingBlock.started.set()
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            torch.rand(64)


def test_a_registered_layers_construction_does_not_draw_from_a_seeded_calls_seed():
    Block = register_module(_DrawingBlock, inputs={"Input": (4,)}, outputs={"Output": (4,)})
    net, x = _dropout_net(), torch.randn(256, 4)
    expected = net(x, mode="train", seed=7)
    found: list[bool] = []

    def seeded_calls() -> None:
        _DrawingBlock.started.wait(timeout=WAIT)
        found.extend(torch.equal(net(x, mode="train", seed=7), expected) for _ in range(20))

    assert _run(lambda: Block(n=4), seeded_calls) == []
    assert found == [True] * 20
