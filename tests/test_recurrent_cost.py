"""What a compiled recurrent layer costs per call beyond torch's own module: the aten ops of a forward + backward.

A layer keeps one parameter per gate array (Wolfram's names, each its own learning rate and gradient), so each
call stacks them in torch's gate order for the fused kernel: one ``cat`` per array, whose backward slices the
gradient for each gate, and one gradient accumulation (``detach``) per parameter. Nothing else: no zeros made
per call (the zero states and state biases are kept from the first call), no copy of a single gate's arrays.
"""

from __future__ import annotations

import collections

import pytest
import torch
from torch import nn

from netgraph import BasicRecurrentLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, NetGraph, net_initialize
from tests.profile_helpers import OpCounts


def _step_ops(module: nn.Module, x: torch.Tensor, returns_tuple: bool) -> collections.Counter:
    """The ops of the second forward + backward (the first may make what later calls keep)."""
    def step():
        module.zero_grad(set_to_none=True)
        out = module(x)
        (out[0] if returns_tuple else out).square().mean().backward()
    step()
    with OpCounts() as counts:
        step()
    return counts.ops


@pytest.mark.parametrize("layer, torch_module, gates", [
    (LongShortTermMemoryLayer, nn.LSTM, 4), (GatedRecurrentLayer, nn.GRU, 3), (BasicRecurrentLayer, nn.RNN, 1)])
@pytest.mark.parametrize("train", [True, False])
def test_a_recurrent_layer_runs_torchs_ops_plus_only_the_stacking_of_its_gates(layer, torch_module, gates, train):
    compiled = net_initialize(NetGraph({"rnn": layer(5)}, [], Input=("n", 4)), seed=0).compile().train(train)
    x = torch.randn(3, 6, 4)
    ours = _step_ops(compiled, x, False)
    torch_ops = _step_ops(torch_module(4, 5, batch_first=True).train(train), x, True)
    stacking = {"aten.cat": 3, "aten.slice": 3 * gates} if gates > 1 else {}
    leaves = 3 * gates - 4  # our parameters beyond torch's four, each a gradient accumulation
    expected = collections.Counter({**stacking, **({"aten.detach": leaves} if leaves > 0 else {})})
    assert ours - torch_ops == expected


def test_the_kept_zeros_follow_the_batch_size_and_the_dtype_and_are_never_inference_tensors():
    compiled = net_initialize(NetGraph({"rnn": LongShortTermMemoryLayer(5)}, [], Input=("n", 4)), seed=0).compile()
    reference = net_initialize(NetGraph({"rnn": LongShortTermMemoryLayer(5)}, [], Input=("n", 4)), seed=0)
    with torch.inference_mode():
        compiled(torch.randn(2, 3, 4))
    for batch, dtype in ((3, torch.float32), (1, torch.float32), (2, torch.float64)):
        x = torch.randn(batch, 4, 4, dtype=dtype)
        module = compiled.to(dtype)
        out = module(x)
        out.square().mean().backward()  # saved for backward: would fail on an inference tensor
        torch.testing.assert_close(out, reference.compile().to(dtype)(x))
        assert module.rnn.InputGateInputWeights.grad.dtype == dtype
