"""An inner layer that refuses what its operator feeds it is named as a top-level layer is: ``error.layer`` its whole
path through the operators (their option holding the net, then the layers inside) and ``error.port`` its own port at
fault (it was None; with an edge into the operator, the operator's port beside the inner layer's path)."""

from __future__ import annotations

import pytest

from netgraph import (CatenateLayer, ElementwiseLayer, NetBidirectionalOperator, NetChain, NetGraph, NetGraphError,
                      NetMapOperator, NetPairEmbeddingOperator, NetPort, ReshapeLayer)


def _reshape_to_5():
    return NetChain([ReshapeLayer((5,))])


def _catenating():
    """A two-input inner net whose CatenateLayer must give 5 features (its LinearLayer's weights say so)."""
    from netgraph import LinearLayer
    return NetGraph({"c": CatenateLayer(), "lin": LinearLayer(2, input=5)},
                    [(NetPort("A"), NetPort("c", "Input1")), (NetPort("B"), NetPort("c", "Input2")), ("c", "lin")])


@pytest.mark.parametrize("build, layer, port", [
    (lambda: NetGraph({"m": NetMapOperator(_reshape_to_5())}, [], Input=(2, 4)), ("m", "net", "1"), "Input"),
    (lambda: NetGraph({"m": NetMapOperator(NetMapOperator(_reshape_to_5()))}, [], Input=(2, 2, 4)),
     ("m", "net", "layer", "net", "1"), "Input"),
    (lambda: NetChain([NetBidirectionalOperator(NetChain([NetMapOperator(ReshapeLayer((5,)))]))], input=("n", 4)),
     ("1", "forward_net", "1", "net", "layer"), "Input"),
    (lambda: NetGraph({"p": NetPairEmbeddingOperator(_reshape_to_5())}, [], Input1=4, Input2=4), ("p", "net", "1"),
     "Input"),
    (lambda: NetGraph({"m": NetMapOperator(_catenating())}, [], A=("n", 2), B=("n", 2)), ("m", "net", "c"), "Output"),
    (lambda: NetGraph({"t": ElementwiseLayer("Tanh"), "m": NetMapOperator(_catenating())},
                      [(NetPort("X"), "t"), ("t", NetPort("m", "A")), (NetPort("Y"), NetPort("m", "B"))],
                      X=("n", 2), Y=("n", 2)), ("m", "net", "c"), "Output"),  # it named the operator's port 'A'
])
def test_an_inner_layers_refusal_names_its_path_and_its_port(build, layer, port):
    with pytest.raises(NetGraphError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("shape", layer, port), diagnostic
    assert (info.value.layer, info.value.port) == (layer, port)
