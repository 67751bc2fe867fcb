"""Building at scale: construct (validate + infer), net_initialize, compile and the first forward of
a NetChain, the same chain as a NetGraph, and a wide DAG (NetGraph) of 10,000 to 100,000 layers, beside torch.fx.symbolic_trace of the
equivalent nn.Sequential, and plain Python dicts of the same sizes (how this machine's memory scales such loops).

Run: python benchmarks/graph_scaling.py [--sizes 10000 50000 100000] [--reps 3] [--fresh-process] [--cases ...]
Goals: 100k layers built, inferred, initialised and compiled in <= 10 s; each stage <= 11x per 10x
layers; at 10k and 50k at least as fast as torch.fx (median of per-repetition ratios). Each
repetition runs the cases in a shuffled order; CPU time is given beside wall time, and beside each the CPU time the
garbage collector's passes took within the stage (``gc.callbacks``). Which stage pays a generation's pass depends on
absolute allocation counts, so it falls in different stages at 10k and 100k: the per-stage ratios are printed both as
measured and net of collector time. The goal is judged on the measured ratio; the net one says how much of the excess
is the collector's. Construct's passes come while ``make_*`` makes the layers (and the wide DAG's edge lists) with the
collector on: full passes walking the ~173,000 objects the imports left (torch's ~155,000) and the layers made so far,
one or two at 100k and none at 10k. NetChain/NetGraph pause the collector while they build: no pass walks the net's
own objects.

By default every measurement runs in this one process, where a 10k case finds memory freed by an earlier 100k
case still mapped (no page faults) while a 100k case must map most of its own (~100,000 faults, 0.25 s of system
time, in compile alone). ``--fresh-process`` runs each (case, size) of each repetition in a new interpreter that
first builds the same case at 200 layers (first-use costs such as lazy imports kept out of the measure), so each
size maps its own memory, as a program that builds one net does.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import torch
import torch.fx
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, net_initialize  # noqa: E402

STAGES = ("construct", "initialise", "compile", "forward1")


def layers(n: int) -> list:
    """LinearLayer(8), Tanh, LinearLayer(8), ... (n layers)."""
    return [LinearLayer(8) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)]


def make_chain(n: int) -> NetGraph:
    return NetChain(layers(n), input=8)


def make_graph(n: int) -> NetGraph:
    named = {f"l{i}": layer for i, layer in enumerate(layers(n))}
    return NetGraph(named, [tuple(named)], Input=8)


def make_wide(n: int) -> NetGraph:
    """A wide DAG: n/2 parallel Tanh branches on one input, summed pairwise in a binary tree (n-1 layers)."""
    return NetGraph(*wide_parts(n), Input=8)


def wide_parts(n: int) -> tuple[dict, list]:
    """``make_wide``'s layers by name and its edges: n/2 Tanh layers, n/2 - 1 FunctionLayers each fed by one edge
    of two sources."""
    named = {f"b{i}": ElementwiseLayer("Tanh") for i in range(n // 2)}
    names, edges, level = list(named), [], 0
    while len(names) > 1:
        merged = []
        for j in range(0, len(names) - 1, 2):
            named[key := f"s{level}_{j}"] = FunctionLayer("#a + #b")
            edges.append(([names[j], names[j + 1]], key))
            merged.append(key)
        names = merged + names[len(names) - len(names) % 2:]
        level += 1
    return named, edges


class CollectorTime:
    """The CPU seconds the cyclic garbage collector's passes have taken so far (timed by a ``gc.callbacks`` hook)."""

    def __init__(self) -> None:
        self.total, self._started = 0.0, None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        elif self._started is not None:
            self.total += time.process_time() - self._started
            self._started = None


COLLECTOR = CollectorTime()


def clock() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), COLLECTOR.total


