"""Operators vs handwritten torch: NetMapOperator against the reshape-based module, NetFoldOperator against a
handwritten loop, SummationLayer over a sequence against ``x.sum`` (forward + backward, length 64 by default).

Both twins compute the same function with the same arrays (checked before timing); each round runs them in a
freshly shuffled order; a ratio is the median of per-round ratios (see _common.compare).

    python benchmarks/operators.py            # batch 32, length 64, MLP 64-256-64 per element, cell 32 -> 64
    python benchmarks/operators.py --small    # tiny sizes (the test suite runs this)
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

from _common import allocator, allocator_option, backward_step as step, compare, machine, print_table
from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, NetFoldOperator, NetGraph, NetMapOperator,
                      NetPort, SummationLayer, net_initialize)


def map_net(features: int, hidden: int) -> NetGraph:
    inner = NetGraph({"h": LinearLayer(hidden), "act": ElementwiseLayer("Ramp"), "o": LinearLayer(features)},
                     [("h", "act", "o")], Input=features)
    return net_initialize(NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", features)), seed=0)


class HandMap(nn.Module):
    """The handwritten twin: fold the sequence into the batch, apply the MLP, unfold."""

    def __init__(self, net: NetGraph):
        super().__init__()
        arrays = {k: nn.Parameter(v.clone()) for k, v in net.compile().state_dict().items()}
        self.w1, self.b1 = arrays["map.net.h.Weights"], arrays["map.net.h.Biases"]
        self.w2, self.b2 = arrays["map.net.o.Weights"], arrays["map.net.o.Biases"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n = x.shape[:2]
        h = torch.relu(F.linear(x.reshape(b * n, -1), self.w1, self.b1))
        return F.linear(h, self.w2, self.b2).reshape(b, n, -1)


def fold_net(features: int, size: int) -> NetGraph:
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(size), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=features)
    return net_initialize(NetGraph({"fold": NetFoldOperator(cell)}, [(NetPort("fold", "State"), None)],
                                   Input=("n", features)), seed=0)


class HandFold(nn.Module):
    """The handwritten twin: a Python loop over the steps, state = tanh(W [x_t; state] + b)."""

    def __init__(self, net: NetGraph, size: int):
        super().__init__()
        arrays = net.compile().state_dict()
        self.w = nn.Parameter(arrays["fold.net.lin.Weights"].clone())
        self.b = nn.Parameter(arrays["fold.net.lin.Biases"].clone())
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state = x.new_zeros(x.shape[0], self.size)
        states = []
        for t in range(x.shape[1]):
            state = torch.tanh(F.linear(torch.cat([x[:, t], state], -1), self.w, self.b))
            states.append(state)
        return torch.stack(states, 1)


def sum_net(features: int) -> NetGraph:
    return NetGraph({"sum": SummationLayer()}, [], Input=("n", features))


class HandSum(nn.Module):
    """The handwritten twin: the sum over every dim but the batch's."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum(tuple(range(1, x.dim())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--length", type=int, default=64)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(1)
    batch, length = (4, 8) if args.small else (32, args.length)
    features, hidden, size = (4, 8, 6) if args.small else (64, 256, 64)
    rounds = 2 if args.small else args.rounds
    rows = []
    cases = {"NetMapOperator": (map_net(features, hidden), lambda net: HandMap(net),
                                f"MLP {features}-{hidden}-{features} per element"),
             "NetFoldOperator": (fold_net(features // 2 or 1, size), lambda net: HandFold(net, size),
                                 f"cell {features // 2 or 1}+{size} -> {size}"),
             "SummationLayer": (sum_net(features), lambda net: HandSum(), f"sum of n x {features}")}
    for name, (net, hand_of, size_text) in cases.items():
        ours, hand = net.compile(), hand_of(net)
        x = torch.randn(batch, length, net.input_shapes["Input"][-1], requires_grad=name == "SummationLayer")
        out = ours(x)
        torch.testing.assert_close(out if not isinstance(out, dict) else out["Output"], hand(x))
        result = compare({"netgraph": step(ours, x), "handwritten": step(hand, x)}, rounds=rounds)
        rows.append((name, size_text, f"batch {batch} x length {length}",
                     f"{result.ratio('netgraph', 'handwritten', 'wall'):.2f}",
                     f"{result.ratio('netgraph', 'handwritten', 'cpu'):.2f}"))
        description = result.describe()
    print_table(f"operators, fwd + bwd, netgraph / handwritten ({machine()}, {memory}; {description})", rows,
                ("operator", "model", "input", "ratio (wall)", "ratio (CPU)"))


if __name__ == "__main__":
    main()
