"""Atomic file writing: a crash never leaves a half-written checkpoint, spec, weights file or diagram.

Writers only ever replace regular files (never a device, a folder or a link to one), and the
temporary files that a killed writer leaves behind can be found and removed by the next one.
``REFERENCE_SCOPE`` says where spec files may be read from by ``file:`` references.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, BinaryIO

from netgraph.core.output_paths import (folders_made, refuse_folder_name, refuse_overwriting, remove_made,  # noqa: F401
                                       unwritable, usable_folder, writable_file)  # re-exported: their old home

try:
    import fcntl  # POSIX only: elsewhere saves into one folder are not serialised (folder_lock does nothing)
except ImportError:  # pragma: no cover - Windows
    fcntl = None

FOLDERS_SYNC = os.name != "nt"  # Windows cannot open a folder to fsync it

__all__ = ["REFERENCE_SCOPE", "NotRegularFile", "atomic_write", "check_replaceable", "open_regular",
           "refuse_folder_name", "remove_temporaries", "usable_folder", "remove_made", "folders_made", "writable_file",
           "unwritable", "refuse_overwriting", "TEMPORARY", "NAME_MAX", "shortened", "temporary_stem", "folder_lock",
           "file_identity", "link_target", "atomic_replace", "replaceable_target"]

#: Where a spec's ``file:`` references may point beyond the referring spec's folder: None (nowhere else), a
#: folder (``base_dir``) or True (anywhere). ``from_yaml`` sets it per call; the command line sets it for a
#: command (``--base-dir``, ``--allow-outside``), and a call giving neither keeps the one in force.
REFERENCE_SCOPE: ContextVar[Path | bool | None] = ContextVar("netgraph_reference_scope", default=None)

TEMPORARY = r"\.{name}\.[0-9a-f]{{12}}\.tmp"  # the temporary name of ``name`` (a regex of the name)
_SHORTENED = re.compile(r"\..*~([0-9a-f]{16})\.[0-9a-f]{12}\.tmp")  # of a name too long to keep whole
NAME_MAX = 255  # bytes in one file name (ext4, xfs, btrfs, tmpfs, APFS, NTFS in UTF-16 units)
_NO_LOCKS = {errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP}  # flock's where a file system has no locks (skipped)


def shortened(name: str, room: int) -> str:
    """``name``, or when it passes ``room`` bytes its head, ``~`` and 16 hex digits of its SHA-256 (``room``
    bytes in all, whole characters): distinct names stay distinct.

    >>> shortened("a.yaml", 20), shortened("x" * 30, 20)[:4], len(shortened("x" * 30, 20))
    ('a.yaml', 'xxx~', 20)
    """
    if len(os.fsencode(name)) <= room:
        return name
    tail, head = f"~{_digest(name)}", ""
    for char in name:  # whole characters only: a cut UTF-8 sequence would not be a valid name
        if len(os.fsencode(head + char + tail)) > room:
            break
        head += char
    return head + tail


def temporary_stem(name: str) -> str:
    """``.name``, shortened (see ``shortened``) so that ``.<stem>.<12 hex>.tmp`` fits NAME_MAX bytes.

    >>> len(temporary_stem("x" * 250) + ".0123456789ab.tmp")
    255
    """
    return "." + shortened(name, NAME_MAX - len("..0123456789ab.tmp"))


def _digest(name: str) -> str:
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:16]


def check_replaceable(path: str | os.PathLike) -> None:
    """OSError unless ``path`` is absent or a regular file (links followed): never replace a device or folder.

    >>> check_replaceable("/dev/null")
    Traceback (most recent call last):
    netgraph.core.files.NotRegularFile: [Errno 22] is not a regular file (a device, folder or link to one); refusing to replace it: '/dev/null'
    """
    name = os.fspath(path)
    if ("\x00" if isinstance(name, str) else b"\x00") in name:  # os calls would raise ValueError
        raise OSError(errno.EINVAL, "a file name cannot contain a NUL byte", repr(name)[:200])
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, stat.S_ISDIR(mode), "is not a regular file (a device, folder or link to one); "
                             "refusing to replace it")


def replaceable_target(path: Path) -> tuple[Path, int | None]:
    """The file writing ``path`` replaces (a link's target), its mode (None: new); OSError where atomic_write would."""
    check_replaceable(path)
    target = link_target(path) if path.is_symlink() else path
    return target, _kept_mode(target)


def atomic_write(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    The content goes to a temporary file in the same folder, is flushed to disk, then replaces ``path`` with
    ``os.replace``; on any failure the temporary file is removed and ``path`` is left as it was. A new file gets the
    usual permissions (0666 less the umask), not a temp file's 0600; a replaced one keeps its mode (a private 0600
    model stays private), and a read-only one is refused (PermissionError). A symbolic link is written through (the
    link stays); a link to nothing is refused (FileNotFoundError): it would create a file elsewhere.

    >>> import tempfile; folder = tempfile.mkdtemp()
    >>> atomic_write(f"{folder}/a.txt", b"hello").read_bytes()
    b'hello'
    """
    path, mode = replaceable_target(Path(path))
    tmp = path.with_name(f"{temporary_stem(path.name)}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the kernel applies the umask
    except OSError as exc:  # a missing folder, no permission: named by the path asked for, not the temporary's
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        _keep_mode(fd, mode)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the content on disk before the rename can expose it
        check_replaceable(path)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return path


def _keep_mode(fd: int, mode: int | None) -> None:
    """Give the new file ``mode`` (closing ``fd`` when that fails); a file system without Unix modes (vfat, CIFS and
    FUSE mounts: EPERM, ENOTSUP) keeps the one it gives every file."""
    try:
        if mode is not None:
            os.chmod(fd, mode)
    except BaseException as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            return
        os.close(fd)
        raise


def link_target(link: Path) -> Path:
    """The file ``link`` leads to (written through: os.replace would replace the link); FileNotFoundError when none."""
    target = Path(os.path.realpath(link))
    if not os.path.lexists(target):
        raise FileNotFoundError(errno.ENOENT, f"it is a link to {os.readlink(link)!r}, which does not exist; writing "
                                f"through it would create that file (remove the link to write here)", str(link))
    return target


def _sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk (a rename into it survives a power loss); nothing on Windows, nor where the
    folder cannot be opened or synced (EINVAL): the file is written by then, so its durability alone raises nothing."""
    if not FOLDERS_SYNC:
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike) -> Any:
    """Hold an exclusive lock on ``folder`` (flock on the folder itself: no lock file is left) while writers that
    also clean up run one at a time: a save's cleanup would otherwise remove the live temporary or the new weights
    file of another process saving beside it. Without the folder, fcntl, or flock there (NFS without a lock
    daemon, some FUSE file systems: ENOLCK, EOPNOTSUPP...), it locks nothing."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # never a pipe: it would block
    except (OSError, ValueError):  # a missing folder, not a folder, a NUL byte: the write will say so
        yield
        return
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                if exc.errno not in _NO_LOCKS:
                    raise
        yield
    finally:
        os.close(fd)  # releases the lock


def file_identity(path: str | os.PathLike) -> tuple | None:
    """(device, inode, mtime, size) of the file at ``path`` (links followed), None without one: a file replaced
    (``atomic_write``: a new inode) or rewritten since has another."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


