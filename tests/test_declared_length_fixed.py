"""A graph port declared with a variable length (``("n",)``, YAML ``[n]`` or ``[Varying]``) takes any length per call
(README: "a name such as "n" (a variable length: any size from 1 per batch)"); a layer whose own option fixes that
dim (``EmbeddingLayer(..., input=5)``) made it 5, silently. Now a ShapeError names the port, the length and the layer."""

from __future__ import annotations

import pytest

from netgraph import NetChain, NetGraph, NetPairEmbeddingOperator
from netgraph.core.errors import ShapeError, SpecError
from netgraph.layers import ElementwiseLayer, EmbeddingLayer, LinearLayer
from netgraph.spec.api import from_yaml

WHY = "is a variable length, any length per call, which a size of 5 would fix"


@pytest.mark.parametrize("make, layer", [
    (lambda: NetGraph({"e": EmbeddingLayer(4, 10, input=5)}, [], Input=("n",)), "layer 1 'e' (EmbeddingLayer)"),
    (lambda: NetChain([EmbeddingLayer(4, 10, input=5)], Input=("n",)), "layer 1 (EmbeddingLayer)"),
    (lambda: NetChain([LinearLayer(2, input=(5, 3))], Input=("n", 3)), "layer 1 (LinearLayer)"),
    (lambda: NetChain([ElementwiseLayer("Tanh"), LinearLayer(2, input=(5, 3))], Input=("n", 3)),
     "layer 1 (ElementwiseLayer)"),  # where the size, passed back from layer 2, meets the length
    (lambda: NetChain([ElementwiseLayer("Tanh", input=(5, 3))], Output=("n", 3)), "layer 1 (ElementwiseLayer)")])
def test_a_layers_fixed_size_for_a_declared_variable_length_is_refused(make, layer):
    with pytest.raises(ShapeError) as info:
        make()
    text = str(info.value)
    assert "length n (given for graph " in text and WHY in text and layer in text, text
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.expected, problem.found) == ("shape", "n", 5)


@pytest.mark.parametrize("declared", ["[n]", "[Varying]", "Varying"])
def test_in_yaml_at_the_ports_declaration(declared):
    text = (f"netgraph: 1\nlayers: {{e: {{type: EmbeddingLayer, output: 4, n: 10, input: 5}}}}\n"
            f"inputs: {{Input: {declared}}}\n")
    with pytest.raises(SpecError, match=r"^<string>:3:10: the shape given for graph input 'Input': length "
                                        rf"(n|Varying) \(given for graph input 'Input'\) {WHY}.* layer 1 'e' "
                                        r"\(EmbeddingLayer\) port 'Input' \(from its options\)"):
        from_yaml(text)


@pytest.mark.parametrize("make, shape", [
    (lambda: NetChain([ElementwiseLayer("Tanh", input=(None, 3))], Input=("n", 3)), ("n", 3)),
    (lambda: NetChain([EmbeddingLayer(4, 10, input=5)], Input=(5,)), (5,)),
    (lambda: NetChain([EmbeddingLayer(4, 10)], Input=("n",)), ("n",)),
    (lambda: NetChain([EmbeddingLayer(4, 10, input=5)], Input=(None,)), (5,)),
    (lambda: NetChain([EmbeddingLayer(4, 10, input=("n",))], Input=("n",)), ("n",))])
def test_a_variable_length_kept_or_a_size_given_alike_still_builds(make, shape):
    assert make().port_types["Input"].shape == shape


@pytest.mark.parametrize("first, second, length_at, size_at", [
    (("n", 3), (4, 3), "Input1", "Input2"), ((4, 3), ("n", 3), "Input2", "Input1")])
def test_a_size_given_for_another_graph_input_is_named_as_the_one_fixing_the_length(first, second, length_at, size_at):
    with pytest.raises(ShapeError) as info:  # the operator joins its two inputs' shapes
        NetGraph([NetPairEmbeddingOperator(NetChain([LinearLayer(2)]))], [], Input1=first, Input2=second)
    text = str(info.value)
    assert (f"length n (given for graph input '{length_at}') is a variable length, any length per call, which a size "
            f"of 4 (the shape given for graph input '{size_at}') would fix; give both the length n for sequences of "
            f"any length, or both the size 4") in text, text
    assert "layer option" not in text
