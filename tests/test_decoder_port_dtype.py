"""A decoder reads probabilities, which are Real: one on an Integer output was let by (a QA tester's finding), so a
BooleanDecoder read the integer 7 as the probability 7 and a ClassDecoder on a (2) Integer output gave {'a': 3.0,
'b': 9.0} as probabilities. Such a net is refused when it is built, a ShapeError of kind decoder-port; a ClassDecoder
on a () Integer output (a class index) is kept."""

from __future__ import annotations

import pytest
import torch

from netgraph import BooleanDecoder, ClassDecoder, NetChain, PartLayer, PortType, ReshapeLayer, ShapeError


@pytest.mark.parametrize("shape, decoder, words", [
    ((2,), ClassDecoder(["a", "b"]), "ClassDecoder with 2 labels takes a (2) probability vector (Real)"),
    ((3, 2), ClassDecoder(["a", "b"]), "ClassDecoder with 2 labels takes a (2) probability vector (Real)"),
    ((), BooleanDecoder(), "BooleanDecoder takes () or (1) probabilities (Real)"),
    ((1,), BooleanDecoder(), "BooleanDecoder takes () or (1) probabilities (Real)")])
def test_a_probability_decoder_on_an_integer_output_is_refused_when_the_net_is_built(shape, decoder, words):
    layer = PartLayer(1) if shape == () else ReshapeLayer(list(shape))
    given = (3,) if shape == () else shape
    with pytest.raises(ShapeError) as info:
        NetChain([layer], input=PortType(given, "Integer"), output=decoder)
    assert f"graph output 'Output': {words}" in str(info.value)
    assert str(info.value).endswith(f", found {PortType(shape, 'Integer')}")
    assert info.value.kind == "decoder-port"
    assert info.value.diagnostics[0].port == "Output"


def test_a_class_decoder_on_a_scalar_integer_output_reads_it_as_a_class_index():
    net = NetChain([PartLayer(1)], input=PortType((3,), "Integer"), output=ClassDecoder(["a", "b"]))
    assert net(torch.tensor([1, 0, 1])) == "b"
    assert net(torch.tensor([[0, 5, 5], [1, 5, 5]])) == ["a", "b"]


@pytest.mark.parametrize("decoder, input_shape, found", [
    (ClassDecoder(["a", "b"]), ("n",), "found (n): its length n may differ per call, where 2 labels need (2); give "
     "the input a fixed size or make the output (n, 2)"),
    (BooleanDecoder(), ("n",), "found (n): its length n may differ per call, where 1 probability needs (1); give the "
     "input a fixed size or make the output (1)"),
    (ClassDecoder(["a", "b"]), ("m", "n"), "found (m, n): its length n may differ per call, where 2 labels need (2); "
     "give the input a fixed size or make the output (m, 2)")])
def test_a_decoder_on_a_varying_length_output_is_refused_when_the_net_is_built(decoder, input_shape, found):
    """("n",) unified with the fixed (2) or (1): the net was built, then cut 4 probabilities to 2 labels silently,
    or failed with a raw IndexError / RuntimeError on 3."""
    from netgraph import SoftmaxLayer
    with pytest.raises(ShapeError) as info:
        NetChain([SoftmaxLayer()], input=input_shape, output=decoder)
    assert info.value.kind == "decoder-port" and info.value.diagnostics[0].port == "Output"
    assert str(info.value).endswith(found)
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.found == input_shape and diagnostic.expected == decoder.accepts
    assert "graph output 'Output': " in str(info.value)


def test_a_class_decoder_still_takes_a_sequence_of_fixed_size_probability_vectors():
    from netgraph import SoftmaxLayer
    net = NetChain([SoftmaxLayer()], input=("n", 2), output=ClassDecoder(["a", "b"]))
    assert net(torch.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0]])) == ["b", "a", "a"]
