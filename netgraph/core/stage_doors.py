"""A net's drawing and YAML methods: each calls the stage that serves it (``plugins``), which the core does not
import (render and spec depend on the core, not the other way).

>>> from netgraph import NetChain, LinearLayer
>>> NetChain([LinearLayer(2)], input=3).to_yaml().startswith("netgraph: 1")
True
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import NetGraphError
from netgraph.core.plugins import stage

__all__ = ["DrawingAndYaml", "MAX_NOTEBOOK_LAYERS", "notebook_svg"]

MAX_NOTEBOOK_LAYERS = 1000  # a notebook draws a net of up to this many layers; a bigger one shows its text


class DrawingAndYaml:
    """``to_dot``, ``render_svg``, ``render``, ``_repr_svg_`` (Jupyter), ``to_yaml`` and ``from_yaml`` of a net."""

    __slots__ = ()

    def to_dot(self, **options: Any) -> str:
        return stage("to_dot")(self, **options)

    def render_svg(self, **options: Any) -> str:
        return stage("render_svg")(self, **options)

    def render(self, path: Any, **options: Any) -> Any:
        return stage("render")(self, path, **options)

    def _repr_svg_(self) -> str | None:
        """The diagram a notebook shows (``notebook_svg``)."""
        return notebook_svg(self)

    def to_yaml(self, name: str | None = None, description: str | None = None) -> str:
        return stage("to_yaml")(self, name=name, description=description)

    @classmethod
    def from_yaml(cls, source: Any, **options: Any) -> Any:
        return stage("from_yaml")(source, **options)


def notebook_svg(drawn: Any) -> str | None:
    """The diagram a notebook shows of a net or a layer (the net of it alone, as ``render_svg`` draws it); None (the
    notebook shows the text) past ``MAX_NOTEBOOK_LAYERS`` layers: drawing thousands takes seconds and megabytes,
    unasked (``render_svg`` draws them when asked); None too for a layer that cannot be drawn (its shapes conflict): a
    notebook formatter must not raise (``render_svg`` raises, when asked)."""
    if _drawn_past(drawn, MAX_NOTEBOOK_LAYERS):
        return None
    try:
        return drawn.render_svg() if isinstance(drawn, DrawingAndYaml) else stage("render_svg")(drawn)
    except NetGraphError:
        return None


def _drawn_past(drawn: Any, limit: int) -> bool:
    """Whether a diagram of ``drawn`` (a net or a layer) draws more than ``limit`` layers: its own, its nested graphs'
    and those of the nets its operators hold (each drawn in a cluster, not as one box); counting stops past
    ``limit``."""
    count, todo = 0, [drawn]
    while todo and count <= limit:
        item = todo.pop()
        for layer in [node.layer for node in item.ir.nodes] if isinstance(item, DrawingAndYaml) else [item]:
            inner = layer.inner_nets()
            count += 0 if inner else 1
            todo += inner.values()
    return count > limit
