"""A NetGraphError raised in a user's DataLoader worker process (a Dataset calling ``encode``) as netgraph's own
error: torch re-raises a worker's error in this process as a new one of its class, whose message is torch's "Caught
DataError in DataLoader worker process 0" text around the worker's whole traceback, and whose fields (port, expected,
found) are gone (torch sends the class and the traceback's text alone). ``worker_errors_unwrapped`` raises it with its
own message again, the worker's traceback as its cause, as ``multiprocessing.pool`` shows a worker's error."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from multiprocessing.pool import RemoteTraceback

from netgraph.core.errors import NetGraphError
from netgraph.train.torch_workers import raised_again_by_torch

__all__ = ["worker_errors_unwrapped"]

_ORIGINAL = "\nOriginal "  # torch's text: its "Caught ..." line, then "Original " and the worker's traceback


def _unwrapped(error: NetGraphError) -> tuple[NetGraphError, str] | None:
    """(the error with the worker's own message, the worker's traceback) for a worker's error torch raised again;
    None for another error, or a text not of torch's form."""
    text = str(error)
    start = text.find(_ORIGINAL)
    last = text.rfind(f"\n{type(error).__module__}.{type(error).__qualname__}: ")
    if not raised_again_by_torch(error) or start < 0 or last < start:
        return None
    message = text[text.index(": ", last) + 2:].rstrip("\n")
    try:
        return type(error)(message), text[start + len(_ORIGINAL):]
    except TypeError:  # a subclass made another way: left as torch raised it
        return None


@contextlib.contextmanager
def worker_errors_unwrapped() -> Iterator[None]:
    """A NetGraphError that a user's DataLoader worker raised, raised inside, raised with its own message."""
    try:
        yield
    except NetGraphError as error:
        unwrapped = _unwrapped(error)
        if unwrapped is None:
            raise
        raise unwrapped[0] from RemoteTraceback(f'\n"""\n{unwrapped[1]}"""')
