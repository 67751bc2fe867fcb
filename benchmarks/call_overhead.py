"""What ``net(x)`` costs over calling the compiled module: input checks, dispatch, no-grad mode.

Run: python benchmarks/call_overhead.py [--rounds 7]
Goal: ``net(x)`` within 2 µs of ``module(x)`` on a small MLP (batch 1), and no autograd graph.
Both are timed interleaved in shuffled order per round; the table gives medians over rounds and the
median of the per-round differences.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import LinearLayer, NetChain, net_initialize  # noqa: E402


def per_call(fn, calls: int) -> tuple[float, float]:
    """Wall and CPU seconds per call of ``fn`` over ``calls`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - wall) / calls, (time.process_time() - cpu) / calls


def run(rounds: int = 7, calls: int = 20000) -> dict[str, float]:
    net = net_initialize(NetChain([LinearLayer(4), "Ramp", LinearLayer(2)], input=4), seed=0)
    x = torch.randn(1, 4)
    module = net.compile().eval()
    print(f"net(x) builds an autograd graph: {net(x).requires_grad}")
    fns = {"module(x)": lambda: module(x), "module(x) under no_grad": lambda: _no_grad(module, x),
           "net(x)": lambda: net(x)}
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in fns}
    for name, fn in fns.items():
        per_call(fn, 1000)  # warm up (net(x) compiles here)
    for _ in range(rounds):
        order = list(fns)
        random.shuffle(order)
        for name in order:
            samples[name].append(per_call(fns[name], calls))
    rows, extra = [], {}
    for name, values in samples.items():
        rows.append((name, f"{statistics.median(w for w, _ in values) * 1e6:.2f}",
                     f"{statistics.median(c for _, c in values) * 1e6:.2f}"))
    for base in ("module(x)", "module(x) under no_grad"):
        diffs = [n[0] - b[0] for n, b in zip(samples["net(x)"], samples[base])]
        cpu_diffs = [n[1] - b[1] for n, b in zip(samples["net(x)"], samples[base])]
        extra[base] = statistics.median(diffs) * 1e6
        rows.append((f"net(x) - {base}", f"{extra[base]:.2f}", f"{statistics.median(cpu_diffs) * 1e6:.2f}"))
    print_table(f"Call overhead, µs per call, median of {rounds} rounds ({machine()})", rows,
                ("call", "wall µs", "CPU µs"))
    return extra


def _no_grad(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return module(x)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--calls", type=int, default=20000)
    args = p.parse_args(argv)
    run(args.rounds, args.calls)


if __name__ == "__main__":
    main()
