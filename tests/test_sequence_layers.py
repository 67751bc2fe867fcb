"""SequenceMost/Rest/Reverse, AppendLayer and PrependLayer: shape rules both ways on fixed and variable lengths,
values against plain tensor indexing, errors, YAML. (Compiled == interpreted: tests/test_layer_parity.py.)"""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, ConvolutionLayer, DeconvolutionLayer, EmbeddingLayer, GatedRecurrentLayer,
                      LongShortTermMemoryLayer, NetChain, NetGraph, NetPort, PrependLayer, SequenceMostLayer,
                      SequenceRestLayer, SequenceReverseLayer, ShapeError)
from netgraph.core.types import INTEGER, PortType

TRIMMED = [(SequenceMostLayer, lambda x: x[:, :-1]), (SequenceRestLayer, lambda x: x[:, 1:]),
           (SequenceReverseLayer, lambda x: torch.flip(x, [1]))]


@pytest.mark.parametrize("cls, expected", TRIMMED)
def test_sequence_layers_shapes_both_ways_and_values(cls, expected):
    shorter = 0 if cls is SequenceReverseLayer else 1
    assert NetGraph([cls()], [], Input=(5, 3)).output_shapes == {"Output": (5 - shorter, 3)}
    # a variable length one shorter is a length of its own, named after n (not n: it is not the input's length)
    assert NetGraph([cls()], [], Input=("n", 3)).output_shapes == {"Output": ("n_minus_1" if shorter else "n", 3)}
    assert NetGraph([cls()], [], Output=("m", 3)).input_shapes == {"Input": ("m_plus_1" if shorter else "m", 3)}
    assert NetGraph([cls()], [], Output=(4, 2)).input_shapes == {"Input": (4 + shorter, 2)}
    net = NetGraph([cls()], [], Input=("n", 2))
    for length in (2, 6):
        x = torch.randn(3, length, 2)
        assert torch.equal(net(x), expected(x))
    tokens = NetGraph([cls()], [], Input=PortType(("n",), INTEGER))
    assert tokens.port_types["Output"].dtype == INTEGER


def test_trimming_needs_a_sequence_of_two():
    with pytest.raises(ShapeError, match=r"'Input' must be a sequence of length 2 or more, found \(1, 3\)"):
        NetGraph([SequenceRestLayer()], [], Input=(1, 3))
    with pytest.raises(ShapeError, match="'Input' must be a sequence"):
        NetGraph([SequenceReverseLayer()], [], Input=())


@pytest.mark.parametrize("cls, at_end", [(AppendLayer, True), (PrependLayer, False)])
def test_append_and_prepend_shapes_values_and_conflicts(cls, at_end):
    types = NetGraph([cls()], [], Input=(3, 2)).port_types
    assert (types["Element"].shape, types["Output"].shape) == ((2,), (4, 2))
    assert NetGraph([cls()], [], Input=("n", 2)).port_types["Output"].shape == ("n_plus_1", 2)
    backward = NetGraph([cls()], [], Output=(4, 2)).port_types
    assert (backward["Input"].shape, backward["Element"].shape) == ((3, 2), (2,))
    net = NetGraph([cls()], [], Input=("n", 2))
    x, e = torch.randn(2, 5, 2), torch.randn(2, 2)
    out = net(Input=x, Element=e)
    assert out.shape == (2, 6, 2)
    assert torch.equal(out, torch.cat([x, e[:, None]] if at_end else [e[:, None], x], 1))
    with pytest.raises(ShapeError, match=r"port 'Element': expected shape \(2\), found \(3\)"):
        NetGraph([cls()], [], Input=(3, 2), Element=3)
    with pytest.raises(ShapeError, match="'Output'"):
        NetGraph([cls()], [], Input=(3, 2), Output=(5, 2))


