"""A transformer encoder block from netgraph layers (specs/transformer_block.yaml) vs the same block
handwritten with torch functional ops, and vs nn.TransformerEncoderLayer: a training step (forward + backward).

The handwritten twin uses the netgraph block's arrays (F.linear per projection, F.scaled_dot_product_attention,
F.layer_norm); nn.TransformerEncoderLayer (post-norm, ReLU, dropout 0) gets the same arrays copied in (its
fused in-projection is one matrix). All three compute the same function (checked before timing); each round
runs them in a freshly shuffled order; a ratio is the median of per-round ratios (see _common.compare).

    python benchmarks/transformer.py            # batch 32, length 64, model 64, 4 heads, feed-forward 128
    python benchmarks/transformer.py --small    # tiny sizes (the test suite runs this)
    python benchmarks/transformer.py --device cuda   # all three on the GPU: wall time only, synchronized
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from _common import (allocator, allocator_option, backward_step as step, bench_device, compare, device_option, machine,
                     print_table, synchronizer)
from netgraph import NetGraph, net_initialize

SPEC = Path(__file__).resolve().parents[1] / "specs" / "transformer_block.yaml"
PROJECTIONS = ("query", "key", "value", "projection")


def block_net(seed: int = 0) -> NetGraph:
    return net_initialize(NetGraph.from_yaml(SPEC), seed=seed)


def _arrays(net: NetGraph) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in net.compile().state_dict().items()}


class HandBlock(nn.Module):
    """The handwritten twin: post-norm attention and feed-forward sublayers in torch functional ops."""

    def __init__(self, net: NetGraph):
        super().__init__()
        a = _arrays(net)
        self.heads = net.layer_types("query")["Output"].shape[1]
        for name in PROJECTIONS:
            self.register_parameter(f"{name}_w", nn.Parameter(a[f"{name}.net.1.Weights"]))
            self.register_parameter(f"{name}_b", nn.Parameter(a[f"{name}.net.1.Biases"]))
        for i, part in ((1, 1), (2, 3)):
            self.register_parameter(f"ff{i}_w", nn.Parameter(a[f"feedforward.net.{part}.Weights"]))
            self.register_parameter(f"ff{i}_b", nn.Parameter(a[f"feedforward.net.{part}.Biases"]))
            self.register_parameter(f"norm{i}_g", nn.Parameter(a[f"norm{i}.Scaling"]))
            self.register_parameter(f"norm{i}_b", nn.Parameter(a[f"norm{i}.Biases"]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = (F.linear(x, getattr(self, f"{p}_w"), getattr(self, f"{p}_b")).view(b, n, self.heads, -1)
                   .transpose(1, 2) for p in ("query", "key", "value"))
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d)
        h = F.layer_norm(x + F.linear(a, self.projection_w, self.projection_b), (d,), self.norm1_g, self.norm1_b)
        f = F.linear(F.relu(F.linear(h, self.ff1_w, self.ff1_b)), self.ff2_w, self.ff2_b)
        return F.layer_norm(h + f, (d,), self.norm2_g, self.norm2_b)


def torch_layer(net: NetGraph) -> nn.TransformerEncoderLayer:
    """nn.TransformerEncoderLayer with the netgraph block's arrays (post-norm, ReLU, dropout 0)."""
    a = _arrays(net)
    d, heads = net.input_shapes["Input"][-1], net.layer_types("query")["Output"].shape[1]
    hidden = a["feedforward.net.1.Weights"].shape[0]
    layer = nn.TransformerEncoderLayer(d, heads, hidden, dropout=0.0, batch_first=True)
    with torch.no_grad():
        attn = layer.self_attn
        attn.in_proj_weight.copy_(torch.cat([a[f"{p}.net.1.Weights"] for p in ("query", "key", "value")]))
        attn.in_proj_bias.copy_(torch.cat([a[f"{p}.net.1.Biases"] for p in ("query", "key", "value")]))
        attn.out_proj.weight.copy_(a["projection.net.1.Weights"])
        attn.out_proj.bias.copy_(a["projection.net.1.Biases"])
        for ours, theirs in ((1, layer.linear1), (3, layer.linear2)):
            theirs.weight.copy_(a[f"feedforward.net.{ours}.Weights"])
            theirs.bias.copy_(a[f"feedforward.net.{ours}.Biases"])
        for i, norm in ((1, layer.norm1), (2, layer.norm2)):
            norm.weight.copy_(a[f"norm{i}.Scaling"])
            norm.bias.copy_(a[f"norm{i}.Biases"])
    return layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=64)
    allocator_option(parser)
    device_option(parser)
    args = parser.parse_args()
    device = bench_device(args.device)
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(1)
    batch, length = (2, 5) if args.small else (args.batch, args.length)
    rounds = 2 if args.small else args.rounds
    net = block_net()
    ours, hand, theirs = (m.to(device) for m in (net.compile(), HandBlock(net), torch_layer(net)))
    x = torch.randn(batch, length, net.input_shapes["Input"][-1], device=device)
    for twin in (hand, theirs):
        torch.testing.assert_close(ours(x), twin(x), rtol=1e-4, atol=1e-5)
    result = compare({"netgraph": step(ours, x), "functional": step(hand, x), "nn.TransformerEncoderLayer":
                      step(theirs, x)}, rounds=rounds, sync=synchronizer(device))
    clock = "wall" if result.synchronized else "cpu"
    rows = [(f"netgraph / {twin}", f"{result.ratio('netgraph', twin, 'wall'):.2f}",
             *(() if result.synchronized else (f"{result.ratio('netgraph', twin, 'cpu'):.2f}",)),
             f"{result.median('netgraph', clock) * 1e3:.2f} ms") for twin in ("functional", "nn.TransformerEncoderLayer")]
    header = ("comparison", "ratio (wall)", "netgraph wall per step") if result.synchronized else (
        "comparison", "ratio (wall)", "ratio (CPU)", "netgraph CPU per step")
    where = f"on {device}, " if result.synchronized else ""
    print_table(f"transformer block (specs/transformer_block.yaml), fwd + bwd, batch {batch} x length {length} "
                f"({where}{machine()}, {memory}; {result.describe()})", rows, header)


if __name__ == "__main__":
    main()
