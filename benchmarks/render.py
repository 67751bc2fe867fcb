"""Time to render the SVG diagram of a 1,000-layer graph with each available backend.

Run: python benchmarks/render.py [--layers 1000] [--repeats 5] [--nested 100 400 800]
Goal (issue 6): <= 2 s with the system Graphviz `dot`. The graph is a residual stack: blocks of
LinearLayer -> Tanh -> a FunctionLayer adding the block's input back, so edges skip ranks and
layers have one or two named inputs, as in real nets.

``--nested`` times instead a LinearLayer inside d nested NetGraphs (CPU seconds, `dot`'s included, one run
per case): the DOT text and the built-in layout with every level expanded (goal: linear in d), and `dot` with
the default ``expand=True`` and with ``expand=128`` (deeper clusters never go to Graphviz).

``--skips`` times a U-Net-like net of n layers instead (layer i of the first half also feeds layer n-1-i: edges
skipping n²/4 layers in all; CPU seconds, one run per case): the built-in SVG, whose long edges run in lanes rather
than through a point per layer skipped (800 layers: 15.5 s before, 0.3 s after), and `dot` where its edges skip at
most ``DOT_SKIPS_TRIED`` layers in all (it routes them through a point per layer skipped).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import compare, cpu_seconds, machine, print_table  # noqa: E402

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetGraph, NetPort  # noqa: E402
from netgraph.render import diagram, dot_source, render_svg  # noqa: E402
from netgraph.render.engines import available_backends  # noqa: E402
from netgraph.render.layout import bends  # noqa: E402

DOT_SKIPS_TRIED = 20_000


def residual_stack(n_layers: int, width: int = 8) -> NetGraph:
    """About ``n_layers`` layers: blocks of Linear -> Tanh -> (#x + #skip)."""
    layers, edges, previous = {}, [], NetPort("Input")
    for b in range(max(1, n_layers // 3)):
        lin, act, add = f"lin{b}", f"act{b}", f"add{b}"
        layers[lin], layers[act], layers[add] = LinearLayer(width), ElementwiseLayer("Tanh"), FunctionLayer("#x + #skip")
        edges += [(previous, lin), (lin, act), (act, NetPort(add, "x")), (previous, NetPort(add, "skip"))]
        previous = NetPort(add, "Output")
    return NetGraph(layers, edges, Input=width)


def run(n_layers: int = 1000, repeats: int = 5) -> dict[str, float]:
    """Median wall seconds of render_svg (model + DOT + layout + SVG) per backend, backends in a shuffled order
    per round; CPU time counts `dot`'s own (a child process)."""
    net = residual_stack(n_layers)
    start = time.perf_counter()
    source = dot_source(diagram(net))
    dot_text_s = time.perf_counter() - start
    backends = available_backends()
    sizes = {backend: len(render_svg(net, backend=backend)) for backend in backends}
    t = compare({backend: lambda b=backend: render_svg(net, backend=b) for backend in backends}, repeats, warmup=0)
    rows, times = [], {}
    for backend in backends:
        times[backend] = t.median(backend)
        rows.append((backend, len(net.layers), f"{times[backend]:.2f}", f"{t.median(backend, 'cpu'):.2f}",
                     f"{t.ratio(backend, 'builtin'):.2f}", f"{sizes[backend] / 1e6:.1f} MB",
                     "yes" if backend != "dot" or times[backend] <= 2.0 else "NO (goal 2 s)"))
    print_table(f"SVG diagram of a {len(net.layers)}-layer residual stack; {t.describe()} ({machine()})", rows,
                ("backend", "layers", "render_svg s (wall)", "CPU s", "wall / builtin", "SVG size", "within 2 s"))
    print(f"  building the DOT text alone: {dot_text_s:.3f} s ({len(source) / 1e6:.1f} MB)")
    missing = {"dot", "graphviz-pure"} - set(times)
    if missing:
        print(f"  not installed here: {', '.join(sorted(missing))}")
    return times


def nested(depth: int) -> NetGraph:
    """A LinearLayer inside ``depth`` nested NetGraphs."""
    net = LinearLayer(3)
    for _ in range(depth - 1):
        net = NetGraph([net], [])
    return NetGraph([net], [], Input=2)


def _cpu(fn) -> tuple[str, int]:
    """(CPU seconds, or why it failed; output size) of one call."""
    start = cpu_seconds()
    try:
        size = len(fn())
    except Exception as exc:  # noqa: BLE001 - an engine that times out is a result here
        return f"failed after {cpu_seconds() - start:.1f} s: {str(exc)[:60]}", 0
    return f"{cpu_seconds() - start:.2f}", size


def run_nested(depths: list[int]) -> None:
    """CPU seconds to draw nets nested ``depths`` levels deep (see the module docstring)."""
    rows = []
    for depth in depths:
        net = nested(depth)
        cases = {"DOT text, all levels": lambda: dot_source(diagram(net, expand=depth)),
                 "built-in SVG, all levels": lambda: render_svg(net, backend="builtin", expand=depth),
                 "dot SVG, expand=True": lambda: render_svg(net, backend="dot"),
                 f"dot SVG, expand={min(depth, 128)}": lambda: render_svg(net, backend="dot", expand=min(depth, 128))}
        for case, fn in cases.items():
            if case.startswith("dot") and "dot" not in available_backends():
                continue
            seconds, size = _cpu(fn)
            rows.append((depth, case, seconds, f"{size / 1e6:.2f} MB"))
            print(*rows[-1], sep=" | ", flush=True)
    print_table(f"Diagrams of nested nets, CPU seconds ({machine()})", rows, ("depth", "case", "CPU s", "output"))


def skip_net(n_layers: int) -> NetGraph:
    """``n_layers`` layers in a chain; layer i of the first half also feeds layer n-1-i (nested skips, as U-Net)."""
    half = n_layers // 2
    layers = {f"l{i}": "Tanh" if i <= half else FunctionLayer("#x + #skip") for i in range(n_layers)}
    edges = [(f"l{i - 1}", f"l{i}" if i <= half else NetPort(f"l{i}", "x")) for i in range(1, n_layers)]
    edges += [(f"l{n_layers - 1 - i}", NetPort(f"l{i}", "skip")) for i in range(half + 1, n_layers)]
    return NetGraph(layers, edges, Input=3)


def run_skips(sizes: list[int]) -> None:
    """CPU seconds to draw U-Net-like nets of ``sizes`` layers (see the module docstring)."""
    rows = []
    for n in sizes:
        net = skip_net(n)
        skipped = bends(diagram(net))
        cases = {"built-in SVG": lambda: render_svg(net, backend="builtin")}
        if "dot" in available_backends():
            cases["dot SVG"] = lambda: render_svg(net, backend="dot")
        for case, fn in cases.items():
            if case == "dot SVG" and skipped > DOT_SKIPS_TRIED:
                seconds, size = f"not run (more than {DOT_SKIPS_TRIED:,} layers skipped)", 0
            else:
                seconds, size = _cpu(fn)
            rows.append((n, f"{skipped:,}", case, seconds, f"{size / 1e6:.2f} MB"))
            print(*rows[-1], sep=" | ", flush=True)
    print_table(f"Diagrams of U-Net-like nets, CPU seconds ({machine()})", rows,
                ("layers", "layers skipped by edges", "case", "CPU s", "output"))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5, help="rounds, each in a shuffled order")
    p.add_argument("--nested", type=int, nargs="*", help="time nets nested this deep instead (e.g. 100 400 800)")
    p.add_argument("--skips", type=int, nargs="*", help="time U-Net-like nets of this many layers instead "
                   "(e.g. 200 400 800)")
    args = p.parse_args(argv)
    if args.skips:
        run_skips(args.skips)
    elif args.nested:
        run_nested(args.nested)
    else:
        run(args.layers, args.repeats)


if __name__ == "__main__":
    main()
