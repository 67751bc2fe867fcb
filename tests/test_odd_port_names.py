"""Regressions from the session-44 QA of hostile and odd names: graph outputs a spec could not read back, and names
that messages and reprs must show escaped."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import netgraph
from netgraph import LinearLayer, NetChain, NetGraph, NetPort, SpecError, net_initialize
from netgraph.render import build, to_dot
from netgraph.spec import from_yaml, to_yaml


def _output_named(name: str) -> NetGraph:
    return NetGraph({"lin": LinearLayer(3, input=2)}, [("lin", NetPort(name))])


@pytest.mark.parametrize("name", ["a ", " ", "\t", "a\n", " a"])
def test_a_graph_output_the_reader_would_strip_is_refused_at_writing(tmp_path, name):
    # to_yaml and save wrote it, and from_yaml refused it: "'a ' is declared under outputs: but no edge uses it"
    for write in (to_yaml, lambda net: netgraph.save(net, tmp_path / "n.yaml")):
        with pytest.raises(SpecError) as caught:
            write(_output_named(name))
        d = caught.value.diagnostics[0]
        assert (d.kind, d.port, d.layer) == ("graph-output-name", name, ())
        assert f"graph output {name!r} starts or ends with whitespace" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_nested_graph_output_the_reader_would_strip_is_refused_at_writing():
    inner = _output_named("o ")
    with pytest.raises(SpecError) as caught:
        to_yaml(NetGraph({"g": inner}, []))
    d = caught.value.diagnostics[0]
    assert (d.kind, d.port, d.layer) == ("graph-output-name", "o ", ("g",))


def test_a_graph_output_with_inner_whitespace_still_reads_back():
    net = _output_named("a b\nc")
    assert from_yaml(to_yaml(net)).output_ports == ("a b\nc",)


def test_the_readers_hints_escape_a_port_name_as_other_messages_do():
    text = 'netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 3, input: 2}\noutputs: {"a\\n\\t": null}\n' \
           'edges: [lin -> b]\n'
    with pytest.raises(SpecError) as caught:
        from_yaml(text)
    unused, unknown = caught.value.errors
    assert "(e.g. 'layer.Output -> a\\n\\t')" in unused
    assert "declared graph port (a\\n\\t)" in unknown
    assert "\n" not in unused + unknown and "\t" not in unused + unknown


def test_an_empty_graph_output_name_is_refused_at_build():
    # it built, read back, and ONNX export named it Output
    with pytest.raises(netgraph.NetGraphError) as caught:
        _output_named("")
    d = caught.value.diagnostics[0]
    assert (d.kind, d.port, d.layer) == ("graph-output-name", "", ())
    assert "a graph output of this NetGraph is named '': port names are non-empty strings" in str(caught.value)


def _nested_net(outer: str, inner: str) -> NetGraph:
    net = NetGraph({outer: LinearLayer(3, input=2), "g": NetGraph({inner: "Tanh"}, [], Input=3)}, [(outer, "g")])
    return net_initialize(net, seed=0)


def test_the_compiled_modules_repr_escapes_layer_names():
    # torch's repr printed them raw: a real ESC sequence and a line break in the terminal
    shown = repr(_nested_net("x\x1b[2J\nEVIL", "a\tb").compile())
    assert shown == ("CompiledNet(\n  (x\\x1b[2J\\nEVIL): LinearModule()\n  (g): LayerModule(\n"
                     "    (a\\tb): ExpressionModule()\n  )\n)")


def test_the_compiled_modules_repr_of_plain_names_is_torchs():
    module = _nested_net("lin", "tanh").compile()
    assert repr(module) == nn.Module.__repr__(module)
    assert repr(module.g) == nn.Module.__repr__(module.g)



LONG = "q" * 10_000


def _long_output():
    net = net_initialize(NetGraph({LONG: LinearLayer(2, input=3)}, []), seed=0)
    return net(torch.ones(1, 3), outputs=NetPort(LONG, "Out\nput"))


@pytest.mark.parametrize("build, length", [
    (lambda: NetGraph({"a": LinearLayer(2, input=2)}, [(LONG, "a")]), 10_000),
    (lambda: NetGraph({LONG: LinearLayer(2, input=3), "b": LinearLayer(2, input=5)}, [(LONG, "b")]), 10_000),
    (lambda: NetGraph({LONG: LinearLayer(2, input=3)}, [(NetPort(LONG, LONG), NetPort("o"))]), 10_000),
    (lambda: NetGraph({"a": "Rampp" + "z" * 5000}, []), 5005),  # the name's own length (quoted: no quotes counted)
    (_long_output, 10_000),
], ids=["missing-layer", "shape-conflict", "unknown-port", "unknown-shorthand", "unknown-output"])
def test_a_long_name_is_shortened_in_messages(build, length):
    # the name was quoted whole 2 to 4 times: messages of 5,000 to 40,000 characters
    with pytest.raises(netgraph.NetGraphError) as caught:
        build()
    message = str(caught.value)
    assert len(message) < 1000 and "…" in message and f"({length} characters)" in message


def test_a_long_name_stays_whole_in_the_fields():
    with pytest.raises(netgraph.NetGraphError) as caught:
        NetGraph({LONG: LinearLayer(2, input=3)}, [(NetPort(LONG, LONG), NetPort("o"))])
    d = caught.value.diagnostics[0]
    assert (d.layer, d.port) == ((LONG,), LONG)


def test_the_diagram_tells_a_length_named_b_from_the_batch():
    # it drew (b, b, 2)
    assert "(b_2, b, 2)" in to_dot(NetGraph({"l": "Tanh"}, [], Input=("b", 2)))
    assert "(b, n, 2)" in to_dot(NetGraph({"l": "Tanh"}, [], Input=("n", 2)))


def test_drawing_again_for_a_length_named_b_looks_each_port_type_up_once(monkeypatch):
    """The second drawing (batch b_2) built every port type and score mark again."""
    looked_up = []
    lookup = build._Builder._lookup
    monkeypatch.setattr(build._Builder, "_lookup", lambda self, path: looked_up.append(path) or lookup(self, path))
    net = NetGraph({"l": "Tanh", "chain": NetChain({"a": "Tanh", "b": "Tanh"})}, [("l", "chain")], Input=("b", 2))
    assert "(b_2, b, 2)" in to_dot(net, expand=True)
    assert looked_up and len(looked_up) == len(set(looked_up)), looked_up
