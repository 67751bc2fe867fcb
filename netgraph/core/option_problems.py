"""Every bad option value of one layer call in one OptionError, each its own Diagnostic (as cattrs collects a
structure's errors), rather than only the first.

While a layer is made (``collecting``), an option check that finds a bad value reports it (``option_problem``)
and goes on with a stand-in valid value, so that the checks after it still run; on leaving, one OptionError
lists them all. An OptionError that escapes a check after a problem was reported is kept only when it names
another option; a problem without an option, or any other exception, may come from a bad value or its stand-in
and is dropped. Outside ``collecting`` a check raises at once, as before.

>>> with collecting("Demo") as problems:
...     option_problem(OptionError("a= bad", option="a"), 1) + option_problem(OptionError("b= bad", option="b"), 2)
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: Demo: 2 problems:
  - a= bad
  - b= bad
"""

from __future__ import annotations

import dataclasses
from contextvars import ContextVar
from collections.abc import Callable
from typing import Any, TypeVar

from netgraph.core.errors import Diagnostic, OptionError, listed

__all__ = ["collecting", "collected", "option_problem", "missing_option", "options_error", "reported_options",
           "checked_together", "VALUE_KIND", "ARGUMENT_KIND", "COMBINATION_KIND"]

T = TypeVar("T")
VALUE_KIND = "option-value"  # the Diagnostic kind of a bad value of one option
ARGUMENT_KIND = "layer-argument"  # of an option missing (no value to judge), unknown, or given twice
COMBINATION_KIND = "option-combination"  # of options each good alone but not together (a layer's ``validate``)
_PROBLEMS: ContextVar[list[Diagnostic] | None] = ContextVar("netgraph_option_problems", default=None)


def option_problem(error: OptionError, stand_in: T) -> T:
    """``stand_in`` after noting ``error``'s problems while ``collecting``; else raise ``error``. Each problem
    without a kind of its own gets the kind ``"option-value"``: a bad value of one option."""
    _as_values(error)
    problems = _PROBLEMS.get()
    if problems is None:
        raise error
    problems.extend(error.diagnostics)
    return stand_in


def none_given(layer: Any, group: tuple[str, ...]) -> bool:
    """Whether ``layer`` holds none of the options of ``group`` (each None): a group of its ``NEEDS_ONE_OF`` unmet."""
    return all(getattr(layer, option) is None for option in group)


def missing_option(message: str, option: str) -> None:
    """Report that the layer needs ``option``, which was not given: kind ``"layer-argument"``, as a required
    option missing from the call (a missing option has no value to be bad)."""
    option_problem(OptionError(message, option=option, kind=ARGUMENT_KIND), None)


def _as_values(error: OptionError, named_only: bool = False) -> None:
    """Give each of ``error``'s problems without a kind of its own (those naming an option, when ``named_only``) the
    kind ``"option-value"``."""
    error.diagnostics = [dataclasses.replace(d, kind=VALUE_KIND)
                         if d.kind == "error" and (d.option is not None or not named_only) else d
                         for d in error.diagnostics]


def _escaped(error: BaseException) -> None:
    """An OptionError raised by a layer's checks rather than reported (``option_problem``'s at once): each of its
    problems naming an option, without a kind of its own, gets the kind ``"option-value"``, as reported ones do."""
    if isinstance(error, OptionError):
        _as_values(error, named_only=True)


def checked_together(validate: Callable[[], None]) -> None:
    """Run a layer's ``validate`` (its checks of the options together): each problem it raises without a kind of its
    own gets the kind ``"option-combination"`` (its ``option``: the one the message asks to change)."""
    try:
        validate()
    except OptionError as error:
        error.diagnostics = [dataclasses.replace(d, kind=COMBINATION_KIND) if d.kind == "error" else d
                             for d in error.diagnostics]
        raise


def reported_options(problems: list[Diagnostic]) -> set[str]:
    """The options ``problems`` name."""
    return {d.option for d in problems if d.option is not None}


class collecting:  # noqa: N801 - used as a function: ``with collecting(name) as problems``
    """Collect the option problems reported inside; on leaving, one OptionError listing them (``name``: the layer).
    A class, not a generator: it runs each time a layer is made."""

    __slots__ = ("name", "problems", "token")

    def __init__(self, name: str):
        self.name, self.problems = name, []

    def __enter__(self) -> list[Diagnostic]:
        self.token = _PROBLEMS.set(self.problems)
        return self.problems

    def __exit__(self, kind: Any, exc: Any, trace: Any) -> bool:
        _PROBLEMS.reset(self.token)
        problems = self.problems
        _escaped(exc)
        if exc is not None and not problems:
            return False  # as it was raised
        if exc is not None:
            _raise_collected(self.name, problems, exc)
        if problems:
            raise options_error(self.name, problems) from None
        return False


def collected(name: str, check: Callable[..., None], *args: Any) -> None:
    """``check(*args, problems)`` inside ``collecting(name)``: the same, in one call (made for each layer made)."""
    problems: list[Diagnostic] = []
    token = _PROBLEMS.set(problems)
    try:
        check(*args, problems)
    except BaseException as exc:
        _PROBLEMS.reset(token)
        token = None
        _escaped(exc)
        if not problems:
            raise  # as it was raised
        _raise_collected(name, problems, exc)
    finally:
        if token is not None:
            _PROBLEMS.reset(token)
    if problems:
        raise options_error(name, problems) from None


def _raise_collected(name: str, problems: list[Diagnostic], exc: BaseException) -> None:
    """The one OptionError for ``problems`` and an exception that escaped after them (kept when an OptionError
    naming another option)."""
    if isinstance(exc, OptionError):
        seen = reported_options(problems)
        problems += [d for d in exc.diagnostics if d.option is not None and d.option not in seen]
    raise options_error(name, problems) from None


def options_error(name: str, problems: list[Diagnostic]) -> OptionError:
    """One OptionError for ``problems``: one said alone, several listed under ``name`` (each option once, or each
    item of its list once: a shape's bad dims), the first ``MAX_LISTED`` and how many more."""
    kept: dict[Any, Diagnostic] = {}
    for d in problems:
        kept.setdefault((d.option, d.port, d.item) if d.option is not None else id(d), d)
    diagnostics = list(kept.values())
    if len(diagnostics) == 1:
        return OptionError(diagnostics[0].message, diagnostics=diagnostics)
    count = sum(d.count for d in diagnostics)  # the last of a capped list of bad dims stands for several
    return OptionError(f"{name}: {count} problems:\n{listed([d.message for d in diagnostics])}",
                       diagnostics=diagnostics)
