"""Wide nets: dot fails on a rank wider than its 65,535-point limit (3,000 Tanh branches side by side: "Edge length
82161 larger than maximum 65535", after seconds to half a minute), so with no backend named such an SVG goes to the
built-in layout at once, with the note the fallback gives."""

from __future__ import annotations

import warnings

import pytest

from netgraph import NetGraph, TotalLayer
from netgraph.render import api, diagram
from netgraph.render import engines as render_backend
from netgraph.render.layout import widest_rank


def branches(n: int) -> NetGraph:
    """One input feeding ``n`` parallel layers, summed: a rank ``n`` layers wide."""
    layers = {**{f"b{i}": "Tanh" for i in range(n)}, "sum": TotalLayer()}
    return NetGraph(layers, [([f"b{i}" for i in range(n)], "sum")], Input=3)


@pytest.fixture
def engines(monkeypatch):
    """Every engine installed; the calls that reach dot or graphviz-pure are recorded, not run."""
    calls = []
    monkeypatch.setattr(render_backend, "find_executable", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(render_backend, "_announced", set())
    monkeypatch.setattr(api, "run_engine", lambda name, source, fmt: calls.append(name) or b"<svg/>")
    return calls


def notes(draw) -> tuple[str, list[str]]:
    """What ``draw()`` returned, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = draw()
    return out, [str(w.message) for w in caught]


def test_a_rank_wider_than_dot_can_draw_goes_to_the_builtin_layout(engines):
    net = branches(api.DOT_MAX_WIDTH + 1)
    assert widest_rank(diagram(net)) == api.DOT_MAX_WIDTH + 1
    svg, said = notes(net.render_svg)
    assert engines == [] and "built-in layered layout" in svg.splitlines()[1]
    wide = [m for m in said if f"{api.DOT_MAX_WIDTH + 1:,} layers side by side" in m]
    assert len(wide) == 1 and "dot and graphviz-pure" in wide[0] and "backend='dot' (--backend dot)" in wide[0]
    assert "install Graphviz" not in wide[0]


def test_the_width_limit_is_the_widest_rank(engines, monkeypatch):
    monkeypatch.setattr(api, "DOT_MAX_WIDTH", 10)
    branches(10).render_svg()
    assert engines == ["dot"]
    _, said = notes(branches(11).render_svg)
    assert engines == ["dot"] and any("11 layers side by side (more than 10" in m for m in said), said


def test_a_named_backend_still_gets_a_wide_net(engines, monkeypatch):
    monkeypatch.setattr(api, "DOT_MAX_WIDTH", 10)
    assert branches(11).render_svg(backend="dot") == "<svg/>" and engines == ["dot"]
    assert branches(11).render_svg(backend="graphviz-pure") == "<svg/>" and engines == ["dot", "graphviz-pure"]


def test_png_of_a_wide_net_still_asks_dot(engines, monkeypatch):
    """The built-in layout writes SVG only: a PNG is left to dot, whose error says what went wrong."""
    monkeypatch.setattr(api, "DOT_MAX_WIDTH", 10)
    data, _ = api._engine_output(branches(11), "png", None, {})
    assert data == b"<svg/>" and engines == ["dot"]
