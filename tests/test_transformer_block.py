"""specs/transformer_block.yaml, a transformer encoder block made of netgraph layers only, equals the same
block handwritten in torch functional ops and nn.TransformerEncoderLayer on the same arrays (values and
gradients), for any sequence length."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from transformer import HandBlock, block_net, torch_layer  # noqa: E402


@pytest.fixture(scope="module")
def net():
    return block_net(seed=3)


def test_block_is_built_from_netgraph_layers_only(net):
    kinds = {type(layer).__name__ for layer in net.layers.values()}
    assert kinds == {"NetMapOperator", "AttentionLayer", "ThreadingLayer", "LayerNormalizationLayer"}
    assert net.port_types["Input"].shape == ("n", 64) and net.port_types["Output"].shape == ("n", 64)


@pytest.mark.parametrize("length", [1, 7])
def test_block_equals_the_handwritten_block_and_torch_encoder_layer(net, length):
    module, hand, theirs = net.compile(), HandBlock(net), torch_layer(net)
    x = torch.randn(3, length, 64)
    out = module(x)
    torch.testing.assert_close(out, hand(x), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out, theirs(x), rtol=1e-4, atol=1e-5)


def test_block_gradients_equal_the_handwritten_block(net):
    module, hand = net.compile(), HandBlock(net)
    x = torch.randn(2, 6, 64)
    module(x).square().mean().backward()
    hand(x).square().mean().backward()
    ours = dict(module.named_parameters())
    pairs = {"query.net.1.Weights": hand.query_w, "value.net.1.Biases": hand.value_b,
             "projection.net.1.Weights": hand.projection_w, "feedforward.net.3.Weights": hand.ff2_w,
             "norm1.Scaling": hand.norm1_g}
    for name, theirs in pairs.items():
        torch.testing.assert_close(ours[name].grad, theirs.grad, rtol=1e-4, atol=1e-6)


def test_sequences_of_different_lengths_run_as_one_padded_batch_as_torch_masks_them(net):
    """Layer norm over each element's features honours lengths, so a list of sequences runs padded (no length
    groups), as torch's encoder layer does with src_key_padding_mask."""
    from netgraph.backend.masks import pad, plan
    assert plan(net, ("Input",)).outputs == {"Output": ("Input", 0)}
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(n, 64, generator=g) for n in (5, 2, 7)]
    x, lengths = pad(xs)
    theirs = torch_layer(net).eval()(x, src_key_padding_mask=torch.arange(7) >= lengths[:, None])
    for i, (ours, n) in enumerate(zip(net(xs), lengths.tolist())):
        torch.testing.assert_close(ours, theirs[i, :n], rtol=1e-4, atol=1e-5)
