"""Multi-process training on torch.distributed: DistributedDataParallel, gloo on CPU, nccl on GPU.

``net_train(..., distributed=True)`` inside a script started by ``torchrun --nproc-per-node N``
joins the process group torchrun describes (or uses one the script already made), wraps the
compiled module in DDP and gives each process its share of every batch: all processes draw the same
shuffled order, each takes one slice of each batch, and gradients are averaged with the slice sizes
taken into account, so N processes take the same steps as one process with the whole batch (up to
rounding). Losses are summed across processes before they are reported, stopping decisions are
shared, and only rank 0 writes checkpoints and shows progress. ``netgraph train ... --nproc N``
starts torchrun itself (``launch``).

>>> ctx = setup(False, None)
>>> ctx.rank, ctx.world, ctx.active
(0, 1, False)
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import gc
import itertools
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn, TypeVar

import torch
import torch.distributed as dist

from netgraph.core.error_data import error_data, error_from_data
from netgraph.core.errors import NetGraphError, OptionError, TrainingError
from netgraph.layers._sync_norm import BatchStatsSync, synced_torch_batch_norm
from netgraph.layers.normalization import BatchNormModule
from netgraph.train.interrupt import Watchdog
from netgraph.backend.devices import missing_device
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.parallel import DistributedDataParallel

__all__ = ["Context", "DistributedTimeoutError", "LONGEST_TIMEOUT", "setup", "launch", "free_port",
           "share_batch_statistics", "stop_sharing", "aligned"]

_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_GROUPS_JOINED = itertools.count()  # the process groups this process joined (``_join``)
_T = TypeVar("_T")
_LOST_PEER = ("Connection closed by peer", "Connection reset by peer", "Broken pipe")  # gloo's texts (tcp/pair.cc)


class DistributedTimeoutError(TrainingError):
    """A process waited ``distributed_timeout`` seconds for the others to join the process group, or in an exchange,
    in vain; torch's own error (a RuntimeError) is its ``__cause__``. Its Diagnostic: option ``distributed_timeout``,
    found the seconds."""

    @classmethod
    def after(cls, seconds: float, detail: str) -> DistributedTimeoutError:
        """The error for a wait of ``seconds`` that ``detail`` describes (what waited, what may hold it up)."""
        return cls(f"distributed_timeout={seconds:g}: {detail}", option="distributed_timeout",
                   kind="distributed-timeout", found=seconds, detail=detail)


@dataclasses.dataclass
class Context:
    """Where this process stands: its rank, the number of processes, its device, whether DDP is on."""

    rank: int = 0
    world: int = 1
    device: torch.device = dataclasses.field(default_factory=lambda: torch.device("cpu"))
    active: bool = False
    owns_group: bool = False
    watchdog: Watchdog | None = None
    timeout: float = 600.0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, module: torch.nn.Module, unused: bool = True) -> torch.nn.Module:
        """The module DDP-wrapped when distributed (it averages gradients across processes).

        ``unused``: some trainable parameters may get no gradient (DDP then searches for them).
        """
        if not self.active:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids, find_unused_parameters=unused)

    def sum(self, values: list[float]) -> list[float]:
        """Element-wise sums over all processes (the values themselves when not distributed)."""
        if not self.active:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        """True on every process when any process passes True."""
        if not self.active:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def gather(self, values: list[float]) -> list[list[float]]:
        """Every process's ``values`` (the same length on each), by rank."""
        if not self.active:
            return [values]
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        parts = [torch.empty_like(t) for _ in range(self.world)]
        dist.all_gather(parts, t)
        return [p.tolist() for p in parts]

    def most(self, count: int | None) -> int | None:
        """The largest ``count`` of all processes; None when any process's is None (unknown)."""
        if not self.active:
            return count
        counts = [c[0] for c in self.gather([-1.0 if count is None else float(count)])]
        return None if min(counts) < 0 else int(max(counts))

    def broadcast(self, value: int) -> int:
        """Rank 0's ``value`` on every process."""
        if not self.active:
            return value
        t = torch.tensor([value], dtype=torch.int64, device=self.device)
        dist.broadcast(t, src=0)
        return int(t.item())

    def pick(self, value: _T, score: float) -> _T:
        """On every process, the ``value`` (plain data: str, numbers, tuples, lists, dicts) of the process with the
        highest ``score`` (the first such rank)."""
        if not self.active:
            return value
        scores = [s[0] for s in self.gather([score])]
        box = [value]
        dist.broadcast_object_list(box, src=scores.index(max(scores)), device=self.device)
        return box[0]

    def together(self, action: Callable[[], _T], where: str) -> _T:
        """``action()``'s result, where any error it raises on any process stops every process at once (they would
        wait for the failing one in the next exchange): that process raises its own error, as a single one would, the
        others the same NetGraphError (its class, message and Diagnostics), or for any other error a TrainingError
        naming it. ``where``: what failed, for that message."""
        if not self.active:
            return action()
        failure, result = None, None
        try:
            result = action()
        except Exception as exc:  # any error: a bug, torch's own, a user's function
            failure = exc
        if self.any(failure is not None):
            self.share_failure(failure, where)
        return result

    def share_failure(self, failure: Exception | None, where: str) -> NoReturn:
        """``together``'s ending, once an exchange has told every process that one failed: raise this process's
        ``failure`` (its error ``where``), or, where it is None, the failing process's as ``together`` says."""
        shared = self.pick(error_data(_failed(failure, self.rank, where)) if failure else None, 1.0 if failure else 0.0)
        raise failure or error_from_data(shared)

    def from_main(self, make: Callable[[], _T], where: str) -> _T:
        """``make()`` run by rank 0 alone, its result (any picklable value) on every process; its error stops every
        process (``together``, with ``where``)."""
        if not self.active:
            return make()
        box = [self.together(lambda: make() if self.main else None, where)]
        dist.broadcast_object_list(box, src=0, device=self.device)
        return box[0]

    def refuse_timeout(self, exc: RuntimeError) -> None:
        """Raise ``exc``, gloo's timeout in an exchange, as a DistributedTimeoutError naming distributed_timeout (with
        ``exc`` its cause); nothing for any other error, or in a process group the script made (its own timeout).
        torch raises a plain RuntimeError: gloo's text ("Timed out waiting ...") is all that tells a timeout apart."""
        if not (self.owns_group and "Timed out waiting" in str(exc)):
            return
        detail = (f"a process waited {self.timeout:g} s for the others in an exchange and gave up: another process "
                  f"stalls (it hangs reading its data, or caught an error and lives on: see its own output) or is that "
                  f"much slower; find what holds it up, or, if the processes are only slow, raise the timeout")
        raise DistributedTimeoutError.after(self.timeout, detail) from exc

    def refuse_lost_peer(self, exc: RuntimeError) -> None:
        """Raise ``exc``, gloo's error when another process left the process group mid-exchange (it failed, and
        net_train's ``close`` left at once, or it was ended), as a TrainingError saying so (with ``exc`` its cause);
        nothing for any other error. As for a timeout, gloo's plain RuntimeError tells it by its text only."""
        if self.active and any(text in str(exc) for text in _LOST_PEER):
            raise TrainingError("training stopped: another process left the exchanges (it failed or was ended: see "
                                "its own output)", kind="distributed-peer-lost") from exc

    def close(self, together: bool = True) -> None:
        """Leave the process group made by ``setup``: all processes together (a barrier, so none is torn down
        early), or, when this one is failing or interrupted (``together=False``), at once: the others may be gone,
        and a barrier would fail or wait for them."""
        if self.watchdog is not None:
            self.watchdog.stop()
            self.watchdog = None
        if self.owns_group and dist.is_initialized():
            gc.collect()  # drop DDP wrappers (reference cycles) that still hold the group
            if together:
                dist.barrier()
            dist.destroy_process_group()


