"""What the two-process failure tests share: run a worker script on ranks 0 and 1 (gloo, CPU) and read back each
process's error report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from netgraph.train.distributed import free_port

ROOT = Path(__file__).resolve().parents[1]


def failed_ranks(tmp_path: Path, worker: str, failure: str) -> list[dict]:
    """Each process's error report (``error{rank}.json``, written by ``worker``) when ``worker`` (a script template
    with ``{root}`` and ``{out}``) runs on two ranks with ``failure`` as its argument: both must exit with 1 well
    before the distributed timeout (60 s in the workers) and none by gloo's own timeout."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(worker.format(root=str(ROOT), out=str(tmp_path))))
    env = dict(os.environ, WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    processes = [subprocess.Popen([sys.executable, str(script), failure], env=dict(env, RANK=str(rank)),
                                  stderr=subprocess.PIPE, text=True) for rank in (0, 1)]
    try:
        began, errors = time.monotonic(), []
        for p in processes:  # distributed_timeout=60 is the safety net: a waiting peer would be ended after it
            try:
                errors.append(p.communicate(timeout=45)[1])
            except subprocess.TimeoutExpired:
                pytest.fail("a process still waits for rank 0, which failed")
        assert [p.returncode for p in processes] == [1, 1], errors[-1][-2000:]
        assert time.monotonic() - began < 45
        assert all("Timed out" not in e for e in errors), errors[-1][-2000:]
    finally:
        for p in processes:
            p.kill()
            p.communicate()
    return [json.loads((tmp_path / f"error{rank}.json").read_text()) for rank in (0, 1)]


def torchrun(tmp_path: Path, worker: str, *args: str) -> Path:
    """Run ``worker`` (a script template with ``{root}`` and ``{out}``, written to ``tmp_path``) under torchrun on
    two processes with ``args``; fails the test on an error or a hang (180 s). The script's path."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(worker.format(root=str(ROOT), out=str(tmp_path))))
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "2",
               "--master-addr", "127.0.0.1", "--master-port", str(free_port()), str(script), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:  # a hang: SIGTERM lets torchrun stop its workers (a SIGKILL orphans them)
        process.terminate()
        process.communicate(timeout=60)
        pytest.fail("the processes did not finish in 180 s (waiting for each other?)")
    assert process.returncode == 0, stderr[-3000:]
    return script
