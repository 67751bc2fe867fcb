"""A layer whose name holds '->' in a string edge: the error says the list form keeps the name whole, and shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgraph import LinearLayer, NetGraph, NetPort, SpecError, WiringError
from netgraph.spec.load import load_spec

SPEC = """\
netgraph: 1
layers:
  a->b: {type: LinearLayer, output: 2}
  c: Tanh
edges:
  - %s
inputs: {Input: [3]}
"""


@pytest.mark.parametrize("edge, written", [("Input -> a->b -> c", "[Input, a->b, c]"),
                                           ("Input -> a->b", "[Input, a->b]")])
def test_a_string_edge_naming_an_arrow_layer_shows_the_list_form(edge, written):
    """It named 'a' and 'b' as unknown layers; the list form it shows loads."""
    with pytest.raises(SpecError) as caught:
        load_spec((SPEC % edge, "s.yaml", Path(".")))
    (problem,) = caught.value.diagnostics
    assert (problem.kind, problem.line, problem.column) == ("edge-syntax", 6, 5)
    assert problem.message.endswith(f"edge {edge!r}: the name 'a->b' holds '->', which splits a string edge; "
                                    f"write the edge as a list: {written}")
    assert set(load_spec((SPEC % written, "s.yaml", Path("."))).layers) == {"a->b", "c"}


def test_a_string_edge_without_an_arrow_name_reads_as_before():
    net = load_spec((SPEC.replace("  - %s", "  - Input -> c\n  - [c, a->b]"), "s.yaml", Path(".")))
    assert net.port_types["Output"].shape == (2,)


def test_python_string_edge_naming_an_arrow_layer_shows_the_chain():
    layers = {"a->b": LinearLayer(2), "c": LinearLayer(3)}
    with pytest.raises(WiringError) as caught:
        NetGraph(layers, ["Input -> a->b -> c"], Input=3)
    (problem,) = caught.value.diagnostics
    assert problem.kind == "edge-form"
    assert problem.message.endswith("a layer name holding '->' splits a string: (NetPort('Input'), 'a->b', 'c')")
    assert NetGraph(layers, [(NetPort("Input"), "a->b", "c")], Input=3).port_types["Output"].shape == (3,)
    with pytest.raises(WiringError, match=r"chain \(a, b, c\)$"):  # no such name: no hint
        NetGraph({"c": LinearLayer(3)}, ["Input -> c"], Input=3)
