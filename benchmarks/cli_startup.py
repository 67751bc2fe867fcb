"""Start-up time of the ``netgraph`` command against a bare ``python -c pass``.

Each repetition runs every command once, in a freshly shuffled order (so machine drift and caches hit
all alike); the script prints each command's median wall time and its ratio to ``python -c pass``.
``--train`` adds ``netgraph train`` of a 2-layer spec for one round of one batch: its time is the
fixed overhead before training proper (imports, spec, data, compile, optimizer, first step, outputs),
and ``python -c "import torch"`` beside it: the part of that overhead that is torch's own import.
Wall and CPU time (user + system of the child process) are both medians; on a shared machine the CPU
time is the steadier figure.

    python benchmarks/cli_startup.py [--reps 15] [--train] [--seed 0]

Goals: ``--help`` and ``--version`` within 0.3 s (they import no torch); ``train`` within 3 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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
        out["import torch"] = [*py, "-c", "import torch"]
        spec, data = workdir / "tiny.yaml", workdir / "tiny.npz"
        spec.write_text(SPEC)
        subprocess.run([*py, "-c", DATA.format(path=str(data))], check=True)
        out["netgraph train (1 batch)"] = [*py, "-m", "netgraph", "train", str(spec), "--data", str(data),
                                           "--rounds", "1", "--batch-size", "16", "--quiet", "--seed", "0",
                                           "-o", str(workdir / "out")]
    return out


def time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the child) of one run of ``argv``."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(cmds: dict[str, list[str]], reps: int, seed: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per command over ``reps`` shuffled rounds (after one untimed warm-up round)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode: let the warm-up write it
    rng = random.Random(seed)
    for argv in cmds.values():
        time_once(argv, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(reps):
        order = list(cmds)
        rng.shuffle(order)
        for name in order:
            samples[name].append(time_once(cmds[name], env))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="shuffled repetitions (default 15)")
    parser.add_argument("--train", action="store_true", help="also time `netgraph train` for one batch")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffling")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        medians = measure(commands(Path(tmp), args.train), args.reps, args.seed)
    base = medians["python -c pass"]
    print(f"{'command':<28}{'wall':>9}{'ratio':>8}{'minus python':>14}{'CPU':>9}{'ratio':>8}{'minus python':>14}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:<28}{wall:>8.3f}s{wall / base[0]:>7.2f}x{wall - base[0]:>13.3f}s"
              f"{cpu:>8.3f}s{cpu / base[1]:>7.2f}x{cpu - base[1]:>13.3f}s")


if __name__ == "__main__":
    main()
