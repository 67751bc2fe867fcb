"""torch.compile of a net with a score-function draw: the compiled module draws afresh at each call (no draw baked
into the graph) and records its score for surrogate_loss, as the module itself does; compiling it shows no torch
warning (dynamo met the record's thread-local bookkeeping and warned it could not trace ``_thread.get_ident``)."""

from __future__ import annotations

import warnings

import torch

from netgraph import GammaDistribution, NetGraph, RandomArrayLayer


def _draw_and_gradient(module, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    a = torch.full((2_000,), 2.0, requires_grad=True)
    torch.manual_seed(seed)
    x = module(a=a)
    (x.sum() + module.surrogate_loss(x) * x.numel()).backward()
    return x.detach(), a.grad


def test_a_compiled_score_function_draw_is_fresh_per_call_and_scored_as_eager():
    module = NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.0), estimator="score_function")], [], a=()).compile()
    compiled = torch.compile(module, backend="aot_eager")  # dynamo's capture, without inductor's code generation
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("default")
        first, first_grad = _draw_and_gradient(compiled, 0)
        second, _ = _draw_and_gradient(compiled, 1)
    assert not [str(w.message) for w in shown]
    eager, eager_grad = _draw_and_gradient(module, 0)
    assert not torch.equal(first, second)
    assert torch.equal(first, eager)
    torch.testing.assert_close(first_grad, eager_grad)
