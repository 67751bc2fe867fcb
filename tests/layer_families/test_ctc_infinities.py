"""CTCLossLayer where no alignment exists: the loss is inf (as torch's), its gradient 0 (torch's is NaN); float16."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import CTCLossLayer, NetGraph, interpret

# input length 3, blank 3: [0, 1] fits, [0, 0] needs 3 steps (a blank between), [0, 0, 1] needs 4, [0, 1, 2, 0] 4
TARGETS = torch.tensor([[0, 1, -1, -1], [0, 0, -1, -1], [0, 0, 1, -1], [0, 1, 2, 0], [2, 2, 2, -1]])
POSSIBLE = torch.tensor([True, True, False, False, False])


def _run(logits: bool, compiled: bool, dtype: torch.dtype = torch.float32):
    net = NetGraph([CTCLossLayer(logits=logits)], [], Input=(3, 4))
    module = net.compile().to(dtype)
    scores = torch.randn(len(TARGETS), 3, 4, generator=torch.Generator().manual_seed(0))
    x = (scores if logits else scores.softmax(-1)).to(dtype).requires_grad_(True)
    loss = module(Input=x, Target=TARGETS) if compiled else interpret(net, module, Input=x, Target=TARGETS)
    loss.sum().backward()
    return x, loss.detach(), x.grad


def _torch(x: torch.Tensor, logits: bool) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.detach().float().requires_grad_(True)
    log_probs = x.log_softmax(-1) if logits else x.clamp_min(1e-12).log()
    loss = F.ctc_loss(log_probs.transpose(0, 1), TARGETS.clamp_min(0), torch.full((len(TARGETS),), 3), (TARGETS >= 0).sum(1),
                      blank=3, reduction="none")
    loss[POSSIBLE].sum().backward()
    return loss.detach(), x.grad


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("compiled", [True, False])
def test_impossible_alignments_are_inf_with_zero_gradient(logits, compiled):
    x, loss, grad = _run(logits, compiled)
    expected, expected_grad = _torch(x, logits)
    assert torch.equal(torch.isinf(expected), ~POSSIBLE)  # torch agrees on which are impossible
    torch.testing.assert_close(loss, expected)
    assert torch.isfinite(grad).all(), grad  # torch's NaN for the impossible ones spreads to a batch's sum
    assert torch.equal(grad[~POSSIBLE], torch.zeros_like(grad[~POSSIBLE]))
    torch.testing.assert_close(grad[POSSIBLE], expected_grad[POSSIBLE])  # the possible ones keep theirs


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
