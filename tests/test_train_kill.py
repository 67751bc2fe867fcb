"""SIGKILL a training process at random (seeded) moments, resume each time: the result is bit-identical
to an uninterrupted run, and the checkpoint folder holds only complete checkpoints, no temporary files."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from netgraph import net_initialize
from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints, read_checkpoint
from tests.test_train import known_function, mlp

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 30
KILLS = 2
SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from safetensors.torch import save_file
from netgraph import net_initialize
from netgraph.train import net_train
from tests.test_train import known_function, mlp
x, y = known_function(96, 0)
net = net_train(net_initialize(mlp(), seed=0), {{"Input": x, "Target": y}}, max_training_rounds={rounds},
                batch_size=16, random_seed=5, progress=False, checkpoint={{"directory": {ckpt!r}, "keep": 2}},
                resume=True)
save_file({{f"{{n}}.{{k}}": v.contiguous() for n in ("h", "out") for k, v in net.layers[n].arrays.items()}},
          {out!r})
"""


def run_killed_at(script: Path, ckpt: Path, delay: float) -> bool:
    """Start the script; once it saves a new checkpoint wait ``delay`` s and SIGKILL it. Whether it finished."""
    before = len(checkpoints(ckpt)) and checkpoints(ckpt)[-1].name
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        files = checkpoints(ckpt)
        if files and files[-1].name != before:
            break
        time.sleep(0.005)
    end = time.monotonic() + delay
    while proc.poll() is None and time.monotonic() < end:
        time.sleep(0.002)
    if proc.poll() is not None:
        assert proc.returncode == 0, proc.stderr.read().decode()
        return True
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return False


@pytest.mark.slow
def test_random_kills_then_resume_give_the_uninterrupted_arrays_bit_for_bit(tmp_path):
    ckpt, out = tmp_path / "ckpt", tmp_path / "final.safetensors"
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT), ckpt=str(ckpt), out=str(out), rounds=ROUNDS)))
    rng = random.Random(20261201)
    for _ in range(KILLS):  # each run resumes the last one; a kill lands at a random point of some round
        assert not run_killed_at(script, ckpt, rng.uniform(0.0, 0.1)), "finished before it could be killed"
        for file in checkpoints(ckpt):
            read_checkpoint(file)  # complete and readable, whatever the moment of the kill
    assert run_killed_at(script, ckpt, 60.0) and out.exists()
    x, y = known_function(96, 0)
    whole = net_train(net_initialize(mlp(), seed=0), {"Input": x, "Target": y}, max_training_rounds=ROUNDS,
                      batch_size=16, random_seed=5, progress=False)
    resumed = load_file(out)
    for n in ("h", "out"):
        for k, v in whole.layers[n].arrays.items():
            assert torch.equal(resumed[f"{n}.{k}"], v), (n, k)
    names = sorted(p.name for p in ckpt.iterdir())
    assert names == [f"round-{ROUNDS - 1:06d}.pt", f"round-{ROUNDS:06d}.pt"], names  # no temporary files left
