"""A graph's public read-only views: its layers, edges, ports, the types inferred for them (``Inference.settled``:
a graph initialised inside another is inferred when first read) and the port types declared at construction."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from netgraph.core.layer import Layer
from netgraph.core.layer_view import LayerView
from netgraph.core.ports import Edge
from netgraph.core.types import PortType

__all__ = ["GraphViews"]


class GraphViews:
    """The views a NetGraph gives of its private fields (placed before ``Layer`` among a net's bases)."""

    _layers: dict[str, Layer]
    _edges: tuple[Edge, ...]
    _inputs: tuple[str, ...]
    _outputs: tuple[str, ...]
    _declared: dict[str, PortType]
    _inference: Any

    @property
    def layers(self) -> Mapping[str, Layer]:
        """The layers by name, in the order given."""
        return LayerView(self._layers)

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every connection, including those made for unwired ports (``edge.implicit``)."""
        return self._edges

    @property
    def input_ports(self) -> tuple[str, ...]:
        return self._inputs

    @property
    def output_ports(self) -> tuple[str, ...]:
        return self._outputs

    @property
    def port_types(self) -> dict[str, PortType]:
        """The inferred type of every graph port."""
        return dict(self._inference.settled(self).ports)

    @property
    def input_shapes(self) -> dict[str, Any]:
        return {p: self._inference.settled(self).ports[p].shape for p in self._inputs}

    @property
    def output_shapes(self) -> dict[str, Any]:
        return {p: self._inference.settled(self).ports[p].shape for p in self._outputs}

    @property
    def declared_port_types(self) -> Mapping[str, PortType]:
        """The graph ports' types declared at construction (``Input=3``), by port name (read-only); a port declared
        nothing is absent."""
        return MappingProxyType(self._declared)
