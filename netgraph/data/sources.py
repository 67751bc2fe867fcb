"""Training sets on disk, as (input, label) pairs for ``net_train``: a folder of images whose sub-folder
names are the labels, or a CSV/JSONL table of texts and labels.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "set.jsonl").write_text('{"text": "good film", "label": "pos"}\\n{"text": "dull", "label": "neg"}\\n')
>>> table = text_table(folder / "set.jsonl")
>>> list(table), table.labels
([('good film', 'pos'), ('dull', 'neg')], ('neg', 'pos'))
"""

from __future__ import annotations

import csv
import functools
import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from netgraph.core.errors import DataError, Diagnostic, did_you_mean
from netgraph.core.files import NotRegularFile, open_regular
from netgraph.data.json_lines import json_lines, label_item, record_error, table_place

__all__ = ["Examples", "image_folder", "text_table", "read_folder", "read_table", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


class Examples(Sequence):
    """(input, label) pairs read from ``source``; ``labels`` are the distinct labels, sorted (numbers by value, first);
    ``places`` where each pair is in ``source``, as text ('file:line' of a table's row, or any words; None when the
    pairs are files); ``rows`` each pair's table row as data, (file, line), where read from one; ``columns`` a
    table's (input, label) column names."""

    def __init__(self, pairs: list[tuple[Any, Any]], source: str, places: Sequence[str] | None = None,
                 columns: tuple[str, str] | None = None, rows: Sequence[tuple[str, int]] | None = None):
        self.pairs, self.source, self.columns = pairs, source, columns
        self.places = tuple(places) if places is not None else None
        self.rows = tuple(rows) if rows is not None else None
        listed = (label if isinstance(label, list) else [label] for _, label in pairs)  # a tagger's: one a position
        distinct: dict[tuple[bool, Any], Any] = {}  # keyed apart: True and 1 are two labels (Python has True == 1)
        for one in (one for labels in listed for one in labels):
            distinct.setdefault((isinstance(one, bool), one), one)
        self.labels = tuple(sorted(distinct.values(), key=_label_order))

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: Any) -> Any:
        return self.pairs[index]

    def __repr__(self) -> str:
        return f"Examples({len(self.pairs)} from {self.source!r}, labels={list(self.labels)})"


def _label_order(label: Any) -> tuple:
    """Numbers first, by value (10 after 2), then any other label by its text."""
    number = isinstance(label, (int, float)) and not isinstance(label, bool) and label == label  # not NaN
    return (0, label, "") if number else (1, 0, str(label))


def image_folder(path: str | os.PathLike) -> Examples:
    """(image path, label) pairs from ``path/<label>/<image>`` (Keras's image_dataset_from_directory layout).

    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label in ["cat", "dog"]:
    ...     (root / label).mkdir(); Image.new("RGB", (4, 4)).save(root / label / "a.png")
    >>> [(pathlib.Path(path).parent.name, label) for path, label in image_folder(root)]
    [('cat', 'cat'), ('dog', 'dog')]
    """
    return read_folder(path)


def read_folder(path: str | os.PathLike, *, command_line: bool = False, who: str | None = None) -> Examples:
    """``image_folder``, its errors worded for the front end reading: Python's name ``image_folder``, or none for
    the command line (``netgraph train --data``, which names its flag); ``who``: the words that open them instead
    (net_train's data set, 'bad training data: ', for a path given as data)."""
    who = ("" if command_line else "image_folder: ") if who is None else who
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{who}no folder {str(root)!r}", kind="missing-file", found=str(root))
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    entries = [(sub.name, entry) for sub in folders if not _metadata(sub.name) for entry in sorted(sub.iterdir())]
    hidden_folders = [sub for sub in folders if _metadata(sub.name) and _images_kept(sub)]
    pairs = [(str(entry), label) for label, entry in entries if entry.suffix.lower() in IMAGE_SUFFIXES
             and not entry.name.startswith(".") and entry.is_file()]  # hidden: macOS's '._x.png' metadata
    loose = sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())  # no label
    if not pairs:
        lying = (f": its {len(loose)} image{'s' * (len(loose) > 1)} lie{'s' * (len(loose) == 1)} directly in it "
                 f"(e.g. {loose[0].name!r}); move each into the sub-folder named by its label") if loose else ""
        raise DataError(f"{who}{str(root)!r} holds no images in sub-folders (one sub-folder per label, "
                        f"files ending {', '.join(IMAGE_SUFFIXES[:3])}, ...){lying}", kind="missing-data", found=0)
    held = {label for _, label in pairs}
    empty = [p.name for p in folders  # a class dropped (hidden folders, .ipynb_checkpoints, unsaid)
             if p.name not in held and not _metadata(p.name)]
    skipped = _skipped(root, [entry for _, entry in entries], loose, hidden_folders)
    if said := "; ".join(filter(None, [_empty_labels(empty), skipped])):
        warnings.warn(f"{who}{str(root)!r}: {said}", stacklevel=3)
    return Examples(pairs, str(root))


