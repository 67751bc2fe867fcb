"""How a surgery function's error begins: with the function's name, once: not inside an operator's inner net, whose
edit's errors the operator's header (which names the function) heads already, nor inside ``led_by``, which heads them
as they leave it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from netgraph.core.errors import NetGraphError, headed
from netgraph.core.scoped_values import scoped

__all__ = ["function_lead", "inside_inner_net", "editing_inner_net", "led_by", "headed_here"]

_INSIDE: ContextVar[bool] = ContextVar("inside_an_inner_net", default=False)  # an edit of an operator's inner net
_LEADING: ContextVar[str | None] = ContextVar("surgery_function_leading", default=None)  # led_by's function


def inside_inner_net() -> AbstractContextManager:
    """Errors raised inside begin with no function name (``function_lead``)."""
    return scoped(_INSIDE, True)


def headed_here(function: str) -> AbstractContextManager:
    """Errors raised inside begin with no function name: the caller heads them itself, naming ``function``."""
    return scoped(_LEADING, function)


def editing_inner_net() -> bool:
    """Whether an edit of an operator's inner net is under way (``inside_inner_net``)."""
    return _INSIDE.get()


def function_lead(function: str) -> str:
    """``function``'s name to begin an error with; none inside an inner net, whose edit's errors it heads already
    (an edit made there, as a chain edit at a path, begins its errors with this), nor inside ``led_by`` (of this
    function or the public one that called it), which heads them itself."""
    return "" if editing_inner_net() or _LEADING.get() is not None else f"{function}: "


@contextmanager
def led_by(function: str) -> Iterator[None]:
    """Errors raised inside (a surgery function's lookups, its rebuild: a ShapeError, a coder-clash) begin with
    ``function``'s name, as ``function_lead`` gives it outside; those led inside (``function_lead``) are led once."""
    try:
        with scoped(_LEADING, function):
            yield
    except NetGraphError as exc:
        if not (lead := function_lead(function)):
            raise
        raise headed(exc, lead) from None
