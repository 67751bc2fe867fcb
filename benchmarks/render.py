"""Time to render the SVG diagram of a 1,000-layer graph with each available backend.

Run: python benchmarks/render.py [--layers 1000] [--repeats 3]
Goal (issue 6): <= 2 s with the system Graphviz `dot`. The graph is a residual stack: blocks of
LinearLayer -> Tanh -> a FunctionLayer adding the block's input back, so edges skip ranks and
layers have one or two named inputs, as in real nets.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetGraph, NetPort  # noqa: E402
from netgraph.render import diagram, dot_source, render_svg  # noqa: E402
from netgraph.render.engines import available_backends  # noqa: E402


def residual_stack(n_layers: int, width: int = 8) -> NetGraph:
    """About ``n_layers`` layers: blocks of Linear -> Tanh -> (#x + #skip)."""
    layers, edges, previous = {}, [], NetPort("Input")
    for b in range(max(1, n_layers // 3)):
        lin, act, add = f"lin{b}", f"act{b}", f"add{b}"
        layers[lin], layers[act], layers[add] = LinearLayer(width), ElementwiseLayer("Tanh"), FunctionLayer("#x + #skip")
        edges += [(previous, lin), (lin, act), (act, NetPort(add, "x")), (previous, NetPort(add, "skip"))]
        previous = NetPort(add, "Output")
    return NetGraph(layers, edges, Input=width)


def time_backend(net: NetGraph, backend: str, repeats: int) -> tuple[float, int]:
    """Best wall time of render_svg (model + DOT + layout + SVG) over ``repeats`` runs, and the SVG size."""
    best, size = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        svg = render_svg(net, backend=backend)
        best, size = min(best, time.perf_counter() - start), len(svg)
    return best, size


def run(n_layers: int = 1000, repeats: int = 3) -> dict[str, float]:
    net = residual_stack(n_layers)
    start = time.perf_counter()
    source = dot_source(diagram(net))
    dot_text_s = time.perf_counter() - start
    rows, times = [], {}
    for backend in available_backends():
        seconds, size = time_backend(net, backend, repeats)
        times[backend] = seconds
        rows.append((backend, len(net.layers), f"{seconds:.2f}", f"{size / 1e6:.1f} MB",
                     "yes" if backend != "dot" or seconds <= 2.0 else "NO (goal 2 s)"))
    print_table(f"SVG diagram of a {len(net.layers)}-layer residual stack, best of {repeats} ({machine()})", rows,
                ("backend", "layers", "render_svg s", "SVG size", "within 2 s"))
    print(f"  building the DOT text alone: {dot_text_s:.3f} s ({len(source) / 1e6:.1f} MB)")
    missing = {"dot", "graphviz-pure"} - set(times)
    if missing:
        print(f"  not installed here: {', '.join(sorted(missing))}")
    return times


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    run(args.layers, args.repeats)


if __name__ == "__main__":
    main()
