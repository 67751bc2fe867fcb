"""A text table trained by net_train from its .jsonl file against the loop a user would write by hand.

The same file of N rows (1-8 tokens of 7, a label of 2), the same net (embedding 4, mean over the tokens, linear,
softmax) and Adam; timed: one call, from reading the file to the end of one training round. net_train reads and
checks the table, encodes each value once and trains on padded batches with their lengths; the handwritten loop
reads the rows with json.loads, makes one token tensor a row, pads each batch with pad_sequence and takes the mean
under a mask. Each round runs both in a freshly shuffled order; a ratio is the median of per-round ratios (see
_common.compare), on CPU time as well as wall time.

    python benchmarks/text_table.py                 # 100,000 rows, batch 4096, 3 rounds, 1 thread
    python benchmarks/text_table.py --small         # tiny sizes (the test suite runs this)
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import torch

from _common import allocator, allocator_option, compare, machine, print_table
from netgraph import (AggregationLayer, ClassDecoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer,
                      TokensEncoder, net_train)

TOKENS, LABELS = list("abcdefg"), ["pos", "neg"]


def write_table(path: Path, rows: int) -> None:
    """``rows`` rows of 1-8 random tokens and a random label, seeded."""
    draw = random.Random(0)
    path.write_text("".join(json.dumps({"text": " ".join(draw.choices(TOKENS, k=draw.randint(1, 8))),
                                        "label": draw.choice(LABELS)}) + "\n" for _ in range(rows)))


def with_netgraph(path: Path, batch: int) -> None:
    net = NetChain([EmbeddingLayer(4), AggregationLayer("Mean", 1), LinearLayer(2), SoftmaxLayer()],
                   input=TokensEncoder(TOKENS), output=ClassDecoder(LABELS))
    net_train(net, str(path), batch_size=batch, max_training_rounds=1, random_seed=0, progress=False,
              method=("Adam", {"fused": False}))


def by_hand(path: Path, batch: int) -> None:
    vocabulary, labels = {c: i + 2 for i, c in enumerate(TOKENS)}, {c: i for i, c in enumerate(LABELS)}
    with open(path) as lines:
        rows = [json.loads(line) for line in lines]
    tokens = [torch.tensor([vocabulary.get(w, 1) for w in row["text"].split()]) for row in rows]
    targets = torch.tensor([labels[row["label"]] for row in rows])
    embedding, linear = torch.nn.Embedding(len(TOKENS) + 2, 4), torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam([*embedding.parameters(), *linear.parameters()], foreach=False)
    order = torch.randperm(len(rows))
    for start in range(0, len(rows), batch):
        index = order[start:start + batch].tolist()
        sequences = [tokens[i] for i in index]
        lengths = torch.tensor([len(s) for s in sequences])
        padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
        mask = (torch.arange(padded.shape[1])[None] < lengths[:, None]).float()
        mean = (embedding(padded) * mask[..., None]).sum(1) / lengths[:, None]
        loss = torch.nn.functional.cross_entropy(linear(mean), targets[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(1)
    rows, batch, rounds = (200, 32, 1) if args.small else (args.rows, args.batch, args.rounds)
    with tempfile.TemporaryDirectory() as folder:
        path, warm = Path(folder) / "table.jsonl", Path(folder) / "warm.jsonl"
        write_table(path, rows)
        write_table(warm, 100)  # each side's first call (imports, first use) on a small table, untimed
        with_netgraph(warm, batch)
        by_hand(warm, batch)
        result = compare({"netgraph": lambda: with_netgraph(path, batch), "by hand": lambda: by_hand(path, batch)},
                         rounds=rounds, warmup=0)
    print(f"{rows:,} rows of 1-8 tokens, batch {batch}, one thread; {machine()}, {memory}")
    print_table(f"read the .jsonl file and train one round; {result.describe()}",
                [(f"{result.median('netgraph', 'cpu'):.2f}", f"{result.median('by hand', 'cpu'):.2f}",
                  f"{result.ratio('netgraph', 'by hand', 'wall'):.2f}",
                  f"{result.ratio('netgraph', 'by hand', 'cpu'):.2f}")],
                ("netgraph CPU s", "by hand CPU s", "ratio (wall)", "ratio (CPU)"))


if __name__ == "__main__":
    main()
