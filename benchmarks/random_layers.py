"""RandomArrayLayer: draw cost against raw torch, and the Bernoulli gradient estimator's spread.

Run: python benchmarks/random_layers.py [--small] [--reps 50] [--estimates 5000]
Prints, in one run:
  1. the median time of a NormalDistribution("#mu", "#sigma") draw of 4096 x 256 through a compiled
     NetGraph, forward + backward, over raw ``torch.distributions.Normal(mu, sigma).rsample()`` on the
     same tensors (goal <= 1.05x), with torch's default threads and with one thread, as ratios of
     median wall time and of median process CPU time (robust when other processes share the machine);
     a Gamma row shows the cost of the small-shape-safe Gamma draw against ``Gamma.rsample``.
  2. the toy f(b) = (b - 0.45)^2, b ~ Bernoulli(sigmoid(eta)), eta = 0 (exact d/d eta = 0.025): mean and
     std of the gradient from the layer's default estimator (score function, leave-one-out baseline over
     a batch of 2; running-mean baseline with batch 1) next to plain REINFORCE and the opt-in biased ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table  # noqa: E402

from netgraph import BernoulliDistribution, GammaDistribution, NetGraph, NormalDistribution, RandomArrayLayer  # noqa: E402

T, EXACT = 0.45, 0.25 * (1 - 2 * 0.45)  # theta (1 - theta)(1 - 2t) at theta = 0.5


def draw_timing(batch: int, width: int, reps: int, threads: int | None = None) -> list[tuple]:
    """Rows (case, ours ms, torch ms, wall-time ratio, CPU-time ratio) for Normal and Gamma, forward + backward."""
    normal = NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"))], [], mu=width, sigma=width).compile()
    gamma = NetGraph([RandomArrayLayer(GammaDistribution("#a", "#b"))], [], a=width, b=width).compile()
    mu = torch.randn(batch, width, requires_grad=True)
    sigma = (torch.rand(batch, width) + 0.5).requires_grad_()
    alpha = (torch.rand(batch, width) * 3 + 0.05).requires_grad_()

    def run(fn):
        def step():
            for t in (mu, sigma, alpha):
                t.grad = None
            fn().sum().backward()
        return step

    fns = {
        "normal ours": run(lambda: normal(mu=mu, sigma=sigma)),
        "normal torch": run(lambda: torch.distributions.Normal(mu, sigma).rsample()),
        "gamma ours": run(lambda: gamma(a=alpha, b=sigma)),
        "gamma torch": run(lambda: torch.distributions.Gamma(alpha, 1 / sigma).rsample()),
    }
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        wall, cpu = interleaved(fns, warmup=3, reps=reps)
    finally:
        torch.set_num_threads(before)
    med = {k: statistics.median(v) for k, v in wall.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    rows = []
    for case in ("normal", "gamma"):
        o, r = f"{case} ours", f"{case} torch"
        rows.append((f"{case.capitalize()} {batch}x{width}", threads or before, f"{med[o] * 1e3:.2f}",
                     f"{med[r] * 1e3:.2f}", f"{med[o] / med[r]:.3f}", f"{cpu_med[o] / cpu_med[r]:.3f}"))
    return rows


def interleaved(fns: dict, warmup: int, reps: int) -> tuple[dict, dict]:
    """Wall and process CPU seconds per call of each function over ``reps`` rounds, run A B A B ...

    Interleaving makes load drift hit all alike; CPU time is robust to other processes on a shared machine.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return wall, cpu


def _toy_module(estimator: str | None = None):
    layer = RandomArrayLayer(BernoulliDistribution("#p"), estimator=estimator)
    return NetGraph([layer], [], p=()).compile()


def _estimates(module, batch: int, n: int) -> list[float]:
    """``n`` gradient estimates d/d eta, each from one step with ``batch`` draws and the surrogate term."""
    out = []
    for _ in range(n):
        eta = torch.zeros((), requires_grad=True)
        b = module(p=torch.sigmoid(eta).expand(batch))
        losses = (b - T) ** 2
        (losses.mean() + module.surrogate_loss(losses)).backward()
        out.append(float(eta.grad))
    return out


def bernoulli_spread(n: int) -> list[tuple]:
    """Rows (estimator, draws per estimate, mean, std) for the t = 0.45, theta = 0.5 toy."""
    torch.manual_seed(0)
    rows = {"score function + leave-one-out (default)": (2, _estimates(_toy_module(), 2, n)),
            "score function + running mean": (1, _estimates(_toy_module(), 1, n))}
    b = torch.bernoulli(torch.full((n, 2), 0.5))
    f = (b - T) ** 2
    rows["plain REINFORCE"] = (1, (f[:, 0] * (b[:, 0] - 0.5)).tolist())
    rows["plain REINFORCE, mean of 2"] = (2, (f * (b - 0.5)).mean(1).tolist())
    rows["straight_through (biased)"] = (1, _estimates(_toy_module("straight_through"), 1, n))
    rows["relaxed, temperature 0.5 (biased)"] = (1, _estimates(_toy_module("relaxed"), 1, n))
    return [(name, k, f"{statistics.fmean(v):+.4f}", f"{statistics.stdev(v):.4f}") for name, (k, v) in rows.items()]


def main(small: bool = False, reps: int = 50, estimates: int = 5000) -> dict[str, list[tuple]]:
    batch, width = (64, 16) if small else (4096, 256)
    print(f"RandomArrayLayer benchmark on {machine()}")
    reps = 3 if small else reps
    timing = draw_timing(batch, width, reps) + draw_timing(batch, width, reps, threads=1)
    print_table("Draw, forward + backward (median ms); goal ratio <= 1.05 for Normal", timing,
                ("draw", "threads", "netgraph", "torch.distributions", "ratio (wall)", "ratio (CPU time)"))
    spread = bernoulli_spread(200 if small else estimates)
    print_table(f"Bernoulli toy f(b) = (b - {T})^2, theta = 0.5: d/d logit, exact {EXACT:.3f} "
                "(reference std: leave-one-out .025, REINFORCE .126, REINFORCE mean of 2 .089)",
                spread, ("estimator", "draws", "mean", "std"))
    return {"timing": timing, "spread": spread}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--estimates", type=int, default=5000)
    args = parser.parse_args()
    main(args.small, args.reps, args.estimates)
