"""Names and titles that XML or Graphviz labels cannot hold as they are: every backend writes a well-formed
SVG that shows them literally, and the same text."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET

import pytest

from netgraph import LinearLayer, NetGraph, NetPort
from netgraph.render.model import escape_id, kept_spaces, name_label
from tests.test_render import BACKENDS, SVG, texts


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


def test_a_large_net_is_left_to_the_built_in_layout_unless_graphviz_pure_is_named(monkeypatch):
    """graphviz-pure took ~22 s on 1,000 boxes and hit its 120 s limit at 3,000: past PURE_MAX_BOXES the
    default goes to the built-in layout, saying why; naming the backend still uses it."""
    from netgraph.render import api, engines
    real = engines.available_backends
    monkeypatch.setattr(engines, "available_backends", lambda: [b for b in real() if b != "dot"])  # as without dot
    monkeypatch.setattr(api, "PURE_MAX_BOXES", 2)
    monkeypatch.setattr(engines, "_announced", set())  # the reason is told once per process and backend
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=2)
    with pytest.warns(UserWarning, match=r"graphviz-pure would be slow on 4 boxes \(more than 2: 1,000 took it "
                                         r"about 22 s\)"):
        assert api.render_svg(net) == api.render_svg(net, backend="builtin")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert api.render_svg(net, backend="graphviz-pure") != api.render_svg(net, backend="builtin")


def test_a_render_removes_the_temporary_file_a_killed_render_of_its_target_left(tmp_path):
    stale = tmp_path / ".net.svg.0123456789ab.tmp"  # the name atomic_write gives, as a killed render leaves it
    stale.write_bytes(b"<svg half")
    other = tmp_path / ".other.svg.0123456789ab.tmp"
    other.write_bytes(b"<svg half")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NetGraph({"a": LinearLayer(3)}, [], Input=2).render(tmp_path / "net.svg")
    assert not stale.exists() and other.exists() and (tmp_path / "net.svg").exists()


ESCAPES = ["\\N", "\\G", "\\\\", "\\L", "\\E", "\\T", "\\H", "\\l", "\\r", "\\n", "a\\"]


def tooltips(root: ET.Element) -> dict[str, str]:
    """Each node's tooltip, by node id."""
    xlink = "{http://www.w3.org/1999/xlink}title"
    return {g.get("id"): next(a.get(xlink) for a in g.iter() if a.get(xlink) is not None)
            for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}


