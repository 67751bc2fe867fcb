"""Which data set a problem of data is about, as data: net_train's messages name it in its own words
("validation_set"), and a reader that names it otherwise (the command line: ``--validation v.npz``) reads the
``DataRef`` on each Diagnostic instead of the message text.

>>> e = data_error(VALIDATION.at("batch 2"), "the batch is empty", kind="missing-data")
>>> str(e), e.diagnostics[0].data.name, e.diagnostics[0].detail, e.diagnostics[0].kind
('validation_set (batch 2): the batch is empty', 'validation', 'the batch is empty', 'missing-data')
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import DataError, DataRef, Diagnostic, raise_all

__all__ = ["TRAINING", "GIVEN", "VALIDATION", "HELD_OUT", "TEST", "held_fraction", "data_error", "data_problem",
           "part_of", "raise_data", "ref", "no_examples"]

TRAINING = DataRef("training", "training data")
GIVEN = DataRef("training", "the data given (before validation_set's split)")  # validation_set=<fraction>
VALIDATION = DataRef("validation", "validation_set")
HELD_OUT = DataRef("held-out", "validation data held out by validation_set")  # validation_set=<fraction>
TEST = DataRef("test", "test data")  # the data net_measurements measures on


def held_fraction(spec: Any) -> float | None:
    """The fraction of the data given that ``validation_set`` holds out (``validation_set=0.2``); None for validation
    data given, for none, and for encoded data's part split before (``validation_name`` still calls it held out).

    >>> held_fraction(0.25), held_fraction(None), held_fraction([{"x": 1}])
    (0.25, None, None)
    """
    return float(spec) if isinstance(spec, float) else None


def ref(what: Any) -> DataRef | None:
    """``what`` when it is a DataRef (a data set net_train reads), else None (a file's words, a doctest's)."""
    return what if isinstance(what, DataRef) else None


def part_of(what: Any, part: str) -> Any:
    """``part`` of data set ``what`` ("batch 3"), in the words of ``what``."""
    return what.at(part) if isinstance(what, DataRef) else f"{what} ({part})"


def data_error(what: Any, detail: str, *, kind: str, **fields: Any) -> DataError:
    """A DataError '<what>: <detail>' of ``kind`` whose Diagnostic keeps ``what`` (``data``) and ``detail`` as
    fields."""
    return DataError(f"{what}: {detail}", data=ref(what), detail=detail, kind=kind, **fields)


def data_problem(kind: str, text: str, key: str | None = None, **fields: Any) -> Diagnostic:
    """A problem of data, for ``raise_data``: ``text`` (its ``detail`` too, as a reader names the data set its own
    way), of ``kind``, about data key ``key`` (its ``port``, as net(x)'s data problems name theirs)."""
    return Diagnostic(text, kind, port=key, detail=text, **fields)


def no_examples() -> Diagnostic:
    """The problem of data with no example (nothing to stack, batch or train on), coders or none."""
    return data_problem("missing-data", "the data holds no examples", expected="one example or more", found=0)


def raise_data(problems: list[Diagnostic], what: Any) -> None:
    """One DataError 'bad <what>: ...' listing ``problems`` (nothing when there is none), each a Diagnostic of a kind
    (``data_problem``), of data set ``what``."""
    raise_all(list(dict.fromkeys(problems)), DataError, f"bad {what}", data=ref(what))
