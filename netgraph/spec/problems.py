"""The problems found reading a spec: each at ``file:line:col``, raised together as one ``SpecError``.

Hostile files cannot make the message huge: reading stops at ``MAX_PROBLEMS`` problems (a graph's own list of
problems, already found, is counted past it: "100 of 5000 problems shown"); a message bounds the names and values it
quotes itself (``quoted``, ``shown_path``, ``few_names``), and one past ``MAX_UNBOUNDED`` characters (a site that quotes
a value the file gave whole) is cut to its head and tail, ``MAX_UNBOUNDED`` characters at most (``capped``: one bound
for every message), as is a value kept in a problem's fields (``found``).

>>> capped("unknown layer type '" + "x" * 10_000 + "'")[:40]
"unknown layer type 'xxxxxxxxxxxxxxxxxxxx"
>>> len(capped("x" * 10_000)) < 200
True
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from netgraph.core.errors import Diagnostic, NetGraphError, SpecError
from netgraph.core.wording import counted
from netgraph.spec.line_breaks import BREAKS

__all__ = ["FAILED", "MAX_PROBLEMS", "ProblemLog", "TooManyProblems", "at_layer", "capped", "looks_like_spec", "sole"]

FAILED = object()  # what a value that could not be read becomes (its problems are recorded)

MAX_PROBLEMS = 100  # problems reported for one load; reading stops at the next
MAX_WORD = 160  # characters of one word (a run without spaces: a value) a message repeats
MAX_MESSAGE = 2000  # characters of one message
MAX_UNBOUNDED = 4 * MAX_MESSAGE  # characters of a message past which it is capped: it repeats a value whole
_VERSION_LINE = re.compile(rf"""(?:^|(?<=[{BREAKS}]))[ \t]*\{{?[ \t]*["']?netgraph["']?[ \t]*:[ \t]*1"""
                           rf"""[ \t]*[,}}#{BREAKS}]""")  # at a line's start, as YAML breaks lines
_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))


class TooManyProblems(BaseException):
    """Stops reading at MAX_PROBLEMS problems. A BaseException, so that no handler inside the reader (which
    turns a layer's own errors into problems) takes it for one."""


