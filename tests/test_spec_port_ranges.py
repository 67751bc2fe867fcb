"""A YAML port type's index range: ``{shape: [], dtype: Integer, range: [lo, hi]}`` is read (the same port as
``Restricted("Integer", (lo, hi))``), checked by the schema and the loader (a bad range placed at file:line:col), and
written so, a round trip keeping the net."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml

from netgraph import EmbeddingLayer, NetChain, NetGraph, Restricted, SpecError
from netgraph.spec.schema import spec_schema

_HEAD = "netgraph: 1\nlayers: {emb: {type: EmbeddingLayer, output: 3}}\n"


def _errors(ports: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_HEAD + ports)
    return info.value.errors


def test_a_ranged_port_type_is_read_as_the_restricted_port():
    net = NetGraph.from_yaml(_HEAD + "inputs: {Input: {shape: [], dtype: Integer, range: [2, 9]}}\n")
    assert net.coders == {"Input": Restricted("Integer", (2, 9))} and str(net.port_types["Input"]) == \
        "() Integer 2..9"
    assert net.layers["emb"].count == 10


@pytest.mark.parametrize("value, column, problem", [
    ("[9, 2]", 52, r"lo <= hi, found \[9, 2\]"),
    ("[0.5, 9]", 52, r"two integers, found \[0.5, 9\]"),
    ("[0, 4, 9]", 52, r"two integers, found \[0, 4, 9\]"),
    ("7", 52, r"\[lo, hi\], two integers, found 7: write \[0, 6\] for 7 indices from 0$"),
    ("0", 52, r"\[lo, hi\], two integers, found 0$")])
def test_a_bad_range_is_placed_at_its_value(value, column, problem):
    (error,) = _errors(f"inputs: {{Input: {{shape: [], dtype: Integer, range: {value}}}}}\n")
    assert error.startswith(f"<string>:3:{column}: input 'Input': ") and re.search(problem, error)


def test_a_range_on_a_real_port_is_placed_at_the_range():
    (error,) = _errors("inputs: {Input: {shape: [], dtype: Real, range: [0, 9]}}\n")
    assert error.startswith("<string>:3:49: input 'Input': ") and "a range goes on an Integer port" in error


def test_the_schema_takes_a_range_of_two_integers_only():
    validator = jsonschema.Draft202012Validator(spec_schema())
    good = yaml.safe_load(_HEAD + "inputs: {Input: {shape: [], dtype: Integer, range: [0, 9]}}\n")
    validator.validate(good)
    bad = yaml.safe_load(_HEAD + "inputs: {Input: {shape: [], dtype: Integer, range: [0, 4, 9]}}\n")
    assert not validator.is_valid(bad)


@pytest.mark.parametrize("shape, written", [((), "shape: []"), ((4,), "shape: 4")])
def test_a_restricted_port_is_written_as_its_ranged_type_and_read_back(shape, written):
    # it was written as {encoder: {type: Restricted, range: [0, 9]}}: the coder, not the type the port shows
    net = NetChain([EmbeddingLayer(3)], input=Restricted("Integer", 10, shape=shape))
    text = net.to_yaml()
    assert f"    {written}\n    dtype: Integer\n    range: [0, 9]\n" in text and "Restricted" not in text
    jsonschema.Draft202012Validator(spec_schema()).validate(yaml.safe_load(text))
    assert NetChain.from_yaml(text) == net


_CHAIN = "netgraph: 1\ntype: NetChain\n{}layers:\n  - {{type: LinearLayer, output: 3}}\n"


@pytest.mark.parametrize("text, line, column, graph", [
    (_CHAIN.format("input: {shape: [4], range: [0, 10]}\n"), 3, 28, ()),
    (_CHAIN.format("input:\n  shape: [4]\n  range: [0, 10]\n"), 5, 10, ()),
    ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\ninputs:\n  Input: {shape: [4], range: [0, 10]}\n",
     5, 30, ()),
    ("netgraph: 1\nlayers:\n  n:\n    type: NetChain\n    input: {shape: [4], range: [0, 10]}\n"
     "    layers: [{type: LinearLayer, output: 3}]\n", 5, 32, ("n",))])
def test_a_range_whose_integers_the_first_layer_refuses_is_placed_at_the_range(text, line, column, graph):
    # it was placed at the 'input:' mapping (or the port's name), without option="range"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (problem,) = info.value.diagnostics
    assert (problem.line, problem.column, problem.option, problem.declared, problem.graph) == \
        (line, column, "range", "Input", graph)
    assert (problem.kind, problem.expected, problem.found) == ("shape", "Real", "Integer")


def test_a_shape_the_first_layer_refuses_at_a_ranged_port_is_placed_at_the_shape():
    # it was placed at the range (3:28) with option="range", though the range's Integers fit EmbeddingLayer: now at
    # the port's mapping, as any port's shape conflict
    text = "netgraph: 1\ntype: NetChain\ninput: {shape: [4], range: [0, 10]}\nlayers:\n" \
           "  - {type: EmbeddingLayer, output: 3, input: [5]}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (problem,) = info.value.diagnostics
    assert (problem.line, problem.column, problem.option) == (3, 8, None)
    assert (problem.expected, problem.found) == ((5,), (4,))
