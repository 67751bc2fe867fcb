"""``surrogate_loss`` on one module from several threads at once: each thread's term scores its own draws against its
own losses. The records were per module: the first thread to call it took every thread's draws, scored against its
losses, and the others got a term without gradient."""

from __future__ import annotations

import threading

import torch

from netgraph import BernoulliDistribution, NetGraph, RandomArrayLayer

T, N, THREADS = 0.45, 6, 8


def _expected_grad(p: torch.Tensor, b: torch.Tensor, losses: torch.Tensor) -> torch.Tensor:
    """The leave-one-out score-function gradient of mean(losses) w.r.t. each example's p: the advantage (the loss minus
    the others' mean, over N) times d log p(b)/dp, 1/p for b = 1 and -1/(1-p) for b = 0."""
    others = (losses.sum() - losses) / (N - 1)
    score = torch.where(b == 1, 1 / p, -1 / (1 - p))
    return (losses - others) / N * score


def test_threads_calling_surrogate_loss_on_one_module_each_get_the_term_of_their_own_draws():
    module = NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=()).compile()
    drawn, start = threading.Barrier(THREADS), threading.Barrier(THREADS)
    results, failures = {}, []

    def run(i: int) -> None:
        try:
            p = torch.full((N,), 0.1 + 0.1 * i, requires_grad=True)
            start.wait(30)
            b = module(p=p)
            losses = (b - T).detach() ** 2  # per example; the gradient comes from the surrogate term alone
            drawn.wait(30)  # every thread's draws are recorded before any thread takes its term
            term = module.surrogate_loss(losses)
            term.backward()
            results[i] = (p.detach(), b.detach(), losses, p.grad, float(term.detach()))
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    torch.manual_seed(0)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and len(results) == THREADS
    for i, (p, b, losses, grad, value) in sorted(results.items()):
        assert value == 0.0
        assert grad is not None, f"thread {i}: no gradient"
        torch.testing.assert_close(grad, _expected_grad(p, b, losses), msg=f"thread {i}")
