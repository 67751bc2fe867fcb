"""Editing inside a nested net (net_delete, net_drop, net_insert, net_append/net_prepend with at=) keeps the encoders
and decoders the outer net took from it (README §Encoders): the outer net is the one built around the edited nested
net. They were lost: the rebuilt nested net had no record of its stripped coders, so the outer port's coder went and
``net_delete(net, ("enc", "t"))("y")`` was a DataError."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, SoftmaxLayer,
                      net_append, net_delete, net_drop, net_initialize, net_insert, net_prepend)
from netgraph.spec import from_yaml, to_yaml

ENC, DEC = ClassEncoder(["x", "y", "z"]), ClassDecoder(["warm", "cold"])
EDITS = {  # the edit inside the nested net "enc" as made to that net alone
    "net_delete": (lambda net: net_delete(net, ("enc", "t")), lambda inner: net_delete(inner, "t")),
    "net_drop": (lambda net: net_drop(net, ("enc", "t")), lambda inner: net_drop(inner, "t")),
    "net_insert": (lambda net: net_insert(net, "Sin", ("enc", "t")), lambda inner: net_insert(inner, "Sin", "t")),
    "net_append": (lambda net: net_append(net, "Sin", at="enc"), lambda inner: net_append(inner, "Sin")),
    "net_prepend": (lambda net: net_prepend(net, "Sin", at="enc"), lambda inner: net_prepend(inner, "Sin")),
}


def _encoding():
    return net_initialize(NetChain({"e": EmbeddingLayer(3, 3), "t": "Tanh"}, input=ENC), seed=0)


def _decoding():
    return net_initialize(NetChain({"l": LinearLayer(2), "t": "Tanh", "s": SoftmaxLayer()}, input=3, output=DEC),
                          seed=1)


def _outer(kind, inner, other):
    """``inner`` as layer "enc" of a chain or a graph, with ``other`` after it (before it for a decoding one)."""
    order = {"enc": inner, "h": other} if inner.coders.get("Input") else {"h": other, "enc": inner}
    if kind == "chain":
        return NetChain(order)
    first, second = order
    return NetGraph(order, [(first, second)])


@pytest.mark.parametrize("edit", [e for e in EDITS if e != "net_prepend"])  # nothing fits before the embedding
@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_an_edit_inside_a_nested_encoding_net_keeps_the_encoder_the_outer_net_took(kind, edit):
    inside, alone = EDITS[edit]
    linear = net_initialize(LinearLayer(2, input=3), seed=2)
    edited = inside(_outer(kind, _encoding(), linear))
    expected = _outer(kind, alone(_encoding()), linear)
    assert dict(edited.information("Encoders")) == {"Input": ENC} == dict(expected.information("Encoders"))
    assert edited == expected
    assert torch.equal(edited("y"), expected("y")) and not torch.equal(edited("y"), edited("z"))


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_an_edit_inside_a_nested_decoding_net_keeps_the_decoder_the_outer_net_took(kind, edit):
    inside, alone = EDITS[edit]
    linear = net_initialize(LinearLayer(3, input=4), seed=2)
    edited = inside(_outer(kind, _decoding(), linear))
    expected = _outer(kind, alone(_decoding()), linear)
    kept = {} if edit == "net_append" else {"Output": DEC}  # a layer after the decoder's output strips it, as alone
    assert edited.coders == kept == expected.coders
    assert edited == expected
    data = torch.randn(5, 4, generator=torch.Generator().manual_seed(3))
    if kept:
        assert edited(data) == expected(data) and set(edited(data)) <= {"warm", "cold"}
    else:
        assert torch.equal(edited(data), expected(data))


def _stripped_then(outer, path):
    """``outer`` with its last layer deleted (the nested net's decoder stripped as interior), then ``path`` deleted."""
    return net_delete(outer, "h"), net_delete(net_delete(outer, "h"), path)


@pytest.mark.parametrize("depth", [1, 2])
def test_an_edit_inside_a_nested_net_gives_back_no_decoder_stripped_as_interior(depth):
    inner = NetChain({"g": _decoding(), "h": LinearLayer(2)})
    outer = NetChain({"a": NetChain({"g": _decoding()}), "h": LinearLayer(2)}) if depth == 2 else inner
    path = ("a", "g", "t") if depth == 2 else ("g", "t")
    stripped, edited = _stripped_then(outer, path)
    assert stripped.coders == {} == net_delete(outer, ["h", path]).coders  # the decoder's output is interior
    assert edited.coders == {}
    assert net_insert(stripped, "Sin", path).coders == {}
    assert edited == net_delete(outer, [path, "h"])
    assert from_yaml(to_yaml(stripped)) == stripped and net_delete(from_yaml(to_yaml(stripped)), path) == edited


def test_an_edit_inside_a_nested_net_still_gives_back_a_shown_decoder_two_levels_deep():
    outer = NetChain({"a": NetChain({"g": _decoding()})})
    assert outer.coders == {"Output": DEC} == net_delete(outer, ("a", "g", "t")).coders
