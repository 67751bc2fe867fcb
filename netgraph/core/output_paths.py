"""Output paths checked before any work is done: a file that can be written, a folder that can be used (made
when missing, removed again when the work fails while still empty), an output that would not replace the input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netgraph.core.errors import NetGraphError, OptionError

__all__ = ["writable_file", "unwritable", "usable_folder", "remove_made", "folders_made", "refuse_overwriting",
           "refuse_folder_name", "refuse_folder_path"]

#: The separators a path naming a folder ends with (``Path`` drops them: ``Path("out/")`` is the file ``out``).
_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def writable_file(path: Path, what: str) -> None:
    """NetGraphError unless ``what`` ('the loss plot') can be written to ``path``: its folder exists and it is not a
    folder itself (atomic_write would fail naming its hidden temporary file).

    >>> writable_file(Path("no_such_folder/loss.svg"), "the loss plot")
    Traceback (most recent call last):
    netgraph.core.errors.NetGraphError: cannot write the loss plot to 'no_such_folder/loss.svg': folder 'no_such_folder' does not exist
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder_missing, is_folder = not folder.is_dir(), path.is_dir()
    except OSError as exc:  # a name too long
        raise unwritable(what, path, exc.strerror or str(exc)) from None
    if folder_missing:
        blocker = next((p for p in (*reversed(folder.parents), folder) if p.exists() and not p.is_dir()), None)
        raise unwritable(what, path, f"{str(blocker)!r} on its path is a file, not a folder" if blocker
                         else f"folder {str(folder)!r} does not exist")
    if is_folder:
        raise unwritable(what, path, "it is a folder; give a file name")


def unwritable(what: str, path: Path, detail: str, **fields: Any) -> NetGraphError:
    """The NetGraphError 'cannot write <what> to <path>: <detail>', of kind "unwritable-file" (``found`` the path)."""
    return NetGraphError(f"cannot write {what} to {str(path)!r}: {detail}", kind="unwritable-file", found=str(path),
                         detail=detail, **fields)


def usable_folder(value: Any, what: str, made: list[Path] | None = None, option: str | None = None) -> Path:
    """``value`` as a folder that exists (created with its parents when missing), checked before any work
    is done; OptionError saying why it cannot be one (a NUL byte, a name too long, a file in the way ...).
    The folders it creates are added to ``made`` (outermost first), for ``remove_made`` when the work fails.
    The error's Diagnostic: kind "unusable-folder", ``option`` (the keyword that gave ``value``), ``found`` the value
    and ``detail`` why.

    >>> usable_folder("/dev/null/x", "checkpoint")
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: checkpoint '/dev/null/x' cannot be used as a folder: '/dev/null' on its path is a file, not a folder
    """
    try:
        if isinstance(value, str) and not value.strip():
            raise ValueError("an empty name (give a folder, e.g. 'checkpoints')")
        folder = Path(value)
        missing = [] if made is None else [p for p in (folder, *folder.parents) if not p.exists()][::-1]
        folder.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.extend(missing)
        tempfile.TemporaryFile(dir=folder).close()  # writable: refused now, not after the first round
    except (OSError, ValueError, TypeError) as exc:
        reason = _not_a_folder(Path(value), exc) or getattr(exc, "strerror", None) or str(exc)
        raise OptionError(f"{what} {str(value)[:200]!r} cannot be used as a folder: {reason}", kind="unusable-folder",
                          option=option, found=value, detail=reason) from None
    return folder


def remove_made(made: list[Path]) -> None:
    """Remove the folders ``usable_folder`` created (``made``), innermost first, each only while it is still empty:
    a run that failed before writing anything leaves no empty folders behind (nor removes anything else)."""
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()  # refuses a folder that is not empty
    made.clear()


@contextlib.contextmanager
def folders_made() -> Iterator[list[Path]]:
    """The list to give ``usable_folder`` as ``made`` for a piece of work: if the work raises, the folders it
    created are removed again while still empty (``remove_made``)."""
    made: list[Path] = []
    try:
        yield made
    except BaseException:
        remove_made(made)
        raise


