"""A spec value of the wrong YAML type (kind "value-type") says in ``found`` what the value is, in words ("a list",
"an int value", "an empty string", ...), never the value itself: ``found`` was the YAML value at some keys and a
description at others (a tool could not tell which), and a value may be large or unhashable."""

from __future__ import annotations

import importlib

import pytest

from netgraph import NetGraph, SpecError
from netgraph.core.wording import value_kind
from netgraph.spec.load import load_spec
from tests.spec_refusals import spec_problems

_TANH = "netgraph: 1\nlayers: {a: Tanh}\n"

CASES = {
    "edges-number": (_TANH + "edges: 3\n", "an int value"),
    "edges-text": (_TANH + "inputs: {x: 3}\nedges: x -> a\n", "a str value"),
    "inputs-list": (_TANH + "inputs: [3]\n", "a list"),
    "outputs-number": (_TANH + "outputs: 3\n", "an int value"),
    "file-empty": ("netgraph: 1\nlayers: {a: {file: ''}}\n", "an empty string"),
    "file-number": ("netgraph: 1\nlayers: {a: {file: 3}}\n", "an int value"),
    "arrays-list": (_TANH + "arrays: [w.safetensors]\n", "a list"),
    "nets-number": (_TANH + "nets: 3\n", "an int value"),
    "multipliers-text": (_TANH + "inputs: {x: 3}\nlearning_rate_multipliers: fast\n", "a str value"),
    "distribution-args": ("netgraph: 1\nlayers: {r: {type: RandomArrayLayer, distribution: {type: "
                          "NormalDistribution, args: 3}, output: 2}}\n", "an int value"),
    "layers-number": ("netgraph: 1\nlayers: 3\n", "an int value"),
    "layers-empty": ("netgraph: 1\nlayers: {}\n", "an empty mapping"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_value_of_the_wrong_type_is_found_in_words(tmp_path, name):
    text, found = CASES[name]
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert [d.found for d in caught.value.diagnostics if d.kind == "value-type"] == [found], str(caught.value)


def test_value_kind_says_what_a_value_is_without_its_content():
    assert [value_kind(v) for v in (None, [], [1], {}, {"a": 1}, "", "x", 3, 2.5, True)] == [
        "nothing", "an empty list", "a list", "an empty mapping", "a mapping", "an empty string", "a str value",
        "an int value", "a float value", "a bool value"]


@pytest.mark.parametrize("option, shown", [("output: 1.0e39", "found 1.0e39"), ("output: [3, 2.0e0]", "found 2.0e0"),
                                           ("output: 1.50", "found 1.50")])
def test_a_found_decimal_is_shown_as_the_file_wrote_it(option, shown):
    text = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, {option}}}\n"
    message = spec_problems(text, ("message",))[0][0]
    assert message.endswith(shown), message


@pytest.mark.parametrize("options, shown", [
    ("stride: 2.50, dilation: 2.5", ["found 2.5", "found 2.5"]),  # one value written two ways: Python's form
    ("stride: 2.50, dilation: 2.50", ["found 2.50", "found 2.50"]),
    ("stride: 0.00, dilation: -0.0", ["found 0.00", "found -0.0"])])  # -0.0 is not 0.0's spelling
def test_a_decimal_written_two_ways_in_one_layer_is_not_shown_in_the_other_way(options, shown):
    """The as-written table was keyed by value for the whole layer: dilation's 2.5 was shown as stride's 2.50."""
    text = f"netgraph: 1\nlayers:\n  a: {{type: ConvolutionLayer, output: 4, kernel: 3, {options}}}\n"
    messages = [message for message, in spec_problems(text, ("message",))]
    assert [m[m.rindex("found"):] for m in messages] == shown, messages


@pytest.fixture
def written_calls(monkeypatch):
    """How many times the layer reader works out a layer's floats as written (``written_floats``)."""
    import netgraph.spec.layer_specs as layer_specs
    calls = []
    original = layer_specs.written_floats

    def counted(*args):
        calls.append(args)
        return original(*args)
    monkeypatch.setattr(layer_specs, "written_floats", counted)
    return calls


def test_floats_as_written_are_not_worked_out_for_a_spec_that_loads(written_calls):
    """They were, for every layer on every load (0.064 s for a 20,000-float ``biases:`` list), though only a message
    quoting a float reads them."""
    NetGraph.from_yaml("netgraph: 1\ninputs: {x: 2}\nlayers:\n  a: {type: LinearLayer, output: 2, "
                       "biases: [0.50, 1.0e1]}\n  b: {type: DropoutLayer, p: 0.50}\nedges: [x -> a -> b]\n")
    assert written_calls == []


def test_floats_as_written_are_worked_out_once_for_a_layer_whose_messages_quote_floats(written_calls):
    text = "netgraph: 1\nlayers:\n  a: {type: ConvolutionLayer, output: 4, kernel: 3, stride: 2.50, dilation: 0.50}\n"
    messages = [message for message, in spec_problems(text, ("message",))]
    assert [m[m.rindex("found"):] for m in messages] == ["found 2.50", "found 0.50"], messages
    assert len(written_calls) == 1


@pytest.mark.parametrize("spec, shown", [
    ("inputs: {x: [3, 1.50, -2]}\nedges: [x -> a]", ["found 1.50", "found -2"]),
    ("inputs: {x: {shape: [3, 1.50]}}\nedges: [x -> a]", ["found 1.50"]),
    ("type: NetChain\ninput: [2.0e0]", ["found 2.0e0"]),
    ("inputs: {x: 2}\nedges: [x -> a]\nlearning_rate_multipliers: {a: -1.50}", ["found -1.50"])])
def test_a_decimal_a_graph_is_given_is_shown_as_the_file_wrote_it(spec, shown):
    """In a port's shape (an item of its list) and in the messages of the stages after the layers are read."""
    text = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: 3}}\n{spec}\n"
    messages = [message for message, in spec_problems(text, ("message",))]
    assert [m[m.rindex("found"):] for m in messages] == shown, messages


def test_a_graphs_floats_as_written_leave_out_its_layers_arrays(monkeypatch):
    load, written_numbers = (importlib.import_module(f"netgraph.spec.{m}") for m in ("load", "written_numbers"))
    walked = []
    original = written_numbers.written_floats
    monkeypatch.setattr(load, "written_floats", lambda *a, **k: walked.append(original(*a, **k)) or walked[-1])
    text = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2, input: 1, weights: [[2.50], [3.50]], "
            "biases: [1.50, 2.0e0]}\ninputs: {x: 1}\nedges: [x -> a]\nlearning_rate_multipliers: {a: -4.50}\n")
    with pytest.raises(SpecError, match="found -4.50"):
        NetGraph.from_yaml(text)
    assert walked == [{"-4.5": "-4.50"}]
