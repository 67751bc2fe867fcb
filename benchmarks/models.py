"""The benchmark nets: the MLP built in Python, the VAE and CNN loaded from specs/, each with the
handwritten torch module a user would write instead (weights copied across so both compute the same)."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml
import torch.nn.functional as F
from torch import nn

import netgraph
from netgraph import LinearLayer, NetGraph, net_initialize

__all__ = ["mlp", "HandMLP", "spec_vae", "HandVAE", "spec_cnn", "HandCNN", "copy_arrays"]

SPECS = Path(__file__).resolve().parent.parent / "specs"


def mlp(d_in: int = 784, hidden: int = 512, d_out: int = 10) -> NetGraph:
    layers = [LinearLayer(hidden), "Ramp", LinearLayer(hidden // 2), "Ramp", LinearLayer(d_out)]
    return net_initialize(NetGraph(layers, [tuple(range(1, 6))], Input=d_in), seed=0)


class HandMLP(nn.Module):
    def __init__(self, d_in: int = 784, hidden: int = 512, d_out: int = 10):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(d_in, hidden), nn.Linear(hidden, hidden // 2), nn.Linear(hidden // 2, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


MLP_MAP = {"1": "fc1", "3": "fc2", "5": "fc3"}


def spec_vae(d: int = 16, hidden: int = 32, latent: int = 4) -> NetGraph:
    """specs/vae.yaml: 16 -> 32 -> (mu, sigma) in 4 dims -> z ~ Normal(mu, sigma) -> 32 -> 16; outputs Reconstruction,
    Loss. Other sizes: the same spec with its widths (and the reconstruction weight ``d``) replaced."""
    if (d, hidden, latent) == (16, 32, 4):
        return net_initialize(netgraph.load(SPECS / "vae.yaml"), seed=0)
    spec = yaml.safe_load((SPECS / "vae.yaml").read_text())
    layers = spec["layers"]
    layers["encoder"]["layers"][0]["output"] = layers["decoder"]["layers"][0]["output"] = hidden
    layers["mu"]["output"] = layers["log_sigma"]["output"] = latent
    layers["decoder"]["layers"][2]["output"] = spec["inputs"]["Input"] = d
    layers["elbo"]["function"] = f"{d} * #SquaredError + #KL"
    return net_initialize(NetGraph.from_yaml(yaml.safe_dump(spec)), seed=0)


class HandVAE(nn.Module):
    def __init__(self, d: int = 16, hidden: int = 32, latent: int = 4):
        super().__init__()
        self.d = d
        self.enc, self.mu, self.log_sigma = nn.Linear(d, hidden), nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.dec1, self.dec2 = nn.Linear(latent, hidden), nn.Linear(hidden, d)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        h = torch.tanh(self.enc(x))
        mu, sigma = self.mu(h), torch.exp(self.log_sigma(h))
        z = mu + sigma * torch.randn_like(mu)
        recon = self.dec2(torch.tanh(self.dec1(z)))
        kl = ((mu.square() + sigma.square() - 1) / 2 - torch.log(sigma)).sum(1)
        loss = self.d * (recon - x).square().mean(1) + kl
        return {"Reconstruction": recon, "Loss": loss}


VAE_MAP = {"encoder.1": "enc", "mu": "mu", "log_sigma": "log_sigma", "decoder.1": "dec1", "decoder.3": "dec2"}


def spec_cnn() -> NetGraph:
    """specs/small_cnn.yaml: conv 8 -> pool -> conv 16 -> pool -> linear 10 -> softmax, on 1x28x28."""
    return net_initialize(netgraph.load(SPECS / "small_cnn.yaml"), seed=0)


class HandCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return torch.softmax(self.fc(x.flatten(1)), 1)


CNN_MAP = {"conv1": "conv1", "conv2": "conv2", "logits": "fc"}


def copy_arrays(ours: nn.Module, hand: nn.Module, mapping: dict[str, str]) -> None:
    """Copy the handwritten module's weight/bias into our layers' Weights/Biases (by layer path)."""
    with torch.no_grad():
        for path, name in mapping.items():
            target, source = ours.get_submodule(path), hand.get_submodule(name)
            target.Weights.copy_(source.weight)
            target.Biases.copy_(source.bias)
