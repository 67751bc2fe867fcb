"""KLDivergenceLayer(NormalDistribution("#mu", "#sigma"), NormalDistribution(0, 1)) vs the handwritten closed form
``(0.5 * (mu**2 + sigma**2) - torch.log(sigma) - 0.5).sum(-1)``, forward + backward, compiled with the checks on
(default) and with ``checks=False``, at batch 8 × 4 and 64 × 8 (one thread; shuffled rounds, median of per-round
ratios: see _common.compare).

    python benchmarks/kl_layer.py             # 30 rounds x 200 calls
    python benchmarks/kl_layer.py --small     # the test suite's smoke run
"""

from __future__ import annotations

import argparse

import torch

from _common import allocator, allocator_option, compare, machine, print_table
from layer_ops import step
from netgraph import KLDivergenceLayer, NetGraph, NormalDistribution


def hand(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    return (0.5 * (mu ** 2 + sigma ** 2) - torch.log(sigma) - 0.5).sum(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--number", type=int, default=200)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(1)
    (rounds, number), rows = (2, 1) if args.small else (args.rounds, args.number), []
    g = torch.Generator().manual_seed(0)
    for batch, k in ((8, 4), (64, 8)):
        net = NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#sigma"), NormalDistribution(0, 1))}, [],
                       mu=k, sigma=k)
        inputs = {"mu": torch.randn(batch, k, generator=g).requires_grad_(),
                  "sigma": (torch.rand(batch, k, generator=g) + 0.5).requires_grad_()}
        checked, unchecked = net.compile(), net.compile(checks=False)
        for module in (checked, unchecked):
            torch.testing.assert_close(module(**inputs), hand(**inputs))
        result = compare({"checked": step(checked, inputs), "unchecked": step(unchecked, inputs),
                          "handwritten": step(hand, inputs)}, rounds=rounds, number=number)
        for name in ("checked", "unchecked"):
            rows.append((f"{batch} x {k}", name, f"{result.ratio(name, 'handwritten', 'wall'):.2f}",
                         f"{result.ratio(name, 'handwritten', 'cpu'):.2f}",
                         f"{result.median('handwritten', 'cpu') * 1e6:.0f}"))
        description = result.describe()
    print_table(f"KL to N(0, 1), fwd + bwd, netgraph / handwritten ({machine()}, {memory}; {description})", rows,
                ("batch x elements", "checks", "ratio (wall)", "ratio (CPU)", "handwritten µs (CPU)"))


if __name__ == "__main__":
    main()
