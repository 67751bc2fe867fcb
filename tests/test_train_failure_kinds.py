"""What the other processes of a distributed run raise when one fails with an error of its own (not a
NetGraphError): kind "distributed-failure", the error found and what failed, and so after travelling as data."""

from __future__ import annotations

from netgraph import TrainingError
from netgraph.core.error_data import error_data, error_from_data
from netgraph.train.distributed import _failed


def test_another_process_s_own_error_is_a_distributed_failure():
    error = _failed(OSError(28, "No space left on device"), 1, "saving the checkpoint of round 2")
    (d,) = error_from_data(error_data(error)).diagnostics  # as every other process gets it (Context.together)
    assert isinstance(error, TrainingError) and d.kind == "distributed-failure"
    assert d.found == "OSError(28, 'No space left on device')"
    assert d.detail == "process 1 failed saving the checkpoint of round 2 with OSError(28, 'No space left on device')"
