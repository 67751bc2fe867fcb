"""SVG drawing for the built-in layout: the same groups, ids and classes Graphviz writes
(``<g id="L.4" class="node layer">``, ``<g class="edge">``, ``<g class="cluster">``)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from xml.sax import saxutils

from netgraph.render.layout import (BODY_PT, CLUSTER_FONT, LABEL_PT, LINE_H, PAD, PORT_H, PORT_PT, TERM_PT, Placed,
                                   body_lines, place, text_width)
from netgraph.render.layout_labels import ASCENT, BESIDE, DESCENT, eased
from netgraph.render.model import BORDER, FILL, Diagram, Node, kept_spaces, title_lines, visible

__all__ = ["draw", "layout_svg"]

FONT = "Helvetica,Arial,sans-serif"
EDGE_COLOUR, TEXT_COLOUR = "#868e96", "#495057"
FLOW = {"TB": (0.0, 1.0), "BT": (0.0, -1.0), "LR": (1.0, 0.0), "RL": (-1.0, 0.0)}
ARROW = 6.0
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def escape(text: str) -> str:
    """XML text of ``text`` (characters XML cannot hold written as escapes)."""
    return saxutils.escape(visible(text))


def quoteattr(text: str) -> str:
    """A quoted XML attribute value of ``text``."""
    return saxutils.quoteattr(visible(text))


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, size: float, extra: str = "") -> str:
    return (f'<text text-anchor="middle" x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" '
            f'font-size="{_n(size)}"{extra}>{kept_spaces(content, "&#160;")}</text>')


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str, extra: str = "") -> str:
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}" '
            f'stroke="{stroke}"{extra}/>')


class _Table:
    """Cell boxes of a layer node: port slots and body, for the diagram's flow direction."""

    def __init__(self, node: Node, centre: tuple[float, float], size: tuple[float, float], rankdir: str):
        self.node, self.rankdir = node, rankdir
        (cx, cy), (self.w, self.h) = centre, size
        self.x0, self.y0 = cx - self.w / 2, cy - self.h / 2
        self.cells: list[tuple[str, str | None, tuple[float, float, float, float]]] = []  # (side, port, box)
        self.anchor: dict[tuple[str, str], tuple[float, float]] = {}
        if rankdir in ("TB", "BT"):
            self._vertical(rankdir == "BT")
        else:
            self._horizontal(rankdir == "RL")

    def _vertical(self, flipped: bool) -> None:
        n = self.node
        top_h, bottom_h = (PORT_H if n.inputs else 0.0), (PORT_H if n.outputs else 0.0)
        if flipped:
            top_h, bottom_h = bottom_h, top_h
        sides = [("i", n.inputs, self.y0 if not flipped else self.y0 + self.h - PORT_H),
                 ("o", n.outputs, self.y0 + self.h - PORT_H if not flipped else self.y0)]
        for side, ports, y in sides:
            for k, port in enumerate(ports):
                cw = self.w / len(ports)
                self.cells.append((side, port, (self.x0 + k * cw, y, cw, PORT_H)))
                edge_y = y if (side == "i") != flipped else y + PORT_H
                self.anchor[(side, port)] = (self.x0 + (k + 0.5) * cw, edge_y)
        self.cells.append(("body", None, (self.x0, self.y0 + top_h, self.w, self.h - top_h - bottom_h)))

    def _horizontal(self, flipped: bool) -> None:
        n = self.node
        cell = max([text_width(p, PORT_PT) + 2 * PAD for p in (*n.inputs, *n.outputs)] or [0.0])
        left_w, right_w = (cell if n.inputs else 0.0), (cell if n.outputs else 0.0)
        if flipped:
            left_w, right_w = right_w, left_w
        sides = [("i", n.inputs, self.x0 if not flipped else self.x0 + self.w - cell),
                 ("o", n.outputs, self.x0 + self.w - cell if not flipped else self.x0)]
        for side, ports, x in sides:
            for k, port in enumerate(ports):
                ch = self.h / len(ports)
                self.cells.append((side, port, (x, self.y0 + k * ch, cell, ch)))
                edge_x = x if (side == "i") != flipped else x + cell
                self.anchor[(side, port)] = (edge_x, self.y0 + (k + 0.5) * ch)
        self.cells.append(("body", None, (self.x0 + left_w, self.y0, self.w - left_w - right_w, self.h)))

    def svg(self) -> list[str]:
        n, out = self.node, []
        for side, port, (x, y, w, h) in self.cells:
            if side == "body":
                out.append(_rect(x, y, w, h, n.fill, BORDER["default"]))
                lines = body_lines(n)
                top = y + h / 2 - len(lines) * LINE_H / 2
                for k, line in enumerate(lines):
                    base = top + (k + 0.8) * LINE_H
                    if k == 0:
                        out.append(_text(x + w / 2, base, escape(line), BODY_PT, ' font-weight="bold"'))
                    elif n.warning and k == len(lines) - 1:
                        out.append(_text(x + w / 2, base, escape(line), BODY_PT, ' fill="#c92a2a"'))
                    else:
                        out.append(_text(x + w / 2, base, escape(line), BODY_PT))
            else:
                fill = FILL["score"] if side == "o" and port in n.marked else "white"
                out.append(_rect(x, y, w, h, fill, BORDER["default"]))
                out.append(_text(x + w / 2, y + h / 2 + PORT_PT * 0.35, escape(port), PORT_PT, f' fill="{TEXT_COLOUR}"'))
        if n.rounded or "uninitialized" in n.classes:
            out.append(_rect(self.x0 - 1.5, self.y0 - 1.5, self.w + 3, self.h + 3, "none", n.border,
                             ' rx="6" stroke-width="1.5"'))
        return out


