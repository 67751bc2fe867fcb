"""Four models a PyTorch user ports to netgraph (tests/test_ported_models.py): each built in Python and in YAML, with
its handwritten torch twin that takes the net's arrays, and ``seeded_rounds``, the draws ``net_train`` makes."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from netgraph import (AttentionLayer, BatchNormalizationLayer, CharactersEncoder, ClassDecoder, ConvolutionLayer,
                      DropoutLayer, EmbeddingLayer, FlattenLayer, KLDivergenceLayer, LayerNormalizationLayer,
                      LinearLayer, LongShortTermMemoryLayer, MeanSquaredLossLayer, NetChain, NetGraph, NetMapOperator,
                      NetPort, NormalDistribution, PoolingLayer, RandomArrayLayer, SoftmaxLayer)
from netgraph.train.loop import mix_seed

__all__ = ["CNN_YAML", "LM_YAML", "TRANSFORMER_YAML", "VAE_YAML", "HandCnn", "HandLm", "HandVae", "VOCABULARY",
           "cnn", "language_model", "seeded_rounds", "torch_encoder_layer", "transformer", "vae"]

VOCABULARY = "abcdefgh"


def seeded_rounds(seed: int, rounds: int, examples: int):
    """Per round, as ``net_train`` (README, Custom training loops): torch reseeded from ``(seed, r, 0)`` and the
    examples' order from ``(seed, r)``; yields that order."""
    for r in range(1, rounds + 1):
        torch.manual_seed(mix_seed(seed, r, 0))
        yield torch.randperm(examples, generator=torch.Generator().manual_seed(mix_seed(seed, r)))


def cnn(dropout: float = 0.25) -> NetChain:
    return NetChain({"conv1": ConvolutionLayer(4, 3, padding_size=1), "bn1": BatchNormalizationLayer(), "r1": "Ramp",
                     "p1": PoolingLayer(2, 2), "conv2": ConvolutionLayer(8, 3), "r2": "Ramp",
                     "p2": PoolingLayer(2, 2, function="Mean"), "flat": FlattenLayer(), "drop": DropoutLayer(dropout),
                     "fc": LinearLayer(10), "sm": SoftmaxLayer()}, input=(1, 28, 28))


CNN_YAML = """netgraph: 1
layers:
  conv1: {type: ConvolutionLayer, output: 4, kernel: 3, padding_size: 1}
  bn1: BatchNormalizationLayer
  r1: Ramp
  p1: {type: PoolingLayer, kernel: 2, stride: 2}
  conv2: {type: ConvolutionLayer, output: 8, kernel: 3}
  r2: Ramp
  p2: {type: PoolingLayer, kernel: 2, stride: 2, function: Mean}
  flat: FlattenLayer
  drop: {type: DropoutLayer, p: 0.25}
  fc: {type: LinearLayer, output: 10}
  sm: SoftmaxLayer
inputs: {Input: [1, 28, 28]}
outputs: {Output: null}
edges:
  - Input -> conv1 -> bn1 -> r1 -> p1 -> conv2 -> r2 -> p2 -> flat -> drop -> fc -> sm -> Output
"""


