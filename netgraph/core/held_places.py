"""Which elements of a value hold an index input's values, for the encoder range walk (``port_coders``): after a
CatenateLayer or AppendLayer only those of the joined input do, and a PartLayer (SequenceLastLayer, ...) picking
from the join carries them only where it picks some (``Layer.moved_places``). Places are booleans of one example's
fixed shape; None: every element may hold them (a variable length, a layer that does not tell, a larger value)."""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import torch

from netgraph.core.types import element_count

__all__ = ["moved_on", "covered", "united", "PLACES_LIMIT", "WalkSteps"]

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


class WalkSteps:
    """The walk's steps to take, one per value with every way in merged (its places united), taken in the order the
    graph runs, so that a value is walked on once with all it holds (a step per way in was exponential in stacked
    joins: Catenate(x, x) twelve deep took seconds)."""

    def __init__(self, nodes: Any, first: Any):
        """``nodes``: the graph's, in the order it runs; ``first``: the steps to begin with."""
        rank = {node.path: i for i, node in enumerate(nodes)}
        self._rank = lambda value: -1 if value.node is None else rank[value.node]
        self._heap, self._steps, self._count = [], {}, itertools.count()
        self += first

    def __bool__(self) -> bool:
        return bool(self._heap)

    def __iadd__(self, steps: Any) -> "WalkSteps":
        for value, fed, mixed, places, own in steps:
            if value in self._steps:
                _, was_fed, was_mixed, held, was_own = self._steps[value]
                self._steps[value] = (value, fed and was_fed, mixed or was_mixed, united(held, places), own or was_own)
            else:
                self._steps[value] = (value, fed, mixed, places, own)
                heapq.heappush(self._heap, (self._rank(value), next(self._count), value))
        return self

    def pop(self) -> tuple:
        return self._steps.pop(heapq.heappop(self._heap)[2])
