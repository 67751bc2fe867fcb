"""Wording shared by messages: counts spelled grammatically, and Wolfram's Scaled[f] for a fraction to hold out.

>>> counted(1, "round"), counted(2, "round"), counted(0, "batch", "batches")
('1 round', '2 rounds', '0 batches')
>>> counted_either((1, 2), "argument"), counted_either((0, 1), "argument")
('1 or 2 arguments', '0 or 1 argument')
>>> scaled_fraction("Scaled[0.1]"), scaled_fraction(("Scaled", 0.1)), scaled_fraction("data.npz")
('0.1', '0.1', None)
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from netgraph.core.errors import MAX_LISTED, OptionError, with_article
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["counted", "counted_either", "first_few", "few_names", "scaled_fraction", "refuse_scaled", "value_kind",
           "type_label", "byte_size"]

_SCALED = re.compile(r"\s*Scaled\[\s*([^\]]*?)\s*\]\s*")
_PERCENT = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*")
_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*")


def value_kind(value: Any) -> str:
    """What a value read from a file is, in words, never its content (the file may hold anything): a spec's
    ``value-type`` problems give it as ``found``.

    >>> value_kind([1]), value_kind({}), value_kind(None), value_kind(3)
    ('a list', 'an empty mapping', 'nothing', 'an int value')
    """
    if value is None:
        return "nothing"
    for kind, word in ((list, "list"), (dict, "mapping"), (str, "string")):
        if isinstance(value, kind) and not value:
            return f"an empty {word}"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    return f"{with_article(type(value).__name__)} value"


def type_label(value: Any) -> str:
    """The name of ``value``'s type, with its module where it is no builtin: 'list', 'numpy.ndarray'."""
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def byte_size(count: int) -> str:
    """A byte count in words, in powers of 1000 as Wolfram's Quantity: three significant digits, rounded up to the
    next unit (999,999 bytes is '1 MB', not '1e+03 kB'); no exponents.

    >>> byte_size(92), byte_size(1_500), byte_size(999_999), byte_size(4 * 10**13), byte_size(5 * 10**15)
    ('92 B', '1.5 kB', '1 MB', '40 TB', '5,000 TB')
    """
    for unit, size in (("B", 1), ("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        value = float(f"{count / size:.3g}")
        if value < 1000 or unit == "TB":
            break
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:g} {unit}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with ``noun`` in the singular for exactly one, else in the plural (``noun + "s"`` by default)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def counted_either(counts: Iterable[int], noun: str, plural: str | None = None) -> str:
    """Alternative counts joined by 'or', ``noun`` agreeing with the last (as ``counted``)."""
    *others, last = counts
    return " or ".join([*map(str, others), counted(last, noun, plural)])


def first_few(items: Sequence[Any], sep: str = ", ", text: Callable[[Any], str] = str, most: int = MAX_LISTED) -> str:
    """``items`` as ``text`` writes them, joined by ``sep``: the first ``most`` and how many in all (a big net's can
    be thousands; only those shown are written).

    >>> first_few(["a", "b"]), first_few([str(i) for i in range(30)])[-23:], first_few("abcde", most=3)
    ('a, b', '18, 19, ... (30 in all)', 'a, b, c, ... (5 in all)')
    """
    more = f"{sep}... ({len(items)} in all)" if len(items) > most else ""
    return sep.join(map(text, items[:most])) + more


def few_names(names: list[Any]) -> str:
    """``names`` written as a list, the first ``MAX_LISTED`` and how many in all (a big net's layers), each name
    ``quoted`` (a long one shortened).

    >>> few_names(["a", "b"]), few_names(list(range(30)))[-27:]
    ("['a', 'b']", '17, 18, 19] ... (30 in all)')
    """
    shown = ", ".join(map(quoted, names[:MAX_LISTED]))
    return f"[{shown}]" + (f" ... ({len(names)} in all)" if len(names) > MAX_LISTED else "")


def scaled_fraction(value: Any) -> str | None:
    """The fraction in Wolfram's ``Scaled[f]`` as a user writes it, ``"Scaled[0.1]"`` or ``("Scaled", 0.1)``; else None."""
    if isinstance(value, str):
        return found.group(1) if (found := _SCALED.fullmatch(value)) else None
    if isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], str) and value[0] == "Scaled":
        return str(value[1])
    return None


def refuse_scaled(value: Any, given: str, written: str, option: str) -> None:
    """An OptionError when ``value`` is Wolfram's ``Scaled[f]`` (``given`` as the user wrote it), a percentage
    (``"10%"``) or a number as text (``"0.1"``, read from argv or a config file): the fraction itself, written
    ``{written}f``, is the option's value (a path was looked for: "no data file '10%'")."""
    if (fraction := scaled_fraction(value)) is not None:
        raise OptionError(f"{given}: a fraction of the data to hold out is written {written}{fraction} (Wolfram's "
                          f"Scaled[{fraction}])", option=option, kind=VALUE_KIND, found=value)
    if not isinstance(value, str) or os.path.exists(value):  # a folder or file of that name is data
        return
    if (percent := _PERCENT.fullmatch(value)) and 0 < float(percent.group(1)) < 100:
        raise OptionError(f"{given}: a fraction of the data to hold out is written {written}"
                          f"{float(percent.group(1)) / 100:g} ({percent.group(1)}% of the examples)", option=option,
                          kind=VALUE_KIND, found=value)
    if _NUMBER.fullmatch(value) and 0 < float(value) < 1:
        raise OptionError(f"{given}: a fraction of the data to hold out is written {written}{float(value):g} (a "
                          f"number, not text)", option=option, kind=VALUE_KIND, found=value)