class HandCnn(nn.Module):
    """The CNN in torch; ``bn1`` with netgraph's epsilon 0.001 and momentum 0.9 (torch's 0.1)."""

    def __init__(self, dropout: float = 0.25):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4, eps=1e-3, momentum=0.1)
        self.conv2, self.drop, self.fc = nn.Conv2d(4, 8, 3), nn.Dropout(dropout), nn.Linear(8 * 6 * 6, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        return F.softmax(self.fc(self.drop(x.flatten(1))), -1)

    def take(self, module: nn.Module) -> "HandCnn":
        """The compiled net's arrays, in the order of this module's (num_batches_tracked has no counterpart)."""
        names = [k for k in self.state_dict() if not k.endswith("num_batches_tracked")]
        self.load_state_dict(dict(zip(names, module.state_dict().values())), strict=False)
        return self


def language_model() -> NetChain:
    encoder = CharactersEncoder(VOCABULARY)
    return NetChain({"emb": EmbeddingLayer(6), "lstm": LongShortTermMemoryLayer(12),
                     "dec": NetMapOperator(LinearLayer(len(encoder.tokens))), "sm": SoftmaxLayer()},
                    input=encoder, output=ClassDecoder(list(encoder.tokens)))


LM_YAML = f"""netgraph: 1
layers:
  emb: {{type: EmbeddingLayer, output: 6}}
  lstm: {{type: LongShortTermMemoryLayer, output: 12}}
  dec: {{type: NetMapOperator, net: {{type: LinearLayer, output: 10}}}}
  sm: SoftmaxLayer
inputs:
  Input: {{encoder: {{type: CharactersEncoder, vocabulary: {VOCABULARY}}}}}
outputs:
  Output: {{decoder: {{type: ClassDecoder, labels: ['<pad>', '<unk>', {', '.join(VOCABULARY)}]}}}}
edges:
  - Input -> emb -> lstm -> dec -> sm -> Output
"""

GATES = ("InputGate", "ForgetGate", "MemoryGate", "OutputGate")  # torch's order of the stacked gates


class HandLm(nn.Module):
    """The character model in torch: one bias per gate (torch's ``bias_hh`` held at 0)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        a = module.state_dict()
        self.emb, self.lstm = nn.Embedding(10, 6), nn.LSTM(6, 12, batch_first=True)
        self.dec = nn.Linear(12, 10)
        with torch.no_grad():
            self.emb.weight.copy_(a["emb.Weights"])
            for ours, theirs in (("InputWeights", "weight_ih_l0"), ("StateWeights", "weight_hh_l0"),
                                 ("Biases", "bias_ih_l0")):
                getattr(self.lstm, theirs).copy_(torch.cat([a[f"lstm.{gate}{ours}"] for gate in GATES]))
            self.lstm.bias_hh_l0.zero_()
            self.dec.weight.copy_(a["dec.net.layer.Weights"])
            self.dec.bias.copy_(a["dec.net.layer.Biases"])
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.to(a["emb.Weights"].dtype)

    def forward(self, x):
        return F.softmax(self.dec(self.lstm(self.emb(x))[0]), -1)


def transformer(size: int = 16, heads: int = 2, hidden: int = 32) -> NetGraph:
    """A pre-norm encoder block (torch's ``norm_first=True``, GELU) over sequences of any length."""
    def projection():
        return NetMapOperator(NetChain([LinearLayer([heads, size // heads])]))
    return NetGraph({"norm1": LayerNormalizationLayer(), "query": projection(), "key": projection(),
                     "value": projection(), "attention": AttentionLayer(multi_head=True),
                     "projection": NetMapOperator(NetChain([LinearLayer(size)])), "residual1": "Plus",
                     "norm2": LayerNormalizationLayer(),
                     "ff": NetMapOperator(NetChain([LinearLayer(hidden), "GELU", LinearLayer(size)])),
                     "residual2": "Plus"},
                    [(NetPort("Input"), "norm1", ["query", "key", "value"]),
                     ("key", NetPort("attention", "Key")), ("value", NetPort("attention", "Value")),
                     ("query", NetPort("attention", "Query")), ("attention", "projection"),
                     ([NetPort("Input"), "projection"], "residual1", "norm2", "ff"),
                     (["residual1", "ff"], "residual2")], Input=("n", size))


TRANSFORMER_YAML = """netgraph: 1
nets:
  heads: {type: NetChain, layers: [{type: LinearLayer, output: [2, 8]}]}
layers:
  norm1: LayerNormalizationLayer
  query: {type: NetMapOperator, net: {ref: heads}}
  key: {type: NetMapOperator, net: {ref: heads}}
  value: {type: NetMapOperator, net: {ref: heads}}
  attention: {type: AttentionLayer, multi_head: true}
  projection: {type: NetMapOperator, net: {type: NetChain, layers: [{type: LinearLayer, output: 16}]}}
  residual1: Plus
  norm2: LayerNormalizationLayer
  ff:
    type: NetMapOperator
    net: {type: NetChain, layers: [{type: LinearLayer, output: 32}, GELU, {type: LinearLayer, output: 16}]}
  residual2: Plus
inputs: {Input: [n, 16]}
edges:
  - Input -> norm1 -> [query, key, value]
  - key -> attention.Key
  - value -> attention.Value
  - query -> attention.Query
  - attention -> projection
  - "[Input, projection] -> residual1 -> norm2 -> ff"
  - "[residual1, ff] -> residual2"
"""


def torch_encoder_layer(module: nn.Module, size: int = 16, heads: int = 2, hidden: int = 32,
                        prefix: str = "") -> nn.TransformerEncoderLayer:
    """``nn.TransformerEncoderLayer`` (pre-norm, GELU, no dropout) holding the compiled block's arrays."""
    a = {k[len(prefix):]: v for k, v in module.state_dict().items() if k.startswith(prefix)}
    theirs = nn.TransformerEncoderLayer(size, heads, hidden, dropout=0.0, activation="gelu", batch_first=True,
                                        norm_first=True).to(a["norm1.Scaling"].dtype)
    parts = ("query", "key", "value")
    pairs = {"self_attn.in_proj_weight": torch.cat([a[f"{p}.net.1.Weights"].reshape(size, size) for p in parts]),
             "self_attn.in_proj_bias": torch.cat([a[f"{p}.net.1.Biases"].reshape(size) for p in parts]),
             "self_attn.out_proj.weight": a["projection.net.1.Weights"],
             "self_attn.out_proj.bias": a["projection.net.1.Biases"],
             "linear1.weight": a["ff.net.1.Weights"], "linear1.bias": a["ff.net.1.Biases"],
             "linear2.weight": a["ff.net.3.Weights"], "linear2.bias": a["ff.net.3.Biases"],
             "norm1.weight": a["norm1.Scaling"], "norm1.bias": a["norm1.Biases"],
             "norm2.weight": a["norm2.Scaling"], "norm2.bias": a["norm2.Biases"]}
    theirs.load_state_dict(pairs)
    return theirs


def vae() -> NetGraph:
    posterior = NormalDistribution("#mu", "#sigma")
    return NetGraph({"encoder": NetChain([LinearLayer(8), "Tanh"]), "mu": LinearLayer(2), "spread": LinearLayer(2),
                     "sigma": "Softplus", "z": RandomArrayLayer(posterior),
                     "decoder": NetChain([LinearLayer(8), "Tanh", LinearLayer(6)]),
                     "reconstruction": MeanSquaredLossLayer(), "kl": KLDivergenceLayer(posterior,
                                                                                       NormalDistribution(0, 1))},
                    [(NetPort("Input"), "encoder", ["mu", "spread"]), ("spread", "sigma"),
                     (["mu", "sigma"], "z", "decoder", NetPort("reconstruction", "Input")),
                     (NetPort("Input"), NetPort("reconstruction", "Target")),
                     ("reconstruction", NetPort("Reconstruction")), (["mu", "sigma"], "kl", NetPort("KL"))], Input=6)


VAE_YAML = """netgraph: 1
layers:
  encoder: {type: NetChain, layers: [{type: LinearLayer, output: 8}, Tanh]}
  mu: {type: LinearLayer, output: 2}
  spread: {type: LinearLayer, output: 2}
  sigma: Softplus
  z: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ["#mu", "#sigma"]}}
  decoder: {type: NetChain, layers: [{type: LinearLayer, output: 8}, Tanh, {type: LinearLayer, output: 6}]}
  reconstruction: MeanSquaredLossLayer
  kl:
    type: KLDivergenceLayer
    p: {type: NormalDistribution, args: ["#mu", "#sigma"]}
    q: {type: NormalDistribution, args: [0, 1]}
inputs: {Input: 6}
outputs: {Reconstruction: null, KL: null}
edges:
  - Input -> encoder -> [mu, spread]
  - spread -> sigma
  - "[mu, sigma] -> z -> decoder -> reconstruction.Input"
  - Input -> reconstruction.Target
  - reconstruction -> Reconstruction
  - "[mu, sigma] -> kl -> KL"
"""


class HandVae(nn.Module):
    """The VAE in torch: z = mu + sigma * randn (drawn as the net draws), closed-form KL against N(0, 1)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.arrays = nn.ParameterDict({k.replace(".", "_"): nn.Parameter(v.detach().clone())
                                        for k, v in module.state_dict().items()})

    def linear(self, x, layer: str):
        prefix = layer.replace(".", "_")
        return F.linear(x, self.arrays[f"{prefix}_Weights"], self.arrays[f"{prefix}_Biases"])

    def forward(self, x):
        h = torch.tanh(self.linear(x, "encoder.1"))
        mu, sigma = self.linear(h, "mu"), F.softplus(self.linear(h, "spread"))
        z = mu + sigma * torch.randn_like(mu)
        reconstruction = self.linear(torch.tanh(self.linear(z, "decoder.1")), "decoder.3")
        kl = (0.5 * (mu.square() + sigma.square() - 1) - sigma.log()).sum(-1)
        return {"Reconstruction": (reconstruction - x).square().mean(-1), "KL": kl}
