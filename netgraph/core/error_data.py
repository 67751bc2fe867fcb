"""A NetGraphError as plain data (strings, numbers, tuples, dicts) and back: how one process of a distributed run
tells the others which error stopped it, so that they raise the same class with the same Diagnostics.

Only plain values travel: an ``expected`` or ``found`` value of any other type arrives as its ``str``; the class is
looked up by name among NetGraphError's subclasses (a name not found gives a TrainingError), never imported.

>>> from netgraph.core.errors import DataRef, OptionError
>>> back = error_from_data(error_data(OptionError("bad", option="seed", found=(1, 2), data=DataRef("training", "t"))))
>>> type(back).__name__, str(back), back.diagnostics[0].option, back.diagnostics[0].found, back.diagnostics[0].data
('OptionError', 'bad', 'seed', (1, 2), DataRef(name='training', words='t', part=''))
"""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.errors import DataRef, Diagnostic, EdgePlace, EdgeRef, NetGraphError, TrainingError, plain_class

__all__ = ["error_data", "error_from_data"]

_PLAIN = (type(None), bool, int, float, str)


def error_data(error: NetGraphError) -> dict[str, Any]:
    """``error`` as plain data: its class's name (see ``plain_class``), message, ``errors`` and Diagnostics."""
    cls = plain_class(error)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "message": str(error), "errors": tuple(error.errors),
            "diagnostics": tuple(_diagnostic_data(d) for d in error.diagnostics)}


def error_from_data(data: dict[str, Any]) -> NetGraphError:
    """The error ``error_data`` described, of its class (a TrainingError when no NetGraphError class has that name)."""
    cls = _classes().get(data["class"], TrainingError)
    error = cls(data["message"], diagnostics=[_diagnostic(fields) for fields in data["diagnostics"]])
    error.errors = list(data["errors"])
    return error


def _classes() -> dict[str, type[NetGraphError]]:
    """Every NetGraphError class that takes a message alone, by module and name."""
    found, todo = {}, [NetGraphError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__init__ is NetGraphError.__init__:
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def _diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    fields = {f.name: _plain(getattr(diagnostic, f.name)) for f in dataclasses.fields(diagnostic)}
    fields["parts"] = tuple(p if isinstance(p, str) else (type(p).__name__, *_edge_data(p))  # advice: its words
                            if isinstance(p, (EdgeRef, EdgePlace)) else str(p) for p in diagnostic.parts)
    fields["data"] = None if diagnostic.data is None else dataclasses.astuple(diagnostic.data)
    return fields


def _edge_data(part: EdgeRef | EdgePlace) -> tuple:
    return dataclasses.astuple(part.edge if isinstance(part, EdgePlace) else part)


def _diagnostic(fields: dict[str, Any]) -> Diagnostic:
    parts = tuple(p if isinstance(p, str) else _part(p[0], EdgeRef(*p[1:])) for p in fields["parts"])
    data = None if fields["data"] is None else DataRef(*fields["data"])
    return Diagnostic(**{**fields, "parts": parts, "data": data})


def _part(kind: str, edge: EdgeRef) -> EdgeRef | EdgePlace:
    return EdgePlace(edge) if kind == "EdgePlace" else edge


def _plain(value: Any) -> Any:
    """``value`` of plain types only: lists, tuples (a tuple's subclass too: torch.Size), dicts with str keys; anything
    else its ``str``."""
    if type(value) in _PLAIN:  # exactly: a subclass (an enum of str) could carry code
        return value
    if isinstance(value, (tuple, list)):
        return (list if isinstance(value, list) else tuple)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
