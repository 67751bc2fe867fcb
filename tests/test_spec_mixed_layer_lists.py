"""Two YAML slips found together with other problems: ``layers:`` written as ``- enc: {...}`` items among which one is
named like an option (``- output: 8``) was read as numbered layers ('layer 1 needs type:' per item, and every edge
endpoint 'not a layer'); an option indented as far as the layer names was hinted only when every edge was good."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError


def _errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return info.value.errors


MIXED = ("netgraph: 1\ninputs: {Input: 4}\nlayers:\n  - enc: {type: LinearLayer, output: 6}\n  - act: Tanh\n"
         "  - output: 8\nedges:\n  - Input -> enc -> act -> output\n")


def test_named_items_among_which_one_is_named_like_an_option_are_one_error_and_read_as_named(yaml_loader):
    assert _errors(MIXED) == [
        "<string>:4:5: 'layers:' is a list of one-key mappings ('- enc: ...'); layers are named in a mapping: remove "
        "the '- ' before each name (a list of layers, numbered from 1, has no names); '- output: ...' is read as the "
        "layer 'output' too (an option of the layer above goes inside its mapping)"]


def test_items_that_all_look_like_options_are_still_numbered_layers_missing_their_type():
    text = "netgraph: 1\ninputs: {Input: 4}\nlayers:\n  - output: 8\n  - input: 4\n"
    assert _errors(text)[0] == "<string>:4:5: layer '1' needs 'type:' (a layer type such as LinearLayer, or NetGraph)"


UNDER = ("netgraph: 1\ninputs: {Input: 4}\nlayers:\n  enc:\n      type: LinearLayer\n  output: 8\n  act: Tanh\n"
         "edges:\n  - Input -> enc -> actt\n")


def test_an_under_indented_option_is_hinted_beside_a_bad_edge(yaml_loader):
    assert _errors(UNDER) == [
        "<string>:6:3: layer 'output' is in no edge: an option of the layer 'enc' above, indented too little? "
        "(LinearLayer has an option 'output'; the options of 'enc' start in column 7)",
        "<string>:9:21: 'actt' is not a layer or declared graph port (Input) (did you mean 'act'?)"]


def test_a_layer_a_bad_edge_names_is_not_hinted():
    text = UNDER.replace("enc -> actt", "enc -> output -> actt")
    assert _errors(text) == [
        "<string>:9:31: 'actt' is not a layer or declared graph port (Input) (did you mean 'act'?)"]
