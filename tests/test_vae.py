"""specs/vae_elbo.yaml trained by ``netgraph train`` to a stated ELBO, and the same model by hand with
torch.distributions reaching the same ELBO within noise.

Numbers (256 points, 30 rounds of 4 batches, Adam lr 0.01, KL warm-up over 10 rounds, seed 0): netgraph
-18.41 nats per example; over seeds 0-2 netgraph gives -18.41 / -18.43 / -18.51 and the handwritten
model, started from the same arrays, -18.51 / -18.52 / -18.49. The tolerance, 0.3 nats, is three times
that spread (the ELBO estimates themselves average 20 passes over the data: their error is ~0.01).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from netgraph import load, net_initialize
from tests.vae_reference import (RECONSTRUCTION_WEIGHT, HandVAE, copy_initial_arrays, hand_elbo, make_data,
                                 outputs_elbo, train_hand)

SPEC = Path(__file__).resolve().parents[1] / "specs" / "vae_elbo.yaml"
ROUNDS, LEARNING_RATE, WARMUP, BATCH = 30, 0.01, 10, 64
STATED_ELBO = -18.8  # what netgraph train reaches with seed 0 (-18.41), less a margin for other platforms
LOSS = f"{{Reconstruction: {RECONSTRUCTION_WEIGHT:g}, KL: {{weight: 1, warmup: {WARMUP}}}}}"


def _netgraph_elbo(module: torch.nn.Module, x: torch.Tensor, repeats: int = 20) -> float:
    torch.manual_seed(1)
    with torch.no_grad():
        return float(torch.stack([outputs_elbo(o["Reconstruction"], o["KL"]).mean()
                                  for o in (module(Input=x) for _ in range(repeats))]).mean())


def test_netgraph_train_reaches_the_stated_elbo_and_the_handwritten_vae_the_same(tmp_path):
    x = make_data(256)
    np.savez(tmp_path / "data.npz", Input=x.numpy())
    run = subprocess.run([sys.executable, "-m", "netgraph", "train", str(SPEC), "--data", str(tmp_path / "data.npz"),
                          "-o", str(tmp_path / "out"), "--rounds", str(ROUNDS), "--seed", "0", "--learning-rate",
                          str(LEARNING_RATE), "--batch-size", str(BATCH), "--quiet", "--loss", LOSS],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(summary["term_losses"]) == {"Reconstruction", "KL"}
    assert summary["loss_weights"]["KL"][:2] == [0.075, 0.175] and summary["loss_weights"]["KL"][-1] == 1.0
    assert "Reconstruction (unweighted)" in (tmp_path / "out" / "loss.svg").read_text()
    ours = _netgraph_elbo(load(tmp_path / "out" / "vae_elbo.yaml").compile(), x)
    assert ours > STATED_ELBO, ours

    torch.manual_seed(0)
    hand = HandVAE()
    copy_initial_arrays(net_initialize(load(SPEC), seed=0).compile(), hand)  # --seed 0's initial arrays
    train_hand(hand, x, ROUNDS, BATCH, LEARNING_RATE, WARMUP)
    torch.manual_seed(1)
    theirs = hand_elbo(hand, x)
    assert abs(ours - theirs) < 0.3, (ours, theirs)


def test_both_elbo_formulas_agree_on_the_same_arrays():
    """The spec's outputs (8 * mean squared error + KL) and torch.distributions' log-density give one ELBO."""
    x = make_data(64)
    module = net_initialize(load(SPEC), seed=3).compile()
    hand = HandVAE()
    copy_initial_arrays(module, hand)
    assert abs(_netgraph_elbo(module, x, 5) - (torch.manual_seed(1), hand_elbo(hand, x, 5))[1]) < 1e-3
