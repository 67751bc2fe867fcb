"""Shared benchmark helpers: the shuffled-order comparison, saved-activation memory, table printing.

Every script that compares implementations times them with :func:`compare`: each round runs every
callable in a freshly shuffled order (a seeded shuffle, recorded), so no implementation always runs
first or right after another one (a fixed order was measured to bias a ratio from 1.03 to 3.54 or
0.87); it records wall time, process CPU time and minor page faults; and a ratio is the median over
rounds of that round's ratio, which survives a machine that other processes slow down now and then.

:func:`steady_allocator` pins glibc malloc's thresholds: by default they adapt to the process's history, so
of two steps that allocate the same megabyte-sized temporaries (gradients, Adam's ``sqrt``/``div`` results)
one may get its memory back from the heap while the other's is trimmed and re-faulted every step (measured:
~1000 minor faults, +30 % time, on whichever side the allocation history happened to put there).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

__all__ = ["Comparison", "allocator", "allocator_option", "compare", "cpu_seconds", "device_option", "bench_device",
           "minor_faults", "steady_allocator", "saved_bytes", "machine", "print_table", "synchronizer"]

CLOCKS = ("wall", "cpu")


def cpu_seconds() -> float:
    """CPU seconds used so far by this process (all threads) and its finished children (e.g. `dot`)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def minor_faults() -> int:
    """Minor page faults of this process so far (first touches of freshly mapped memory)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


#: glibc mallopt parameters and the values steady_allocator pins them to: every allocation up to 32 MiB
#: (the largest mmap threshold glibc accepts) comes from the heap, and the heap is trimmed only past 1 GiB
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
PINNED = {M_MMAP_THRESHOLD: 32 * 2**20, M_TRIM_THRESHOLD: 2**30}


def steady_allocator() -> bool:
    """Pin glibc malloc's mmap and trim thresholds (turning off their history-dependent adjustment), so that
    freed tensor memory is reused rather than returned to the OS and faulted in again; False if not glibc."""
    try:
        libc = ctypes.CDLL(None)
        return all(libc.mallopt(param, value) == 1 for param, value in PINNED.items())
    except (OSError, AttributeError, TypeError):
        return False


def allocator_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--adaptive-malloc`` (leave glibc malloc's thresholds as the process's history sets them)."""
    parser.add_argument("--adaptive-malloc", action="store_true",
                        help="leave glibc malloc's thresholds adaptive (default: pinned, see _common.steady_allocator)")


def allocator(adaptive: bool = False) -> str:
    """Pin glibc malloc's thresholds unless ``adaptive``; what the figures ran with, for a table title."""
    return "glibc malloc adaptive" if adaptive or not steady_allocator() else "glibc malloc pinned"


