"""Cross-entropy in float16 and bfloat16: float32's loss and gradient on the same inputs, rounded once."""

from __future__ import annotations

import pytest
import torch

from netgraph import CrossEntropyLossLayer, NetGraph, interpret

NARROW = [torch.float16, torch.bfloat16]
CASES = [("Index", False), ("Index", True), ("Probabilities", False), ("Probabilities", True), ("Binary", False),
         ("Binary", True)]


def _inputs(form: str, logits: bool) -> tuple[torch.Tensor, torch.Tensor]:
    scores = torch.tensor([[0.0, 1.0, -2.0, 0.5], [60.0, -60.0, 0.0, 3.0], [200.0, -300.0, 5.0, 0.0],
                           [-12.0, 0.0, 9.0, 4.0]])  # as probabilities: moderate, 0, tiny (1e-5..1e-26) and 1
    if form == "Binary":
        return (scores if logits else torch.sigmoid(scores)), torch.tensor([[1.0, 0.0, 1.0, 0.0]]).expand(4, 4)
    x = scores if logits else torch.softmax(scores, -1)
    t = torch.tensor([1, 1, 0, 0]) if form == "Index" else torch.softmax(torch.arange(16.0).reshape(4, 4) / 4, -1)
    return x, t


def _run(net: NetGraph, x: torch.Tensor, t: torch.Tensor, dtype: torch.dtype, compiled: bool):
    module = net.compile().to(dtype)
    x = x.to(dtype).detach().requires_grad_(True)
    t = t.to(dtype) if t.is_floating_point() else t
    loss = module(Input=x, Target=t) if compiled else interpret(net, module, Input=x, Target=t)
    loss.sum().backward()
    return loss.detach(), x.grad


@pytest.mark.parametrize("form, logits", CASES)
@pytest.mark.parametrize("dtype", NARROW)
@pytest.mark.parametrize("compiled", [True, False])
def test_half_precision_losses_are_float32s_rounded(form, logits, dtype, compiled):
    net = NetGraph([CrossEntropyLossLayer(form, logits=logits)], [], Input=4)
    x, t = _inputs(form, logits)
    x = x.to(dtype).float()  # float32 on exactly the values the narrow run sees
    t = t.to(dtype).float() if t.is_floating_point() else t
    loss, grad = _run(net, x, t, dtype, compiled)
    loss32, grad32 = _run(net, x, t, torch.float32, compiled)
    assert loss.dtype == grad.dtype == dtype
    assert torch.isfinite(loss).all(), loss
    torch.testing.assert_close(loss, loss32.to(dtype), rtol=0, atol=0)
    torch.testing.assert_close(grad, grad32.to(dtype), rtol=0, atol=0)
    assert torch.isfinite(grad[grad32.abs() <= torch.finfo(dtype).max]).all()
