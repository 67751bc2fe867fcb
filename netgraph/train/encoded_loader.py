"""The loader of encoded training data read from files: a torch DataLoader of ``EncodedDataset`` batches (worker
processes read and encode image files), texts batched one length at a time, and the one DataError that the bad
examples of a batch raise in this process."""

from __future__ import annotations

import contextlib
import copy
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.wording import counted
from netgraph.train.buckets import length_batches
from netgraph.train.data_sets import ref
from netgraph.train.loader_random import end_loader_workers, pass_ended_on_error
from netgraph.train.pass_seeds import PassBatches, PassSeeded, base_seed
from netgraph.train.run_plan import mix_seed
from netgraph.core.user_frame import user_stacklevel

__all__ = ["EncodedLoader", "LengthBatches", "collate", "bad_examples", "TooManyWorkers", "warn_workers",
           "end_kept_workers"]

_WORKER_SEEDS = 1  # mixed with a pass's order seed: the seed its workers' seeds are drawn from


class TooManyWorkers(UserWarning):
    """``num_workers`` above the CPUs this process may use (``flag``: the option's name as the user typed it)."""

    def __init__(self, workers: int, cpus: int, flag: str | None = None):
        named = f"{flag} {workers}" if flag else f"num_workers={workers}"
        super().__init__(f"{named} is more than the {counted(cpus, 'CPU')} this process may use: so many DataLoader "
                         f"processes slow reading the files down, or stall it; lower {flag or 'num_workers'}")
        self.workers, self.cpus = workers, cpus


def warn_workers(workers: int) -> None:
    """Warn once (TooManyWorkers) when ``workers`` is more than the CPUs this process may use, by torch's rule;
    torch's own warning, given at each DataLoader and at its first batch, is left unsaid (``_torch_workers_unsaid``)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cpus and workers > cpus:
        warnings.warn(TooManyWorkers(workers, cpus), stacklevel=user_stacklevel())


@contextlib.contextmanager
def _torch_workers_unsaid() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This DataLoader will create", category=UserWarning)
        yield


def collate(items: list[dict]) -> dict[str, Any]:
    """A batch: a NetGraphError the Dataset raised (``__raised__``), else errors gathered (``__error__``), else each
    key's values stacked (token sequences of one length: ``LengthBatches``)."""
    raised = [item for item in items if "__raised__" in item]
    if raised:
        return raised[0]
    errors = [item["__error__"] for item in items if "__error__" in item]
    if errors:
        return {"__error__": errors}
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}


class LengthBatches(torch.utils.data.Sampler):
    """Batches of example indices whose token sequences have one length each (``groups``: indices by length), each
    group shuffled and cut, the batches shuffled together, as ``LengthBuckets`` batches sequences in memory."""

    def __init__(self, groups: list[list[int]], batch_size: int, generator: torch.Generator):
        self.groups, self.batch_size, self.generator = groups, batch_size, generator

    def __len__(self) -> int:
        return sum(math.ceil(len(g) / self.batch_size) for g in self.groups)

    def __iter__(self) -> Iterator[list[int]]:
        yield from length_batches(self.groups, self.batch_size, self.generator)


class EncodedLoader:
    """A DataLoader of encoded batches that raises one DataError (in this process) for examples that fail. Texts
    (at ports of variable length) are batched one length at a time (``LengthBatches``): never padded with 0 that the
    net would read in training but not in ``net(texts)``."""

    whole_batches = True  # every process of a distributed run takes its slice of each batch (data.Streamed)

    def __init__(self, dataset: Any, batch_size: int, num_workers: int):  # an EncodedDataset
        self.dataset, self.order, self.passes = dataset, torch.Generator(), 0
        groups = dataset.length_groups()
        self.batches = PassBatches(LengthBatches(groups, batch_size, self.order) if groups else
                                   torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(
                                       dataset, generator=self.order), batch_size, drop_last=False))
        self.loader = self._loader(num_workers)

    @property
    def read_items(self) -> Any:
        """The Dataset of items whose reads before training are kept (data.Streamed): its EncodedDataset's."""
        return self.dataset.read_items

    def _loader(self, num_workers: int) -> torch.utils.data.DataLoader:
        """The DataLoader of ``dataset``'s batches read by ``num_workers`` processes, kept from pass to pass and
        seeded as each pass starts (``PassSeeded``); they end with a pass ended early or by an error, or at
        ``end_kept_workers``. Its generator, whose draws the workers' seeds of each pass replace, leaves torch's
        alone."""
        with _torch_workers_unsaid():  # warn_workers says it once for every loader
            return torch.utils.data.DataLoader(PassSeeded(self.dataset), batch_sampler=self.batches,
                                               num_workers=num_workers, persistent_workers=num_workers > 0,
                                               collate_fn=collate, generator=torch.Generator())

    def in_this_process(self) -> EncodedLoader:
        """This loader's batches (the same order, drawn alike) read in this process: a first batch read before
        training starts no worker processes, whose prefetched batches round 1 would throw away."""
        loader = copy.copy(self)
        loader.loader = self._loader(0)
        return loader

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        # the order and the workers' seeds come from torch's RNG (seeded per round by net_train) through generators
        # of their own, so worker processes, which draw seeds and prefetch, change neither the order nor the global RNG
        seed = int(torch.randint(0, 2**62, ()))
        self.order.manual_seed(seed)
        self.passes += 1
        self.batches.key = (self.passes, base_seed(torch.Generator().manual_seed(mix_seed(seed, _WORKER_SEEDS))))
        with _torch_workers_unsaid():  # torch checks the workers again as it starts them
            batches = iter(self.loader)
        with pass_ended_on_error(self.loader, batches):  # an error, or the pass left early: its workers end now
            for batch in batches:
                if "__raised__" in batch:
                    raise batch["__raised__"]
                if "__error__" in batch:  # (port, words, Diagnostic fields) each
                    errors = batch["__error__"]
                    raise bad_examples(self.dataset.what, [(port, words) for port, words, _ in errors],
                                       " while training", **errors[0][2])
                yield batch


def end_kept_workers(data: Any) -> None:
    """End the worker processes that a call over ``data`` (net_train's, net_measurements') leaves in a DataLoader as
    it returns or raises: netgraph's own (an EncodedLoader's, kept from pass to pass), or a user's last pass's
    (``persistent_workers``, seeded from the run's generator), so that the user's loader is left as one never iterated,
    whose next pass starts new workers from the caller's generator."""
    loader = data.loader if isinstance(data, EncodedLoader) else data
    if isinstance(loader, torch.utils.data.DataLoader):
        end_loader_workers(loader)


def bad_examples(what: Any, problems: list[tuple[str, str]], when: str = "", **first: Any) -> DataError:
    """The DataError for ``problems`` ((port, words) each, the first ten shown) of data set ``what``, found ``when``
    (before training, or " while training"): its Diagnostic keeps the data set, the first port and the words, and
    ``first``, the first problem's fields (its example, expected, found) where known."""
    shown = [words for _, words in problems[:10]] + ([f"... and {len(problems) - 10} more"] if len(problems) > 10
                                                      else [])
    detail = "; ".join(shown) + (f" (found{when})" if when else "")
    return DataError(f"bad {what}{when}: " + "; ".join(shown), kind="encoding", layer=(), data=ref(what),
                     port=problems[0][0], detail=detail, **first)
