"""The parts of torch's DataLoader worker machinery that netgraph relies on where torch has no public way, all here:
tests/test_torch_workers.py checks each against torch's own behaviour, so that a torch that changes one fails there,
by name, rather than somewhere in training."""

from __future__ import annotations

import copy
from typing import Any

from torch._utils import ExceptionWrapper  # how torch raises a worker's error again in this process
from torch.utils.data._utils import worker as torch_worker  # a worker's numpy seed and its WorkerInfo

__all__ = ["numpy_worker_seed", "show_worker_seed", "raised_again_by_torch", "drop_kept_workers", "shutdown_workers"]


def numpy_worker_seed(base: int, worker: int) -> Any:
    """The seed of numpy's global generator in a new worker ``worker`` started from the base seed ``base``, as
    torch's worker loop seeds it (a hash of the two of torch's own: no public name)."""
    return torch_worker._generate_state(base, worker)


def show_worker_seed(info: Any, seed: int) -> None:
    """Make ``torch.utils.data.get_worker_info().seed`` in this worker process ``seed``: torch keeps the WorkerInfo it
    returns in a module global, ``info`` (a frozen dataclass in newer torch, a class refusing setattr in older)."""
    info = copy.copy(info)
    object.__setattr__(info, "seed", seed)
    torch_worker._worker_info = info


def raised_again_by_torch(error: BaseException) -> bool:
    """Whether ``error`` is a worker's error that torch raised again in this process (``ExceptionWrapper.reraise``
    raised it: its traceback's innermost frame), whose message is torch's text around the worker's traceback."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code is ExceptionWrapper.reraise.__code__


def drop_kept_workers(loader: Any, only: Any = None) -> Any:
    """The iterator, with its worker processes, that the DataLoader ``loader`` keeps from pass to pass
    (``persistent_workers``; with ``only``, that iterator alone), dropped from the loader, whose next pass starts new
    workers (torch has no public way to reseed them); None where it keeps none."""
    kept = getattr(loader, "_iterator", None)
    if kept is None or only is not None and kept is not only:
        return None
    loader._iterator = None
    return kept


def shutdown_workers(batches: Any) -> None:
    """Shut down the worker processes of a DataLoader's iterator ``batches`` now, not when it is garbage collected
    (torch's multi-process iterator's ``_shutdown_workers``); nothing for another iterator."""
    shutdown = getattr(batches, "_shutdown_workers", None)
    if shutdown is not None:
        shutdown()
