"""``surrogate_loss`` on one module from several threads at once: each thread's term scores its own draws against its
own losses. The records were per module: the first thread to call it took every thread's draws, scored against its
losses, and the others got a term without gradient."""

from __future__ import annotations

import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from netgraph import BernoulliDistribution, CategoricalDistribution, NetGraph, RandomArrayLayer
from netgraph.layers.estimators import EstimatorWarning, surrogate_loss

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


def _layer(distribution=None):
    """One drawing layer 'coin' (a Bernoulli by default; a Categorical over 3 classes draws integers)."""
    port = 3 if isinstance(distribution, CategoricalDistribution) else ()
    return NetGraph({"coin": RandomArrayLayer(distribution or BernoulliDistribution("#p"))}, [], p=port).compile()


def _in_thread(function):
    """``function()`` run in a new thread, which has ended when this returns."""
    box = {}
    thread = threading.Thread(target=lambda: box.update(value=function()))
    thread.start()
    thread.join(60)
    return box["value"]


def _in_pool(pool: ThreadPoolExecutor, function):
    return pool.submit(function).result(60)


@pytest.mark.parametrize("distribution, shape", [(BernoulliDistribution("#p"), (N,)),
                                                 (CategoricalDistribution("#p"), (N, 3))])  # integer draws: held
@pytest.mark.parametrize("where", ["thread", "pool"])
def test_a_term_taken_in_another_thread_than_the_draws_warns_naming_the_remedy(distribution, shape, where):
    """It returned a term without gradient and no warning: forward in an executor (or asyncio.to_thread) with the loss
    taken in the main thread trained nothing."""
    module, p = _layer(distribution), torch.full(shape, 0.3 if len(shape) == 1 else 1 / 3, requires_grad=True)
    with ThreadPoolExecutor(1) as pool:  # the pool's thread is alive when the term is taken; a plain thread has ended
        drawn = _in_thread(lambda: module(p=p)) if where == "thread" else _in_pool(pool, lambda: module(p=p))
        losses = (drawn.float() - T) ** 2
        with pytest.warns(EstimatorWarning, match=r"'coin'.*drew in another thread.*take the surrogate term in the "
                                                  r"thread that drew"):
            term = module.surrogate_loss(losses)
    assert not term.requires_grad


def test_a_term_with_no_draws_anywhere_does_not_warn():
    module = _layer()
    _in_thread(lambda: module.surrogate_loss(module(p=torch.full((N,), 0.3, requires_grad=True)) - T))  # taken there
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not module.surrogate_loss(torch.zeros(N)).requires_grad


def test_a_thread_does_not_take_the_draws_of_a_finished_thread_whose_id_it_reuses():
    """Records were kept by thread id, which the system hands on to a later thread (a pool's, or the next one
    started): that thread took the finished one's draws as its own."""
    module, kept = _layer(), []

    def draw_only() -> torch.Tensor:
        p = torch.full((N,), 0.5, requires_grad=True)
        kept.append(module(p=p))  # the draws stay alive; no term is taken for them
        return p

    def draw_and_take() -> None:
        b = module(p=torch.full((N,), 0.2, requires_grad=True))
        module.surrogate_loss((b - T).detach() ** 2).backward()

    for _ in range(4):
        p = _in_thread(draw_only)
        _in_thread(draw_and_take)
        assert p.grad is None


def test_finished_threads_leave_no_records_behind():
    module, p = _layer(CategoricalDistribution("#p")), torch.full((N, 3), 1 / 3, requires_grad=True)
    for _ in range(20):
        _in_thread(lambda: module(p=p))  # integer draws: the layer holds their records, per thread
    module(p=p)
    layer = next(m for m in module.modules() if hasattr(m, "_held"))
    assert (len(layer._pending), len(layer._held)) == (1, 1)  # this thread's: the 20 finished threads' are dropped


def _drawn_elsewhere():
    """A layer, and the per-example losses of draws it made in another thread."""
    module, p = _layer(), torch.full((N,), 0.3, requires_grad=True)
    return module, (_in_thread(lambda: module(p=p)).float() - T) ** 2


@pytest.mark.parametrize("call", ["method", "function"])
def test_the_warning_of_draws_made_elsewhere_points_at_the_callers_line(call):
    """Its stacklevel assumed CompiledNet.surrogate_loss: called as estimators.surrogate_loss it named netgraph's
    line."""
    module, losses = _drawn_elsewhere()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        module.surrogate_loss(losses) if call == "method" else surrogate_loss(module, losses)
    [warning] = [w for w in caught if issubclass(w.category, EstimatorWarning)]
    assert (warning.filename, warning.lineno) == (__file__, line)
