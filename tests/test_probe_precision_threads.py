"""A Python function's shape probe runs on zeros of the building thread's working precision: another thread's
precision window (which moves torch's one default dtype) gave a float64 run's function float32 inputs."""

from __future__ import annotations

import threading

import torch

from netgraph import FunctionLayer, NetGraph
from netgraph.core.torch_state import working_precision


def test_a_python_functions_probe_takes_this_threads_precision_not_another_threads():
    seen: list[torch.dtype] = []

    def double(x):
        seen.append(x.dtype)
        return 2 * x

    held, release = threading.Event(), threading.Event()

    def float32_elsewhere() -> None:
        with working_precision(torch.float32, exclusive=False):  # as a run elsewhere holds it
            held.set()
            release.wait(timeout=30)

    with working_precision(torch.float64, exclusive=False):
        other = threading.Thread(target=float32_elsewhere, daemon=True)
        other.start()
        assert held.wait(timeout=30)
        try:
            assert torch.get_default_dtype() == torch.float32  # the other thread's window is the newest
            NetGraph({"f": FunctionLayer(double)}, [], x=3)
        finally:
            release.set()
            other.join(timeout=30)
    assert seen and set(seen) == {torch.float64}
