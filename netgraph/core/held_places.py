"""Which elements of a value hold an index input's values, for the encoder range walk (``port_coders``): after a
CatenateLayer or AppendLayer only those of the joined input do, and a PartLayer (SequenceLastLayer, ...) picking
from the join carries them only where it picks some (``Layer.moved_places``). Places are booleans of one example's
fixed shape; None: every element may hold them (a variable length, a layer that does not tell, a larger value)."""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.types import element_count

__all__ = ["moved_on", "covered", "united", "PLACES_LIMIT"]

PLACES_LIMIT = 2 ** 16  # elements of one example the places are worked out for (beyond: None, every element)


def moved_on(node: Any, port: str, places: torch.Tensor | None) -> torch.Tensor | None:
    """Where the elements of input ``port`` of IR ``node`` marked in ``places`` (None: all) lie in its one output,
    given by ``node.layer.moved_places`` (all True: the output holds nothing else); None where not known, or where
    nothing else joins them."""
    layer = node.layer
    if places is None and len(layer.moved_inputs) < 2 or len(node.output_ports) != 1:
        return None  # one input, all of it: all of the output
    ports = (*(p for p in layer.moved_inputs if p in node.inputs), node.output_ports[0])
    counts = [element_count(node.types[p].shape) for p in ports]
    if any(count is None or count > PLACES_LIMIT for count in counts):
        return None
    given = torch.ones(node.types[port].shape, dtype=torch.bool) if places is None else places
    return layer.moved_places(port, given, node.types)


def covered(seen: torch.Tensor | None, places: torch.Tensor | None) -> bool:
    """Whether the places ``seen`` (None: all) hold every one of ``places`` (None: all)."""
    return seen is None or places is not None and not bool((places & ~seen).any())


def united(seen: torch.Tensor | None, places: torch.Tensor | None) -> torch.Tensor | None:
    """The places in either (None: all)."""
    return None if seen is None or places is None else seen | places
