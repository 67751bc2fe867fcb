"""Training-step time (forward + backward + Adam) of compiled NetGraphs vs handwritten torch, same weights.

Run: python benchmarks/training_step.py [--batch 256] [--reps 100] [--torch-compile] [--keras]
Prints, per model, the median step time of each and the ratio ours/handwritten (goal <= 1.05), the
activation memory autograd saves for backward (goal ratio <= 1.05), optionally the same under
torch.compile, and the VAE written with Keras 3's functional API on the torch backend (goal: ours >= 4x faster).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median_times, print_table, saved_bytes  # noqa: E402
from models import HandMLP, HandVAE, copy_linear, mlp, vae, vae_loss  # noqa: E402


def make_step(model: torch.nn.Module, loss_of: Callable, x: torch.Tensor) -> tuple[Callable, Callable]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def forward_loss() -> torch.Tensor:
        return loss_of(model, x)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        forward_loss().backward()
        opt.step()
    return step, forward_loss


def cases(batch: int, small: bool) -> dict[str, tuple]:
    d, h = (32, 16) if small else (784, 512)
    x = torch.rand(batch, d)
    labels = torch.randint(0, 10, (batch,))
    ours_mlp, hand_mlp = mlp(d, h).compile(), HandMLP(d, h)
    copy_linear(ours_mlp, {"1": hand_mlp.fc1, "3": hand_mlp.fc2, "5": hand_mlp.fc3})
    ours_vae, hand_vae = vae(d, h // 2 + 16 * (not small), 20 if not small else 4).compile(), None
    hand_vae = HandVAE(d, ours_vae.enc.Weights.shape[0], ours_vae.mu.Weights.shape[0])
    copy_linear(ours_vae, {n: getattr(hand_vae, n) for n in ("enc", "mu", "logsigma", "dec", "out")})
    return {
        "MLP": (ours_mlp, hand_mlp, lambda m, x: F.cross_entropy(m(x), labels), x),
        "VAE": (ours_vae, hand_vae, lambda m, x: vae_loss(m(x), x), x),
        **cnn_case(batch, small),
    }


def cnn_case(batch: int, small: bool) -> dict[str, tuple]:
    try:
        from cnn import HandCNN, cnn
    except ImportError as exc:  # the CNN needs the convolution layers
        print(f"(CNN skipped: {exc})")
        return {}
    ours, hand = cnn(small)
    x = torch.rand(batch, 1, 28, 28) if not small else torch.rand(batch, 1, 12, 12)
    labels = torch.randint(0, 10, (batch,))
    return {"CNN": (ours, hand, lambda m, x: F.cross_entropy(m(x), labels), x)}


def run(batch: int = 256, reps: int = 100, compile_: bool = False, keras: bool = False, small: bool = False) -> list:
    torch.manual_seed(0)
    rows = []
    for name, (ours, hand, loss_of, x) in cases(batch, small).items():
        ours_step, ours_fwd = make_step(ours, loss_of, x)
        hand_step, hand_fwd = make_step(hand, loss_of, x)
        t = median_times({"ours": ours_step, "hand": hand_step}, reps=reps)
        mem = saved_bytes(ours_fwd) / saved_bytes(hand_fwd)
        row = [name, f"{t['hand'] * 1e3:.3f}", f"{t['ours'] * 1e3:.3f}", f"{t['ours'] / t['hand']:.3f}", f"{mem:.3f}"]
        if compile_:
            c_ours, _ = make_step(torch.compile(ours), loss_of, x)
            c_hand, _ = make_step(torch.compile(hand), loss_of, x)
            tc = median_times({"ours": c_ours, "hand": c_hand}, reps=reps)
            row += [f"{t['hand'] / tc['hand']:.2f}x", f"{t['ours'] / tc['ours']:.2f}x", f"{tc['ours'] / tc['hand']:.3f}"]
        rows.append(tuple(row))
    header = ("model", "handwritten ms", "netgraph ms", "ratio", "saved-activation ratio")
    if compile_:
        header += ("torch.compile speedup (hand)", "torch.compile speedup (ours)", "compiled ratio")
    print_table(f"Training step, batch {batch}, median of {reps} ({machine()})", rows, header)
    if keras:
        keras_vae(batch, reps, small)
    return rows


def keras_vae(batch: int, reps: int, small: bool) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        print("\nKeras comparison skipped: keras is not installed (pip install 'torch-netgraph[bench]')")
        return
    if keras.backend.backend() != "torch":
        print(f"\nKeras comparison skipped: KERAS_BACKEND is {keras.backend.backend()!r}, not 'torch'")
        return
    from keras_vae import build_keras_vae
    d, h, latent = (32, 32, 4) if small else (784, 400, 20)
    model = build_keras_vae(keras, d, h, latent)
    ours = vae(d, h, latent).compile()
    x = torch.rand(batch, d)
    k_step, _ = make_step(model, lambda m, x: vae_loss(dict(zip(("Output", "Mu", "Sigma"), m(x))), x), x)
    o_step, _ = make_step(ours, lambda m, x: vae_loss(m(x), x), x)
    h_step, _ = make_step(HandVAE(d, h, latent), lambda m, x: vae_loss(m(x), x), x)
    t = median_times({"ours": o_step, "keras": k_step, "hand": h_step}, reps=reps)
    print_table(f"VAE training step vs Keras {keras.__version__} functional API (torch backend), batch {batch}",
                [("VAE", f"{t['keras'] * 1e3:.3f}", f"{t['hand'] * 1e3:.3f}", f"{t['ours'] * 1e3:.3f}",
                  f"{t['keras'] / t['ours']:.2f}x", f"{t['keras'] / t['hand']:.2f}x")],
                ("model", "keras ms", "handwritten ms", "netgraph ms", "netgraph speedup over keras",
                 "handwritten speedup over keras"))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--torch-compile", action="store_true")
    p.add_argument("--keras", action="store_true")
    p.add_argument("--small", action="store_true", help="tiny sizes (the smoke test)")
    a = p.parse_args(argv)
    run(a.batch, a.reps, a.torch_compile, a.keras, a.small)


if __name__ == "__main__":
    main()
