"""The EstimatorWarning about a score-function layer backpropagated without its surrogate term, from backward passes
running in several threads at once: each pass warns, at its own end and in its own thread, about the layers it met,
once per layer. The layers met were kept in one module-level list for whichever pass ended first: a pass could warn
about another thread's layers (under that thread's warning filters) and the other pass said nothing."""

from __future__ import annotations

import sys
import threading
import warnings

import pytest
import torch

from netgraph import BernoulliDistribution, NetGraph, RandomArrayLayer
from netgraph.layers.estimators import EstimatorWarning

T = 0.45


def _coin(name: str) -> torch.nn.Module:
    return NetGraph({name: RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=()).compile()


def _loss(module: torch.nn.Module) -> torch.Tensor:
    """A loss through ``module``'s draws, without the surrogate term."""
    return ((module(p=torch.full((4,), 0.3, requires_grad=True)) - T) ** 2).mean()


class _Hold(torch.autograd.Function):
    """Identity; its backward says it was ``reached`` and waits until ``resume`` is set."""

    @staticmethod
    def forward(ctx, x, reached, resume):
        ctx.reached, ctx.resume = reached, resume
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        ctx.reached.set()
        assert ctx.resume.wait(30)
        return grad, None, None


class _Shown:
    """Every warning shown while it is entered, with the name of the thread that showed it."""

    def __enter__(self):
        self.shown, self._catch = [], warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, *_: self.shown.append(
            (threading.current_thread().name, category, str(message)))
        return self.shown

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)


def _thread(name: str, target) -> threading.Thread:
    failures = []

    def run():
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
    thread = threading.Thread(target=run, name=name)
    thread.failures = failures
    return thread


def test_a_backward_pass_warns_about_the_layers_it_met_while_another_threads_pass_ends_first():
    """Thread A's pass meets layer 'a', then holds; thread B's pass meets 'b' and ends; then A's ends. B's end
    warned about 'a' and 'b' together (in thread B), and A's said nothing."""
    reached, resume = threading.Event(), threading.Event()
    a, b = _coin("a"), _coin("b")

    def first():
        held = _Hold.apply(torch.zeros(1, requires_grad=True), reached, resume)  # made first: its backward runs last
        (held.sum() + _loss(a)).backward()

    def second():
        _loss(b).backward()

    with _Shown() as shown:
        thread_a, thread_b = _thread("A", first), _thread("B", second)
        thread_a.start()
        assert reached.wait(30)
        thread_b.start()
        thread_b.join(30)
        resume.set()
        thread_a.join(30)
    assert thread_a.failures == thread_b.failures == []
    assert sorted((thread, category) for thread, category, _ in shown) == [("A", EstimatorWarning),
                                                                          ("B", EstimatorWarning)]
    for thread, _, message in shown:
        assert message.startswith(f"layer '{thread.lower()}' ") and "other layers" not in message, message


@pytest.mark.parametrize("seed", range(3))
def test_threads_backpropagating_through_one_layer_at_once_warn_about_it_once(seed):
    """Each of 8 threads backpropagates its own loss through the same layer, started together, thread switches
    forced often (the check and the flag of 'warned before' were apart): one warning in all."""
    torch.manual_seed(seed)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            module = _coin("coin")
            losses = [_loss(module) for _ in range(8)]
            start = threading.Barrier(len(losses))
            threads = [_thread(str(i), lambda loss=loss: (start.wait(30), loss.backward())) for i, loss in
                       enumerate(losses)]
            with _Shown() as shown:
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(30)
            assert [t.failures for t in threads] == [[]] * len(threads)
            assert [category for _, category, _ in shown] == [EstimatorWarning]
    finally:
        sys.setswitchinterval(interval)
