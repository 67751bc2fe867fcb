"""Diagrams: a net's drawing model, DOT source, and SVG/PNG/PDF through graphviz or the built-in layout."""

from netgraph.render.api import FILE_FORMATS, diagram, dot_source, render, render_svg, to_dot

__all__ = ["FILE_FORMATS", "diagram", "dot_source", "render", "render_svg", "to_dot"]
