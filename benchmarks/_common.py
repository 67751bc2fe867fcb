"""Shared benchmark helpers: interleaved median timing, saved-activation memory, table printing."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["median_times", "median_ratio", "saved_bytes", "machine", "print_table"]


def median_times(fns: dict[str, Callable[[], object]], warmup: int = 5, reps: int = 50) -> dict[str, float]:
    """Median seconds per call of each function, measured interleaved (A B A B ...) so drift hits all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def median_ratio(fns: dict[str, Callable[[], object]], num: str, den: str, rounds: int = 5,
                 reps: int = 50) -> tuple[dict[str, float], float]:
    """Median times over ``rounds`` interleaved measurements, and the median of the per-round ratios
    num/den (robust to a busy machine slowing one round down)."""
    runs = [median_times(fns, warmup=5 if i == 0 else 2, reps=reps) for i in range(rounds)]
    times = {name: statistics.median(r[name] for r in runs) for name in fns}
    return times, statistics.median(r[num] / r[den] for r in runs)


def saved_bytes(step: Callable[[], torch.Tensor]) -> int:
    """Bytes of distinct tensor storage autograd saves for backward in one forward pass (activation memory)."""
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        if t.device.type != "meta":
            s = t.untyped_storage()
            storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = step()
    loss.backward()
    return sum(storages.values())


def machine() -> str:
    threads = torch.get_num_threads()
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{platform.processor() or platform.machine()}, {threads} torch threads, torch {torch.__version__}{gpu}"


def print_table(title: str, rows: list[tuple], header: tuple) -> None:
    print(f"\n{title}")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
