"""A class coder's int labels fit in 64 bits, as a spec file's integers do: ClassEncoder([2**70, 3]) was accepted,
and the net it was on then saved but could not be loaded ("integer ... is out of range", a QA tester's finding). Such
a label is an OptionError when the coder is made; labels at the bounds round-trip through a spec file."""

from __future__ import annotations

import pytest

from netgraph import ClassDecoder, ClassEncoder, EmbeddingLayer, NetChain, OptionError, load, save


@pytest.mark.parametrize("coder", [ClassEncoder, ClassDecoder])
@pytest.mark.parametrize("wide", [2**70, 2**63, -2**63 - 1])
def test_an_int_label_beyond_64_bits_is_refused_when_the_coder_is_made(coder, wide):
    with pytest.raises(OptionError) as info:
        coder([wide, 3])
    assert str(info.value) == (f"{coder.__name__} option labels=: int labels that fit in 64 bits (-2**63 to "
                               f"2**63 - 1, as a spec file holds them), found {wide}")
    assert info.value.kind == "coder-option"


def test_int_labels_at_the_64_bit_bounds_round_trip_through_a_spec_file(tmp_path):
    labels = [2**63 - 1, -2**63, 3]
    net = NetChain([EmbeddingLayer(2)], input=ClassEncoder(labels))
    loaded = load(save(net, tmp_path / "big"))
    assert loaded.coders["Input"].labels == tuple(labels)
    assert loaded == net
