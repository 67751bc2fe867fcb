"""A graph port's value in a spec as it is refused: a ``PortConflict`` names the part of the value at fault, and
``part_loc`` finds that part's place in the YAML (a shape's bad dims each at its own item).

>>> port_shape([3, "n"], "shape")
(3, 'n')
"""

from __future__ import annotations

from typing import Any

from netgraph.core.conflicts import Conflict
from netgraph.core.errors import NetGraphError
from netgraph.core.shape_dims import shape_error
from netgraph.core.types import as_shape
from netgraph.spec.array_values import faulty_item_at
from netgraph.spec.yaml_nodes import YMap

__all__ = ["PortConflict", "port_shape", "part_loc"]


class PortConflict(Conflict):
    """A port's value is not a type: ``at`` is the path of keys to the part at fault inside it (the key itself
    when ``key``), so a reader can point at that token; ``expected`` and ``found`` as a Conflict's, ``option``
    the coder option at fault; ``each`` each problem (several for a coder with several bad options); ``count`` how
    many problems it stands for (a capped list's last line: the rest of its bad dims)."""

    def __init__(self, message: str, at: tuple = (), key: bool = False, *, expected: object = None,
                 found: object = None, option: str | None = None, each: list[PortConflict] | None = None,
                 item: int | None = None, count: int = 1):
        super().__init__(message, expected=expected, found=found, option=option, item=item)
        self.at, self.key, self.each, self.count = at, key, each or [self], count


def port_shape(value: Any, what: str, at: tuple = ()) -> Any:
    """``value`` as a port's shape (``as_shape``), else a PortConflict at ``at`` holding each bad dim of a list as
    its own problem, in order (``[3, 1.5, -2]``: two)."""
    try:
        return as_shape(value, what)
    except Conflict as exc:
        error = shape_error(NetGraphError, value, what, exc)
    parts = [PortConflict(d.message, at, expected=d.expected, found=d.found, item=d.item, count=d.count)
             for d in error.diagnostics]
    if len(parts) == 1:
        raise parts[0]
    raise PortConflict(str(error), at, expected=[p.expected for p in parts],
                       found=[p.found for p in parts], each=parts)


def part_loc(ports: YMap, name: str, exc: Conflict) -> Any:
    """Where in port ``name``'s value the problem ``exc`` is: the key or value its ``at`` path names, as deep as
    the YAML goes (the whole value when it names none)."""
    loc, node = ports.value_locs[name], ports[name]
    at = exc.at if isinstance(exc, PortConflict) else ()
    for i, part in enumerate(at):
        if not isinstance(node, YMap) or part not in node:
            break
        loc = node.key_locs[part] if exc.key and i == len(at) - 1 else node.value_locs[part]
        node = node[part]
    return faulty_item_at(node, exc.item, exc.found) or loc  # a shape's dim at fault
