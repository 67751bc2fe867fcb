"""A training run's own torch random state, so that threads training at once each repeat their run alone.

torch's CPU generator (and a CUDA device's) is one for every thread. A trainer keeps its state apart and loads it into
torch's generators only inside ``with own.loaded():``, under ``TRAINING_RUNS_LOCK``, saving it back at the block's end
and putting back what it found there: two training runs' draws (reseeds, loaders' orders, dropout, random layers)
never mix, and torch's generators are left as they were. ``TORCH_STATE_LOCK`` is held only while the states are
swapped, so a seeded call or a compile in another thread, which a progress function or a Dataset may wait on, never
waits for the block (its own draws are fenced by that lock; unlocked draws of other threads can still mix in).

>>> own = OwnRandomState(torch.device("cpu"))
>>> own.seed(5)
>>> outside = torch.get_rng_state()
>>> with own.loaded():
...     drawn = torch.rand(2)
>>> torch.equal(drawn, torch.rand(2, generator=torch.Generator().manual_seed(5)))
True
>>> torch.equal(torch.get_rng_state(), outside)
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from netgraph.core.torch_state import TORCH_STATE_LOCK, TRAINING_RUNS_LOCK

__all__ = ["OwnRandomState"]


class OwnRandomState:
    """``saved``: the CPU state and the CUDA device's (None on the CPU) while not loaded; ``depth``: the nesting of
    ``loaded`` blocks (the trainer's one thread enters them)."""

    def __init__(self, device: torch.device):
        self.device = device
        self.cuda = device.type == "cuda"
        self.depth = 0
        self.saved = self._current()  # the state the run starts from: torch's as it found it

    def _current(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        return torch.get_rng_state(), torch.cuda.get_rng_state(self.device) if self.cuda else None

    def _load(self, state: tuple[torch.Tensor, torch.Tensor | None]) -> None:
        torch.set_rng_state(state[0])
        if self.cuda and state[1] is not None:
            torch.cuda.set_rng_state(state[1], self.device)

    @contextlib.contextmanager
    def loaded(self) -> Iterator[None]:
        """torch's generators hold this run's state inside (taken back at the end, even on an error or Ctrl-C)."""
        with TRAINING_RUNS_LOCK:
            if self.depth:
                yield
                return
            with TORCH_STATE_LOCK:
                found = self._current()
                self._load(self.saved)
                self.depth = 1
            try:
                yield
            finally:
                with TORCH_STATE_LOCK:
                    self.depth = 0
                    self.saved = self._current()
                    self._load(found)

    def seed(self, seed: int) -> None:
        """Seed the CPU generator, and CUDA's when training there (``torch.manual_seed`` formats the call stack for
        each lazily seeded backend on every call: 0.1-0.6 ms a round, seconds over 10,000 rounds of tiny data)."""
        with self.loaded():
            torch.default_generator.manual_seed(seed)
            if self.cuda:
                torch.cuda.default_generators[_index(self.device)].manual_seed(seed)

    def state(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """This run's random state now (copies)."""
        return self._current() if self.depth else (self.saved[0].clone(), _clone(self.saved[1]))

    def put(self, cpu: torch.Tensor, cuda: torch.Tensor | None) -> None:
        """Make ``(cpu, cuda)`` this run's random state (``cuda`` None: the CUDA state as it is)."""
        with self.loaded():
            self._load((cpu, cuda))


def _index(device: torch.device) -> int:
    return device.index if device.index is not None else torch.cuda.current_device()


def _clone(state: torch.Tensor | None) -> torch.Tensor | None:
    return None if state is None else state.clone()