def _terminal(node: Node, centre: tuple[float, float], size: tuple[float, float]) -> list[str]:
    (cx, cy), (w, h) = centre, size
    if node.kind in ("input", "output"):
        shape = (f'<ellipse cx="{_n(cx)}" cy="{_n(cy)}" rx="{_n(w / 2)}" ry="{_n(h / 2)}" fill="{node.fill}" '
                 f'stroke="{TEXT_COLOUR}"/>')
        size_pt = TERM_PT
    else:
        shape = _rect(cx - w / 2, cy - h / 2, w, h, node.fill, EDGE_COLOUR, ' rx="4"')
        size_pt = PORT_PT
    top = cy + size_pt * 0.35 - 6.0 * len(node.lines)  # an encoder or decoder: a line under the port name
    return [shape, _text(cx, top, escape(node.title), size_pt),
            *(_text(cx, top + 12.0 * (i + 1), escape(line), PORT_PT) for i, line in enumerate(node.lines))]


def _node(node: Node, p: Placed, rankdir: str, anchors: dict) -> str:
    centre, size = p.centre[node.id], p.size[node.id]
    if node.kind in ("layer", "graph"):
        table = _Table(node, centre, size, rankdir)
        anchors.update({(node.id, side, port): xy for (side, port), xy in table.anchor.items()})
        body = table.svg()
    else:
        body = _terminal(node, centre, size)
    fx, fy = FLOW[rankdir]
    (cx, cy), (w, h) = centre, size
    anchors[(node.id, "o", None)] = (cx + fx * w / 2, cy + fy * h / 2)
    anchors[(node.id, "i", None)] = (cx - fx * w / 2, cy - fy * h / 2)
    classes = " ".join(["node", *node.classes])
    return (f'<g id={quoteattr(node.id)} class={quoteattr(classes)}>\n<title>{escape(node.id)}</title>\n'
            f'<g id={quoteattr("a_" + node.id)}><a xlink:title={quoteattr(node.tooltip)}>\n'
            + "\n".join(body) + "\n</a></g>\n</g>")


def _across_at(a: tuple[float, float], b: tuple[float, float], at: float, vertical: bool) -> float:
    """The coordinate across the flow of the bend from ``a`` to ``b`` (the curve ``_edge`` draws) where its
    coordinate along the flow is ``at``; past either end, that end's (the edge runs straight there)."""
    k, j = (1, 0) if vertical else (0, 1)
    x = (at - a[k]) / (b[k] - a[k]) if b[k] != a[k] else 1.0
    return a[j] + (b[j] - a[j]) * eased(x)


