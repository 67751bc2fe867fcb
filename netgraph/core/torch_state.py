"""torch's process-wide state that netgraph moves: the default dtype (the working precision) and the CPU generator.

Both are one for every thread, so every change to either happens under ``TORCH_STATE_LOCK``, one re-entrant lock
(two locks taken in opposite orders by nested calls deadlocked). ``net(x)``'s plain path takes no lock.

>>> with forked_generator(3):
...     a = torch.rand(2)
>>> with forked_generator(3):
...     torch.equal(a, torch.rand(2))
True
>>> with working_precision(torch.float64):
...     working_dtype()
torch.float64
>>> working_dtype()
torch.float32
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from netgraph.core.torch_internals import function_modes

__all__ = ["TORCH_STATE_LOCK", "TRAINING_RUNS_LOCK", "generator_kept", "forked_generator", "drawn_seed", "buffers_kept",
           "working_precision", "working_dtype", "own_precision", "cpu_tensors"]

#: Held while torch's default dtype or CPU generator is moved (compiles, seeded calls, precision windows).
TORCH_STATE_LOCK = threading.RLock()

#: Held by a training run while its own random state is in torch's generators (``OwnRandomState.loaded``): training
#: runs take turns. Seeded calls and compiles never take it, so they never wait for a run's user code (a progress
#: function, a Dataset's ``__getitem__``) that waits on them in turn.
TRAINING_RUNS_LOCK = threading.RLock()

#: The open precision windows, oldest first: [thread, dtype, token]; ``_BASE[0]``: the default before the first.
_WINDOWS: list[list[Any]] = []
_BASE: list[Any] = [None]


@contextlib.contextmanager
def forked_generator(seed: int | None = None, devices: Sequence[int] = ()) -> Iterator[None]:
    """Under ``TORCH_STATE_LOCK``: torch's CPU generator (and those of CUDA ``devices``) seeded with ``seed`` (None:
    left as it is) inside, restored after, so no other thread's seeded draws mix with these."""
    with TORCH_STATE_LOCK, torch.random.fork_rng(devices=list(devices)):
        if seed is not None:
            torch.default_generator.manual_seed(seed)
            for index in devices:
                torch.cuda.default_generators[index].manual_seed(seed)
        yield


def drawn_seed() -> int:
    """A seed drawn from torch's CPU generator, an unseeded run's: one draw, under ``TORCH_STATE_LOCK`` (not from the
    middle of another thread's seeded draws)."""
    with TORCH_STATE_LOCK:
        return int(torch.randint(0, 2**62, ()).item())


def cpu_tensors() -> contextlib.AbstractContextManager:
    """A block whose new tensors are made on the CPU, where a net's arrays live, whatever torch's default device
    (``torch.set_default_device("meta")``, ``with torch.device("cuda"):``); nothing at all (no cost) where no torch
    function mode is active, as by default. Tensors the block makes with an explicit ``device=`` keep theirs."""
    return torch.device("cpu") if function_modes() else contextlib.nullcontext()


@contextlib.contextmanager
def buffers_kept(module: torch.nn.Module) -> Iterator[None]:
    """``module``'s buffers (running statistics) as found after the block: each put back in its place (one the block
    replaced) and given its values back (one it changed in place)."""
    buffers = [(sub, name, b, b.detach().clone()) for sub in module.modules()
               for name, b in sub.named_buffers(recurse=False)]
    try:
        yield
    finally:
        with torch.no_grad():
            for sub, name, buffer, value in buffers:
                setattr(sub, name, buffer)
                buffer.copy_(value)


@contextlib.contextmanager
def generator_kept() -> Iterator[None]:
    """Under ``TRAINING_RUNS_LOCK``: torch's CPU generator put back as found at the end, ``TORCH_STATE_LOCK`` held only
    to read it and put it back (the block runs user code, which may wait on another thread's seeded call)."""
    with TRAINING_RUNS_LOCK:
        with TORCH_STATE_LOCK:
            found = torch.get_rng_state()
        try:
            yield
        finally:
            with TORCH_STATE_LOCK:
                torch.set_rng_state(found)


@contextlib.contextmanager
def working_precision(dtype: torch.dtype, exclusive: bool = True) -> Iterator[None]:
    """``torch.get_default_dtype()`` is ``dtype`` inside; ``exclusive``: the whole block holds ``TORCH_STATE_LOCK``,
    else only the set and the restore do (net_train's run, not to stall other threads). Each window records its own
    dtype, and closing one restores the newest other window's dtype, or the dtype before the first."""
    with TORCH_STATE_LOCK if exclusive else contextlib.nullcontext():
        token = _open(dtype)
        try:
            yield
        finally:
            _close(token)


@contextlib.contextmanager
def own_precision(dtype: torch.dtype | None = None) -> Iterator[None]:
    """Under ``TORCH_STATE_LOCK``: this thread's working precision (or ``dtype``, one read from it before) is torch's
    default inside (a compile reads torch's default: another thread's run-long window must not choose its dtype); a
    window opened only where they differ."""
    with TORCH_STATE_LOCK:
        dtype = working_dtype() if dtype is None else dtype
        with working_precision(dtype) if dtype != torch.get_default_dtype() else contextlib.nullcontext():
            yield


def _open(dtype: torch.dtype) -> object:
    with TORCH_STATE_LOCK:
        if not _WINDOWS:
            _BASE[0] = torch.get_default_dtype()
        token = object()
        _WINDOWS.append([threading.current_thread(), dtype, token])
        torch.set_default_dtype(dtype)
        return token


def _close(token: object) -> None:
    with TORCH_STATE_LOCK:
        _WINDOWS[:] = [w for w in _WINDOWS if w[2] is not token]
        torch.set_default_dtype(_WINDOWS[-1][1] if _WINDOWS else _BASE[0])


def working_dtype() -> torch.dtype:
    """The working precision as this thread sees it: its own newest window's dtype, else the dtype before any other
    thread's window moved torch's default.

    >>> working_dtype()
    torch.float32
    """
    windows = _WINDOWS
    if not windows:
        return torch.get_default_dtype()
    this = threading.current_thread()
    for owner, dtype, _ in reversed(list(windows)):
        if owner is this:
            return dtype
    base = _BASE[0]
    return base if base is not None else torch.get_default_dtype()
