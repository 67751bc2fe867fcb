"""Where the types a layer refused came from, for inference's conflict messages: the edge that carried one in
(``edge_into``) and each known port type's setter and edges (``port_sources``)."""

from __future__ import annotations

from typing import Any

from netgraph.core.conflict_words import edge_parts
from netgraph.core.errors import EdgeRef
from netgraph.core.naming_scope import quoted
from netgraph.core.types import PortType

__all__ = ["edge_into", "port_sources"]


def edge_into(cls: Any, roots: Any, path: tuple, current: dict[str, PortType]) -> tuple[EdgeRef, str] | None:
    """The edge that carried a known type into one of the layer's ports (not another edge of its class), and
    that port."""
    for port, t in current.items():
        origin = cls.origin.get(roots[(path, port)])
        if t.shape is not None and origin is not None and (edge := cls.joining(origin[1], (path, port))):
            return edge, port
    return None


def port_sources(problem: Any, cls: Any, roots: Any, path: tuple,
                 current: dict[str, PortType]) -> tuple[list[str | EdgeRef], list[EdgeRef]]:
    """Where each known port type of a layer came from (message parts), and the edges they name: those on the path
    joining its setter to the port, not every edge of the port's class."""
    parts: list[str | EdgeRef] = []
    named: list[EdgeRef] = []
    for port, t in current.items():
        root = roots[(path, port)]
        if t.shape is None or root not in cls.origin:
            continue
        edges = cls.path_edges(cls.origin[root][1], (path, port))
        parts += ["; " if parts else " [", f"{quoted(port)} {t} set by {problem.origin_text(cls.origin[root])}"]
        parts += [" via edge ", *edge_parts(edges)] if edges else []
        named += edges
    return (parts + ["]"] if parts else []), named
