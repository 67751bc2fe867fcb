"""The own generators of a user's DataLoader (``DataLoader(..., shuffle=True, generator=g)``, or its sampler's): a
checkpoint holds their states (a round's: as the round ended; a mid-round one: as its round began), so a resumed run
draws the order the uninterrupted run drew. torch's global generator, which a loader without one draws from, is the
run's seeded one already; a loader's persistent worker processes are let go at each pass, so that new ones are seeded
from it (``let_workers_go``), and a pass ended by an error (the data's, or a training step's:
``pass_ended_on_error``) ends its workers at once (``end_pass``)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.core.user_frame import user_stacklevel
from netgraph.train.torch_workers import drop_kept_workers, shutdown_workers

__all__ = ["loader_random_state", "restore_loader_random", "let_workers_go", "end_loader_workers", "end_pass",
           "pass_ended_on_error"]


def _generators(loader: Any) -> list[torch.Generator]:
    """The distinct CPU generators a DataLoader draws from: its own (the workers' base seed; a shuffle's order when
    the loader made the sampler), then its sampler's."""
    if not isinstance(loader, torch.utils.data.DataLoader):
        return []
    found = [loader.generator, getattr(loader.sampler, "generator", None),
             getattr(getattr(loader.batch_sampler, "sampler", None), "generator", None)]
    unique = {id(g): g for g in found if isinstance(g, torch.Generator) and g.device.type == "cpu"}
    return list(unique.values())


def loader_random_state(loader: Any) -> list[torch.Tensor] | None:
    """The states of ``loader``'s own generators now; None where it has none."""
    return [g.get_state() for g in _generators(loader)] or None


def restore_loader_random(train: Any, data: dict[str, Any]) -> None:
    """Put back the states a checkpoint (``data``) holds of the training loader's generators: a mid-round file's as
    its round began (the resumed run reads the round's first batches again), a round's as it ended. A warning where
    the loader has generators the file holds no state of (a file from before this was saved, or of other data)."""
    generators = _generators(getattr(train, "loader", None))
    if not generators:
        return
    within = data.get("within_round")
    states = within.get("loader_rng") if within is not None else data.get("loader_rng")
    if states is None or len(states) != len(generators) or any(
            s.numel() != g.get_state().numel() for s, g in zip(states, generators)):
        warnings.warn("the training DataLoader draws from its own generator (generator=), whose state the checkpoint "
                      "does not hold: the resumed run draws another order of examples than the uninterrupted run "
                      "would have", stacklevel=user_stacklevel())
        return
    for state, generator in zip(states, generators):
        generator.set_state(state)


def let_workers_go(loader: Any) -> None:
    """Let a DataLoader's persistent worker processes go, so that its next pass starts new ones seeded from the random
    state of that moment (the run's, as the round begins): torch seeds workers once, as they start, and keeps their
    random state (a Dataset's augmentation draws) from pass to pass, which a resumed run's new workers lack. torch has
    no public way to reseed them: dropping the loader's iterator (``drop_kept_workers``) shuts them down. The cost:
    the workers start again every pass, as with ``persistent_workers=False``."""
    if isinstance(loader, torch.utils.data.DataLoader) and loader.persistent_workers and loader.num_workers > 0:
        drop_kept_workers(loader)


def end_loader_workers(loader: torch.utils.data.DataLoader) -> None:
    """Shut down the worker processes of ``loader``'s kept iterator (``persistent_workers``) now; its next pass
    starts new ones."""
    shutdown_workers(drop_kept_workers(loader))


def end_pass(loader: Any, batches: Any) -> None:
    """End the worker processes of a pass over ``loader`` (``batches``: its iterator) that an error ended or that
    was left early, now rather than when a traceback that keeps them goes: a generator's (netgraph's loader's) by
    closing it; a DataLoader iterator's by shutting them down, and a persistent one is dropped from its loader, whose
    next pass starts new ones."""
    close = getattr(batches, "close", None)
    if close is not None:
        close()
    shutdown_workers(batches)  # the iterator, kept alive by an error's traceback, would keep them and their pipes
    drop_kept_workers(loader, only=batches)


@contextlib.contextmanager
def pass_ended_on_error(loader: Any, batches: Any) -> Iterator[None]:
    """``end_pass(loader, batches)`` as an error raised inside leaves (a training step's, between two of the pass's
    batches), not when its traceback goes."""
    try:
        yield
    except BaseException:
        end_pass(loader, batches)
        raise
