"""Training-step time (forward + backward + Adam) of compiled NetGraphs vs handwritten torch, same weights.

Run: python benchmarks/training_step.py [--batch 256] [--rounds 30] [--number 5] [--torch-compile] [--keras]
[--adaptive-malloc] [--device cuda]
Prints, per model, the median step time of each and the ratio ours/handwritten in wall and CPU time
(goal <= 1.05; implementations run in a shuffled order per round, see _common.compare), the
activation memory autograd saves for backward (goal ratio <= 1.05), optionally the same under
torch.compile, and the VAE written with Keras 3's functional API on the torch backend (goal: ours >= 4x faster).
``--device cuda`` runs both sides on the GPU (TF32 left as torch's default, the same for both) and reports wall
time only, each sample between torch.cuda.synchronize() calls; the Keras comparison stays on the CPU.
glibc malloc's thresholds are pinned first (_common.steady_allocator; --adaptive-malloc leaves them adaptive):
adaptive, they let one side's per-step temporaries be re-faulted every step while the other's are reused, which
made the MLP at batch 32 read 1.31 or 0.78 depending on allocation history; the faults per step are printed.
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
from _common import (allocator, allocator_option, bench_device, compare, device_option, machine,  # noqa: E402
                     print_table, saved_bytes, synchronizer)
from models import (CNN_MAP, MLP_MAP, VAE_MAP, HandCNN, HandMLP, HandVAE, copy_arrays, mlp,  # noqa: E402
                    spec_cnn, spec_vae)


def make_step(model: torch.nn.Module, loss_of: Callable, x: torch.Tensor,
              optimizer: Callable = lambda params: torch.optim.Adam(params, lr=1e-4)) -> tuple[Callable, Callable]:
    """(one training step, the forward loss alone); the same optimizer class on both sides of a comparison."""
    opt = optimizer(list(model.parameters()))

    def forward_loss() -> torch.Tensor:
        return loss_of(model, x)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        forward_loss().backward()
        opt.step()
    return step, forward_loss


def cases(batch: int, small: bool, device: torch.device = torch.device("cpu")) -> dict[str, tuple]:
    """Each model: (ours, handwritten, loss function, input), on ``device``. The same loss code runs on both."""
    d, h = (32, 16) if small else (784, 512)
    x = torch.rand(batch, d, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)
    ours_mlp, hand_mlp = mlp(d, h).compile(), HandMLP(d, h)
    copy_arrays(ours_mlp, hand_mlp, MLP_MAP)
    ours_vae, hand_vae = spec_vae().compile(), HandVAE()
    copy_arrays(ours_vae, hand_vae, VAE_MAP)
    ours_cnn, hand_cnn = spec_cnn().compile(), HandCNN()
    copy_arrays(ours_cnn, hand_cnn, CNN_MAP)
    images = torch.rand(batch, 1, 28, 28, device=device)
    models = (ours_mlp, hand_mlp, ours_vae, hand_vae, ours_cnn, hand_cnn)
    for model in models:
        model.to(device)
    return {
        f"MLP {d}-{h}-{h // 2}-10": (ours_mlp, hand_mlp, lambda m, x: F.cross_entropy(m(x), labels), x),
        "VAE (specs/vae.yaml)": (ours_vae, hand_vae, lambda m, x: m(x)["Loss"].mean(),
                                 torch.rand(batch, 16, device=device)),
        "CNN (specs/small_cnn.yaml)": (ours_cnn, hand_cnn, lambda m, x: F.nll_loss(m(x).log(), labels), images),
    }


def run(batch: int = 256, number: int = 5, compile_: bool = False, keras: bool = False, small: bool = False,
        rounds: int = 30, allocator: str = "glibc malloc adaptive", device: torch.device = torch.device("cpu")) -> list:
    torch.manual_seed(0)
    rows, how, gpu = [], "", device.type == "cuda"
    for name, (ours, hand, loss_of, x) in cases(batch, small, device).items():
        ours_step, ours_fwd = make_step(ours, loss_of, x)
        hand_step, hand_fwd = make_step(hand, loss_of, x)
        steps = {"ours": ours_step, "hand": hand_step}
        if compile_:
            steps["ours compiled"] = make_step(torch.compile(ours), loss_of, x)[0]
            steps["hand compiled"] = make_step(torch.compile(hand), loss_of, x)[0]
        t = compare(steps, rounds, number, sync=synchronizer(device))
        how = t.describe()
        mem = saved_bytes(ours_fwd) / saved_bytes(hand_fwd)
        row = [name, f"{t.median('hand') * 1e3:.3f}", f"{t.median('ours') * 1e3:.3f}", f"{t.ratio('ours', 'hand'):.3f}",
               *([] if gpu else [f"{t.ratio('ours', 'hand', 'cpu'):.3f}"]), f"{mem:.3f}",
               *([] if gpu else [f"{t.faults_per_call('hand'):.0f} · {t.faults_per_call('ours'):.0f}"])]
        if compile_:
            row += [f"{1 / t.ratio('hand compiled', 'hand'):.2f}x", f"{1 / t.ratio('ours compiled', 'ours'):.2f}x",
                    f"{t.ratio('ours compiled', 'hand compiled'):.3f}"]
        rows.append(tuple(row))
    header = ("model", "handwritten ms", "netgraph ms", "ratio (wall)", *([] if gpu else ["ratio (CPU)"]),
              "saved-activation ratio", *([] if gpu else ["page faults/step hand · ours"]))
    if compile_:
        header += ("torch.compile speedup (hand)", "torch.compile speedup (ours)", "compiled ratio")
    where = f"on {device} ({torch.cuda.get_device_name(device)}), " if gpu else ""
    print_table(f"Training step, batch {batch}; {where}{how}; {allocator} ({machine()})", rows, header)
    if keras and gpu:
        print("\nKeras comparison skipped: it runs on the CPU only (leave out --device)")
    elif keras:
        keras_vae(batch, number, rounds)
    return rows


#: (data, hidden, latent) widths of the VAE in the Keras comparison: specs/vae.yaml's, and an MNIST-sized one
KERAS_SIZES = ((16, 32, 4), (784, 256, 32))


def keras_vae(batch: int, number: int, rounds: int) -> None:
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
    from netgraph.train.options import parse_method

    def fused(params: list) -> torch.optim.Optimizer:  # what net_train uses
        return parse_method("Adam", 1e-4).optimizer([{"params": params}])

    for d, hidden, latent in KERAS_SIZES:
        x, zeros = torch.rand(batch, d), torch.zeros(batch)
        native = build_keras_vae(keras, d, hidden, latent)
        native.compile(optimizer=keras.optimizers.Adam(1e-4), loss=[None, lambda target, loss: keras.ops.mean(loss)])
        steps = {
            "keras native": lambda: native.train_on_batch(x, [x, zeros]),
            "keras torch loop": make_step(build_keras_vae(keras, d, hidden, latent), lambda m, x: m(x)[1].mean(), x,
                                          fused)[0],
            "hand": make_step(HandVAE(d, hidden, latent), lambda m, x: m(x)["Loss"].mean(), x, fused)[0],
            "ours": make_step(spec_vae(d, hidden, latent).compile(), lambda m, x: m(x)["Loss"].mean(), x, fused)[0],
        }
        t = compare(steps, rounds, number)
        rows = [(name, f"{t.median(key) * 1e3:.3f}", f"{t.ratio(key, 'ours'):.2f}x",
                 f"{t.ratio(key, 'ours', 'cpu'):.2f}x") for name, key in (
            ("Keras model.train_on_batch (Keras Adam)", "keras native"),
            ("Keras model, torch fused-Adam loop", "keras torch loop"),
            ("handwritten torch, fused Adam", "hand"), ("netgraph, net_train's optimizer (fused Adam)", "ours"))]
        print_table(f"VAE {d}-{hidden}-{latent} (specs/vae.yaml's graph) training step vs Keras {keras.__version__} "
                    f"functional API (torch backend), batch {batch}; {t.describe()}", rows,
                    ("implementation", "ms per step", "wall / netgraph's", "CPU / netgraph's"))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--number", type=int, default=5, help="steps in a row per timing sample")
    p.add_argument("--torch-compile", action="store_true")
    p.add_argument("--keras", action="store_true")
    p.add_argument("--rounds", type=int, default=30, help="rounds, each in a freshly shuffled order")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--small", action="store_true", help="tiny sizes (the smoke test)")
    allocator_option(p)
    device_option(p)
    a = p.parse_args(argv)
    device = bench_device(a.device)
    memory = allocator(a.adaptive_malloc)
    if a.threads:
        torch.set_num_threads(a.threads)
    run(a.batch, a.number, a.torch_compile, a.keras, a.small, 2 if a.small else a.rounds, memory, device)


if __name__ == "__main__":
    main()
