"""A spec reader's message about a layer deep in nested graphs elides its path as every other message does
(``shown_path``: past 8 levels, the first and last 3); its Diagnostic keeps the whole path."""

from __future__ import annotations

import pytest
import yaml

from netgraph import NetGraph, SpecError


def test_an_unknown_port_of_a_layer_21_levels_deep_names_it_by_its_elided_path():
    spec = {"type": "NetGraph", "layers": {"lin": {"type": "LinearLayer", "output": 3}},
            "edges": ["lin.Outptu -> Output"]}
    for _ in range(20):
        spec = {"type": "NetGraph", "layers": {"g": spec}}
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(yaml.safe_dump({"netgraph": 1, "layers": spec["layers"]}))
    assert "layer 'g/g/g/... 15 levels .../g/g/lin' (LinearLayer) has no port 'Outptu'" in str(info.value)
    assert info.value.diagnostics[0].layer == ("g",) * 20 + ("lin",)
