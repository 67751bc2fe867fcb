"""Regressions from the session-29 fuzzing of writing and reading specs: a name holding a NEL reads back as written, a
name UTF-8 cannot write is a SpecError (not a UnicodeEncodeError), save's and to_yaml's refusals each have a kind, and
a 'ref:' bomb is refused once, before it is read."""

from __future__ import annotations

import pytest

import netgraph
from netgraph import ElementwiseLayer, LinearLayer, NetGraph, SpecError, net_initialize
from netgraph.spec import to_yaml


def _named(name: str, layer=None):
    return NetGraph({name: layer or LinearLayer(2), "z": ElementwiseLayer("Tanh")}, [(name, "z")], Input=3)


@pytest.mark.parametrize("name", ["a\x85b", "a\x85\nb", "a\n\x85b"])
def test_a_name_holding_a_nel_reads_back_as_written(tmp_path, name):
    # PyYAML wrote the NEL raw in a quoted scalar, where a reader folds it as a line break: 'a\x85b' read back 'a b'
    net = net_initialize(_named(name), seed=0)
    assert list(NetGraph.from_yaml(net.to_yaml()).layers) == [name, "z"]
    assert netgraph.load(netgraph.save(net, tmp_path / "n.yaml")) == net


def test_save_refuses_a_name_utf8_cannot_write_and_writes_nothing(tmp_path):
    # the arrays' keys hold the layer's name: safetensors' UnicodeEncodeError escaped
    net = net_initialize(_named("a\ud800"), seed=0)
    with pytest.raises(SpecError) as caught:
        netgraph.save(net, tmp_path / "n.yaml")
    d = caught.value.diagnostics[0]
    assert (d.kind, d.found) == ("encoding", "a\ud800.Weights")
    assert "holds '\\ud800' (in 'a\\ud800.Weights'), which UTF-8 cannot write" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("call, kind", [
    (lambda p: netgraph.save(_named("a"), 5), "output-path"),
    (lambda p: netgraph.save(_named("a"), ""), "output-path"),
    (lambda p: netgraph.save(_named("a"), p / "n.safetensors"), "file-type"),
    (lambda p: netgraph.save(_named("a"), p / "n.onnx"), "file-type"),
    (lambda p: netgraph.save(_named("a"), p / "missing" / "n.yaml"), "unwritable-file"),
    (lambda p: netgraph.load(5), "not-a-spec"),
    (lambda p: NetGraph.from_yaml(5), "not-a-spec"),
    (lambda p: to_yaml(5), "not-a-layer"),
    (lambda p: to_yaml(_named("a"), name=5), "option-value"),
    (lambda p: to_yaml(_named(" a", ElementwiseLayer("Tanh"))), "layer-name"),
    (lambda p: NetGraph.from_yaml("netgraph: 1\nlayers: {a: 2}\n", base_dir=5), "option-value"),
], ids=["save-int", "save-empty", "save-safetensors", "save-onnx", "save-no-folder", "load-int", "from-yaml-int",
        "to-yaml-int", "to-yaml-name", "to-yaml-space", "base-dir"])
def test_refusals_of_writing_and_reading_specs_have_kinds(tmp_path, call, kind):
    with pytest.raises(netgraph.NetGraphError) as caught:
        call(tmp_path)
    assert [d.kind for d in caught.value.diagnostics] == [kind]


def test_a_reference_bomb_is_refused_once_before_it_is_read():
    # 30 nets each using the next twice (2**30 uses): 10,000 uses were read (about 2 s) before the limit stopped it,
    # and the limit was reported again at every definition line the unused-definition check read
    nets = "".join(f"  n{i}: {{type: NetChain, layers: [{{ref: n{i + 1}}}, {{ref: n{i + 1}}}]}}\n" for i in range(30))
    text = f"netgraph: 1\nnets:\n{nets}  n30: 3\nlayers:\n  a: {{ref: n0}}\ninputs: {{Input: 3}}\n"
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(text)
    assert caught.value.errors == ["<string>:35:12: more than 10000 'ref:' uses read for one net: this use of 'n0' "
                                   "reads more than 10000 (its nets' own uses included): do the nets refer to each "
                                   "other many times over?"]
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("limit", 10000, 10001)


def test_nets_used_many_times_within_the_limit_are_read():
    nets = "".join(f"  n{i}: {{type: NetChain, layers: [{{ref: n{i + 1}}}, {{ref: n{i + 1}}}]}}\n" for i in range(5))
    text = f"netgraph: 1\nnets:\n{nets}  n5: Tanh\nlayers:\n  a: {{ref: n0}}\ninputs: {{Input: 3}}\n"
    assert len(NetGraph.from_yaml(text).layers["a"].layers) == 2


@pytest.mark.parametrize("name, column", [('""', 10), ('"1x"', 10), ('"a b"', 20)])
def test_an_unused_graph_input_that_is_no_identifier_is_named_as_such(name, column):
    # it was 'declared under inputs: but no edge uses it ... connect it (e.g. ' -> layer')', which no edge can
    extra = "" if column == 10 else "Input: 3, "
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(f"netgraph: 1\nlayers: {{a: 3}}\ninputs: {{{extra}{name}: 3}}\n")
    shown = repr(name.strip('"'))
    assert caught.value.errors == [f"<string>:3:{column}: graph input {shown} must be a Python identifier that Python "
                                   f"reads as written (it becomes a keyword argument)"]
    assert caught.value.diagnostics[0].kind == "graph-input-name"