def _kept_mode(path: Path) -> int | None:
    """The permission bits of the file ``path`` replaces (None: no file yet); PermissionError for a read-only one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    if not (os.access(path, os.W_OK) and mode & 0o222):  # no write bit: refused to root too (who may write it)
        raise PermissionError(errno.EACCES, "Permission denied (the file is read-only; make it writable to replace "
                              "it)", str(path))
    return mode


def remove_temporaries(folder: str | os.PathLike, name: str, also: tuple[str, ...] = ()) -> list[Path]:
    """Remove the temporary files that killed ``atomic_write`` calls left for names matching regex ``name``.
    A shortened temporary name (see ``temporary_stem``) is recognised by its digest, for the folder's files
    matching ``name`` and the names in ``also`` (the file about to be written: it may not exist yet).

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".a.yaml.0123456789ab.tmp").write_bytes(b"half")
    >>> [p.name for p in remove_temporaries(folder, re.escape("a.yaml"))], list(folder.iterdir())
    (['.a.yaml.0123456789ab.tmp'], [])
    """
    pattern = re.compile(TEMPORARY.format(name=f"(?:{name})"))
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    known = {_digest(n) for n in [*also, *(e.name for e in entries if re.fullmatch(f"(?:{name})", e.name))]}
    gone = [Path(e.path) for e in entries if (pattern.fullmatch(e.name) or _shortened_of(e.name, known))
            and e.is_file(follow_symlinks=False)]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


def atomic_replace(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> Path:
    """``atomic_write``, after removing the temporaries that killed writes of ``path`` left (``remove_temporaries``)."""
    remove_temporaries(os.path.dirname(path) or ".", re.escape(os.path.basename(path)), (os.path.basename(path),))
    return atomic_write(path, data)


def _shortened_of(entry: str, digests: set[str]) -> bool:
    match = _SHORTENED.fullmatch(entry)
    return bool(match) and match.group(1) in digests


class NotRegularFile(OSError):
    """``open_regular``'s refusal of a folder (``is_folder``), device, pipe or socket, decided on the opened file."""

    def __init__(self, path: str | os.PathLike, is_folder: bool, why: str = "is not a regular file"):
        super().__init__(errno.EINVAL, why, str(path))
        self.is_folder = is_folder


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """``path`` opened for binary reading; NotRegularFile for anything but a regular file (never blocks on a pipe),
    decided on the opened file itself, so that nothing can replace it between a check and the open.

    >>> open_regular("/dev/zero")
    Traceback (most recent call last):
    netgraph.core.files.NotRegularFile: [Errno 22] is not a regular file: '/dev/zero'
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, stat.S_ISDIR(mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