def _label_place(bend, label: str, at: float | None, vertical: bool, side: int) -> tuple[float, float]:
    """Where an edge's label goes (``x`` of its anchor, ``y`` of its baseline): ``BESIDE`` its last ``bend`` on
    ``side`` (-1: left of it in a top-down flow, above it in a left-right one; 1: right, below), at ``at`` along the
    flow (else the bend's middle). The bend is kept clear over the label's whole height (width): a bend running
    sideways ran through the text when only its point at the label's middle was. It runs one way across, so its
    nearest point is at one end of the label."""
    (ax, ay), (bx, by) = bend
    pick = max if side > 0 else min
    if vertical:
        y = (ay + by) / 2 if at is None else at
        ends = (y - ASCENT * LABEL_PT, y + DESCENT * LABEL_PT)
        return pick(_across_at(bend[0], bend[1], v, True) for v in ends) + side * BESIDE, y
    x = (ax + bx) / 2 if at is None else at
    half = text_width(label, LABEL_PT) / 2
    y = pick(_across_at(bend[0], bend[1], u, False) for u in (x - half, x + half)) + side * BESIDE
    return x, y + (ASCENT - DESCENT) * LABEL_PT * (side > 0)  # below: the text's top as far from it as its foot above


def _edge(index: int, e, points: list[tuple[float, float]], rankdir: str, at: float | None = None,
          side: int | None = None) -> tuple[str, float]:
    """An edge's SVG group, and how far right its label reaches; ``at``: its label's place along the flow, when not
    the middle of the last bend; ``side``: its side of the edge (``_label_place``; by default right, or above)."""
    fx, fy = FLOW[rankdir]
    tip = points[-1]
    points = [*points[:-1], (tip[0] - fx * ARROW, tip[1] - fy * ARROW)]
    d = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for (ax, ay), (bx, by) in pairwise(points):
        if fy:
            my = (ay + by) / 2
            d.append(f"C{_n(ax)},{_n(my)} {_n(bx)},{_n(my)} {_n(bx)},{_n(by)}")
        else:
            mx = (ax + bx) / 2
            d.append(f"C{_n(mx)},{_n(ay)} {_n(mx)},{_n(by)} {_n(bx)},{_n(by)}")
    base, px, py = points[-1], -fy * 3.5, fx * 3.5
    arrow = " ".join(f"{_n(x)},{_n(y)}" for x, y in (tip, (base[0] + px, base[1] + py), (base[0] - px, base[1] - py)))
    side = (1 if fy else -1) if side is None else side
    lx, ly = _label_place(points[-3:-1] if len(points) > 3 else points[-2:], e.label, at, bool(fy), side)
    anchor = "middle" if not fy else "start" if side > 0 else "end"
    right = lx + text_width(e.label, LABEL_PT) * {"middle": 0.5, "start": 1.0, "end": 0.0}[anchor]
    return (f'<g id="edge{index}" class="edge">\n<title>{escape(e.tooltip)}</title>\n'
            f'<path fill="none" stroke="{EDGE_COLOUR}" d="{" ".join(d)}"/>\n'
            f'<polygon fill="{EDGE_COLOUR}" stroke="{EDGE_COLOUR}" points="{arrow}"/>\n'
            f'<text text-anchor="{anchor}" x="{_n(lx)}" y="{_n(ly)}" font-family="{FONT}" '
            f'font-size="{_n(LABEL_PT)}" fill="{TEXT_COLOUR}">{kept_spaces(escape(e.label), "&#160;")}'
            '</text>\n</g>'), right


