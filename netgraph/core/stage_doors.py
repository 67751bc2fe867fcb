"""A net's drawing and YAML methods: each calls the stage that serves it (``plugins``), which the core does not
import (render and spec depend on the core, not the other way).

>>> from netgraph import NetChain, LinearLayer
>>> NetChain([LinearLayer(2)], input=3).to_yaml().startswith("netgraph: 1")
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.plugins import stage

__all__ = ["SpecText", "DrawingAndYaml", "MAX_EXPAND", "MAX_NOTEBOOK_LAYERS", "count_drawn", "notebook_svg"]

MAX_NOTEBOOK_LAYERS = 1000  # a notebook draws a net of up to this many layers; a bigger one shows its text
#: ``expand=True`` draws this many levels of nested graphs as clusters; deeper ones are collapsed boxes (an int
#: ``expand`` is taken as given). Graphviz's cluster layout slows steeply with depth (see ``dot_limits.DOT_MAX_DEPTH``).
MAX_EXPAND = 32


class SpecText:
    """``to_yaml`` of a net or of a layer alone (as ``save`` writes either)."""

    __slots__ = ()

    def to_yaml(self, name: str | None = None, description: str | None = None) -> str:
        return stage("to_yaml")(self, name=name, description=description)


class DrawingAndYaml(SpecText):
    """``to_dot``, ``render_svg``, ``render``, ``to_yaml`` and ``from_yaml`` of a net (its notebook diagram,
    ``_repr_svg_``, is every layer's: ``Layer._repr_svg_``)."""

    __slots__ = ()

    def to_dot(self, **options: Any) -> str:
        return stage("to_dot")(self, **options)

    def render_svg(self, **options: Any) -> str:
        return stage("render_svg")(self, **options)

    def render(self, path: Any, **options: Any) -> Any:
        return stage("render")(self, path, **options)

    @classmethod
    def from_yaml(cls, source: Any, **options: Any) -> Any:
        return stage("from_yaml")(source, **options)


def notebook_svg(drawn: Any) -> str | None:
    """The diagram a notebook shows of a net or a layer (the net of it alone, as ``render_svg`` draws it); None (the
    notebook shows the text) past ``MAX_NOTEBOOK_LAYERS`` layers: drawing thousands takes seconds and megabytes,
    unasked (``render_svg`` draws them when asked); None too for a layer that cannot be drawn (its shapes conflict): a
    notebook formatter must not raise (``render_svg`` raises, when asked)."""
    if count_drawn(drawn, lambda depth: depth <= MAX_EXPAND, MAX_NOTEBOOK_LAYERS) > MAX_NOTEBOOK_LAYERS:
        return None
    try:
        return drawn.render_svg() if isinstance(drawn, DrawingAndYaml) else stage("render_svg")(drawn)
    except NetGraphError:
        return None


def count_drawn(drawn: Any, depth_allowed: Callable[[int], bool], limit: float = math.inf) -> int:
    """How many boxes a diagram of ``drawn`` (a net, or a layer alone) draws: a nested graph or an operator's net
    drawn as a cluster (``depth_allowed(depth)``, depth 1 at the top level) counts its layers, any other layer one box;
    counting stops past ``limit``.

    >>> from netgraph import NetChain, NetMapOperator, LinearLayer
    >>> op = NetMapOperator(NetChain([LinearLayer(2), LinearLayer(3)]))
    >>> count_drawn(op, lambda depth: True), count_drawn(op, lambda depth: False)
    (2, 1)
    """
    count, todo = 0, [(drawn, 0)]
    while todo and count <= limit:
        item, depth = todo.pop()
        for layer in item.layers.values() if isinstance(item, DrawingAndYaml) else [item]:
            inner = [layer] if isinstance(layer, DrawingAndYaml) else list(layer.inner_nets().values())
            if inner and depth_allowed(depth + 1):
                todo += [(net, depth + 1) for net in inner]
            else:
                count += 1
    return count
