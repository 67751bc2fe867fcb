"""The ELBO training step of specs/vae_elbo.yaml, compiled by netgraph, against the same VAE written by hand
with torch.distributions (tests/vae_reference.py), same arrays, same fused Adam.

Run: python benchmarks/vae_elbo.py [--batch 64] [--rounds 40] [--number 20] [--threads 1] [--device cuda]
One step = forward, loss 8 * mean squared error + KL weight * KL (the --loss mapping net_train uses),
backward, Adam. Implementations run in a shuffled order per round; the ratio is the median of per-round
ratios, in wall and in process CPU time (_common.compare). Goal: CPU-time ratio <= 1.05.
``--device cuda`` runs both on the GPU and reports wall time only (torch.cuda.synchronize() around each sample).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from _common import bench_device, compare, device_option, machine, print_table, synchronizer  # noqa: E402
from tests.vae_reference import RECONSTRUCTION_WEIGHT, HandVAE, copy_initial_arrays, make_data  # noqa: E402

from netgraph import load, net_initialize  # noqa: E402
from netgraph.train.options import parse_method  # noqa: E402


def step_of(model: torch.nn.Module, x: torch.Tensor, kl_weight: float = 0.5):
    opt = parse_method("Adam", 1e-3).optimizer([{"params": list(model.parameters())}])  # net_train's (fused) Adam

    def step() -> None:
        out = model(x) if isinstance(model, HandVAE) else model(Input=x)
        loss = RECONSTRUCTION_WEIGHT * out["Reconstruction"].mean() + kl_weight * out["KL"].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def run(batch: int, rounds: int, number: int, device: torch.device = torch.device("cpu")) -> tuple:
    torch.manual_seed(0)
    ours = net_initialize(load(ROOT / "specs" / "vae_elbo.yaml"), seed=0).compile()
    hand = HandVAE()
    copy_initial_arrays(ours, hand)
    ours.to(device)
    hand.to(device)
    x = make_data(batch).to(device)
    t = compare({"ours": step_of(ours, x), "hand": step_of(hand, x)}, rounds, number, sync=synchronizer(device))
    size = sum(p.numel() for p in ours.parameters())
    cpu = () if t.synchronized else (f"{t.ratio('ours', 'hand', 'cpu'):.3f}",)
    row = (f"VAE 16-32-2 ({size} parameters), batch {batch}", f"{t.median('hand') * 1e3:.3f}",
           f"{t.median('ours') * 1e3:.3f}", f"{t.ratio('ours', 'hand'):.3f}", *cpu)
    where = f" on {device} ({torch.cuda.get_device_name(device)})" if t.synchronized else ""
    print_table(f"ELBO training step{where}; {t.describe()} ({machine()})", [row],
                ("model", "torch.distributions ms", "netgraph ms", "ratio (wall)", *(("ratio (CPU)",) if cpu else ())))
    return row


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--number", type=int, default=20, help="steps in a row per timing sample")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    device_option(p)
    args = p.parse_args(argv)
    device = bench_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    run(args.batch, args.rounds, args.number, device)


if __name__ == "__main__":
    main()
