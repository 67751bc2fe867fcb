"""What ``net(x)`` costs over calling the compiled module: input checks, dispatch, no-grad mode.

Run: python benchmarks/call_overhead.py [--rounds 15] [--calls 20000] [--threads 1 2] [--nets mlp embedding lstm]
Goal: ``net(x)`` within 2 µs of calling the module on a small MLP (4-4-2, batch 1), and no autograd graph; the
same on index inputs (``embedding``: EmbeddingLayer + LinearLayer on 4 indices, batch 1) and on a variable length
(``lstm``: an LSTM classifier on 12 indices of the length ``"n"``, batch 1).
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

from netgraph import (EmbeddingLayer, FlattenLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,  # noqa: E402
                      SequenceLastLayer, net_initialize)

NETS = {  # name -> (net, input)
    "mlp": lambda: (NetChain([LinearLayer(4), "Ramp", LinearLayer(2)], input=4), torch.randn(1, 4)),
    "embedding": lambda: (NetChain([EmbeddingLayer(8, 20), FlattenLayer(), LinearLayer(3)], input=[4]),
                          torch.randint(0, 20, (1, 4))),
    "lstm": lambda: (NetChain([EmbeddingLayer(8, 20), LongShortTermMemoryLayer(16), SequenceLastLayer(),
                               LinearLayer(3)], input=["n"]), torch.randint(0, 20, (1, 12))),
}

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


def run(rounds: int = 15, calls_per_round: int = 20000, threads: int = 1, net_name: str = "mlp") -> dict[str, float]:
    torch.set_num_threads(threads)
    net, x = NETS[net_name]()
    net = net_initialize(net, seed=0)
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
    print_table(f"Call overhead ({net_name}), µs per call, {result.describe()} ({machine()})", rows,
                ("call", "wall µs", "CPU µs"))
    return extra


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--nets", nargs="+", choices=sorted(NETS), default=["mlp"])
    args = p.parse_args(argv)
    for threads in args.threads:
        for name in args.nets:
            run(args.rounds, args.calls, threads, name)


if __name__ == "__main__":
    main()