@pytest.mark.parametrize("backend", BACKENDS)
def test_graphviz_escapes_in_names_are_drawn_as_written(backend):
    r"""A layer named ``\N`` was drawn by dot and graphviz-pure as its node id, ``\G`` as the graph's name and
    ``\\`` as one backslash; tooltips read the escapes again. Each name is now drawn, and tipped, as written."""
    for name in ESCAPES:
        inner = NetGraph({name: LinearLayer(2)}, [])
        net = NetGraph({name: LinearLayer(2), "g": inner}, [(name, "g")], Input=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = ET.fromstring(net.render_svg(backend=backend))
            reference = tooltips(ET.fromstring(net.render_svg(backend="builtin")))
        lines = [t.text for t in root.iter(f"{SVG}text")]
        assert lines.count(name) == 2, (name, lines)  # the outer layer and the nested one, each titled as named
        tips = tooltips(root)
        assert tips == reference and any(name in tip for tip in tips.values()), (name, tips, reference)


def all_tips(root: ET.Element) -> list[str]:
    """Every tooltip: the xlink:title of a link (dot, graphviz-pure) and each <title> (the built-in layout's edges)."""
    xlink = "{http://www.w3.org/1999/xlink}title"
    return ([a.get(xlink) for a in root.iter() if a.get(xlink) is not None]
            + [t.text or "" for t in root.iter(f"{SVG}title")])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_name_with_a_newline_or_tab_is_drawn_as_the_summary_writes_it(backend):
    r"""A name's newline was drawn as a space (``a b``, as if the layer were so named) and tipped on edges as a
    line break, while the summary writes it as the escape ``a\nb``: the diagram now writes it as the summary does."""
    inner = NetGraph({"x\ny": LinearLayer(2)}, [])
    net = NetGraph({"a\nb": LinearLayer(3), "g\th": inner}, [("a\nb", "g\th")], Input=2)
    table = str(net.information())
    assert "a\\nb" in table and "g\\th/x\\ny" in table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend=backend))
    lines = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text")]
    assert "a\\nb" in lines and "x\\ny" in lines and "g\\th · NetGraph" in lines, lines
    tips = all_tips(root)
    assert not any("\n" in tip or "\t" in tip for tip in tips), tips
    assert any("NetPort('a\\nb', 'Output') -> NetPort('g\\th', 'Input')" in tip for tip in tips), tips


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_class_label_with_a_newline_is_drawn_as_its_escape(backend):
    r"""A decoder's label 'a\nb' broke the graph output's box in two lines with dot and ran together as 'a b' in
    the built-in layout; every backend now writes it as names are written, ``a\nb``."""
    from netgraph import ClassDecoder, NetChain, SoftmaxLayer
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["a\nb", "c\td"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend=backend))
    lines = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text")]
    assert "ClassDecoder: a\\nb, c\\td" in lines, lines


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_class_labels_are_cut_as_option_lines_are(backend):
    """ImageNet's labels ('great white shark, white shark, man-eater, ...') made the output's box one line of four
    whole labels, 250 characters wide, the diagram several times wider than its layers (QA)."""
    from netgraph import ClassDecoder, NetChain, SoftmaxLayer
    labels = [f"label {i}: " + "great white shark, white shark, man-eater, man-eating shark" for i in range(5)]
    net = NetChain([LinearLayer(5), SoftmaxLayer()], input=3, output=ClassDecoder(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend=backend))
    lines = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if "ClassDecoder" in "".join(t.itertext())]
    assert lines == ["ClassDecoder: label 0: great white shark, white…"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_long_graph_port_name_is_cut_as_layer_names_are(backend):
    """A graph port named by 300 characters was drawn whole, the diagram 2,000 points wide for one layer; layer names
    were already cut (QA). Its tooltip keeps it whole."""
    port = "x" * 300
    net = NetGraph({"l": LinearLayer(3)}, [(NetPort(port), "l"), ("l", NetPort(port + "_out"))], **{port: 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        svg = net.render_svg(backend=backend)
    lines = ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert max(len(line) for line in lines) <= 48 and lines.count("x" * 47 + "…") == 2
    tips = [v for e in ET.fromstring(svg).iter() for k, v in e.attrib.items() if k.endswith("title")]
    assert any(tip.startswith(f"graph input {port!r}") for tip in tips), tips


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_options_wrap_onto_lines_instead_of_losing_the_last_ones(backend):
    """A depthwise dilated convolution's options (channel_groups last) were one line cut at 48 characters, so the
    box never said it was depthwise; they wrap onto lines of at most 48 now."""
    from netgraph import ConvolutionLayer
    net = NetGraph({"dw": ConvolutionLayer(8, 3, padding_size=2, dilation=2, stride=1, channel_groups=8)}, [],
                   Input=(8, 16, 16))
    root = ET.fromstring(net.render_svg(backend=backend))
    box = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "L.dw")
    shown = texts(box)
    assert "channel_groups=8" in shown and "dilation=2" in shown and "…" not in shown
    lines = [" ".join("".join(t.itertext()).split()) for t in box.iter(f"{SVG}text")]
    assert all(len(line) <= 48 for line in lines), lines


def test_wide_characters_get_their_width_in_the_builtin_layout():
    """A name in Chinese or Japanese (each character a full em wide, about twice a Latin letter) ran out of its
    box on both sides: the built-in layout gave every character the width of an average Helvetica letter."""
    from tests.test_render_layout import rect_of
    name = "全连接层编码器解码器输出层"  # 13 ideographs: 130 pt at 10 pt, where 'ElementwiseLayer' is about 93
    net = NetGraph({name: "Tanh"}, [], Input=3)
    root = ET.fromstring(net.render_svg(backend="builtin"))
    boxes = {g.get("id"): rect_of(g) for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    box = boxes[f"L.{escape_id(name)}"]
    assert box[2] - box[0] >= 13 * 10, box


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_title_line_ending_in_a_quote_keeps_its_line_break(backend):
    r"""Graphviz drops a line break written as is right after an escaped quote (``"a\"`` then a new line): the title
    'say "hi"' over '\N' was drawn by dot as one line, 'say "hi"\N'. Line breaks go to Graphviz as ``\n`` now."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(NetGraph({"a": LinearLayer(3)}, [], Input=2).render_svg(backend=backend,
                                                                                      title='say "hi"\n\\N'))
    lines = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert lines[:2] == ['say "hi"', "\\N"], lines


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_varying_length_is_short_on_edges_and_named_in_full_in_tooltips(backend):
    """Wolfram's "Varying" length was written in full on every edge, '(b, Varying_minus_1, 4)'; edges now say
    ``var``, as short as the other length names, and the tooltips still name it as declared."""
    from netgraph import FunctionLayer, NetChain
    net = NetChain([FunctionLayer("#x[[2;;]]")], input=("Varying", 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(net.render_svg(backend=backend))
    labels = sorted("".join(t.itertext()) for g in root.iter(f"{SVG}g") if g.get("class") == "edge"
                    for t in g.iter(f"{SVG}text"))
    assert labels == ["(b, var, 4)", "(b, var_minus_1, 4)"], labels
    tips = all_tips(root)
    assert any(tip.endswith(": (b, Varying_minus_1, 4)") for tip in tips), tips
    assert "graph input 'x': (b, Varying, 4)" in tips, tips


def test_capitals_get_their_width_in_the_builtin_layout():
    """Names in capitals ran out of their boxes: the built-in layout gave every letter Helvetica's average width
    (0.58 em), where M is 0.833 em and W 0.944 (in regular and bold alike), so ``MMMMMMMMMMMM`` (100 pt at 10 pt,
    bold) got a 78 pt box, and a graph input ``WWWWWWWW`` (83 pt at 11 pt) an ellipse 75 pt wide."""
    from tests.test_render_layout import rect_of
    net = NetGraph({"M" * 12: "Tanh"}, [(NetPort("W" * 8), "M" * 12)], **{"W" * 8: 3})
    root = ET.fromstring(net.render_svg(backend="builtin"))
    boxes = {g.get("id"): rect_of(g) for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    layer, port = boxes["L." + "M" * 12], boxes["I." + "W" * 8]
    assert layer[2] - layer[0] >= 12 * 8.33, layer
    assert port[2] - port[0] >= 8 * 0.944 * 11, port


@pytest.mark.parametrize("name, ems", [("ШИФРАТОР_ЖЮЩ_ШИФРАТОР", 15.79), ("ΩΜΕΓΑ_ΣΩΜΑ_ΩΜΕΓΑ_ΣΩΜΑ", 14.61),
                                       ("ÆŒ—ÆŒ—ÆŒ—ÆŒ—ÆŒ—ÆŒ", 17.0)])
def test_capitals_past_ascii_get_their_width_in_the_builtin_layout(name, ems):
    """Every character past ASCII counted 0.58 em, so Cyrillic and Greek capitals (Ш is 1.0 em in Helvetica Bold) and
    Æ Œ — ran out of their boxes: ``ШИФРАТОР_ЖЮЩ_ШИФРАТОР``'s bold title is 157.9 pt at 10 pt in a 129.8 pt box.
    ``ems``: the name's width in Arial Bold (Liberation Sans Bold), measured once."""
    from tests.test_render_layout import rect_of
    root = ET.fromstring(NetGraph({name: "Tanh"}, [], Input=2).render_svg(backend="builtin"))
    group = next(g for g in root.iter(f"{SVG}g") if "layer" in (g.get("class") or "").split())
    title = next(t for t in group.iter(f"{SVG}text") if t.get("font-weight") == "bold")
    box = rect_of(group)
    assert box[2] - box[0] >= ems * float(title.get("font-size")), (box, title.get("font-size"))


def test_a_combining_mark_takes_no_room_in_the_builtin_layout():
    """A combining accent counted as a letter (0.58 em), so ``cafe\u0301`` got a wider box than ``café``, drawn
    alike."""
    from tests.test_render_layout import rect_of
    widths = []
    for name in ("caf\u00e9" * 6, "cafe\u0301" * 6):
        root = ET.fromstring(NetGraph({name: "Tanh"}, [], Input=2).render_svg(backend="builtin"))
        box = rect_of(next(g for g in root.iter(f"{SVG}g") if "layer" in (g.get("class") or "").split()))
        widths.append(box[2] - box[0])
    assert widths[0] == widths[1], widths


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["  ", "   "])
def test_a_run_of_spaces_shows_every_space(backend, name):
    """A layer named two spaces: dot wrote ``' \\xa0'`` (SVG shows a run of spaces as one, so Graphviz writes each
    space after a space as a no-break space), the built-in layout ``'  '``, which showed as ``' '``. Both now write
    Graphviz's, which shows every space."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = ET.fromstring(NetGraph({name: LinearLayer(3)}, [], Input=2).render_svg(backend=backend))
    shown = [t.text for t in root.iter(f"{SVG}text")]
    assert "'" + " " + "\xa0" * (len(name) - 1) + "'" in shown, shown


@pytest.mark.parametrize("backend", BACKENDS)
def test_node_ids_write_other_characters_as_their_hex_code_as_the_readme_says(backend):
    net = NetGraph({"a<b": LinearLayer(2), "x-y": LinearLayer(2), "enc": NetGraph({"l 1": LinearLayer(2)}, [])},
                   [("a<b", "x-y"), ("x-y", "enc")], Input=3)
    ids = {g.get("id") for g in ET.fromstring(net.render_svg(backend=backend)).iter(f"{SVG}g")}
    assert {"L.a-3c-b", "L.x-2d-y", "L.enc.l-20-1"} <= ids


def _as_drawn(root: ET.Element) -> list[str]:
    """Each <text>'s line as an SVG viewer draws it: runs of spaces, tabs and line breaks one space, none at either
    end (XML's whitespace, not the no-break space, which is drawn as a space)."""
    lines = ("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    return [re.sub(r"[ \t\r\n]+", " ", line).strip(" ").replace("\u00a0", " ") for line in lines]


@pytest.mark.parametrize("backend", BACKENDS)
def test_runs_of_spaces_in_names_are_drawn_as_written(backend):
    """A layer "a b  c" was drawn "a b c" (the label joined the name's words with one space; a viewer draws a run of
    plain spaces as one anyway): names are drawn as written, runs of spaces as no-break spaces."""
    inner = NetGraph({"x  y": LinearLayer(2)}, [])
    net = NetGraph({"a b  c": LinearLayer(3), "  lead": LinearLayer(2), "in  ner": inner},
                   [("a b  c", "  lead"), ("  lead", "in  ner")], Input=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        drawn = _as_drawn(ET.fromstring(net.render_svg(backend=backend)))
    assert {"a b  c", "  lead", "x  y", "in  ner · NetGraph"} <= set(drawn), drawn


def test_kept_spaces_writes_the_spaces_a_viewer_drops_one_way_for_names_and_the_built_in_svg():
    """One rule for both: a space after a space (SVG shows a run as one), and a name's spaces at either end."""
    assert kept_spaces("a  b   c ", "&#160;") == "a &#160;b &#160;&#160;c "  # the built-in SVG's <text>
    assert kept_spaces(" a  b ", ends=True) == "\xa0a \xa0b\xa0"  # a name in a label (name_label)
    assert name_label("  x", 32) == kept_spaces("  x", ends=True) == "\xa0\xa0x"
