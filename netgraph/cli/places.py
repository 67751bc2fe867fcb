"""Errors met after a spec loaded (initialising, evaluating, training, exporting), placed at the YAML of the layer
they are about: ``Diagnostic.layer`` mapped through ``netgraph.spec.layer_locations``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from netgraph.core.errors import NetGraphError, SpecError
from netgraph.spec import layer_locations

__all__ = ["placed_at_layers"]


@contextlib.contextmanager
def placed_at_layers(spec: str | Path) -> Iterator[None]:
    """A NetGraphError raised inside, its message led by the file:line:col where ``spec`` defines the layer its first
    problem is about (``Diagnostic.layer``, or the nearest layer holding it). A problem of no layer or of data, a
    SpecError (placed already) and an ONNX model's keep their message as it is."""
    try:
        yield
    except NetGraphError as exc:
        layers = [d.layer for d in exc.diagnostics if d.layer and d.data is None]
        if layers and exc.args and not isinstance(exc, SpecError) and Path(spec).suffix.lower() != ".onnx":
            where = _layer_place(spec, layers[0])
            exc.args = (f"{where}: {exc.args[0]}", *exc.args[1:]) if where else exc.args
        raise


def _layer_place(spec: str | Path, path: tuple[str, ...]) -> str | None:
    """``"file:line:col"`` of the innermost layer of ``path`` that ``spec`` defines (None: not known)."""
    try:
        places = layer_locations(spec)
    except NetGraphError:  # the spec loaded a moment ago: a file changed since gives no place, not a new error
        return None
    return next((places[path[:n]] for n in range(len(path), 0, -1) if path[:n] in places), None)
