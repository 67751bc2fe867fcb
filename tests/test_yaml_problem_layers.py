"""Problems found while reading a spec's YAML (duplicate keys, merge keys, values that cannot be read) name the layer
whose entry they are written in (the Diagnostic's ``layer``, as the reader's other problems do; it was None), at any
depth of nested nets, in a chain written as a list, and in a referenced file (below the layer naming it)."""

from __future__ import annotations

import json

import pytest

from netgraph import NetGraph, load
from netgraph.core.errors import SpecError

SPEC = """netgraph: 1
layers:
  f: &f [3, Ramp]
  a: &a {type: LinearLayer, output: 2}
  g: {<<: [*a, *f]}
  box:
    type: NetChain
    layers:
      - {type: LinearLayer, output: 2, output: 3}
      - {type: LinearLayer, output: 99999999999999999999}
top: {x: 1, x: 2}
inputs: {Input: 2}
edges: [Input -> f]
"""

WHERE = [(5, 16, "yaml-syntax", ("g",)), (9, 40, "duplicate-key", ("box", "1")),
         (10, 37, "option-value", ("box", "2")), (11, 13, "duplicate-key", None)]  # an option past 64 bits


def test_a_yaml_problem_names_the_layer_it_is_written_in(yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(SPEC)
    found = [(d.line, d.column, d.kind, d.layer) for d in info.value.diagnostics if d.kind != "unknown-key"]
    assert found == WHERE


def test_the_cli_json_output_gives_the_layer(cli):
    ran = cli("check", cli.spec(SPEC, "m.yaml"), "--format", "json")
    found = [(p["line"], p["column"], p["kind"], p["layer"]) for p in json.loads(ran.out)
             if p["kind"] != "unknown-key"]
    assert found == [(line, col, kind, layer and list(layer)) for line, col, kind, layer in WHERE]


def test_a_yaml_problem_in_a_referenced_file_is_named_below_the_layer_naming_it(tmp_path):
    (tmp_path / "inner.yaml").write_text("netgraph: 1\nlayers:\n  x: {type: LinearLayer, output: 2, output: 3}\n"
                                         "inputs: {Input: 2}\n")
    (tmp_path / "outer.yaml").write_text("netgraph: 1\nlayers:\n  box: {file: inner.yaml}\ninputs: {Input: 2}\n")
    with pytest.raises(SpecError) as info:
        load(tmp_path / "outer.yaml")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.line, problem.column) == ("duplicate-key", ("box", "x"), 3, 37)
