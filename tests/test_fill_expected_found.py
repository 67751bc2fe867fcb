"""A layer's shape rule refused by a port: expected is what the layer says the port holds, found what the port has
(given to the graph, or set by another layer), in the message and in the Diagnostic's fields alike.

``fill`` (netgraph/layers/_shapes.py), which every such rule goes through, had them the other way round:
NetGraph({"a": AppendLayer()}, [], Input=(4, 3), Element=(2,)) said "port 'Element': expected shape (2), found (3)".
"""

from __future__ import annotations

import pytest

from netgraph import (AppendLayer, ConvolutionLayer, CrossEntropyLossLayer, DotLayer, EmbeddingLayer, NetChain,
                      NetGraph, PrependLayer, ReshapeLayer, ShapeError, TotalLayer, TransposeLayer)

CASES = {  # the net, the port, what the layer says it holds, what it was given
    "append": (lambda: NetGraph({"a": AppendLayer()}, [], Input=(4, 3), Element=(2,)), "Element", (3,), (2,)),
    "append, element first": (lambda: NetGraph({"a": AppendLayer()}, [], Element=(2,), Input=(4, 3)), "Element",
                               (3,), (2,)),
    "prepend": (lambda: NetGraph({"a": PrependLayer()}, [], Input=(4, 3), Element=(2,)), "Element", (3,), (2,)),
    # Input and Element agree, the declared Output is the odd one: blamed (not Element, filled from Output first)
    "append, output declared": (lambda: NetGraph({"a": AppendLayer()}, [], Input=(4, 3), Output=(5, 2)), "Output",
                                (5, 3), (5, 2)),
    "prepend, output declared": (lambda: NetGraph({"a": PrependLayer()}, [], Input=(4, 3), Output=(5, 2)), "Output",
                                 (5, 3), (5, 2)),
    "total, output declared": (lambda: NetGraph({"t": TotalLayer()}, [], Input1=3, Input2=3, Output=4), "Output",
                               (3,), (4,)),
    "reshape": (lambda: NetChain([ReshapeLayer([2, 3])], input=(6,), output=(3, 2)), "Output", (2, 3), (3, 2)),
    "transpose": (lambda: NetChain([TransposeLayer()], input=(2, 3), output=(2, 3)), "Output", (3, 2), (2, 3)),
    "embedding": (lambda: NetChain([EmbeddingLayer(3, 5)], input=(4,), output=(4, 2)), "Output", (4, 3), (4, 2)),
    "dot": (lambda: NetGraph({"d": DotLayer()}, [], Input1=(2, 3), Input2=(3, 4), Output=(2, 5)), "Output",
            (2, 4), (2, 5)),
    "cross entropy": (lambda: NetGraph({"l": CrossEntropyLossLayer("Index")}, [], Input=(4, 3), Target=(5,)),
                      "Target", (4,), (5,)),
    "convolution": (lambda: NetChain([ConvolutionLayer(8, 3), ConvolutionLayer(4, 3, input=(3, 26, 26))],
                                     input=(1, 28, 28)), "Output", (8, 26, 26), (3, 26, 26)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_expected_is_what_the_layer_says_and_found_what_the_port_has(name):
    make, port, expected, found = CASES[name]
    with pytest.raises(ShapeError) as info:
        make()
    (problem,) = info.value.diagnostics
    assert (problem.port, problem.expected, problem.found) == (port, expected, found)
    shapes = ", ".join(map(str, expected)), ", ".join(map(str, found))
    assert f"expected shape ({shapes[0]}), found ({shapes[1]})" in str(info.value)



@pytest.mark.parametrize("name", ["append, output declared", "prepend, output declared"])
def test_a_declared_output_at_odds_with_the_input_is_the_port_declared(name):
    with pytest.raises(ShapeError) as info:
        CASES[name][0]()
    assert info.value.diagnostics[0].declared == "Output"
