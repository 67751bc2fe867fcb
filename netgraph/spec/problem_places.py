"""Where in a loaded spec a problem met later (initialising, evaluating, training) is: its Diagnostic's fields
mapped to the YAML as a load maps its own problems (``Locator.locate``); an undeclared graph input at its layer."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.errors import Diagnostic
from netgraph.core.ir import Value

__all__ = ["spec_place"]


def spec_place(reader: Any, net: Any, problem: Diagnostic) -> str | None:
    """``"file:line:col"`` of what ``problem`` names in the spec ``reader`` read into ``net``: its layer's option, its
    edge, its layer (or the nearest layer holding it); a graph port at its ``inputs:``/``outputs:`` key, or (a
    layer's input left unwired, declared nowhere) at the first layer it feeds. None: nothing it names."""
    top = reader.locators.get(())
    if top is None or problem.layer is None:
        return None
    file, loc, _ = top.locate(problem, None)
    if loc is None and problem.layer == () and problem.port in getattr(net, "input_ports", ()):
        fed = [path for path, _ in net.ir.consumers(Value(None, problem.port)) if path]
        if fed:
            file, loc, _ = top.locate(dataclasses.replace(problem, layer=fed[0], port=None), None)
    return None if loc is None else f"{file.name}:{loc.line}:{loc.col}"
