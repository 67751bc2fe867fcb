"""Construction + validation + shape inference + compile for generated graphs of 100 to 10,000 layers.

Run: python benchmarks/graph_scaling.py [--sizes 100 1000 10000] [--rounds 3]
Goals: <= 2 s at 10,000 layers and linear growth (10k/1k <= 12x). Also prints the Python memory
(tracemalloc peak) of building a 10,000-layer graph.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import compare, machine, print_table  # noqa: E402

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetGraph, net_initialize  # noqa: E402


def chain(n: int) -> NetGraph:
    """n layers in a line: LinearLayer(8), Tanh, LinearLayer(8), ..."""
    layers = {f"l{i}": LinearLayer(8) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)}
    return NetGraph(layers, [tuple(layers)], Input=8)


def wide(n: int) -> NetGraph:
    """A wide DAG: n/2 parallel branches on one input, summed pairwise in a binary tree (n-1 layers)."""
    layers = {f"b{i}": ElementwiseLayer("Tanh") for i in range(n // 2)}
    names, edges, level = list(layers), [], 0
    while len(names) > 1:
        merged = []
        for j in range(0, len(names) - 1, 2):
            key = f"s{level}_{j}"
            layers[key] = FunctionLayer("#a + #b")
            edges.append(([names[j], names[j + 1]], key))
            merged.append(key)
        names = merged + names[len(names) - len(names) % 2:]
        level += 1
    return NetGraph(layers, edges, Input=8)


def build_and_compile(kind, n: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    net = kind(n)
    built = time.perf_counter()
    net = net_initialize(net, seed=0)
    initialised = time.perf_counter()
    net.compile()
    done = time.perf_counter()
    return built - start, initialised - built, done - initialised


def run(sizes: tuple[int, ...] = (100, 1000, 10000), rounds: int = 3) -> dict:
    """Every (graph, size) built in a shuffled order per round; medians over rounds, and the size-growth
    ratio as the median of per-round ratios."""
    phases: dict[tuple[str, int], list[tuple[float, float, float]]] = {}

    def timed(kind, n: int):
        return lambda: phases.setdefault((kind.__name__, n), []).append(build_and_compile(kind, n))
    t = compare({f"{kind.__name__} {n}": timed(kind, n) for kind in (chain, wide) for n in sizes}, rounds, warmup=0)
    rows, totals = [], {}
    for (kind, n), runs in sorted(phases.items()):
        build, init, comp = (statistics.median(r[i] for r in runs) for i in range(3))
        totals[(kind, n)] = build + comp
        rows.append((kind, n, f"{build:.3f}", f"{init:.3f}", f"{comp:.3f}", f"{build + comp:.3f}",
                     f"{t.median(f'{kind} {n}', 'cpu'):.3f}"))
    print_table(f"Graph building, medians; {t.describe()} ({machine()})", rows,
                ("graph", "layers", "construct+validate+infer s", "net_initialize s", "compile s", "build+compile s",
                 "all three, CPU s"))
    if len(sizes) > 1:
        lo, hi = sizes[-2], sizes[-1]
        for kind in ("chain", "wide"):
            print(f"  {kind}: {hi}/{lo} time ratio {t.ratio(f'{kind} {hi}', f'{kind} {lo}'):.1f}x wall, "
                  f"{t.ratio(f'{kind} {hi}', f'{kind} {lo}', 'cpu'):.1f}x CPU (build + initialize + compile; "
                  f"linear would be {hi / lo:.0f}x)")
    tracemalloc.start()
    chain(sizes[-1])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  Python memory to build a {sizes[-1]}-layer chain: {peak / 2**20:.1f} MiB peak (tracemalloc)")
    return totals


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    p.add_argument("--rounds", type=int, default=3, help="rounds, each in a shuffled order")
    a = p.parse_args(argv)
    run(tuple(a.sizes), a.rounds)


if __name__ == "__main__":
    main()
