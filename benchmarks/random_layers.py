"""RandomArrayLayer: draw cost against raw torch, and the Bernoulli gradient estimator's spread.

Run: python benchmarks/random_layers.py [--small] [--rounds 30] [--estimates 5000] [--steps-only]
Prints, in one run (``--steps-only``: table 2 alone):
  1. the median time of a NormalDistribution("#mu", "#sigma") draw of 4096 x 256 through a compiled
     NetGraph, forward + backward, over raw ``torch.distributions.Normal(mu, sigma).rsample()`` on the
     same tensors (goal <= 1.05x), with torch's default threads and with one thread, as the median of
     per-round ratios of wall and of process CPU time, in a shuffled order per round (_common.compare);
     a Gamma row shows the cost of the small-shape-safe Gamma draw against ``Gamma.rsample``.
  1b. the cost of the parameter check (``checks="auto"``) of a Gamma forward draw of 4096 x 8 with small shapes
     (0.05 to 2.05) beside scale 1 and beside scale slots, against ``checks=False`` and ``Gamma.rsample`` (one thread);
  2. one score-function training step of each discrete distribution (Bernoulli, Binomial, Poisson,
     NegativeBinomial; batch/4 x width, one thread) against the same leave-one-out estimator written by
     hand in torch (benchmarks/estimator_twins.py; goal <= 1.1x);
  3. the toy f(b) = (b - 0.45)^2, b ~ Bernoulli(sigmoid(eta)), eta = 0 (exact d/d eta = 0.025): mean and
     std of the gradient from the layer's default estimator (score function, leave-one-out baseline over
     a batch of 2; running-mean baseline with batch 1) next to plain REINFORCE and the opt-in biased ones.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import allocator, allocator_option, compare, machine, print_table  # noqa: E402
from estimator_twins import CASES, hand_step, ours_step  # noqa: E402

from netgraph import BernoulliDistribution, GammaDistribution, NetGraph, NormalDistribution, RandomArrayLayer  # noqa: E402

T, EXACT = 0.45, 0.25 * (1 - 2 * 0.45)  # theta (1 - theta)(1 - 2t) at theta = 0.5


@contextlib.contextmanager
def _threads(count: int | None) -> Iterator[int]:
    """torch's thread count ``count`` inside (its current one where None), which it yields; the old one after."""
    before = torch.get_num_threads()
    torch.set_num_threads(count or before)
    try:
        yield count or before
    finally:
        torch.set_num_threads(before)


def draw_timing(batch: int, width: int, rounds: int, threads: int | None = None) -> list[tuple]:
    """Rows (case, ours ms, torch ms, wall-time ratio, CPU-time ratio) for Normal and Gamma, forward + backward."""
    normal = NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"))], [], mu=width, sigma=width).compile()
    gamma = NetGraph([RandomArrayLayer(GammaDistribution("#a", "#b"))], [], a=width, b=width).compile()
    mu = torch.randn(batch, width, requires_grad=True)
    sigma = (torch.rand(batch, width) + 0.5).requires_grad_()
    alpha = (torch.rand(batch, width) * 3 + 0.1).requires_grad_()  # 0.05: a few (0.053, 0.5) pairs hold 1% at the floor

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
    with _threads(threads) as used:
        t = compare(fns, rounds, warmup=3)
    rows = []
    for case in ("normal", "gamma"):
        o, r = f"{case} ours", f"{case} torch"
        rows.append((f"{case.capitalize()} {batch}x{width}", used, f"{t.median(o) * 1e3:.2f}",
                     f"{t.median(r) * 1e3:.2f}", f"{t.ratio(o, r):.3f}", f"{t.ratio(o, r, 'cpu'):.3f}"))
    return rows


CHECK_CASES = {"scale 1": None, "scale in [1, 2]": 1.0, "scale in [0.95, 1.95]": 0.95}  #: the scale slot's least


def check_timing(batch: int, width: int, rounds: int) -> list[tuple]:
    """Rows (case, auto ms, unchecked ms, torch ms, auto/unchecked and auto/torch, wall · CPU): a Gamma forward
    draw with small shapes (0.05 to 2.05), its parameter check on (``checks="auto"``) and off, against
    ``Gamma.rsample``, on one thread, beside scale 1 and beside a scale slot (``CHECK_CASES``)."""
    torch.manual_seed(0)
    alpha, fns = torch.empty(batch, width).uniform_(0.05, 2.05), {}
    for case, least in CHECK_CASES.items():
        beta = torch.ones(batch, width) if least is None else torch.empty(batch, width).uniform_(least, least + 1)
        dist, inputs = (GammaDistribution("#a", 1.0), {"a": alpha}) if least is None else (
            GammaDistribution("#a", "#b"), {"a": alpha, "b": beta})
        net = NetGraph([RandomArrayLayer(dist)], [], **{k: width for k in inputs})
        auto, off = net.compile(), net.compile(checks=False)
        fns |= {f"{case} auto": lambda m=auto, i=inputs: m(**i), f"{case} off": lambda m=off, i=inputs: m(**i),
                f"{case} torch": lambda r=1 / beta: torch.distributions.Gamma(alpha, r).rsample()}
    with _threads(1):
        t = compare(fns, rounds, warmup=3)
    return [(f"Gamma {batch}x{width}, {case}", *(f"{t.median(f'{case} {k}') * 1e3:.2f}" for k in ("auto", "off",
                                                                                            "torch")),
             *(" · ".join(f"{t.ratio(f'{case} auto', f'{case} {k}', clock):.3f}" for clock in ("wall", "cpu"))
               for k in ("off", "torch"))) for case in CHECK_CASES]


