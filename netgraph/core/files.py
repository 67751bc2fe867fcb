"""Atomic file writing: a crash never leaves a half-written checkpoint, spec, weights file or diagram."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    The content goes to a temporary file in the same folder, is flushed to disk, and then replaces
    ``path`` with ``os.replace``; on any failure the temporary file is removed and ``path`` is left
    as it was. The file gets the usual permissions (0666 less the umask), not a temp file's 0600.

    >>> import tempfile; folder = tempfile.mkdtemp()
    >>> atomic_write(f"{folder}/a.txt", b"hello").read_bytes()
    b'hello'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the kernel applies the umask
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
