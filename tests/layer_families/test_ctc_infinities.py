"""CTCLossLayer: inf with gradient 0 where no alignment exists (torch: NaN), the true gradient on probabilities, float16."""

from __future__ import annotations

import itertools

import pytest
import torch

from netgraph import CTCLossLayer, NetGraph, interpret

# input length 3, blank 3: [0, 1] fits, [0, 0] needs 3 steps (a blank between), [0, 0, 1] needs 4, [0, 1, 2, 0] 4
TARGETS = torch.tensor([[0, 1, -1, -1], [0, 0, -1, -1], [0, 0, 1, -1], [0, 1, 2, 0], [2, 2, 2, -1]])
POSSIBLE = torch.tensor([True, True, False, False, False])


def _run(logits: bool, compiled: bool, dtype: torch.dtype = torch.float32):
    net = NetGraph([CTCLossLayer(logits=logits)], [], Input=(3, 4))
    module = net.compile().to(dtype)
    scores = torch.randn(len(TARGETS), 3, 4, generator=torch.Generator().manual_seed(0))
    x = (scores if logits else scores.softmax(-1) * 1.5).to(dtype).requires_grad_(True)  # probabilities: any > 0
    loss = module(Input=x, Target=TARGETS) if compiled else interpret(net, module, Input=x, Target=TARGETS)
    loss.sum().backward()
    return x, loss.detach(), x.grad


def _by_enumeration(probs: torch.Tensor, target: list[int], blank: int = 3) -> torch.Tensor:
    """-log of the summed probability of every path collapsing to ``target``, differentiable (inf if none)."""
    paths = [path for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0])
             if [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])] == target]
    total = sum((torch.stack([probs[i, c] for i, c in enumerate(path)]).prod() for path in paths), probs.new_zeros(()))
    return -total.log()


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("compiled", [True, False])
def test_impossible_alignments_are_inf_with_zero_gradient(logits, compiled):
    x, loss, grad = _run(logits, compiled, torch.float64)
    y = x.detach().requires_grad_(True)
    probs = y.softmax(-1) if logits else y
    expected = torch.stack([_by_enumeration(p, [int(c) for c in t if c >= 0]) for p, t in zip(probs, TARGETS)])
    expected[POSSIBLE].sum().backward()
    assert torch.equal(torch.isinf(expected), ~POSSIBLE)
    torch.testing.assert_close(loss, expected.detach())
    assert torch.isfinite(grad).all(), grad  # torch's NaN for the impossible ones spreads to a batch's sum
    assert torch.equal(grad[~POSSIBLE], torch.zeros_like(grad[~POSSIBLE]))
    # the possible ones keep theirs, the true one on probabilities too (torch's was off by +1 per element there)
    torch.testing.assert_close(grad[POSSIBLE], y.grad[POSSIBLE])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("logits", [False, True])
def test_ctc_in_half_precision_is_float32s_rounded(dtype, logits):
    """torch's CPU ctc_loss has no float16/bfloat16 kernel ("not implemented for 'Half'")."""
    for compiled in (True, False):
        x, loss, grad = _run(logits, compiled, dtype)
        assert loss.dtype == grad.dtype == dtype
        net = NetGraph([CTCLossLayer(logits=logits)], [], Input=(3, 4))
        x32 = x.detach().float().requires_grad_(True)
        loss32 = net.compile()(Input=x32, Target=TARGETS)
        loss32.sum().backward()
        torch.testing.assert_close(loss, loss32.to(dtype), rtol=0, atol=0)
        torch.testing.assert_close(grad, x32.grad.to(dtype), rtol=0, atol=0)