def _failed(exc: Exception, rank: int, where: str) -> NetGraphError:
    """What the other processes raise when process ``rank`` raised ``exc`` ``where``: a NetGraphError itself."""
    if isinstance(exc, NetGraphError):
        return exc
    detail = f"process {rank} failed {where} with {exc!r}"
    return TrainingError(f"training stopped: {detail}; see its own output", kind="distributed-failure",
                         found=repr(exc), detail=detail)


#: the longest wait a process group takes, in seconds (datetime.timedelta's largest)
LONGEST_TIMEOUT = datetime.timedelta.max.total_seconds()


def setup(distributed: bool, device: torch.device | None, timeout: float = 600.0) -> Context:
    """This process's Context: join (or reuse) the process group when ``distributed``, where a process waits at most
    ``timeout`` seconds for the others in an exchange (then fails), and Ctrl-C ends it even while it waits."""
    device = device or torch.device("cpu")
    if not distributed:
        return Context(device=device)
    if not dist.is_available():
        raise OptionError("distributed=True, but this torch build has no torch.distributed", kind="missing-package",
                          option="distributed", expected="torch.distributed")
    owns = False
    if not dist.is_initialized():
        missing = [v for v in _ENV if v not in os.environ]
        if missing:
            raise OptionError(f"distributed=True needs a process group: start the script with torchrun "
                              f"(e.g. torchrun --nproc-per-node 2 train.py), or run `netgraph train spec.yaml "
                              f"--data ... --nproc 2`; the environment lacks {', '.join(missing)}",
                              kind="distributed-setup", option="distributed", expected=_ENV, found=tuple(missing))
        if device.type == "cuda":
            device = _local_gpu(int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
        backend = "nccl" if device.type == "cuda" else "gloo"
        try:
            _join(backend, datetime.timedelta(seconds=timeout))
        except dist.DistError as exc:
            _refuse_join_timeout(exc, timeout)
            raise
        owns = True
    elif device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())))
    return Context(dist.get_rank(), dist.get_world_size(), device, True, owns, Watchdog.start(active=True), timeout)


