"""Wide nets: dot fails on a rank wider than its 65,535-point limit (3,000 Tanh branches side by side: "Edge length
82161 larger than maximum 65535", after seconds to half a minute), so with no backend named such an SVG goes to the
built-in layout at once, with the note the fallback gives."""

from __future__ import annotations

import warnings

import pytest

from netgraph import NetGraph, NetGraphError, TotalLayer
from netgraph.render import api, diagram, dot_limits
from netgraph.render.layout import widest_rank


def branches(n: int) -> NetGraph:
    """One input feeding ``n`` parallel layers, summed: a rank ``n`` layers wide."""
    layers = {**{f"b{i}": "Tanh" for i in range(n)}, "sum": TotalLayer()}
    return NetGraph(layers, [([f"b{i}" for i in range(n)], "sum")], Input=3)


def notes(draw) -> tuple[str, list[str]]:
    """What ``draw()`` returned, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = draw()
    return out, [str(w.message) for w in caught]


def test_a_rank_wider_than_dot_can_draw_goes_to_the_builtin_layout(engines):
    net = branches(dot_limits.DOT_MAX_WIDTH + 1)
    assert widest_rank(diagram(net)) == dot_limits.DOT_MAX_WIDTH + 1
    svg, said = notes(net.render_svg)
    assert engines == [] and "built-in layered layout" in svg.splitlines()[1]
    wide = [m for m in said if f"{dot_limits.DOT_MAX_WIDTH + 1:,} layers side by side" in m]
    assert len(wide) == 1 and "dot and graphviz-pure" in wide[0] and "backend='dot' (--backend dot)" in wide[0]
    assert "install Graphviz" not in wide[0]


def test_the_width_limit_is_the_widest_rank(engines, monkeypatch):
    monkeypatch.setattr(dot_limits, "DOT_MAX_WIDTH", 10)
    branches(10).render_svg()
    assert engines == ["dot"]
    _, said = notes(branches(11).render_svg)
    assert engines == ["dot"] and any("11 layers side by side (more than 10" in m for m in said), said


def test_a_named_backend_still_gets_a_wide_net(engines, monkeypatch):
    monkeypatch.setattr(dot_limits, "DOT_MAX_WIDTH", 10)
    assert branches(11).render_svg(backend="dot") == "<svg/>" and engines == ["dot"]
    assert branches(11).render_svg(backend="graphviz-pure") == "<svg/>" and engines == ["dot", "graphviz-pure"]


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_png_or_pdf_of_a_wide_net_is_refused_before_dot_runs(engines, monkeypatch, fmt):
    """The built-in layout writes SVG only, and dot would fail with its raw "Edge length ... overwide node(s)"."""
    monkeypatch.setattr(dot_limits, "DOT_MAX_WIDTH", 10)
    with pytest.raises(NetGraphError) as caught:
        api._engine_output(branches(11), fmt, None, {})
    said = str(caught.value)
    assert engines == [] and f"{fmt.upper()} of a net 11 layers side by side" in said
    assert "more than 10" in said and "SVG" in said and "built-in layout" in said and "backend='dot'" in said


def test_png_of_a_net_at_the_width_limit_still_goes_to_dot(engines, monkeypatch):
    monkeypatch.setattr(dot_limits, "DOT_MAX_WIDTH", 10)
    data, name = api._engine_output(branches(10), "png", None, {})
    assert data == b"<svg/>" and name == "dot" and engines == ["dot"]


def test_a_named_dot_still_tries_a_wide_png(engines, monkeypatch):
    monkeypatch.setattr(dot_limits, "DOT_MAX_WIDTH", 10)
    data, name = api._engine_output(branches(11), "png", "dot", {})
    assert data == b"<svg/>" and name == "dot" and engines == ["dot"]