def _metadata(name: str) -> bool:
    """Whether a sub-folder named ``name`` is no label: hidden ('.ipynb_checkpoints') or the '__MACOSX' folder of
    macOS's zip."""
    return name.startswith(".") or name.startswith("__MACOSX")


def _images_kept(folder: Path) -> bool:
    """Whether a skipped metadata folder is worth a word: '__MACOSX' always (a copy of the tree's '._' files), a
    hidden folder when it holds files named as images."""
    return folder.name.startswith("__MACOSX") or any(
        entry.suffix.lower() in IMAGE_SUFFIXES and entry.is_file() for entry in folder.iterdir())


def _empty_labels(empty: list[str]) -> str:
    """What a folder's label sub-folders holding no images mean ('' when there are none): labels not among
    ``Examples.labels``, so a decoder made of them would number the classes otherwise."""
    if not empty:
        return ""
    many = len(empty) > 1
    whose = "their labels are" if many else "its label is"
    return (f"{len(empty)} label sub-folder{'s hold' if many else ' holds'} no images, so {whose} not among the "
            f"examples' labels (e.g. {empty[0]!r}; give a ClassDecoder the full list of labels)")


def _skipped(root: Path, entries: list[Path], loose: list[Path], hidden_folders: list[Path]) -> str:
    """What an image folder holds that is not read ('' when nothing): ``loose`` images directly in it (outside the
    label sub-folders: no label), ``hidden_folders`` ('__MACOSX'), and in its label sub-folders hidden image files
    ('._x.png'), image names that are
    no file (a broken link), files of other suffixes (hidden ones, as .DS_Store, unsaid) and nested folders, a count
    and an example of each."""
    folders = [e for e in entries if e.is_dir()]
    files = [e for e in entries if not e.is_dir() and e.suffix.lower() not in IMAGE_SUFFIXES
             and not e.name.startswith(".")]
    unread = [e for e in entries if e.suffix.lower() in IMAGE_SUFFIXES and not e.is_file() and not e.is_dir()]
    hidden = [e for e in entries if e.name.startswith(".") and e.suffix.lower() in IMAGE_SUFFIXES and e.is_file()]
    said = [_hidden(root, hidden, hidden_folders)] if hidden or hidden_folders else []
    if unread:  # a broken link, a pipe
        said.append(f"skipped {len(unread)} image name{'s' * (len(unread) > 1)} that "
                    f"{'are' if len(unread) > 1 else 'is'} no readable file (e.g. "
                    f"{unread[0].relative_to(root).as_posix()!r}; a broken link?)")
    if loose:
        said.append(f"skipped {len(loose)} image{'s' * (len(loose) > 1)} directly in the folder, outside the label "
                    f"sub-folders, which {'have' if len(loose) > 1 else 'has'} no label (e.g. {loose[0].name!r}; "
                    f"each label's images go in its own sub-folder)")
    if files:
        said.append(f"skipped {len(files)} file{'s' * (len(files) > 1)} that "
                    f"{'are not images' if len(files) > 1 else 'is not an image'} (e.g. {files[0].relative_to(root).as_posix()!r}; images end "
                    f"{', '.join(IMAGE_SUFFIXES[:3])}, ...)")
    if folders:
        said.append(f"did not read {len(folders)} nested folder{'s' * (len(folders) > 1)} (e.g. "
                    f"{folders[0].relative_to(root).as_posix()!r}; each label's images go directly in its sub-folder)")
    return "; ".join(said)