def estimator_timing(batch: int, width: int, rounds: int, threads: int | None = None) -> list[tuple]:
    """Rows (distribution, ours ms, handwritten ms, wall ratio, CPU ratio): one score-function training step
    (draw, per-example loss, leave-one-out surrogate, backward) through the layer vs written by hand."""
    rows = []
    with _threads(threads) as used:
        for case in CASES:
            torch.manual_seed(0)
            logits = (torch.randn(batch, width) * 0.5).requires_grad_()
            t = compare({"ours": ours_step(case, logits), "hand": hand_step(case, logits)}, rounds, warmup=3)
            rows.append((f"{case.name} {batch}x{width}", used, f"{t.median('ours') * 1e3:.2f}",
                         f"{t.median('hand') * 1e3:.2f}", f"{t.ratio('ours', 'hand'):.3f}",
                         f"{t.ratio('ours', 'hand', 'cpu'):.3f}"))
    return rows


def _toy_module(estimator: str | None = None):
    layer = RandomArrayLayer(BernoulliDistribution("#p"), estimator=estimator)
    return NetGraph([layer], [], p=()).compile()


def toy_estimates(module, batch: int, n: int) -> list[float]:
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
    rows = {"score function + leave-one-out (default)": (2, toy_estimates(_toy_module(), 2, n)),
            "score function + running mean": (1, toy_estimates(_toy_module(), 1, n))}
    b = torch.bernoulli(torch.full((n, 2), 0.5))
    f = (b - T) ** 2
    rows["plain REINFORCE"] = (1, (f[:, 0] * (b[:, 0] - 0.5)).tolist())
    rows["plain REINFORCE, mean of 2"] = (2, (f * (b - 0.5)).mean(1).tolist())
    rows["straight_through (biased)"] = (1, toy_estimates(_toy_module("straight_through"), 1, n))
    rows["relaxed, temperature 0.5 (biased)"] = (1, toy_estimates(_toy_module("relaxed"), 1, n))
    return [(name, k, f"{statistics.fmean(v):+.4f}", f"{statistics.stdev(v):.4f}") for name, (k, v) in rows.items()]


def main(small: bool = False, rounds: int = 30, estimates: int = 5000, adaptive_malloc: bool = False,
         steps_only: bool = False) -> dict[str, list[tuple]]:
    batch, width = (64, 16) if small else (4096, 256)
    print(f"RandomArrayLayer benchmark on {machine()}, {allocator(adaptive_malloc)}")
    rounds = 3 if small else rounds
    how = (f"{rounds} rounds, order shuffled per round (seeded); ratio = median of per-round ratios of wall "
           "and of process CPU time")
    timing = [] if steps_only else draw_timing(batch, width, rounds) + draw_timing(batch, width, rounds, threads=1)
    if timing:
        print_table(f"Draw, forward + backward (median ms); goal ratio <= 1.05 for Normal; {how}", timing,
                    ("draw", "threads", "netgraph", "torch.distributions", "ratio (wall)", "ratio (CPU time)"))
    if not steps_only:
        print_table(f"Parameter check of a forward Gamma draw, small shapes, one thread (median ms); {how}",
                    check_timing(batch, width // 32 if not small else width, rounds),
                    ("draw", "checks auto", "checks off", "Gamma.rsample", "auto / off (wall · CPU)",
                     "auto / torch (wall · CPU)"))
    estimator = estimator_timing(batch // 4, width, rounds, threads=1)
    print_table(f"Score-function training step (draw, loss, leave-one-out surrogate, backward) vs the same written "
                f"by hand (median ms); goal ratio <= 1.1; {how}", estimator,
                ("distribution", "threads", "netgraph", "handwritten", "ratio (wall)", "ratio (CPU time)"))
    if steps_only:
        return {"timing": timing, "estimator": estimator, "spread": []}
    spread = bernoulli_spread(200 if small else estimates)
    print_table(f"Bernoulli toy f(b) = (b - {T})^2, theta = 0.5: d/d logit, exact {EXACT:.3f} "
                "(reference std: leave-one-out .025, REINFORCE .126, REINFORCE mean of 2 .089)",
                spread, ("estimator", "draws", "mean", "std"))
    return {"timing": timing, "estimator": estimator, "spread": spread}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--estimates", type=int, default=5000)
    parser.add_argument("--steps-only", action="store_true", help="only the discrete training-step table")
    allocator_option(parser)
    args = parser.parse_args()
    main(args.small, args.rounds, args.estimates, args.adaptive_malloc, args.steps_only)