def _clusters(d: Diagram, p: Placed, crossing: dict[tuple, list[Rect]]) -> list[str]:
    out = []
    for c in d.clusters:
        if c.path not in p.clusters:
            continue
        x0, y0, x1, y1 = p.clusters[c.path]
        box = (_rect(x0, y0, x1 - x0, y1 - y0, "none", EDGE_COLOUR, ' rx="6" stroke-dasharray="5,2"') + "\n"
               + _text(_label_x(c.label, p.clusters[c.path], crossing.get(c.path, ())), y0 + 12, escape(c.label),
                       CLUSTER_FONT, f' fill="{TEXT_COLOUR}"'))
        if c.tooltip:  # as dot draws a cluster's tooltip: a link around its box and label
            box = f'<g id={quoteattr("a_" + c.id)}><a xlink:title={quoteattr(c.tooltip)}>\n{box}\n</a></g>'
        out.append(f'<g id={quoteattr(c.id)} class="cluster">\n<title>{escape(c.id)}</title>\n{box}\n</g>')
    return out


def _label_x(label: str, box: Rect, segments) -> float:
    """The centre of a cluster's label along its box's top: the middle, else the left or the right end, whichever
    first keeps clear of the edges crossing the box (``segments``: the boxes around their parts)."""
    x0, y0, x1, _ = box
    half = text_width(label, CLUSTER_FONT) / 2
    places = [(x0 + x1) / 2, x0 + 6 + half, x1 - 6 - half]
    for x in places:
        if not any(a < x + half and x - half < b and c < y0 + 15 and y0 + 2 < e for a, c, b, e in segments):
            return x
    return places[0]


def _crossing(d: Diagram, lines: list[list[tuple[float, float]]]) -> dict[tuple, list[Rect]]:
    """By cluster, the boxes around the parts (waypoint to waypoint) of the edges that cross its box's border."""
    cluster = {n.id: n.cluster for n in d.nodes}
    out: dict[tuple, list[Rect]] = defaultdict(list)
    for e, line in zip(d.edges, lines):
        a, b = cluster[e.src], cluster[e.dst]
        k = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        parts = [(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)) for (x0, y0), (x1, y1) in pairwise(line)]
        for path in {*(a[:j] for j in range(k + 1, len(a) + 1)), *(b[:j] for j in range(k + 1, len(b) + 1))}:
            out[path] += parts
    return out


def draw(d: Diagram, p: Placed) -> str:
    """The SVG document of a placed diagram."""
    rankdir = d.options.rankdir
    anchors: dict = {}
    nodes = [_node(n, p, rankdir, anchors) for n in d.nodes]
    edges, reach, drawn = [], p.width, []
    for i, (e, waypoints) in enumerate(zip(d.edges, p.waypoints), 1):
        drawn.append([anchors[(e.src, "o", e.src_port)], *waypoints, anchors[(e.dst, "i", e.dst_port)]])
        text, right = _edge(i, e, drawn[-1], rankdir, p.labels.get(i - 1), p.sides.get(i - 1))
        edges.append(text)
        reach = max(reach, right + 2)  # a label beside an edge at the right edge widens the canvas
    lines = title_lines(d.options.title)  # a line each, as dot draws them
    title_h = 22.0 + 14.0 * (len(lines) - 1) if lines else 0.0
    w = max(reach, max((text_width(line, 11) + 24 for line in lines), default=0.0))  # a long title widens it
    dx, h = (w - reach) / 2, p.height + title_h
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
             "<!-- Generated by netgraph's built-in layered layout -->",
             (f'<svg width="{_n(w)}pt" height="{_n(h)}pt" viewBox="0 0 {_n(w)} {_n(h)}" '
              'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'),
             f'<g id="graph0" class="graph" transform="translate({_n(dx)} {_n(title_h)})">', "<title>NetGraph</title>",
             _rect(-dx, -title_h, w, h, "white", "none")]
    parts += [_text(w / 2 - dx, 16 - title_h + 14 * i, escape(line), 11) for i, line in enumerate(lines)]
    parts += [*_clusters(d, p, _crossing(d, drawn)), *nodes, *edges, "</g>", "</svg>", ""]
    return "\n".join(parts)


def layout_svg(d: Diagram) -> str:
    """SVG text of a diagram model laid out by the built-in layered layout."""
    return draw(d, place(d))
