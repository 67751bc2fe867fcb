"""Errors met after a spec loaded (initialising, evaluating, training, exporting), placed at the YAML their first
problem is about: its ``Diagnostic`` fields mapped by ``netgraph.spec.problem_location``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from netgraph.core.errors import NetGraphError, SpecError
from netgraph.spec import problem_location

__all__ = ["placed_at_layers"]


@contextlib.contextmanager
def placed_at_layers(spec: str | Path) -> Iterator[None]:
    """A NetGraphError raised inside, its message led by the file:line:col where ``spec`` writes what its first
    problem of a layer or graph port is about (``problem_location``: the layer, its option, a graph input's
    declaration). A problem of no layer or of data, a SpecError (placed already) and an ONNX model's keep their
    message as it is."""
    try:
        yield
    except NetGraphError as exc:
        problems = [d for d in exc.diagnostics if d.layer is not None and d.data is None]
        if problems and exc.args and not isinstance(exc, SpecError) and Path(spec).suffix.lower() != ".onnx":
            where = _place(spec, problems[0])
            exc.args = (f"{where}: {exc.args[0]}", *exc.args[1:]) if where else exc.args
        raise


def _place(spec: str | Path, problem: object) -> str | None:
    """``"file:line:col"`` of ``problem`` in ``spec`` (None: not known)."""
    try:
        return problem_location(spec, problem)
    except NetGraphError:  # the spec loaded a moment ago: a file changed since gives no place, not a new error
        return None
