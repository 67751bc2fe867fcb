"""Names and titles that XML or Graphviz labels cannot hold as they are: every backend writes a well-formed
SVG that shows them literally, and the same text."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import LinearLayer, NetGraph
from tests.test_render import BACKENDS, texts


def svg_texts(net: NetGraph, backend: str, title: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a backend falling back says so; the content is what is checked
        return texts(ET.fromstring(net.render_svg(backend=backend, title=title)))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, title, shown", [
    ("a\x01b", "t\x0bitle", ["a\\x01b", "t\\x0bitle"]),  # control characters: escaped (was: not well-formed XML)
    (" ", "Tom &amp; Jerry", ["' '", "Tom &amp; Jerry"]),  # only spaces: quoted (was: an empty <B></B> label)
    ("x&y", "a&lt;b & c", ["x&y", "a&lt;b & c"]),  # entities in a title: literal (graphviz decoded them)
])
def test_hostile_names_and_titles_are_shown_literally(backend, name, title, shown):
    text = svg_texts(NetGraph({name: LinearLayer(3)}, [], Input=2), backend, title)
    assert all(s in text for s in shown), text


def test_a_name_of_spaces_renders_to_png_too(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NetGraph({" ": LinearLayer(3)}, [], Input=2).render(tmp_path / "x.png")
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"
