"""The VAE of specs/vae_elbo.yaml written by hand with torch.distributions, its data, and the ELBO.

Shared by tests/test_vae.py and benchmarks/vae_elbo.py (not a test module itself).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

D, HIDDEN, LATENT = 16, 32, 2
#: -log N(x; x_hat, 1) summed over D dims = RECONSTRUCTION_WEIGHT * mean squared error + CONSTANT
RECONSTRUCTION_WEIGHT = D / 2
CONSTANT = D / 2 * math.log(2 * math.pi)
#: the spec's layers -> the handwritten module's (for copying arrays across)
ARRAY_MAP = {"encoder.1": "enc", "mu": "mu", "log_sigma": "log_sigma", "decoder.1": "dec1", "decoder.3": "dec2"}


def make_data(n: int = 512, seed: int = 0) -> torch.Tensor:
    """n points in 16 dims on a curved 2-dimensional manifold, plus a little noise."""
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(LATENT, D, generator=g)
    z = torch.randn(n, LATENT, generator=g)
    return 2 * torch.tanh(z @ mixing) + 0.1 * torch.randn(n, D, generator=g)


class HandVAE(nn.Module):
    """Encoder 16 -> 32 (tanh) -> mu, log sigma (2); z = q.rsample(); decoder 2 -> 32 (tanh) -> 16."""

    def __init__(self):
        super().__init__()
        self.enc, self.mu, self.log_sigma = nn.Linear(D, HIDDEN), nn.Linear(HIDDEN, LATENT), nn.Linear(HIDDEN, LATENT)
        self.dec1, self.dec2 = nn.Linear(LATENT, HIDDEN), nn.Linear(HIDDEN, D)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        h = torch.tanh(self.enc(x))
        q = Normal(self.mu(h), self.log_sigma(h).exp())
        x_hat = self.dec2(torch.tanh(self.dec1(q.rsample())))
        kl = kl_divergence(q, Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale))).sum(1)
        return {"Reconstruction": (x_hat - x).square().mean(1), "KL": kl, "x_hat": x_hat}


def hand_elbo(model: HandVAE, x: torch.Tensor, repeats: int = 20) -> float:
    """Mean ELBO per example: E_q[log N(x; x_hat, 1)] - KL(q || N(0, 1)), averaged over ``repeats`` draws."""
    with torch.no_grad():
        values = []
        for _ in range(repeats):
            out = model(x)
            values.append(Normal(out["x_hat"], 1.0).log_prob(x).sum(1) - out["KL"])
        return float(torch.stack(values).mean())


def outputs_elbo(reconstruction: torch.Tensor, kl: torch.Tensor) -> torch.Tensor:
    """The ELBO per example from the spec's two outputs (mean squared error, KL)."""
    return -(RECONSTRUCTION_WEIGHT * reconstruction + kl + CONSTANT)


def train_hand(model: HandVAE, x: torch.Tensor, rounds: int, batch_size: int, learning_rate: float,
               warmup: float, seed: int = 0) -> None:
    """net_train's recipe by hand: Adam, shuffled batches per round, KL weight min(1, rounds done / warmup)."""
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    g = torch.Generator().manual_seed(seed)
    per_round = math.ceil(len(x) / batch_size)
    step = 0
    for _ in range(rounds):
        for idx in torch.randperm(len(x), generator=g).split(batch_size):
            out = model(x[idx])
            weight = min(1.0, step / per_round / warmup) if warmup else 1.0
            loss = RECONSTRUCTION_WEIGHT * out["Reconstruction"].mean() + weight * out["KL"].mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1


def copy_initial_arrays(compiled: nn.Module, model: HandVAE) -> None:
    """Give the handwritten model the compiled net's arrays (so both start from the same point)."""
    with torch.no_grad():
        for path, name in ARRAY_MAP.items():
            ours, hand = compiled.get_submodule(path), model.get_submodule(name)
            hand.weight.copy_(ours.Weights)
            hand.bias.copy_(ours.Biases)