def spans(names, marks) -> dict[str, tuple[float, float, float]]:
    """(wall, CPU, collector CPU) seconds between successive ``marks``, by stage name."""
    return {s: (b[0] - a[0], b[1] - a[1], b[2] - a[2]) for s, a, b in zip(names, marks, marks[1:])}


def netgraph_stages(make, n: int) -> dict[str, tuple[float, float, float]]:
    """(wall, CPU, collector CPU) seconds of each stage."""
    x, marks = torch.randn(2, 8), [clock()]
    net = make(n)
    marks.append(clock())
    net = net_initialize(net, seed=0)
    marks.append(clock())
    module = net.compile()
    marks.append(clock())
    module(x)
    marks.append(clock())
    return spans(STAGES, marks)


def fx_stages(n: int) -> dict[str, tuple[float, float, float]]:
    """nn.Sequential built (with its default init), traced by torch.fx, first forward."""
    x, marks = torch.randn(2, 8), [clock()]
    seq = nn.Sequential(*(nn.Linear(8, 8) if i % 2 == 0 else nn.Tanh() for i in range(n)))
    marks.append(clock())
    traced = torch.fx.symbolic_trace(seq)
    marks.append(clock())
    traced(x)
    marks.append(clock())
    return spans(("construct", "trace", "forward1"), marks)


class _Slot:
    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str) -> None:
        self.index, self.name = index, name


def plain_stages(n: int) -> dict[str, tuple[float, float, float]]:
    """A floor for this machine, no netgraph: plain Python making n small objects by name and a dict of their 2n
    (name tuple, port) keys, then reading every key once (the shape of the loops every stage runs)."""
    marks = [clock()]
    objects = {f"l{i}": _Slot(i, f"l{i}") for i in range(n)}
    keys = {((name,), port): i for i, name in enumerate(objects) for port in ("Input", "Output")}
    total = sum(keys[((name,), "Input")] + keys[((name,), "Output")] + o.index for name, o in objects.items())
    marks.append(clock())
    assert total > 0 or n < 2
    return spans(("dicts",), marks)


CASES = {"NetChain": lambda n: netgraph_stages(make_chain, n), "NetGraph": lambda n: netgraph_stages(make_graph, n),
         "wide": lambda n: netgraph_stages(make_wide, n), "torch.fx": fx_stages, "plain Python": plain_stages}


def build_total(stages: dict[str, tuple[float, float, float]], cpu: bool = False) -> float:
    """Built, inferred, initialised and compiled (fx: built and traced): the forward excluded."""
    return sum(v[cpu] for k, v in stages.items() if k != "forward1")


WARM_UP = 200  # layers: a fresh process builds its case at this size before the measured one


def measure(case: str, n: int, warm_up: int = 0) -> dict[str, tuple[float, float, float]]:
    """One measurement of ``case`` at ``n`` layers (after one at ``warm_up`` layers, when given)."""
    gc.callbacks.append(COLLECTOR)
    try:
        if warm_up:
            CASES[case](warm_up)
        gc.collect()
        return CASES[case](n)
    finally:
        gc.callbacks.remove(COLLECTOR)


def measure_in_fresh_process(case: str, n: int) -> dict[str, tuple[float, float, float]]:
    """``measure`` in a new interpreter running this script (``--measure CASE N``)."""
    out = subprocess.run([sys.executable, __file__, "--measure", case, str(n)], capture_output=True, text=True,
                         check=True).stdout
    return {stage: tuple(times) for stage, times in json.loads(out.splitlines()[-1]).items()}


