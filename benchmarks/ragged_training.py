"""Ragged training data: padded batches with lengths against length groups, one training round each.

The same sequences (lengths drawn uniformly), the same net (embedding, LSTM or GRU, SequenceLast, linear,
softmax) and the same Adam step; what differs is how net_train batches the data: ``PaddedBatches`` (any
lengths in a batch, padded, the compiled padded module with the lengths; what net_train uses now) or
``LengthBuckets`` (one length per batch, the plain module; net_train's fallback). Timed: one full pass over the
data (forward, loss, backward, optimizer step for every batch); each round runs both in a freshly shuffled
order; a ratio is the median of per-round ratios (see _common.compare).

    python benchmarks/ragged_training.py            # 1024 sequences of lengths 4..64, state 64, batch 32, 1 thread
    python benchmarks/ragged_training.py --small    # tiny sizes (the test suite runs this)
"""

from __future__ import annotations

import argparse

import torch

from _common import allocator, allocator_option, compare, machine, print_table
from netgraph import (EmbeddingLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      SequenceLastLayer, SoftmaxLayer, net_initialize)
from netgraph.backend.masks import compile_padded
from netgraph.train.buckets import LengthBuckets, PaddedBatches


def data(count: int, shortest: int, longest: int, tokens: int) -> dict:
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(shortest, longest + 1, (count,), generator=g).tolist()
    return {"Input": [torch.randint(0, tokens, (n,), generator=g) for n in lengths],
            "Target": torch.randint(0, 2, (count,), generator=g)}


def one_pass(module: torch.nn.Module, batches, keys: tuple[str, ...]) -> callable:
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)

    def run() -> None:
        for batch in batches:
            probabilities = module(**{k: batch[k] for k in keys if k in batch})
            loss = torch.nn.functional.nll_loss(probabilities.clamp_min(1e-12).log(), batch["Target"])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--count", type=int, default=1024)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(args.threads)
    count, shortest, longest, size, batch = (48, 2, 6, 4, 8) if args.small else (args.count, 4, 64, 64, 32)
    rounds = 1 if args.small else args.rounds
    columns = data(count, shortest, longest, tokens=20)
    rows = []
    for recurrent in (GatedRecurrentLayer, LongShortTermMemoryLayer):
        net = net_initialize(NetChain([EmbeddingLayer(16, 20), recurrent(size), SequenceLastLayer(), LinearLayer(2),
                                       SoftmaxLayer()], input=["n"]), seed=0)
        groups = LengthBuckets(columns, batch, "data")
        padded_module = compile_padded(net, ("Input",))
        padded = PaddedBatches(groups, padded_module._netgraph_lengths_arguments)
        keys = ("Input", *padded_module._netgraph_lengths_arguments.values())
        result = compare({"padded": one_pass(padded_module, padded, keys),
                          "groups": one_pass(net.compile(), groups, ("Input",))}, rounds=rounds, warmup=1)
        rows.append((recurrent.__name__, len(padded), len(groups), f"{result.median('padded', 'cpu'):.3f}",
                     f"{result.median('groups', 'cpu'):.3f}", f"{result.ratio('padded', 'groups', 'wall'):.2f}",
                     f"{result.ratio('padded', 'groups', 'cpu'):.2f}"))
    print(f"{count} sequences of lengths {shortest}..{longest}, state size {size}, batch {batch}; {machine()}, {memory}")
    print_table(f"one training round, padded batches / length groups; {result.describe()}", rows,
                ("layer", "padded batches", "length batches", "padded CPU s", "groups CPU s", "ratio (wall)",
                 "ratio (CPU)"))


if __name__ == "__main__":
    main()