def _hidden(root: Path, hidden: list[Path], folders: list[Path]) -> str:
    """Why hidden image files and folders are skipped: macOS writes '._photo.png' beside each file copied to a USB
    stick, and its zip a '__MACOSX' folder of them."""
    counts = []
    if hidden:
        many = "s" * (len(hidden) > 1)
        counts.append(f"{len(hidden)} hidden file{many} named as image{many}")
    if folders:
        counts.append(f"{len(folders)} hidden folder{'s' * (len(folders) > 1)}")
    example = (hidden or folders)[0].relative_to(root).as_posix()
    names, kinds = ("'.' or '__MACOSX'", "macOS's '._' files and its zip's '__MACOSX' folder") if folders else \
        ("'.'", "macOS's '._' files")
    return f"skipped {' and '.join(counts)} (e.g. {example!r}; names starting with {names} are metadata, as {kinds})"


def text_table(path: str | os.PathLike, text: str = "text", label: str = "label") -> Examples:
    """(text, label) pairs from a .csv (with a header row) or .jsonl file, columns ``text`` and ``label``.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp(), "reviews.csv")
    >>> _ = path.write_text("text,label\\ngreat film,pos\\ndull,neg\\n")
    >>> list(text_table(path))
    [('great film', 'pos'), ('dull', 'neg')]
    """
    return read_table(path, text, label)


def read_table(path: str | os.PathLike, text: str = "text", label: str = "label", *,
               command_line: bool = False, who: str | None = None) -> Examples:
    """``text_table``, its errors worded for the front end reading: Python's name ``text_table`` and its keywords,
    or the command line's (``netgraph train --data``, which reads the columns ``text`` and ``label``); ``who``: the
    words that open them instead (net_train's data set, 'bad training data: ', for a path given as data)."""
    who = ("" if command_line else "text_table: ") if who is None else who
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".jsonl"):  # before opening: a file of another kind is neither read nor looked for
        found = repr(file.suffix) if file.suffix else "no suffix"
        raise DataError(f"{who}{str(file)!r}: a table is a .csv or .jsonl file, found {found}", kind="table-suffix",
                        expected=(".csv", ".jsonl"), found=file.name)
    with _open_table(file, suffix, who) as raw:
        if os.fstat(raw.fileno()).st_size == 0:
            first = "a header row naming its columns, then " if suffix == ".csv" else ""
            raise DataError(f"{who}{str(file)!r} is empty (0 bytes); a {suffix} table holds {first}one row per "
                            f"example", kind="missing-data", found=0)
        header, numbered = _records(raw, file, suffix, who, (text, label))
    rows = [row for _, row in numbered]
    read = (text, label)
    if twice := _twice(header, read):
        raise DataError(f"{who}{str(file)!r}: {twice}", kind="table-columns")
    if suffix == ".csv" and rows and (absent := [c for c in read if c not in rows[0]]):  # once, not per row
        columns = [c for c in rows[0] if c is not None]
        said = _separator(columns, read) or f"{_typos(tuple(columns), tuple(absent))}; " \
            f"{_columns_fix(text, label, command_line)}"
        raise DataError(f"{who}{str(file)!r}: its header row has no column {' or '.join(map(repr, absent))} (its "
                        f"columns are {columns}){said}", kind="table-columns")
    problems = [table_place(file, line, p, "table-row") for line, row in numbered
                for p in _row_problems(row, read, header)]
    if not rows:
        raise DataError(f"{who}{str(file)!r}: no rows", kind="missing-data", found=0)
    if problems:
        more = [f"... and {len(problems) - 5} more"] if len(problems) > 5 else []
        raise DataError(who + "; ".join([p.message for p in problems[:5]] + more),
                        diagnostics=[p.prefixed(who) for p in problems])
    return Examples([(row[text], row[label]) for row in rows], str(file), [f"{file}:{line}" for line, _ in numbered],
                    read, [(str(file), line) for line, _ in numbered])


