"""Loading a large YAML spec: read_yaml (parse + positions) and the whole NetGraph.from_yaml, with
libyaml's C parser and with PyYAML's pure-Python one.

Run: python benchmarks/yaml_loading.py [--layers 5000] [--reps 5]
Goal: the 5,000-layer chain read in <= 0.3 s with libyaml. Each repetition runs the cases in a
shuffled order; medians of wall and CPU time, and the median per-repetition ratio pure / libyaml.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import NetGraph  # noqa: E402
from netgraph.spec.yaml_nodes import LOADERS, read_yaml, use_loader  # noqa: E402


def chain_spec(n: int) -> str:
    """A NetChain spec of n layers: LinearLayer(8), Tanh, LinearLayer(8), ..."""
    lines = [f"  l{i}: {{type: LinearLayer, output: 8}}" if i % 2 == 0 else f"  l{i}: Tanh" for i in range(n)]
    return "netgraph: 1\nname: Long\nlayers:\n" + "\n".join(lines) + "\ninputs: {Input: 8}\n"


def timed(kind: str, fn) -> tuple[float, float]:
    use_loader(kind)
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(n: int = 5000, reps: int = 5) -> dict:
    text = chain_spec(n)
    steps = {"read_yaml": lambda: read_yaml(text, "long.yaml"), "from_yaml": lambda: NetGraph.from_yaml(text)}
    cases = [(kind, step) for kind in LOADERS for step in steps]
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {c: [] for c in cases}
    previous = use_loader(next(iter(LOADERS)))
    try:
        for _ in range(reps):
            random.shuffle(cases)
            for kind, step in cases:
                samples[(kind, step)].append(timed(kind, steps[step]))
    finally:
        use_loader(previous)
    rows = [(kind, step, f"{statistics.median(w for w, _ in v):.3f}", f"{statistics.median(c for _, c in v):.3f}")
            for (kind, step), v in sorted(samples.items())]
    print_table(f"Loading a {n}-layer spec, median of {reps} ({machine()})", rows,
                ("parser", "step", "wall s", "CPU s"))
    if "libyaml" in LOADERS:
        for step in steps:
            ratio = statistics.median(p[1] / c[1] for p, c in zip(samples[("pure", step)], samples[("libyaml", step)]))
            print(f"  {step}: pure / libyaml CPU time ratio {ratio:.1f}x (median of {reps})")
    return samples


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=5000)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args(argv)
    run(args.layers, args.reps)


if __name__ == "__main__":
    main()
