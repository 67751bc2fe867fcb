"""The benchmark nets, each as a NetGraph and as the handwritten torch module a user would write."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from netgraph import (FunctionLayer, LinearLayer, NetGraph, NetPort, NormalDistribution, RandomArrayLayer,
                      net_initialize)

__all__ = ["mlp", "HandMLP", "vae", "HandVAE", "copy_linear"]


def mlp(d_in: int = 784, hidden: int = 512, d_out: int = 10) -> NetGraph:
    layers = [LinearLayer(hidden), "Ramp", LinearLayer(hidden // 2), "Ramp", LinearLayer(d_out)]
    return net_initialize(NetGraph(layers, [tuple(range(1, 6))], Input=d_in), seed=0)


class HandMLP(nn.Module):
    def __init__(self, d_in: int = 784, hidden: int = 512, d_out: int = 10):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(d_in, hidden), nn.Linear(hidden, hidden // 2), nn.Linear(hidden // 2, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def vae(d_in: int = 784, hidden: int = 400, latent: int = 20) -> NetGraph:
    """Encoder -> (mu, sigma) -> z ~ Normal(mu, sigma) (reparameterized) -> decoder; outputs Output, Mu, Sigma."""
    layers = {
        "enc": LinearLayer(hidden), "enc_act": "Ramp", "mu": LinearLayer(latent), "logsigma": LinearLayer(latent),
        "sigma": "Exp", "z": RandomArrayLayer(NormalDistribution("#mu", "#sigma")),
        "dec": LinearLayer(hidden), "dec_act": "Ramp", "out": LinearLayer(d_in), "recon": "LogisticSigmoid",
    }
    edges = [("enc", "enc_act", ["mu", "logsigma"]), ("logsigma", "sigma"), (["mu", "sigma"], "z"),
             ("z", "dec", "dec_act", "out", "recon"),
             (NetPort("mu", "Output"), NetPort("Mu")), (NetPort("sigma", "Output"), NetPort("Sigma"))]
    return net_initialize(NetGraph(layers, edges, Input=d_in), seed=0)


class HandVAE(nn.Module):
    def __init__(self, d_in: int = 784, hidden: int = 400, latent: int = 20):
        super().__init__()
        self.enc, self.mu, self.logsigma = nn.Linear(d_in, hidden), nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.dec, self.out = nn.Linear(latent, hidden), nn.Linear(hidden, d_in)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        h = F.relu(self.enc(x))
        mu, sigma = self.mu(h), torch.exp(self.logsigma(h))
        z = mu + sigma * torch.randn_like(mu)
        recon = torch.sigmoid(self.out(F.relu(self.dec(z))))
        return {"Output": recon, "Mu": mu, "Sigma": sigma}


def copy_linear(module: nn.Module, mapping: dict[str, nn.Linear]) -> None:
    """Copy handwritten nn.Linear weights into our layers (by layer path) so both compute the same thing."""
    with torch.no_grad():
        for path, linear in mapping.items():
            ours = module.get_submodule(path)
            ours.Weights.copy_(linear.weight)
            ours.Biases.copy_(linear.bias)


def vae_loss(out: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    recon = F.binary_cross_entropy(out["Output"], x, reduction="sum")
    mu, sigma = out["Mu"], out["Sigma"]
    kl = 0.5 * (mu.square() + sigma.square() - 2 * sigma.log() - 1).sum()
    return (recon + kl) / x.shape[0]


_ = FunctionLayer  # FunctionLayer-based variants are in specs/