@pytest.mark.parametrize("cls", [AppendLayer, PrependLayer])
def test_an_output_of_length_one_is_refused_not_given_an_input_of_length_zero(cls):
    """Output (1, 2) inferred Input (0, 2), a shape refused everywhere else (declared, it is a ShapeError)."""
    with pytest.raises(ShapeError, match=rf"\({cls.__name__}\): port 'Output' must be a sequence of length 2 or more "
                                         rf"\(an Input of length 1 or more and the Element\), found \(1, 2\)"):
        NetGraph([cls()], [], Output=(1, 2))
    assert NetGraph([cls()], [], Output=(2, 2)).input_shapes["Input"] == (1, 2)


def test_prepend_a_start_token_to_an_integer_sequence():
    net = NetGraph({"start": PrependLayer(), "most": SequenceMostLayer(), "emb": EmbeddingLayer(3, 5)},
                   [(NetPort("Input"), NetPort("start", "Input")), ("start", "most", "emb")], Input=("n",))
    assert net.port_types["Element"] == PortType((), INTEGER)
    assert net.port_types["Output"].shape == ("n", 3)


def test_sequence_layers_round_trip_through_yaml():
    net = NetGraph({"app": AppendLayer(element=2), "rev": SequenceReverseLayer()}, [("app", "rev")], Input=(3, 2))
    again = NetGraph.from_yaml(net.to_yaml())
    assert again == net and again.output_shapes == {"Output": (4, 2)}


@pytest.mark.parametrize("cls", [SequenceMostLayer, SequenceRestLayer])
def test_a_variable_sequence_of_length_one_is_a_data_error_not_an_empty_one(cls):
    # it gave a row of zeros (ragged), an empty sequence out, or torch's IndexError in the next layer (found by QA)
    from netgraph import DataError, NetChain, SequenceLastLayer, net_initialize
    net = net_initialize(NetChain([cls(), SequenceLastLayer()], input=("n", 3)), seed=0)
    short = rf"is too short for layer '1' \({cls.__name__}\) port 'Input': it needs a length of at least 2: it drops one element"
    with pytest.raises(DataError, match=rf"^input port 'Input': a length of 1 along n {short}; give lengths of 2 or more$"):
        net(torch.randn(2, 1, 3))
    with pytest.raises(DataError, match=rf"a length of 1 along n \(example 0\) {short}"):
        net([torch.randn(1, 3), torch.randn(3, 3)])
    with pytest.raises(DataError, match=rf"a length of 1 along n {short}"):
        net.compile()(torch.randn(2, 1, 3))
    xs = [torch.randn(2, 3), torch.randn(4, 3)]
    torch.testing.assert_close(net(xs), torch.stack([net(x) for x in xs]))  # lengths >= 2 run as before


def test_sequences_too_short_in_a_length_group_are_named_by_the_users_examples():
    """Lengths 3, 1, 3, 1: net_port_gradient runs them as two dense groups, where the short one is examples 1 and 3
    (it said 'the sequences have length 1'); net(...) runs them padded, where it named example 1 alone."""
    from netgraph import DataError, NetChain, SequenceLastLayer, net_initialize, net_port_gradient
    net = net_initialize(NetChain([SequenceMostLayer(), SequenceLastLayer()], input=("n", 3)), seed=0)
    xs = [torch.randn(3, 3), torch.randn(1, 3), torch.randn(3, 3), torch.randn(1, 3)]
    for run in (lambda: net_port_gradient(net, {"Input": xs}), lambda: net(xs)):
        with pytest.raises(DataError, match=r"a length of 1 along n \(examples 1, 3\) is too short") as err:
            run()
        assert err.value.diagnostics[0].example == 1 and err.value.diagnostics[0].port == "Input"


@pytest.mark.parametrize("layer, shape, where", [
    (LongShortTermMemoryLayer(3), (4, "n"), "features"), (GatedRecurrentLayer(3), ("m", "n"), "features"),
    (ConvolutionLayer(4, 3), ("n", 5), "channels"), (DeconvolutionLayer(4, 3), ("n", 5), "channels"),
])
def test_a_variable_length_cannot_size_learned_arrays(layer, shape, where):
    """Accepted at construction, these failed in net_initialize with a raw TypeError (int + str, str // int)."""
    with pytest.raises(ShapeError, match=rf"port 'Input' .*its {where} .* cannot have a variable length"):
        NetChain([layer], input=shape)