def run(sizes: tuple[int, ...], reps: int, fresh: bool = False, cases: tuple[str, ...] = tuple(CASES)) -> dict:
    results: dict[tuple[str, int], list[dict]] = {(c, n): [] for c in cases for n in sizes}
    for _ in range(reps):
        order = list(results)
        random.shuffle(order)
        for case, n in order:
            results[(case, n)].append(measure_in_fresh_process(case, n) if fresh else measure(case, n))
    rows = []
    for (case, n), runs in results.items():
        stage_names = list(runs[0])
        cells = [f"{statistics.median(r[s][0] for r in runs):.2f}/{statistics.median(r[s][1] for r in runs):.2f}"
                 f" (gc {statistics.median(r[s][2] for r in runs):.3f})" for s in stage_names]
        rows.append((case, n, " ".join(f"{s}={c}" for s, c in zip(stage_names, cells)),
                     f"{statistics.median(build_total(r) for r in runs):.2f}",
                     f"{statistics.median(build_total(r, cpu=True) for r in runs):.2f}"))
    print_table(f"Building at scale, median of {reps} (wall/CPU s per stage, and the collector's CPU s in it), "
                f"{'each in a fresh process' if fresh else 'all in one process'} ({machine()})", rows,
                ("case", "layers", "stages wall/CPU (gc) s", "build total wall s", "build total CPU s"))
    report_ratios(results, sizes, reps)
    return results


def stage_ratio(results: dict, case: str, stage: str, lo: int, hi: int, net: bool = False) -> float:
    """Median over repetitions of a stage's CPU time at ``hi`` layers over its time at ``lo`` (``net``: each less
    the collector's CPU time within the stage)."""
    def cpu(times: tuple[float, float, float]) -> float:
        return times[1] - times[2] if net else times[1]
    return statistics.median(cpu(b[stage]) / cpu(a[stage]) for a, b in zip(results[(case, lo)], results[(case, hi)]))


def report_ratios(results: dict, sizes: tuple[int, ...], reps: int) -> None:
    ran = {case for case, _ in results}  # the cases run (--cases may leave some out), each at every size
    for case in ("NetChain", "NetGraph"):
        if case not in ran or "torch.fx" not in ran:
            continue
        for n in sizes:
            pairs = list(zip(results[(case, n)], results[("torch.fx", n)]))
            wall = statistics.median(build_total(a) / build_total(b) for a, b in pairs)
            cpu = statistics.median(build_total(a, True) / build_total(b, True) for a, b in pairs)
            print(f"  {case} / torch.fx at {n}: wall {wall:.2f}, CPU {cpu:.2f} (median of {reps} ratios; goal <= 1)")
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        if "plain Python" in ran:
            floor = stage_ratio(results, "plain Python", "dicts", lo, hi)
            print(f"  plain Python dicts of the same sizes (this machine's floor, no netgraph): {hi}/{lo} CPU time "
                  f"ratio {floor:.1f}x (linear would be {hi / lo:.0f}x)")
        for case in (case for case in ("NetChain", "NetGraph", "wide") if case in ran):
            for stage in STAGES:
                # between the larger sizes too: past the CPU's last-level cache a stage should scale linearly again
                between = [f"{a}->{b} {stage_ratio(results, case, stage, a, b):.1f}x (linear {b / a:.1f}x)"
                           for a, b in zip(sizes[1:-1], sizes[2:])]
                print(f"  {case} {stage}: {hi}/{lo} CPU time ratio {stage_ratio(results, case, stage, lo, hi):.1f}x "
                      f"measured (the goal's figure), {stage_ratio(results, case, stage, lo, hi, net=True):.1f}x net "
                      f"of the collector (linear would be {hi / lo:.0f}x){'; ' + ', '.join(between) if between else ''}")
    tracemalloc.start()
    make_chain(sizes[0])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  Python memory to build a {sizes[0]}-layer chain: {peak / 2**20:.1f} MiB peak (tracemalloc)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--fresh-process", action="store_true", help="each measurement in a new interpreter")
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES), help="the cases to measure")
    p.add_argument("--measure", nargs=2, metavar=("CASE", "N"), help=argparse.SUPPRESS)  # a fresh process's run
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), warm_up=WARM_UP)))
        return
    run(tuple(args.sizes), args.reps, args.fresh_process, tuple(args.cases))


if __name__ == "__main__":
    main()
