"""Deep nesting: a LinearLayer wrapped in d nested NetGraphs (or NetChains), built (validate + infer),
initialised, compiled and run, for d = 200, 400, 800.

Run: python benchmarks/nesting_depth.py [--depths 200 400 800] [--reps 3]
Goal: linear in the depth (each stage's CPU time at 2d within about 2x that at d; it was cubic: 800
levels took 39 s to build). Each repetition runs the cases in a shuffled order; the ratio is the
median of per-repetition ratios of CPU time.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import LinearLayer, NetChain, NetGraph, net_initialize  # noqa: E402

STAGES = ("construct", "initialise", "compile", "forward1")


def nested(kind: str, depth: int) -> NetGraph:
    """LinearLayer(3) inside ``depth`` graphs (or chains), the outermost declaring Input=2."""
    net = LinearLayer(3)
    for _ in range(depth - 1):
        net = NetGraph([net], []) if kind == "NetGraph" else NetChain([net])
    return NetGraph([net], [], Input=2) if kind == "NetGraph" else NetChain([net], input=2)


def stages(kind: str, depth: int) -> dict[str, float]:
    """CPU seconds of each stage."""
    marks = [time.process_time()]
    net = nested(kind, depth)
    marks.append(time.process_time())
    net = net_initialize(net, seed=0)
    marks.append(time.process_time())
    module = net.compile()
    marks.append(time.process_time())
    module(torch.randn(2, 2))
    marks.append(time.process_time())
    return {s: b - a for s, a, b in zip(STAGES, marks, marks[1:])}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depths", type=int, nargs="+", default=[200, 400, 800])
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args(argv)
    results: dict[tuple[str, int], list[dict]] = {(k, d): [] for k in ("NetGraph", "NetChain") for d in args.depths}
    for _ in range(args.reps):
        order = list(results)
        random.shuffle(order)
        for kind, depth in order:
            gc.collect()
            results[(kind, depth)].append(stages(kind, depth))
    rows = [(kind, depth, *(f"{statistics.median(r[s] for r in runs):.3f}" for s in STAGES))
            for (kind, depth), runs in results.items()]
    print_table(f"Nets nested d deep, median CPU s of {args.reps} ({machine()})", rows, ("kind", "depth", *STAGES))
    lo, hi = args.depths[0], args.depths[-1]
    for kind in ("NetGraph", "NetChain"):
        for stage in STAGES:
            ratio = statistics.median(b[stage] / max(a[stage], 1e-9)
                                      for a, b in zip(results[(kind, lo)], results[(kind, hi)]))
            print(f"  {kind} {stage}: depth {hi}/{lo} CPU time ratio {ratio:.1f}x (linear would be {hi / lo:.0f}x)")


if __name__ == "__main__":
    main()
