"""What ``net(x)`` costs over calling the compiled module: input checks, dispatch, no-grad mode.

Run: python benchmarks/call_overhead.py [--rounds 15] [--calls 20000] [--threads 1 2]
Goal: ``net(x)`` within 2 µs of calling the module on a small MLP (4-4-2, batch 1), and no autograd graph.
``net(x)`` runs without grad, so the fair baselines call the module without grad too: under ``torch.no_grad()``
(as users write it) and with grad mode switched by ``torch._C._set_grad_enabled`` (the cheapest way); plain
``module(x)`` (with grad) is shown too. All are timed with ``_common.compare`` (shuffled order per round, wall
and CPU time); each difference is the median of the per-round differences.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import compare, machine, print_table  # noqa: E402

from netgraph import LinearLayer, NetChain, net_initialize  # noqa: E402

BASELINES = ("module(x)", "module(x) under torch.no_grad()", "module(x) with grad mode off")


def calls(net, x: torch.Tensor) -> dict:
    """The callables timed: ``net(x)`` and the three ways of calling the same compiled module."""
    module, set_grad_enabled = net.compile().eval(), torch._C._set_grad_enabled

    def no_grad() -> torch.Tensor:
        with torch.no_grad():
            return module(x)

    def grad_off() -> torch.Tensor:
        set_grad_enabled(False)
        try:
            return module(x)
        finally:
            set_grad_enabled(True)

    return {"net(x)": lambda: net(x), BASELINES[0]: lambda: module(x), BASELINES[1]: no_grad, BASELINES[2]: grad_off}


def run(rounds: int = 15, calls_per_round: int = 20000, threads: int = 1) -> dict[str, float]:
    torch.set_num_threads(threads)
    net = net_initialize(NetChain([LinearLayer(4), "Ramp", LinearLayer(2)], input=4), seed=0)
    x = torch.randn(1, 4)
    print(f"net(x) builds an autograd graph: {net(x).requires_grad}")
    result = compare(calls(net, x), rounds=rounds, number=calls_per_round, warmup=1000)
    rows, extra = [], {}
    for name in ("net(x)", *BASELINES):
        rows.append((name, f"{result.median(name) * 1e6:.2f}", f"{result.median(name, 'cpu') * 1e6:.2f}"))
    for base in BASELINES:
        wall, cpu = (statistics.median(n - b for n, b in zip(result.samples("net(x)", c), result.samples(base, c)))
                     * 1e6 for c in ("wall", "cpu"))
        extra[base] = cpu
        rows.append((f"net(x) - {base}", f"{wall:.2f}", f"{cpu:.2f}"))
    print_table(f"Call overhead, µs per call, {result.describe()} ({machine()})", rows, ("call", "wall µs", "CPU µs"))
    return extra


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = p.parse_args(argv)
    for threads in args.threads:
        run(args.rounds, args.calls, threads)


if __name__ == "__main__":
    main()