def _not_a_folder(folder: Path, exc: BaseException) -> str | None:
    """Why ``folder`` is no folder when a file is in the way (the system says only 'File exists'), else None."""
    if isinstance(exc, FileExistsError):
        return "it is a file; give another path (a folder that does not exist yet is created)"
    if isinstance(exc, NotADirectoryError):
        blocker = next((p for p in reversed(folder.parents) if p.exists() and not p.is_dir()), None)
        return f"{str(blocker)[:200]!r} on its path is a file, not a folder" if blocker else None
    return None


def refuse_overwriting(out: str | os.PathLike, source: str | os.PathLike, what: str) -> None:
    """OptionError when writing ``out`` would replace the input file ``source`` (links followed)."""
    try:
        same = os.path.samefile(out, source)
    except (OSError, ValueError):  # out does not exist yet (or cannot be a file): nothing to replace
        return
    if same:
        raise OptionError(f"{what} {str(out)!r} is the input file {str(source)!r}: writing it would replace the "
                          f"input; give another output path", option="output", kind="overwrites-input",
                          expected="a path other than the input file", found=str(out))


def refuse_folder_name(output: str | None, flag: str, example: str) -> None:
    """OptionError when the path typed for ``flag`` ends with a separator (``-o out/``): it names a folder, but
    ``Path`` drops the slash, so a file ``out`` would be written. ``example`` is a file name to suggest inside it.
    ``-o -`` is refused too: it would be a file named ``-``, not stdout.

    >>> refuse_folder_name("out/", "-o", "net.svg")
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: -o 'out/' names a folder (it ends with '/'); give a file name, e.g. -o out/net.svg

    An empty (or blank) path, as ``-o "$OUT"`` with ``OUT`` unset gives, is refused too: it named no file, and the
    command wrote its default file instead.
    """
    fields = {"option": "output", "kind": "output-path", "expected": f"a file name, e.g. {example}", "found": output}
    if output == "-":
        raise OptionError(f"{flag} -: {flag} writes a file, not stdout (this would make a file named '-'); give a "
                          f"file name, e.g. {flag} {example}", **fields)
    if output is not None and not output.strip():
        raise OptionError(f"{flag} {output!r} is empty; give a file name, e.g. {flag} {example}", **fields)
    if output and output.endswith(_SEPARATORS):
        raise OptionError(f"{flag} {output!r} names a folder (it ends with {output[-1]!r}); give a file name, e.g. "
                          f"{flag} {output}{example}", **fields)


def refuse_folder_path(path: Any, call: str, example: str, expected: str | None = None, before: str = "net, ",
                       error: type[NetGraphError] = OptionError) -> None:
    """``error`` (kind "output-path", option "path"; ``call``'s other path errors' class) when ``path`` as given to
    ``call`` (a str, bytes or PathLike) ends with a separator: it names a folder, but ``Path`` drops the separator and
    ``call`` would write a file of the folder's name. ``example`` is a file name to suggest inside it, ``before`` the
    arguments the message shows before the path; any other path is left to the caller.

    >>> try:
    ...     refuse_folder_path("new.svg/", "render", "net.svg")
    ... except OptionError as error:
    ...     print(error)
    render(net, 'new.svg/') names a folder (it ends with '/'): give a file path, e.g. 'new.svg/net.svg'
    """
    try:
        text = os.fsdecode(path)
    except TypeError:  # no path at all: the caller's own check names it
        return
    if text.endswith(_SEPARATORS):
        given = os.fspath(path)  # bytes shown as given: b'\\xff/', not fsdecode's '\\udcff/'
        shown, suggested = (given, given + os.fsencode(example)) if isinstance(given, bytes) else (text, text + example)
        raise error(f"{call}({before}{shown!r}) names a folder (it ends with {text[-1]!r}): give a file path, "
                    f"e.g. {suggested!r}", option="path", kind="output-path",
                    expected=expected or f"a file path, e.g. {example}", found=text)
