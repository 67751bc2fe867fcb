"""Reading a JSON-lines table (one JSON record a line) for ``read_table``, and the ``file:line:column`` place of
a record that cannot be read.

>>> from pathlib import Path
>>> json_lines(['{"text": "good", "label": 1}\\n', '\\n', '[2]\\n'], Path("set.jsonl"), ("text", "label"))
[(1, {'text': 'good', 'label': 1}), (3, [2])]
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from collections.abc import Callable
from typing import Any

from netgraph.core.errors import DataError, Diagnostic


def table_place(file: Path, line: int, problem: str, kind: str, column: int | None = None) -> Diagnostic:
    """``problem`` at ``file:line[:column]`` of a table, as a Diagnostic holding that place (``detail``: the problem
    alone)."""
    place = f"{file}:{line}" + (f":{column}" if column is not None else "")
    return Diagnostic(f"{place}: {problem}", kind, detail=problem, file=str(file), line=line, column=column)


def record_error(problem: Diagnostic) -> DataError:
    """A DataError of one record that cannot be read (``_records`` puts the front end's words before it)."""
    return DataError(problem.message, diagnostics=[problem])


class _Record(dict):
    """A JSON object, and the keys it names twice (``twice``), of which json.loads would keep the last value."""

    twice: tuple = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _Record:
        record, keys = cls(pairs), [key for key, _ in pairs]  # the slow path only: see _json_record
        record.twice = tuple(key for key in record if keys.count(key) > 1)
        return record


def _json_record(text: str, quoted: tuple[str, str]) -> Any:
    """One line's JSON value; a ``_Record`` knowing the keys it names twice where a column read may be one of them
    (its name in ``quoted``, '"text"', is in the line more than once: only then parsed by the slower hook)."""
    if text.count(quoted[0]) > 1 or text.count(quoted[1]) > 1:  # a generator over them cost 3 times as much
        return json.loads(text, object_pairs_hook=_Record.of)
    return json.loads(text)


def label_item(value: Any, faulty: Callable[[Any], bool]) -> tuple[int | None, Any] | None:
    """The first value of a record's label ``value`` that is ``faulty``: the label itself, or an item of a list of
    labels (a tagger's, one per position), as (its index in that list, None for the label itself; the value); None
    when none is.

    >>> label_item([1, {}], lambda v: isinstance(v, dict)), label_item({}, lambda v: isinstance(v, dict))
    ((1, {}), (None, {}))
    """
    values = value if isinstance(value, list) else [value]
    found = next(((i, v) for i, v in enumerate(values) if faulty(v)), None)
    return found if found is None or isinstance(value, list) else (None, found[1])


def _unfinite_label(record: Any, label: str, line: str) -> str | None:
    """The label of ``record`` (or the first item of a list of labels) that JSON read as a float NaN or infinity
    (NaN, Infinity, 1e400), as written in ``line``; None when there is none."""
    value = record.get(label) if isinstance(record, dict) else None
    bad = label_item(value, lambda v: isinstance(v, float) and not math.isfinite(v))
    if bad is None:
        return None
    written = json.loads(line, parse_float=_Written, parse_constant=_Written)[label]  # read again: an error's path
    return str(written if bad[0] is None else written[bad[0]])


class _Written(str):
    """A JSON number as written in its line (``parse_float``'s hook)."""


def json_lines(lines: Any, file: Path, read: tuple[str, str]) -> list[tuple[int, Any]]:
    """One JSON value per non-blank line, with its line number; a broken one is a DataError at ``file:line:column``
    of the file."""
    rows, quoted = [], tuple(json.dumps(column) for column in read)
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append((number, _json_record(line.rstrip("\r\n"), quoted)))  # an error at its end is on this line
            except json.JSONDecodeError as exc:
                raise record_error(table_place(file, number, f"not a JSON record: {exc.msg}", "table-record",
                                               exc.colno)) from None
            except RecursionError:  # arrays or objects thousands deep
                too_deep = "not a JSON record: nested too deeply for Python's json module"
                raise record_error(table_place(file, number, too_deep, "table-record")) from None
            except ValueError as exc:  # a number of more digits than Python converts
                raise record_error(table_place(file, number, f"not a JSON record: {exc}", "table-record")) from None
            if (written := _unfinite_label(rows[-1][1], read[1], line)) is not None:
                raise record_error(table_place(file, number, f"the label {written} is not a finite number: a label "
                                               f"is a string, a finite number or true/false (one of the decoder's "
                                               f"labels)", "table-row"))
    return rows
