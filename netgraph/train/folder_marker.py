"""A checkpoint folder held by one run at a time: a marker file made with an exclusive create (``O_EXCL``), which
names the holding process and goes at the run's end; threads and processes checking the folder at once cannot both
pass. A marker whose process is gone (killed) is taken over."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from netgraph.core.errors import OptionError

__all__ = ["MARKER", "folder_held"]

MARKER = ".netgraph-run"


@contextlib.contextmanager
def folder_held(directory: Path, check: Callable[[Path], None]) -> Iterator[None]:
    """``directory`` held for the block (the marker removed on the way out, an error's or Ctrl-C's too), ``check``
    (the folder's occupancy) run once it is held."""
    marker = directory / MARKER
    _take(marker, directory)
    try:
        check(directory)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


def _take(marker: Path, directory: Path) -> None:
    for _ in range(2):  # a second try after a dead process's marker is removed
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            pid = _holder(marker)
            if pid is not None and not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    marker.unlink()
                continue
            raise OptionError(f"checkpoint directory {str(directory)!r} is in use by another training run (process "
                              f"{pid}, marker {MARKER}): two runs there would remove each other's checkpoints; wait "
                              f"for it, give another folder, or delete {str(marker)!r} if no run uses the folder",
                              kind="occupied-folder", option="checkpoint", expected="a folder no run uses",
                              found=str(marker)) from None
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        return


def _holder(marker: Path) -> int | None:
    """The process id a marker names; None where it cannot be read (being written: taken as alive)."""
    try:
        return int(marker.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