def _open_table(file: Path, suffix: str, who: str) -> BinaryIO:
    """``file`` opened for reading (``open_regular``: a folder, pipe or device is refused on the opened file, never
    read, so it cannot block or run forever, even if it replaced a regular file); a DataError saying why it cannot
    be."""
    try:
        return open_regular(file)
    except FileNotFoundError:
        raise DataError(f"{who}no file {str(file)!r}", kind="missing-file", found=str(file)) from None
    except NotRegularFile as exc:
        what = "a folder, not a table" if exc.is_folder else "not a regular file (a device or pipe)"
        raise DataError(f"{who}{str(file)!r} is {what}; give a {suffix} file", kind="unreadable-file", found=str(file),
                        detail=what) from None
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, no permission
        why = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"{who}cannot read {str(file)!r}: {why}", kind="unreadable-file", found=str(file),
                        detail=why) from None


def _records(raw: BinaryIO, file: Path, suffix: str, who: str,
             read: tuple[str, str]) -> tuple[list[str], list[tuple[int, Any]]]:
    """The opened table's header (a .csv's) and its records by line; DataError for text that is not UTF-8 or a record
    that cannot be read, at its file:line."""
    f = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # -sig: a spreadsheet's byte-order mark is no text
    try:
        return _csv_records(f, file) if suffix == ".csv" else ([], json_lines(f, file, read))
    except DataError as exc:  # a record that cannot be read, at its place
        raise DataError(who + str(exc), diagnostics=[d.prefixed(who) for d in exc.diagnostics]) from None
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        if isinstance(exc, UnicodeDecodeError):  # its position is within the chunk being read, not the file
            problem = _not_utf8(raw, file)
            raise DataError(who + problem.message, diagnostics=[problem.prefixed(who)]) from None
        why = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"{who}cannot read {str(file)!r}: {why}", kind="unreadable-file", found=str(file),
                        detail=why) from None
    finally:
        f.detach()  # the caller closes ``raw``


def _not_utf8(opened: BinaryIO, file: Path) -> Diagnostic:
    """'file:line:col: byte 0x.. is not UTF-8 text ...' for the first byte of the opened ``file`` that is not UTF-8."""
    opened.seek(0)
    raw = opened.read()
    try:
        raw.decode("utf-8")
        problem = "not UTF-8 text; save the table as UTF-8"  # changed while it was read
        return Diagnostic(f"{file}: {problem}", "table-record", detail=problem, file=str(file))
    except UnicodeDecodeError as exc:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows PowerShell's '>' and Excel's "Unicode Text" write it
            problem = "UTF-16 text (it starts with UTF-16's byte-order mark), not UTF-8; save the table as UTF-8"
            return Diagnostic(f"{file}: {problem}", "table-record", detail=problem, file=str(file))
        line, column = raw.count(b"\n", 0, exc.start) + 1, exc.start - raw.rfind(b"\n", 0, exc.start)
        return table_place(file, line, f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; save the table as UTF-8",
                   "table-record", column)


def _row_problems(row: Any, read: tuple[str, str], header: list[str]) -> list[str]:
    """What is wrong with one row of a table (a JSON value, or a CSV row as csv.DictReader reads it below
    ``header``): no object, a column read named twice (JSON) or missing, or (CSV) fewer or more fields than the
    header names, or an empty cell read."""
    if not isinstance(row, dict):
        return ["not an object"]
    if twice := [c for c in dict.fromkeys(read) if c in getattr(row, "twice", ())]:
        return [f"the record names {twice[0]!r} twice (JSON would keep the last value, {row[twice[0]]!r}); keep one"]
    if not header and (absent := [c for c in read if c not in row]):
        hint = _typos(tuple(row), tuple(absent))  # JSON keys: strings
        return [f"no column {' or '.join(map(repr, absent))} (its columns are {list(row)}){hint}"]
    if not header and (kind := _no_label(row[read[1]])):
        return [f"the label must be a string, a number or true/false (or a list of them, one per position of a "
                f"sequence), found {kind}"]
    out = [f"no value for {c!r} (fewer fields than the header{_open_quote(row)})" for c in read
           if header and row.get(c) is None]
    out += [f"an empty cell for {c!r} (a missing value: fill it or remove the row)" for c in dict.fromkeys(read)
            if header and row.get(c) == ""]
    if None in row:  # csv.DictReader's key for the fields beyond the header's
        out.append(f"{len(header) + len(row[None])} fields, but the header row names {len(header)} (a comma inside a "
                   f"text? quote the text: \"a, b\")")
    return out


