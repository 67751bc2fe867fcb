"""to_yaml is a fixed point: writing a net read back from to_yaml's text gives the same text again."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgraph import CatenateLayer, LinearLayer, NetGraph, NetPort, TotalLayer

SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").glob("*.yaml"))


def _fixed(net: NetGraph) -> str:
    text = net.to_yaml()
    again = NetGraph.from_yaml(text)
    assert again == net
    assert again.to_yaml() == text
    return text


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_specs_write_a_fixed_point(spec):
    _fixed(NetGraph.from_yaml(spec))


def test_edges_naming_ports_and_bare_edges_interleaved():
    net = NetGraph({"a": LinearLayer(2), "b": LinearLayer(2), "cat": CatenateLayer(), "tot": TotalLayer(),
                    "c": LinearLayer(3)},
                   [(NetPort("a", "Output"), NetPort("cat", "Input2")), (NetPort("Input"), "a"), (NetPort("Input"), "b"),
                    (NetPort("b", "Output"), NetPort("cat", "Input1")), ("cat", "c"), (["a", "b"], "tot")], Input=4)
    _fixed(net)


def test_variadic_layer_wired_by_its_ports_keeps_its_options():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "cat": CatenateLayer()},
                   [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (NetPort("a", "Output"), NetPort("cat", "Input1")),
                    (NetPort("b", "Output"), NetPort("cat", "Input2"))], Input=3)
    _fixed(net)


def test_an_expression_written_over_lines_is_written_back_as_a_block():
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: >\n"
                             "      LogisticSigmoid[#a] * #b\n      + Tanh[#a]\ninputs: {a: 3, b: 3}\n")
    text = _fixed(net)
    assert "  f:\n    type: FunctionLayer\n    function: |\n      LogisticSigmoid[#a] * #b + Tanh[#a]\n" in text


def test_edges_between_non_ascii_names_are_written_as_ascii_ones_are():
    """'σ', 'Ausgabe', 'ü' were written as lists ([σ.Output, Ausgabe.Input]) where 's', 'u' gave a chain."""
    layers = {"σ": LinearLayer(3), "Ausgabe": "Tanh", "ü": LinearLayer(2), "Ergebnis₂": LinearLayer(2)}
    net = NetGraph(layers, [("σ", "Ausgabe"), ("Ausgabe", "ü"), (NetPort("σ", "Output"), NetPort("Größe")),
                            ("Ausgabe", "Ergebnis₂")], Input=4)
    text = _fixed(net)
    assert text.endswith("edges:\n  - σ -> Größe\n  - σ -> Ausgabe -> ü\n  - Ausgabe -> Ergebnis₂\n")  # as ASCII's