def device_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--device cpu|cuda|cuda:N`` (default cpu): where both sides of each comparison run."""
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda: both sides run there; on a GPU "
                        "each sample is wall time between torch.cuda.synchronize() calls (CPU time means nothing)")


def bench_device(text: str) -> torch.device:
    """The --device value as a torch.device; exits with a message when this machine has no such GPU."""
    try:
        device = torch.device(text)
    except RuntimeError:
        raise SystemExit(f"--device must be cpu or cuda (or cuda:N), found {text!r}") from None
    if device.type == "cuda" and not (torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()):
        raise SystemExit(f"--device {text}: no such CUDA device here (torch {torch.__version__}, "
                         f"{torch.cuda.device_count() if torch.cuda.is_available() else 0} GPUs)")
    if device.type not in ("cpu", "cuda"):
        raise SystemExit(f"--device must be cpu or cuda (or cuda:N), found {text!r}")
    return device


def synchronizer(device: torch.device) -> Callable[[], None] | None:
    """What compare calls around each timed sample: ``torch.cuda.synchronize`` on a GPU (its kernels run
    asynchronously: without it a sample times the launches), None on the CPU."""
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else None


@dataclass
class Comparison:
    """Per-round seconds per call of each named callable, on both clocks, and the order each round ran in."""

    seed: int
    number: int
    orders: list[list[str]] = field(default_factory=list)
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    faults: dict[str, list[float]] = field(default_factory=dict)
    warned: set[str] = field(default_factory=set)  # fault warnings already printed
    synchronized: bool = False  # timed on a GPU, synchronized around each sample: only wall time means anything

    def faults_per_call(self, name: str) -> float:
        """Median over rounds of the minor page faults per call."""
        return statistics.median(self.faults[name])

    def samples(self, name: str, clock: str = "wall") -> list[float]:
        if clock not in CLOCKS:
            raise ValueError(f"clock is one of {CLOCKS}, found {clock!r}")
        if clock == "cpu" and self.synchronized:
            raise ValueError("timed on a GPU: the process's CPU time says nothing about the GPU's work; use 'wall'")
        return (self.wall if clock == "wall" else self.cpu)[name]

    def median(self, name: str, clock: str = "wall") -> float:
        """Median seconds per call over the rounds."""
        return statistics.median(self.samples(name, clock))

    def ratio(self, num: str, den: str, clock: str = "wall") -> float:
        """Median over rounds of (seconds of ``num`` / seconds of ``den``) measured in the same round."""
        warning = self.fault_warning(num, den) if self.faults.get(num) and self.faults.get(den) else None
        if warning and warning not in self.warned:
            self.warned.add(warning)
            print(f"note: {warning}", file=sys.stderr)
        return statistics.median(a / b for a, b in zip(self.samples(num, clock), self.samples(den, clock)))

    def fault_warning(self, num: str, den: str, least: float = 100.0) -> str | None:
        """A line when one side of a ratio faults in ``least`` or more fresh pages per call and over four times as
        many as the other: glibc malloc may be handing its temporaries back to the OS every call (see
        :func:`steady_allocator`), which can make the ratio an artefact of allocation history."""
        (many, n), (few, m) = sorted(((name, self.faults_per_call(name)) for name in (num, den)), key=lambda p: -p[1])
        if n < least or n <= 4 * (m + 10):
            return None
        return (f"{many} faults in {n:.0f} pages per call, {few} {m:.0f}: their ratio may be an allocation artefact "
                "(glibc malloc's adaptive thresholds; _common.steady_allocator pins them)")

    def describe(self) -> str:
        """One line for a table title: how the figures were measured."""
        gpu = "; on a GPU, wall time between torch.cuda.synchronize() calls" if self.synchronized else ""
        return (f"{len(self.orders)} rounds x {self.number} calls, order shuffled per round (seed {self.seed}); "
                f"ratio = median of per-round ratios{gpu}")


def compare(fns: dict[str, Callable[[], object]], rounds: int = 20, number: int = 1, warmup: int = 2,
            seed: int = 0, sync: Callable[[], None] | None = None) -> Comparison:
    """Time named callables against each other: ``rounds`` rounds, each running every callable ``number``
    times in a row, callables in a fresh seeded-shuffled order per round; ``warmup`` untimed calls first.
    ``sync`` (``synchronizer(device)``), when given, is called before each sample starts and before it ends."""
    if rounds < 1 or number < 1:
        raise ValueError(f"rounds and number must be >= 1, found {rounds} and {number}")
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    rng = random.Random(seed)
    result = Comparison(seed, number, wall={name: [] for name in fns}, cpu={name: [] for name in fns},
                        faults={name: [] for name in fns}, synchronized=sync is not None)
    sync = sync or (lambda: None)
    for _ in range(rounds):
        order = rng.sample(list(fns), len(fns))
        result.orders.append(order)
        for name in order:
            fn = fns[name]
            sync()
            start_faults, start_wall, start_cpu = minor_faults(), time.perf_counter(), cpu_seconds()
            for _ in range(number):
                fn()
            sync()
            result.wall[name].append((time.perf_counter() - start_wall) / number)
            result.cpu[name].append((cpu_seconds() - start_cpu) / number)
            result.faults[name].append((minor_faults() - start_faults) / number)
    return result


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


def backward_step(module: torch.nn.Module, x: torch.Tensor, returns_tuple: bool = False) -> Callable[[], None]:
    """One forward + backward of ``module`` on ``x`` (loss: the mean square of its output), gradients reset as an
    optimizer's ``zero_grad`` does, over its parameter list: ``module.zero_grad`` walks the module tree each call
    (23 modules for the compiled transformer block, 1 for its handwritten twin: 7 % of a 4 x 8 step).
    ``returns_tuple``: the module returns (output, states), as torch's recurrent modules do; indexed here rather
    than in a wrapper module that would add a call to torch's side."""
    params = list(module.parameters())

    def run() -> None:
        for p in params:
            p.grad = None
        out = module(x)
        (out[0] if returns_tuple else out).square().mean().backward()
    return run


def machine() -> str:
    threads = torch.get_num_threads()
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{platform.processor() or platform.machine()}, {threads} torch threads, torch {torch.__version__}{gpu}"


def print_table(title: str, rows: list[tuple], header: tuple) -> None:
    print(f"\n{title}")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
