"""What training metrics cost: one net_train step (forward, loss, backward, fused Adam) of an MLP classifier
with and without the per-batch metric updates net_train(metrics=...) adds, and torchmetrics' import time.

    python benchmarks/metrics_cost.py [--batch 64] [--rounds 30] [--number 20] [--threads 1] [--seed 0]
                                      [--import-reps 3]

Steps are timed with ``_common.compare`` (shuffled order per round, median of per-round ratios, wall and CPU
time). The import is timed in fresh interpreters (median of ``--import-reps``; 0 skips it), beside
``import torch`` alone. Goal: the four classification metrics add at most 10 % to a batch-64 step (not met:
see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch

from _common import compare, machine, print_table
from netgraph import LinearLayer, NetChain, SoftmaxLayer, net_initialize
from netgraph.train.loss import attach_losses
from netgraph.train.metrics import Meter, parse_metrics, plan_metrics

SETS = {"loss only": [], "Accuracy": ["Accuracy"], "Accuracy, Precision, Recall, F1": ["Accuracy", "Precision",
                                                                                       "Recall", "F1"]}


def steps(batch: int) -> dict:
    net = net_initialize(NetChain([LinearLayer(256), "Ramp", LinearLayer(10), SoftmaxLayer()], Input=784), seed=0)
    g = torch.Generator().manual_seed(0)
    data = {"Input": torch.randn(batch, 784, generator=g), "Target": torch.randint(0, 10, (batch,), generator=g)}
    out = {}
    for label, names in SETS.items():
        module, loss = net.compile(), attach_losses(net, None)
        loss.targets(data)
        meter = Meter(plan_metrics(net, loss, parse_metrics(names))) if names else None
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, fused=True)  # as net_train makes it

        def step(module=module, loss=loss, meter=meter, optimizer=optimizer) -> None:
            outputs = {"Output": module(Input=data["Input"])}
            _, total = loss(outputs, data, batch)
            if meter is not None:
                meter.update("train", outputs, data)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
        out[label] = step
    return out


def import_seconds(statement: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--number", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--import-reps", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    result = compare(steps(args.batch), rounds=args.rounds, number=args.number, seed=args.seed)
    rows = [(label, f"{result.median(label) * 1e3:.3f}", f"{result.ratio(label, 'loss only'):.3f}",
             f"{result.ratio(label, 'loss only', 'cpu'):.3f}") for label in SETS]
    print(f"{machine()}; MLP 784-256-10, batch {args.batch}")
    print_table(f"training step with metric updates ({result.describe()})", rows,
                ("metrics", "ms/step (wall)", "ratio (wall)", "ratio (CPU)"))
    if args.import_reps < 1:
        return
    torch_s = import_seconds("import torch", args.import_reps)
    metrics_s = import_seconds("import torch, torchmetrics", args.import_reps)
    print_table(f"import time (fresh interpreter, median of {args.import_reps})",
                [("import torch", f"{torch_s:.2f}"), ("import torch, torchmetrics", f"{metrics_s:.2f}"),
                 ("torchmetrics alone", f"{metrics_s - torch_s:.2f}")], ("statement", "seconds"))


if __name__ == "__main__":
    main()
