"""The Diagnostic a spec's problem came from, whose fields (kind, port, expected, found, ...) its SpecError keeps."""

from __future__ import annotations

import dataclasses

from netgraph.core.errors import Diagnostic, NetGraphError

__all__ = ["at_layer", "sole"]


def sole(exc: NetGraphError, layer: tuple | None = None) -> Diagnostic | None:
    """The one Diagnostic of ``exc`` (None when it has several: one message then says them all), ``at_layer``."""
    return at_layer(exc.diagnostics[0], layer) if len(exc.diagnostics) == 1 else None


def at_layer(problem: Diagnostic, layer: tuple | None) -> Diagnostic:
    """``problem`` at ``layer`` (the spec's path of the layer that raised it) where it names no layer."""
    return problem if problem.layer is not None or layer is None else dataclasses.replace(problem, layer=layer)
