"""Files written before the coders an outer net takes from a nested net were written on the nested net: the writer put
them on the outer ports, the nested nets stripped (an encoder's port declaring the type it gave). Read back they were
the outer net's own, so replacing the nested net kept them (a ShapeError for a decoder of other labels). Read now,
they are where a net built in Python holds them."""

from __future__ import annotations

import pytest

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      SoftmaxLayer, WiringError, net_replace_part)
from netgraph.spec.api import from_yaml, to_yaml

ENC, DEC = ClassEncoder(["red", "green", "blue"]), ClassDecoder(["warm", "cold"])
OTHER = ClassEncoder(list("abcde")), ClassDecoder(["x", "y", "z"])
_CODED = """type: NetChain
layers:
  - {type: EmbeddingLayer, output: 4, n: 3}
  - {type: LinearLayer, output: 2}
  - {type: SoftmaxLayer}"""
_STRIPPED = _CODED + "\ninputs:\n  Input: Integer"  # as the session-36 writer wrote a nested net it took coders from
_OUTER_CODERS = """inputs:
  Input:
    encoder: {type: ClassEncoder, labels: [red, green, blue]}
outputs:
  Output:
    decoder: {type: ClassDecoder, labels: [warm, cold]}
"""


def _indented(text, by):
    return text.replace("\n", "\n" + " " * by)


def _coded(encoder=ENC, decoder=DEC):
    size = len(decoder.labels) if decoder else 2
    return NetChain([EmbeddingLayer(4, len(encoder.labels)), LinearLayer(size), SoftmaxLayer()], input=encoder,
                    output=decoder)


OLD_FILES = {
    "chain": (f"netgraph: 1\ntype: NetChain\nlayers:\n  g:\n    {_indented(_STRIPPED, 4)}\n{_OUTER_CODERS}",
              NetChain({"g": _coded()}), "g"),
    "three levels": (f"netgraph: 1\nlayers:\n  a:\n    type: NetChain\n    layers:\n      b:\n        type: NetGraph\n"
                     f"        layers:\n          g:\n            {_indented(_STRIPPED, 12)}\n"
                     f"        inputs:\n          Input: Integer\n        edges: []\n"
                     f"    inputs:\n      Input: Integer\n"
                     f"{_OUTER_CODERS}edges: []\n",
                     NetGraph({"a": NetChain({"b": NetGraph({"g": _coded()}, [])})}, []), ("a", "b", "g"))}


@pytest.mark.parametrize("kind", OLD_FILES)
def test_an_old_files_outer_coders_are_taken_from_the_nested_net_as_in_python(kind):
    text, built, place = OLD_FILES[kind]
    read = from_yaml(text)
    assert read == built and read.coders == {"Input": ENC, "Output": DEC} and to_yaml(read) == to_yaml(built)
    swapped = net_replace_part(read, {place: _coded(*OTHER)})  # was a ShapeError: the old decoder's 2 labels kept
    assert swapped.coders == net_replace_part(built, {place: _coded(*OTHER)}).coders == {"Input": OTHER[0],
                                                                                          "Output": OTHER[1]}
    plain = net_replace_part(read, {place: NetChain([EmbeddingLayer(4, 3), LinearLayer(5)])})
    assert plain.coders == {}


def test_an_old_file_with_one_input_feeding_two_stripped_nets_clashes_on_another_encoder():
    nested = _indented(_STRIPPED, 4)
    text = (f"netgraph: 1\nlayers:\n  a:\n    {nested}\n  b:\n    {nested}\ninputs:\n  Input:\n    encoder: "
            f"{{type: ClassEncoder, labels: [red, green, blue]}}\nedges:\n  - Input -> a.Input\n  - Input -> b.Input\n")
    read = from_yaml(text)
    assert read == NetGraph({"a": _coded(ENC, None), "b": _coded(ENC, None)},
                            [(NetPort("Input"), "a"), (NetPort("Input"), "b")])
    with pytest.raises(WiringError) as info:
        net_replace_part(read, {"b": _coded(OTHER[0], None)})
    assert info.value.kind == "coder-clash"


def test_coders_given_to_the_outer_net_of_a_plain_nested_net_stay_its_own():
    text = f"netgraph: 1\ntype: NetChain\nlayers:\n  g:\n    {_indented(_CODED, 4)}\n{_OUTER_CODERS}"
    read, built = from_yaml(text), NetChain({"g": NetChain(_coded().layers)}, input=ENC, output=DEC)
    assert read == built and to_yaml(read) == to_yaml(built)
    assert net_replace_part(read, {"g": NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()])}).coders \
        == {"Input": ENC, "Output": DEC}
