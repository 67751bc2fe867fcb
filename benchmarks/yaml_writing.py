"""Writing a spec (to_yaml) with long number lists by libyaml's C emitter and with PyYAML's pure one alone (the
fallback without libyaml, and what every version before it did): nets with a 100k- and a 1M-element parameter
written inline, and chains of 1,000 and 10,000 layers (no arrays: libyaml is not used there).

Run: python benchmarks/yaml_writing.py [--rounds 5] [--quick] [--small]
Goal: a 100k-element parameter written in <= 0.3 s. Each round runs the two emitters in a shuffled order; medians
of CPU time, and the median per-round ratio pure / libyaml. Both write the same bytes (checked here too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import compare, machine, print_table  # noqa: E402

from netgraph import ElementwiseLayer, LinearLayer, NetChain, net_initialize  # noqa: E402
from netgraph.spec.dump import to_yaml  # noqa: E402
from netgraph.spec import flow_numbers  # noqa: E402

LIBYAML = flow_numbers.C_EMITTER


def chain(n: int) -> NetChain:
    return NetChain([LinearLayer(8) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)], input=8)


def nets(quick: bool, small: bool) -> dict[str, object]:
    """The nets written: a LinearLayer's weights of 100k and 1M elements (rows of 100 and 1,000), long chains."""
    if small:  # the script's own test: it runs
        return {"1,000-element parameter": net_initialize(NetChain([LinearLayer(100)], input=10), seed=0),
                "20 layers": chain(20)}
    out = {"100k-element parameter": net_initialize(NetChain([LinearLayer(1000)], input=100), seed=0),
           "1,000 layers": chain(1000)}
    if not quick:
        out["1M-element parameter"] = net_initialize(NetChain([LinearLayer(1000)], input=1000), seed=0)
        out["10,000 layers"] = chain(10_000)
    return out


def writer(net: object, emitter: type | None):
    def write() -> str:
        flow_numbers.C_EMITTER = emitter
        try:
            return to_yaml(net)
        finally:
            flow_numbers.C_EMITTER = LIBYAML
    return write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the 100k-element and 1,000-layer nets only")
    parser.add_argument("--small", action="store_true", help="tiny nets, to check that the script runs")
    args = parser.parse_args()
    rows = []
    for label, net in nets(args.quick, args.small).items():
        fns = {"libyaml": writer(net, LIBYAML), "pure": writer(net, None)}
        if fns["libyaml"]() != fns["pure"]():
            raise SystemExit(f"{label}: the two emitters wrote different text")
        result = compare(fns, rounds=args.rounds, warmup=0)
        rows.append((label, f"{result.median('libyaml', 'cpu'):.3f}", f"{result.median('pure', 'cpu'):.3f}",
                     f"{result.ratio('pure', 'libyaml', 'cpu'):.2f}"))
    print_table(f"to_yaml, CPU seconds, median of {args.rounds} shuffled rounds ({machine()})", rows,
                ("net", "libyaml", "pure", "pure / libyaml"))


if __name__ == "__main__":
    main()
