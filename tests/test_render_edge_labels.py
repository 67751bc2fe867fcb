"""Edge labels of the built-in layout keep off the node boxes, in every flow direction.

In a left-right flow each label lies across the gap before its destination's rank, and that gap was 34 pt
whatever the label: a shape such as ``(b, 16, 128, 128)`` (about 70 pt wide) ran over the boxes on both sides."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from netgraph import NetChain, NetGraph
from tests.test_render import SVG, groups, nodes_by_id
from tests.test_render_edge_routes import label_box, render, unet, wide_ports
from tests.test_render_layout import Rect, meet, operators, rect_of


def image_chain() -> NetGraph:
    """Elementwise layers on images: every edge carries a long shape label."""
    return NetChain(["Tanh", "Ramp", "Tanh", "Sigmoid"], input=(16, 128, 128))


def label_rect(text: ET.Element) -> Rect:
    """The box of an edge label: its Helvetica width, from its cap height above the baseline to just below it."""
    left, right = label_box(text)
    y, size = float(text.get("y")), float(text.get("font-size"))
    return left, y - 0.72 * size, right, y + 0.1 * size


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
@pytest.mark.parametrize("make", [image_chain, operators, wide_ports, lambda: unet(24)])
def test_edge_labels_keep_off_every_node(make, rankdir):
    root = render(make(), rankdir)
    boxes = {nid: rect_of(g) for nid, g in nodes_by_id(root).items()}
    for g in groups(root, "edge"):
        label = label_rect(g.find(f"{SVG}text"))
        hit = [nid for nid, box in boxes.items() if meet(label, box)]
        assert not hit, (rankdir, g.find(f"{SVG}title").text, "label over", hit)