def _open_quote(row: dict) -> str:
    """', and its last field runs over n lines: ...' for a short CSV row whose last field spans lines, as a quote
    left open reads the rest of the file into it ('' otherwise)."""
    last = next((value for value in reversed(row.values()) if isinstance(value, str)), "")
    lines = len(last.splitlines())
    if lines < 2:
        return ""
    return (f", and its last field runs over {lines} lines: a quote opened in it and not closed? It reads the lines "
            f"below as its text")


def _no_label(value: Any) -> str:
    """What a JSON record's label is when it can be no label ('' when it can): an object, or a list holding one or
    a list (a tagger's label is a list of labels, one per position)."""
    bad = label_item(value, lambda v: isinstance(v, (dict, list)))
    if bad is None:
        return ""
    kind = "an object" if isinstance(bad[1], dict) else "a list"
    return kind if bad[0] is None else f"a list holding {kind}"


def _twice(header: list[str], read: tuple[str, str]) -> str:
    """Why a CSV header row naming a column read twice is refused ('' when it does not): csv.DictReader would keep
    the last such column's values."""
    for name in dict.fromkeys(read):
        places = [i + 1 for i, c in enumerate(header) if c == name]
        if len(places) > 1:
            return (f"its header row names column {name!r} twice (columns {places[0]} and {places[1]}); rename one "
                    f"of them")
    return ""


@functools.lru_cache(maxsize=256)  # the rows of a table mostly share their keys: guessed once
def _typos(columns: tuple[str, ...], absent: tuple[str, ...]) -> str:
    """'; column 'txet' (did you mean 'text'?)' for each of a header's ``columns`` that looks like a typo of a
    column read but ``absent`` ('' when none does)."""
    return "".join(f"; column {c!r}{hint}" for c in columns if (hint := did_you_mean(c, absent)))


def _separator(columns: list[str], read: tuple[str, str]) -> str:
    """'; its fields are separated by ';', not commas ...' when the header's columns split on ';', a tab or '|' into
    names that include a column read ('' otherwise): a spreadsheet saves semicolons where the comma is the decimal
    point, and tab-separated text (.tsv) is often named .csv."""
    for separator, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        names = [part.strip() for column in columns for part in column.split(separator)]
        if any(separator in column for column in columns) and any(c in names for c in read):
            return f"; its fields are separated by {name}, not commas: save the table as comma-separated values"
    return ""


def _columns_fix(text: str, label: str, command_line: bool) -> str:
    """How to make a table's header name the columns read: the command line reads ``text`` and ``label`` only."""
    if command_line:
        return (f"rename the header row's columns to {text!r} and {label!r}, which the command line reads; a table "
                f"holds texts and labels, for a net with a TokensEncoder or CharactersEncoder on its input: numbers "
                f"go in an .npz or .safetensors file, e.g. np.savez(path, Input=x, Target=y)")
    return f"name the columns to read with text_table(path, text=..., label=...), or call them {text!r} and {label!r}"


def _csv_records(f: Any, file: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """A CSV file's header and its records as csv.DictReader makes them (fields beyond the header's under None,
    missing ones None), each with the line it starts on (a quoted text may span lines; blank lines, before the
    header too, are skipped); a record the csv module refuses is a DataError at ``file:line``."""
    reader = csv.reader(f)
    header, records = None, []
    while True:
        start = reader.line_num + 1  # the reader counts the lines it has read, quoted newlines included
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            raise record_error(table_place(file, start, _csv_problem(exc), "table-record")) from None
        if fields is None:
            return header or [], records
        if not fields:
            continue
        if header is None:
            header = fields
        else:
            record = dict(zip(header, fields))
            if len(fields) > len(header):
                record[None] = fields[len(header):]
            record.update((name, None) for name in header[len(fields):])
            records.append((start, record))


def _csv_problem(exc: csv.Error) -> str:
    """A CSV record the csv module refuses, in words: in its default (not strict) dialect, a field over its limit."""
    if "field limit" not in str(exc):
        return str(exc)
    return (f"a field longer than the csv module's limit of {csv.field_size_limit():,} characters: a quote left open "
            f"(its text runs on through the lines below), or a text that long (csv.field_size_limit(n) raises the "
            f"limit)")