def capped(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` with each over-long word and the whole (past ``limit``) cut to their head and tail, saying how
    much is cut."""
    message = _WORD.sub(lambda m: _cut(m.group(), MAX_WORD // 2, MAX_WORD // 4), message)
    return _cut(message, limit * 3 // 4, limit // 8) if len(message) > limit else message


def looks_like_spec(text: str) -> bool:
    """Whether ``text`` has a ``netgraph: 1`` line; a referenced file without one is refused unread (a file that
    is no spec, a config holding secrets, is never repeated in messages).

    >>> looks_like_spec("# a block\\nnetgraph: 1\\nlayers: [Tanh]\\n"), looks_like_spec("password: hunter2\\n")
    (True, False)
    """
    return _VERSION_LINE.search(text + "\n") is not None


def _cut(text: str, head: int, tail: int) -> str:
    return f"{text[:head]}...({len(text) - head - tail} characters not shown)...{text[len(text) - tail:]}"


def sole(exc: NetGraphError, layer: tuple | None = None) -> Diagnostic | None:
    """The one Diagnostic of ``exc`` (None when it has several: one message then says them all), ``at_layer``."""
    return at_layer(exc.diagnostics[0], layer) if len(exc.diagnostics) == 1 else None


def at_layer(problem: Diagnostic, layer: tuple | None) -> Diagnostic:
    """``problem`` at ``layer`` (the spec's path of the layer that raised it) where it names no layer."""
    return problem if problem.layer is not None or layer is None else dataclasses.replace(problem, layer=layer)


def _problem(source: Diagnostic | None, kind: str, fields: dict) -> Diagnostic:
    """``source`` (the problem a message came from), of ``kind`` where it has none of its own, and ``fields``
    filling the fields it leaves unset (None); without one, a problem of the spec itself: of ``kind``, with
    ``fields``."""
    fields = {k: capped(v) if isinstance(v, str) else v for k, v in fields.items()}  # values the file gave, capped
    if source is None:
        return Diagnostic("", kind=kind, **fields)
    unset = {k: v for k, v in fields.items() if getattr(source, k) is None}
    return dataclasses.replace(source, **unset, **({"kind": kind} if source.kind == "error" else {}))


def _placed(file: str, loc: Any, message: str, source: Diagnostic) -> Diagnostic:
    """``source`` (the problem as data) saying ``message``, at ``file``, ``loc``'s line and column; its ``parts``
    dropped (they render the message as Python writes edges)."""
    return source.reworded(message, file=file, line=loc.line, column=loc.col)


class ProblemLog:
    """``error`` records a problem, ``raise_errors`` raises them all (sorted by place, repeats dropped)."""

    errors: list[tuple[str, Any, str, Diagnostic]]  # (file name, loc, message, the problem as data)
    file: Any
    unshown = 0  # problems counted past MAX_PROBLEMS, not recorded (the rest of a graph's list, ``full``)
    stopped = False  # whether reading stopped at MAX_PROBLEMS (how many more problems there are is not known)

    def error(self, loc: Any, message: str, file: Any = None, source: Diagnostic | None = None, *, kind: str,
              stop: bool = True, **fields: Any) -> Any:
        """Record a problem at ``loc`` in ``file`` (default: the file being read); FAILED, for ``return error(...)``;
        TooManyProblems at the MAX_PROBLEMS-th (unless not ``stop``: one of a list already found) or past it.
        ``source``: the Diagnostic it came from, whose fields it keeps (``fields`` fill those it leaves unset);
        without one, a Diagnostic of ``kind`` with ``fields`` (layer, port, option, expected, found, hint)."""
        if self.full():
            self.stopped = True
            raise TooManyProblems
        message = capped(message, MAX_UNBOUNDED) if len(message) > MAX_UNBOUNDED else message  # bounded itself: kept
        self.errors.append(((file or self.file).name, loc, message, _problem(source, kind, fields)))
        if stop and self.full():
            self.stopped = True
            raise TooManyProblems
        return FAILED

    def full(self) -> bool:
        """Whether MAX_PROBLEMS problems are recorded: any more are only counted (``unshown``), or stop reading."""
        return len(self.errors) >= MAX_PROBLEMS

    def raise_errors(self) -> None:
        """One SpecError: each problem a line ``file:line:col: message`` and a Diagnostic with that place."""
        if not self.errors:
            return
        ordered = sorted(self.errors, key=lambda e: (e[0], e[1].line, e[1].col))
        placed: dict[str, Diagnostic] = {}
        for file, loc, msg, source in ordered:
            line = f"{file}:{loc.line}:{loc.col}: {msg}".replace("\n", "\n    ")
            placed.setdefault(line, _placed(file, loc, msg, source))
        lines, diagnostics = list(placed), list(placed.values())
        count = sum(d.count for d in diagnostics) + self.unshown  # a line '21 more bad dims': 21
        if count == 1:
            raise _counted(SpecError(lines[0], lines, diagnostics=diagnostics), self.stopped, 1)
        files = ", ".join(dict.fromkeys(e[0] for e in ordered))
        files = files if len(files) <= MAX_MESSAGE else _cut(files, MAX_MESSAGE // 2, MAX_MESSAGE // 4)
        more = (f"\nreading stopped at {MAX_PROBLEMS} problems; there may be more" if self.stopped else
                f"\n{len(lines)} of {count} problems shown" if self.unshown else "")
        error = SpecError(f"{counted(count, 'problem')} in {files}:\n" + "\n".join(lines) + more, lines,
                          diagnostics=diagnostics)
        raise _counted(error, self.stopped, count)


def _counted(error: SpecError, stopped: bool, count: int) -> SpecError:
    """``error`` saying whether its diagnostics are every problem (``complete``) and how many there are in all
    (``problem_count``; None where reading stopped early: not known)."""
    error.complete = not stopped and count == len(error.diagnostics)
    error.problem_count = None if stopped else count
    return error
