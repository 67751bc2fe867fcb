"""Length names given to graph ports apart ("n", "m") are independent lengths (Wolfram's LengthVar): a layer that
needs one length refuses them instead of joining them silently; one shared name, or an unnamed dim, still joins."""

import pytest

from netgraph import (AttentionLayer, BasicRecurrentLayer, CatenateLayer, ElementwiseLayer, EmbeddingLayer,
                      FunctionLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, MeanSquaredLossLayer, NetGraph,
                      NetPort, SequenceIndicesLayer, SequenceReverseLayer, ShapeError, TransposeLayer)


def _two(layer, a, b, x=("n", 3), y=("m", 3)):
    return NetGraph([layer], [(NetPort("x"), NetPort(1, a)), (NetPort("y"), NetPort(1, b))], x=x, y=y)


CASES = {
    "catenate-features": lambda **kw: _two(CatenateLayer(-1), "Input1", "Input2", **kw),
    "loss": lambda **kw: _two(MeanSquaredLossLayer(), "Input", "Target", **kw),
    "function": lambda **kw: _two(FunctionLayer("#x + #y"), "x", "y", **kw),
    "attention": lambda x=("n", 3), y=("m", 3): NetGraph(
        [AttentionLayer()], [(NetPort("x"), NetPort(1, "Key")), (NetPort("y"), NetPort(1, "Value"))],
        Query=("q", 3), x=x, y=y),
}


@pytest.mark.parametrize("case", CASES)
def test_lengths_named_apart_on_two_graph_ports_are_a_shape_error_naming_both(case):
    with pytest.raises(ShapeError) as info:
        CASES[case]()
    text = str(info.value)
    assert "'x'" in text and "'y'" in text and "n" in text and "m" in text
    assert "independent" in text and "named apart" in text


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("y", [("n", 3), (None, 3)])
def test_one_shared_name_or_an_unnamed_dim_still_joins(case, y):
    net = CASES[case](y=y)
    assert net.input_shapes["x"] == ("n", 3) and net.input_shapes["y"] in (("n", 3), (None, 3))


def test_an_output_declared_with_another_name_than_its_input_is_refused():
    with pytest.raises(ShapeError, match=r"length n \(given for graph input 'x'\) would be joined to length m "
                                         r"\(given for graph output 'Out'\)"):
        NetGraph([ElementwiseLayer("Ramp")], [(NetPort("x"), 1), (1, NetPort("Out"))], x=("n", 3), Out=("m", 3))


def test_causal_attention_keeps_keys_and_queries_named_apart():
    net = NetGraph({"att": AttentionLayer(mask="Causal")}, [], Key=("n", 3), Value=("n", 3), Query=("m", 3))
    assert net.output_shapes["Output"] == ("m", 3)
    assert net.input_shapes == {"Key": ("n", 3), "Value": ("n", 3), "Query": ("m", 3)}


CARRIERS = {  # layers whose Output has their Input's length, the two ports' shapes otherwise apart
    "LongShortTermMemoryLayer": (lambda: LongShortTermMemoryLayer(6), ("n", 3), ("m", 6)),
    "GatedRecurrentLayer": (lambda: GatedRecurrentLayer(6), ("n", 3), ("m", 6)),
    "BasicRecurrentLayer": (lambda: BasicRecurrentLayer(6), ("n", 3), ("m", 6)),
    "SequenceReverseLayer": (SequenceReverseLayer, ("n", 3), ("m", 3)),
    "EmbeddingLayer": (lambda: EmbeddingLayer(4, 10), ("n",), ("m", 4)),
    "SequenceIndicesLayer": (SequenceIndicesLayer, ("n", 3), ("m",)),
    "TransposeLayer": (TransposeLayer, ("n", 3), (3, "m")),
}


@pytest.mark.parametrize("case", CARRIERS)
def test_a_layer_carrying_its_input_length_to_its_output_refuses_an_output_named_apart(case):
    layer, x, out = CARRIERS[case]
    with pytest.raises(ShapeError, match=r"length n \(given for graph input 'Input'\) would be joined to length m "
                                         r"\(given for graph output 'Output'\)"):
        NetGraph({"l": layer()}, [], Input=x, Output=out)
    named_alike = tuple("n" if d == "m" else d for d in out)
    assert NetGraph({"l": layer()}, [], Input=x, Output=named_alike).output_shapes["Output"] == named_alike
