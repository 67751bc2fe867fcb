"""Edges that skip many layers: dot routes each through a point per layer skipped and took 23 s on a 262-box net whose
edges skip 11,940 layers in all, so with no backend named such an SVG goes to the built-in layout (0.6 s)."""

from __future__ import annotations

import warnings

import pytest

from netgraph import NetChain, NetGraph, NetGraphError, NetPort, ThreadingLayer, TotalLayer
from netgraph.render import api, diagram, dot_limits, to_dot
from netgraph.render.layout import bends
from tests.test_render_edge_routes import unet


def skips(n: int = 200, k: int = 60) -> NetGraph:
    """A chain of ``n`` layers whose last feeds a ladder of ``k`` sums, each adding an early layer: long edges."""
    layers = {**{f"l{i}": "Tanh" for i in range(n)}, **{f"t{j}": TotalLayer() for j in range(k)}}
    edges = [(f"l{i}", f"l{i + 1}") for i in range(n - 1)]
    edges += [([f"l{n - 1}" if j == 0 else f"t{j - 1}", f"l{j}"], f"t{j}") for j in range(k)]
    return NetGraph(layers, edges, Input=3)


def test_many_edge_bends_go_to_the_builtin_layout_unless_a_backend_is_named(engines):
    net = skips()
    assert bends(diagram(net)) > dot_limits.DOT_MAX_BENDS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = net.render_svg()
    assert engines == [] and "built-in layered layout" in svg.splitlines()[1]
    said = [str(w.message) for w in caught if "skip" in str(w.message)]
    assert len(said) == 1 and "backend='dot' (--backend dot)" in said[0] and "install Graphviz" not in said[0]
    assert "would be slow" in said[0] and "a point in each layer it skips, about 1-2 ms each" in said[0]  # no "bends"
    assert net.render_svg(backend="dot") == "<svg/>" and engines == ["dot"]  # asked for: it waits for dot


def test_short_edges_still_go_to_dot(engines):
    chain = NetChain(["Tanh"] * 300, input=3)
    assert bends(diagram(chain)) == 0
    chain.render_svg()
    assert engines == ["dot"]


def test_many_edge_bends_give_dot_the_fast_layout_limits():
    """dot took 8.3 s on a 102-box U-Net-like net whose edges skip 2,450 layers without the limits it gets for
    large nets (nslimit, mclimit: 1.2 s); few boxes is not enough to leave them out."""
    net = unet(100)
    d = diagram(net)
    assert not d.large and bends(d) > api.FAST_BENDS
    assert all(f"{key}={value}" in to_dot(net) for key, value in api.FAST_LAYOUT.items())
    assert "nslimit" not in to_dot(unet(20))  # a small net with short skips keeps dot's full search


def test_the_note_names_the_skipped_engines_and_the_count_once(engines):
    """With dot and graphviz-pure both passed over for the same reason, the note said it twice, word for word."""
    net = skips()
    skipped = f"{bends(diagram(net)):,}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.render_svg()
    said = [str(w.message) for w in caught if skipped in str(w.message)]
    assert len(said) == 1 and said[0].count(skipped) == 1, said
    assert "dot and graphviz-pure" in said[0] and "backend='dot' (--backend dot)" in said[0]


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_png_or_pdf_of_many_edge_bends_is_refused_before_dot_runs(engines, monkeypatch, fmt):
    """Only dot and graphviz-pure write PNG and PDF, and they would take minutes with no word: say so at once."""
    net = skips(20, 6)
    bent = bends(diagram(net))
    monkeypatch.setattr(dot_limits, "DOT_MAX_BENDS", bent - 1)
    with pytest.raises(NetGraphError) as caught:
        api._engine_output(net, fmt, None, {})
    said = str(caught.value)
    assert engines == [] and f"{fmt.upper()} of a net whose edges skip {bent:,} layers" in said
    assert f"more than {bent - 1:,}" in said and "SVG" in said and "built-in layout" in said
    assert "backend='dot' (--backend dot)" in said


def test_png_at_the_bends_limit_still_goes_to_dot(engines, monkeypatch):
    net = skips(20, 6)
    monkeypatch.setattr(dot_limits, "DOT_MAX_BENDS", bends(diagram(net)))
    assert api._engine_output(net, "png", None, {}) == (b"<svg/>", "dot") and engines == ["dot"]


def test_a_named_dot_still_tries_a_png_of_many_edge_bends(engines, monkeypatch):
    net = skips(20, 6)
    monkeypatch.setattr(dot_limits, "DOT_MAX_BENDS", bends(diagram(net)) - 1)
    assert api._engine_output(net, "png", "dot", {}) == (b"<svg/>", "dot") and engines == ["dot"]


def ladder(n: int, k: int) -> NetGraph:
    """``n`` layers, each adding the one before and the one ``k`` back (a ResNet's short skips)."""
    layers = {f"l{i}": ThreadingLayer("Plus", inputs=2) for i in range(n)}
    edges = [edge for i in range(n) for edge in ((f"l{i - 1}" if i else NetPort("x"), NetPort(f"l{i}", "Input1")),
                                                 (f"l{i - k}" if i >= k else NetPort("x"), NetPort(f"l{i}", "Input2")))]
    return NetGraph(layers, edges, x=3)


@pytest.mark.parametrize("n, k", [(1000, 2), (500, 8), (300, 3), (800, 4)])
def test_short_skips_dot_draws_quickly_still_go_to_dot(engines, n, k):
    """dot drew these in 0.6 s, 0.6 s, 0.2 s and 1.4 s (a bends-times-ranks limit sent the last to the built-in
    layout, while dot took 15 s on 900 layers each adding the one 3 back, under it): no static limit passes them
    over (a slow one is stopped at ``AUTO_TIMEOUT_S``, test_render_dot_budget)."""
    ladder(n, k).render_svg()
    assert engines == ["dot"]
