"""NetPort (a user's name for a port) and PortRef/Edge (the normalised wiring a NetGraph stores)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netgraph.core.errors import WiringError
from netgraph.core.layer import frozen_init

__all__ = ["NetPort", "PortRef", "Edge"]


@dataclass(frozen=True, init=False, repr=False, slots=True)
class NetPort:
    """``NetPort(layer, "Port")`` names a layer's port; ``NetPort("Name")`` names a graph port.

    ``layer`` is a 1-based index or a layer name, as in Wolfram's ``NetPort[3, "Output"]``.

    >>> NetPort(3, "Output"), NetPort("Params")
    (NetPort(3, 'Output'), NetPort('Params'))
    """

    layer: int | str | None
    port: str

    def __init__(self, *args: Any):
        if len(args) == 1 and isinstance(args[0], str):
            layer, port = None, args[0]
        elif len(args) == 2 and isinstance(args[1], str) and isinstance(args[0], (int, str)) \
                and not isinstance(args[0], bool):
            layer, port = args
        else:
            raise WiringError(f"NetPort takes (layer, 'Port') or ('GraphPortName'), found NetPort{args!r}")
        frozen_init(self, layer=layer, port=port)

    def __repr__(self) -> str:
        return f"NetPort({self.port!r})" if self.layer is None else f"NetPort({self.layer!r}, {self.port!r})"


@dataclass(frozen=True, order=True)
class PortRef:
    """A resolved port: ``layer`` is a layer name, or None for a graph port."""

    layer: str | None
    port: str

    def __str__(self) -> str:
        return self.port if self.layer is None else f"{self.layer}.{self.port}"


@dataclass(frozen=True)
class Edge:
    """One normalised connection from an output (or graph input) to an input (or graph output).

    ``text`` is the edge as the user wrote it, for messages; ``implicit`` marks edges made for
    dangling ports; ``index`` is the 0-based position of the user's edge item it comes from (a
    chain or group gives several Edges one index; None for implicit edges).
    """

    src: PortRef
    dst: PortRef
    text: str = ""
    implicit: bool = False
    index: int | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[PortRef, PortRef]:
        return (self.src, self.dst)
