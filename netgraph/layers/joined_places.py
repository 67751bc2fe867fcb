"""``Layer.moved_places`` of the layers joining their inputs' values (CatenateLayer, AppendLayer, PrependLayer):
where one input's elements land in the output, so the encoder range walk (``netgraph.core.port_coders``) follows a
PartLayer after the join only where it picks them.

>>> from netgraph.core.types import PortType
>>> types = {"Input": PortType((2,)), "Element": PortType(())}
>>> class Append: AT_END, input_ports = True, ("Input", "Element")
>>> appended_places(Append(), "Element", torch.ones((), dtype=torch.bool), types).tolist()
[False, False, True]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.types import PortType
from netgraph.layers._shapes import level_dim

__all__ = ["catenated_places", "appended_places"]


def _held(layer: Any, port: str, places: torch.Tensor, types: Mapping[str, PortType]) -> dict[str, torch.Tensor]:
    """Each input's elements: ``places`` for ``port``, none marked for the others (of their fixed shapes)."""
    return {p: places if p == port else torch.zeros(types[p].shape, dtype=torch.bool) for p in layer.input_ports}


def catenated_places(layer: Any, port: str, places: torch.Tensor, types: Mapping[str, PortType]) -> torch.Tensor:
    """A CatenateLayer's: its inputs' elements side by side along its level."""
    held = _held(layer, port, places, types)
    return torch.cat([held[p] for p in layer.input_ports], level_dim(layer.level, places.dim(), layer.type_name))


def appended_places(layer: Any, port: str, places: torch.Tensor, types: Mapping[str, PortType]) -> torch.Tensor:
    """An AppendLayer's (a PrependLayer's): the ``Element`` after (before) the ``Input``'s elements."""
    held = _held(layer, port, places, types)
    parts = [held["Input"], held["Element"][None]]
    return torch.cat(parts if layer.AT_END else parts[::-1])
