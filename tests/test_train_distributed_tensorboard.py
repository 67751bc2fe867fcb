"""TensorBoard logging runs on rank 0 alone: when it failed there (a full disk, a log_dir it may not write), rank 0
left and the other processes stopped only with the generic "another process left the exchanges". Now every process
stops at once naming rank 0's error and where it struck."""

from __future__ import annotations

import pytest

from tests.distributed_helpers import failed_ranks

WORKER = """
import errno, json, os, sys
sys.path.insert(0, {root!r})
import torch
import torch.utils.tensorboard as tb
from netgraph import NetGraph, LinearLayer, net_initialize
from netgraph.train import net_train

rank, failure = int(os.environ["RANK"]), sys.argv[1]
FULL = OSError(errno.ENOSPC, "No space left on device")

class FailingWriter(tb.SummaryWriter):
    def __init__(self, *args, **kwargs):
        if failure == "open":
            raise PermissionError(errno.EACCES, "Permission denied")
        super().__init__(*args, **kwargs)

    def add_scalar(self, tag, value, step, *args, **kwargs):
        if (failure, tag, step) in {{("batch", "loss/batch", 3), ("round", "loss/round", 2)}}:
            raise FULL
        return super().add_scalar(tag, value, step, *args, **kwargs)

    def close(self):
        super().close()
        if failure == "close":
            raise FULL

tb.SummaryWriter = FailingWriter
x = torch.linspace(-1, 1, 32).reshape(16, 2)
net = net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)
try:
    net_train(net, {{"Input": x, "Target": x.sum(1, keepdim=True)}}, max_training_rounds=3, batch_size=4,
              distributed=True, distributed_timeout=60, progress=False, progress_reporting="tensorboard",
              log_dir={out!r} + "/log")
except Exception as exc:
    with open(os.path.join({out!r}, f"error{{rank}}.json"), "w") as f:
        json.dump({{"type": type(exc).__name__, "message": str(exc)}}, f)
    raise
"""


def _run(tmp_path, failure: str) -> list[dict]:
    """Each process's error (type and message) when the worker's ``failure`` strikes rank 0's TensorBoard log."""
    return failed_ranks(tmp_path, WORKER, failure)


@pytest.mark.slow
@pytest.mark.parametrize("failure, error, where", [
    ("open", "PermissionError(13, 'Permission denied')", "opening the TensorBoard log"),
    ("batch", "OSError(28, 'No space left on device')", "writing the TensorBoard log at batch 3"),
    ("round", "OSError(28, 'No space left on device')", "writing the TensorBoard log after round 2"),
    ("close", "OSError(28, 'No space left on device')", "closing the TensorBoard log")])
def test_a_tensorboard_log_rank_0_cannot_write_stops_every_process_naming_it(tmp_path, failure, error, where):
    """Rank 0 raises its own error, as a single process would; the others a TrainingError that names it."""
    reports = _run(tmp_path, failure)
    code, text = (13, "Permission denied") if failure == "open" else (28, "No space left on device")
    assert reports[0] == {"type": error.split("(")[0], "message": f"[Errno {code}] {text}"}, reports
    assert reports[1] == {"type": "TrainingError", "message": f"training stopped: process 0 failed {where} with "
                                                              f"{error}; see its own output"}, reports
