"""Modules read each other's problems as data: the part of a message after its subject is a field, not text cut out of
the message (a rewording of the subject must not change what a caller quotes)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, SpecError, WiringError
from netgraph.core.coders import coder_from_data
from netgraph.core.errors import OptionError
from netgraph.core.port_paths import resolve
from netgraph.core.types import LengthConflict, broadcast, length_reason


def test_an_unresolved_path_gives_its_reason_as_the_detail():
    layers = {"enc": NetChain([LinearLayer(3)], input=2)}
    with pytest.raises(WiringError) as info:
        resolve(layers, NetPort(("enc", "nope", "Output")))
    (problem,) = info.value.diagnostics
    assert problem.detail and str(info.value) == f"{NetPort(('enc', 'nope', 'Output'))!r}: {problem.detail}"
    assert problem.detail.startswith("layer 'enc' has no layer 'nope'")


def test_a_spec_endpoint_inside_a_nested_graph_quotes_the_detail():
    spec = """netgraph: 1
layers:
  enc: {type: NetChain, input: 2, layers: [{type: LinearLayer, output: 3}]}
  out: {type: LinearLayer, output: 1}
edges:
  - enc.1.Nope -> out
"""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    assert "endpoint 'enc.1.Nope': layer 'enc/1' has no output port 'Nope'" in str(info.value)


def test_a_length_conflict_keeps_its_reason_apart_from_the_shapes():
    with pytest.raises(LengthConflict) as info:
        broadcast(("n", 3), (4, 3))
    assert info.value.reason == "length n (any length, known at run time) against size 4"
    assert str(info.value).endswith(f"do not broadcast: {info.value.reason}")
    assert length_reason(info.value) == f": {info.value.reason}"


def test_a_coder_read_without_a_holder_names_none():
    with pytest.raises(OptionError) as info:
        coder_from_data({"type": "NoSuchDecoder"}, "decoder")
    assert str(info.value).startswith("decoder type must be one of")
    with pytest.raises(OptionError) as info:
        coder_from_data({"type": "NoSuchDecoder"}, "decoder", "output 'Output'")
    assert str(info.value).startswith("output 'Output': decoder type must be one of")