def _join(backend: str, timeout: datetime.timedelta) -> None:
    """Join the process group (env://) with keys of this process's own numbered group in the store: torch names
    every new default group alike ("0"), so the next run's processes in a store that outlives one (torchrun's)
    met the last run's keys and paired with its closed connections (a hang, then a timeout). Every process runs
    net_train alike, so the numbers agree."""
    store, rank, world = next(dist.rendezvous("env://", timeout=timeout))
    store.set_timeout(timeout)
    dist.init_process_group(backend, store=dist.PrefixStore(f"netgraph_run_{next(_GROUPS_JOINED)}", store),
                            rank=rank, world_size=world, timeout=timeout)


def _refuse_join_timeout(exc: RuntimeError, timeout: float) -> None:
    """Raise ``exc``, torch's timeout while the processes meet (rank 0 waiting for the others, or another waiting for
    rank 0), as a DistributedTimeoutError; nothing for any other error (a port in use). torch's DistStoreError and
    DistNetworkError say a timeout by their text only ("Timed out after", "has timed out")."""
    if "timed out" not in str(exc).lower():
        return
    where = f"{os.environ.get('MASTER_ADDR')}:{os.environ.get('MASTER_PORT')}"
    detail = (f"a process waited {timeout:g} s for the others to join the process group at {where} and gave up: "
              f"another of the WORLD_SIZE={os.environ.get('WORLD_SIZE')} processes did not start, failed before it "
              f"joined (see its own output) or cannot reach that address; start them all (torchrun does), or, if "
              f"they only start slowly, raise the timeout")
    raise DistributedTimeoutError.after(timeout, detail) from exc


def _local_gpu(local_rank: int) -> torch.device:
    """The GPU of the process of ``local_rank`` on its machine; OptionError when the machine has fewer GPUs."""
    device = torch.device("cuda", local_rank)
    detail = missing_device(device)
    if detail is not None:
        count = torch.cuda.device_count()
        raise OptionError(f"process LOCAL_RANK={local_rank} trains on {device}: {detail}; start at most {count} "
                          f"processes per machine with target_device='cuda'", option="target_device",
                          kind="device-missing", detail=detail)
    return device


def share_batch_statistics(module: torch.nn.Module, ctx: Context) -> BatchStatsSync | None:
    """Make every batch norm in ``module`` (BatchNormalizationLayer, and torch's ``nn.BatchNorm1d``, ... inside a
    TorchLayer) normalise by the whole distributed batch's statistics in training (``sync_batch_norm=True``); the
    shared BatchStatsSync, or None when not distributed or there is none."""
    norms = [sub for sub in module.modules() if isinstance(sub, (BatchNormModule, _BatchNorm))] if ctx.active else []
    sync = BatchStatsSync() if norms else None
    for sub in norms:
        if isinstance(sub, BatchNormModule):
            sub.sync = sync
        else:  # this instance's forward; stop_sharing removes it again
            sub.forward = functools.partial(synced_torch_batch_norm, sub, sync=sync)
    return sync


def stop_sharing(module: torch.nn.Module) -> None:
    """Every batch norm in ``module`` back on its own process's batch statistics."""
    for sub in module.modules():
        if isinstance(sub, BatchNormModule):
            sub.sync = None
        elif isinstance(sub, _BatchNorm):
            sub.__dict__.pop("forward", None)


def aligned(batches: Iterator[tuple[dict, int, int, list[int] | None]], ctx: Context,
            stand_in: dict) -> Iterator[tuple[dict, int, int, list[int] | None]]:
    """A user's loader's batches in a distributed run, where each process reads its own (a DistributedSampler, or
    any other split): (batch, this process's example count, the whole batch's: all processes' counts added up), so
    batches of different sizes are weighted by size; while any process has a batch left, one without takes part with
    ``stand_in`` counting 0 (DDP exchanges gradients in every process at each step: the others would wait forever)."""
    while True:
        batch, own, _, examples = next(batches, (None, 0, 0, None))
        left, whole = ctx.sum([float(batch is not None), float(own)])
        if not left:
            return
        yield (stand_in if batch is None else batch), own, int(whole), examples


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(args: list[str], nproc: int, module: str = "netgraph") -> int:
    """Run ``python -m module *args`` in ``nproc`` processes under torchrun on this machine; its exit code.

    torchrun runs in a session of its own and gets exactly one SIGINT when this process is interrupted (Ctrl-C
    or ``kill -INT``), or the SIGTERM or SIGHUP this process gets, and is waited for: it stops its workers (each
    in a session of its own, so no Ctrl-C reaches them) before it ends. ``subprocess.run`` killed it 0.25 s after
    a Ctrl-C, leaving them training."""
    command = [sys.executable, "-m", "netgraph.cli.torchrun", "--nnodes", "1", "--nproc-per-node", str(nproc),
               "--master-addr", "127.0.0.1", "--master-port", str(free_port()), "-m", module, *args]
    process = subprocess.Popen(command, start_new_session=True)
    previous = {number: signal.signal(number, lambda got, frame: process.send_signal(got))  # `timeout`, a hang-up
                for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        process.wait()
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
