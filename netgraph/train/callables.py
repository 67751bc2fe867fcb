"""The functions net_train calls with arguments of its own (a loss, a learning-rate schedule, a progress or stopping
function): one whose signature cannot take them is refused before training, not with a TypeError rounds into it; an
exception one raises is an OptionError naming the option and where it was called (``call_user``).

>>> positional_misfit(lambda outputs, batch: 0.0, 2) is None, positional_misfit(lambda: 1.0, 1)
(True, 0)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from netgraph.backend.module_errors import blames_module
from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import exception_text, function_name
from netgraph.core.wording import counted

__all__ = ["positional_misfit", "refuse_misfit", "call_user", "function_name"]


def positional_misfit(fn: Callable, count: int) -> int | None:
    """None when ``fn`` takes ``count`` arguments by position (or its signature cannot be read, as a builtin's: it is
    trusted); else how many it takes by position (its required ones where it needs more)."""
    try:
        signature = inspect.signature(fn)  # partials and callable objects: the arguments left to give
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*[None] * count)
        return None
    except TypeError:
        pass
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in signature.parameters.values() if p.kind in kinds]
    required = [p for p in positional if p.default is p.empty]
    return len(required) if len(required) > count else len(positional)


def refuse_misfit(fn: Any, option: str, call: str, subject: str | None = None, meaning: str = "") -> None:
    """OptionError when function ``fn`` given as ``option`` (said as ``subject``, by default the option) cannot be
    called as ``call`` (``"f(info)"``; ``meaning`` says what its arguments are). Its ``detail`` is the message
    without the subject, naming keyword-only arguments ``fn`` requires; its ``hint`` the lambda to write."""
    count = call.count(",") + 1
    if not callable(fn) or (found := positional_misfit(fn, count)) is None:
        return
    signature = inspect.signature(fn)
    keywords = [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY and p.default is p.empty]
    also = f" and requires {', '.join(keywords)} by keyword" if keywords else ""
    hint = f"write e.g. lambda {call[2:-1]}: ..."
    detail = f"takes {counted(found, 'argument')} by position{also}, but it is called as {call}{meaning}; {hint}"
    name = function_name(fn)
    raise OptionError(f"{subject or option} {name}{signature} {detail}", option=option, kind="option-value",
                      expected=count, found=found, detail=detail, hint=hint)


def call_user(fn: Callable, *args: Any, option: str, where: Callable[[], str] | None = None,
              subject: str | None = None) -> Any:
    """``fn(*args)``, the function given as ``option`` (said as ``subject``, by default the option and its name); an
    exception of its own is an OptionError of kind "function-error" naming it and ``where()`` it was called ("after
    round 2"), the exception its ``__cause__``. A NetGraphError, a MemoryError, KeyboardInterrupt and SystemExit pass
    as they are (an interrupted run writes its checkpoint)."""
    try:
        return fn(*args)
    except Exception as exc:
        if not blames_module(exc):
            raise
        place = f" {where()}" if where is not None else ""
        detail = f"raised {type(exc).__name__}{place}{exception_text(exc)}"
        name = subject or f"{option} {function_name(fn)}"
        raise OptionError(f"{name} {detail}", option=option, kind="function-error", found=type(exc).__name__,
                          detail=detail) from exc
