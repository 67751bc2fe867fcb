"""Start-up time of the ``netgraph`` command against a bare ``python -c pass``.

Each repetition runs every command once, in a freshly shuffled order (so machine drift and caches hit
all alike); the script prints each command's median wall time and its ratio to ``python -c pass``.
``--train`` adds ``netgraph train`` of a 2-layer spec for one round of one batch: its time is the
fixed overhead before training proper (imports, spec, data, compile, optimizer, first step, outputs).

    python benchmarks/cli_startup.py [--reps 15] [--train] [--seed 0]

Goals: ``--help`` and ``--version`` within 0.3 s (they import no torch); ``train`` within 3 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = """\
netgraph: 1
name: Tiny
type: NetChain
layers:
  hidden: {type: LinearLayer, output: 8}
  out: {type: LinearLayer, output: 1}
inputs:
  Input: [4]
"""
DATA = "import numpy as np; x = np.ones((16, 4), 'float32'); np.savez({path!r}, Input=x, Target=x[:, :1])"


def commands(workdir: Path, train: bool) -> dict[str, list[str]]:
    py = [sys.executable]
    out = {"python -c pass": [*py, "-c", "pass"], "netgraph --help": [*py, "-m", "netgraph", "--help"],
           "netgraph --version": [*py, "-m", "netgraph", "--version"]}
    if train:
        spec, data = workdir / "tiny.yaml", workdir / "tiny.npz"
        spec.write_text(SPEC)
        subprocess.run([*py, "-c", DATA.format(path=str(data))], check=True)
        out["netgraph train (1 batch)"] = [*py, "-m", "netgraph", "train", str(spec), "--data", str(data),
                                           "--rounds", "1", "--batch-size", "16", "--quiet", "--seed", "0",
                                           "-o", str(workdir / "out")]
    return out


def time_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - start


def measure(cmds: dict[str, list[str]], reps: int, seed: int) -> dict[str, float]:
    """Median seconds per command over ``reps`` shuffled rounds (after one untimed warm-up round)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    rng = random.Random(seed)
    for argv in cmds.values():
        time_once(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(reps):
        order = list(cmds)
        rng.shuffle(order)
        for name in order:
            samples[name].append(time_once(cmds[name], env))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="shuffled repetitions (default 15)")
    parser.add_argument("--train", action="store_true", help="also time `netgraph train` for one batch")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffling")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        medians = measure(commands(Path(tmp), args.train), args.reps, args.seed)
    base = medians["python -c pass"]
    print(f"{'command':<28}{'median':>10}{'ratio':>9}{'minus python':>15}")
    for name, seconds in medians.items():
        print(f"{name:<28}{seconds:>9.3f}s{seconds / base:>8.2f}x{seconds - base:>14.3f}s")


if __name__ == "__main__":
    main()
