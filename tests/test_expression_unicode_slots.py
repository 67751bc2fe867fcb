"""Expression slots may be named in Unicode letters (``#μ``, ``#σ``, ``#数``), as port names, distribution slots and
README allow: the names follow Python identifiers in NFKC form; other characters stay refused."""

from __future__ import annotations

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, ThreadingLayer
from netgraph.layers.expression import ExpressionError
from netgraph.spec.api import from_yaml
from netgraph.spec.dump import to_yaml


@pytest.mark.parametrize("text, ports, expected", [
    ("#μ + 2 * #σ", ("μ", "σ"), 1.0 + 2 * 3.0),
    ("#μ #σ", ("μ", "σ"), 3.0),  # implicit multiplication of Unicode-named slots
    ("#μ#σ", ("μ", "σ"), 3.0),
    ("#数 - #μ", ("数", "μ"), 4.0 - 1.0)])
def test_unicode_slot_names_become_ports_and_compute(text, ports, expected):
    values = {"μ": 1.0, "σ": 3.0, "数": 4.0}
    layer = FunctionLayer(text)
    assert layer.input_ports == ports
    inputs = {p: torch.tensor([values[p]]) for p in ports}
    assert layer(**inputs).item() == pytest.approx(expected)
    net = NetGraph({"f": layer}, [], **dict.fromkeys(ports, 1))
    assert net.compile()(**inputs).item() == pytest.approx(expected)
    assert from_yaml(to_yaml(layer)) == layer


def test_a_threading_expression_takes_unicode_slots():
    layer = ThreadingLayer("#μ * #σ")
    assert layer.input_ports == ("μ", "σ")
    assert layer(μ=torch.tensor([2.0]), σ=torch.tensor([5.0])).item() == 10.0


@pytest.mark.parametrize("text, column, words", [
    ("#∑ + 1", 2, "character '∑' is not allowed"),  # a symbol, no letter
    ("μ + #x", 1, "character 'μ' is not allowed"),  # a letter outside a slot is no name an expression knows
    ("#µ + 1", 1, "NFKC"),  # MICRO SIGN, which Python would read as GREEK SMALL LETTER MU
])
def test_other_characters_are_still_refused(text, column, words):
    with pytest.raises(ExpressionError, match=words) as caught:
        FunctionLayer(text)
    assert f"at column {column}" in str(caught.value)
