"""An inner layer that refuses what its operator feeds it is named as a top-level layer is: ``error.layer`` its whole
path through the operators (their option holding the net, then the layers inside) and ``error.port`` its own port at
fault (it was None; with an edge into the operator, the operator's port beside the inner layer's path). An operator's
own rule (a fold's state, a nest's feedback, a pair's one net, a bidirectional's joined outputs) names the port whose
shape it found, of the operator or of its inner net."""

from __future__ import annotations

import pytest

from netgraph import (AggregationLayer, CatenateLayer, ElementwiseLayer, EmbeddingLayer, NetBidirectionalOperator,
                      NetChain, NetFoldOperator, NetGraph, NetGraphError, NetMapOperator, NetNestOperator,
                      NetPairEmbeddingOperator, NetPort, ReshapeLayer)


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


def _fold_net():
    """A fold step whose state is 3 features (its LinearLayer's output)."""
    from netgraph import LinearLayer
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3)},
                    [(NetPort("State"), NetPort("cat", "Input1")), (NetPort("Input"), NetPort("cat", "Input2")),
                     ("cat", "lin", NetPort("Output"))])


def _bidirectional(nets, aggregation="Catenate", shape=("n", 3)):
    return lambda: NetChain([NetBidirectionalOperator(nets, aggregation)], input=shape)


def _mapped(size):
    from netgraph import LinearLayer
    return NetChain([NetMapOperator(LinearLayer(size))])


@pytest.mark.parametrize("build, layer, port, found", [
    (lambda: NetGraph({"f": NetFoldOperator(_fold_net(), True)}, [], Input=("n", 2), InitialState=4), ("f",),
     "InitialState", (4,)),
    (lambda: NetGraph({"f": NetFoldOperator(_fold_net())}, [], Input=("n", 2), State=4), ("f",), "State", (4,)),
    (lambda: NetGraph({"f": NetFoldOperator(_fold_net())}, [], Input=("n", 2), Output=("n", 4)), ("f",), "Output",
     (4,)),
    (lambda: NetChain([NetFoldOperator(NetGraph({"c": CatenateLayer(), "r": ReshapeLayer((5,))}, [
        (NetPort("State"), NetPort("c", "Input1")), (NetPort("Input"), NetPort("c", "Input2")),
        ("c", "r", NetPort("Output"))]))], input=("n", 2)), ("1", "net"), "Output", (5,)),
    (lambda: NetGraph({"n": NetNestOperator(ElementwiseLayer("Tanh"), 2)}, [], Input=3, Output=4), ("n",), "Output",
     (4,)),
    (lambda: NetChain([NetNestOperator(NetChain([EmbeddingLayer(1, 3), AggregationLayer("Total", levels=[1])]), 1)],
                      input=()), ("1", "net"), "Output", "Real"),  # (its message said not that the output feeds back)
    (lambda: NetGraph({"p": NetPairEmbeddingOperator(ElementwiseLayer("Tanh"))}, [], Input1=3, Input2=4), ("p",),
     "Input2", (4,)),
    (_bidirectional(ElementwiseLayer("Tanh"), shape=("n",)), ("1", "forward_net"), "Output", ("n",)),
    (_bidirectional([_mapped(2), _mapped(3)], "Plus"), ("1", "backward_net"), "Output", ("n", 3)),
    (_bidirectional([ElementwiseLayer("Tanh"), NetChain([ReshapeLayer((3, 2))])], shape=(2, 3)),
     ("1", "backward_net"), "Output", 3),
])
def test_an_operators_own_rule_names_the_port_whose_shape_it_found(build, layer, port, found):
    """Each named the operator's first port whose shape was given (its input), beside the found shape of another:
    the fold's state given at InitialState, State or Output, the nest's Output, the pair's Input2, a bidirectional
    inner net's Output (the inner net's own port: the path ends at its option)."""
    with pytest.raises(NetGraphError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.found) == ("shape", layer, port, found)


@pytest.mark.parametrize("given, port, said", [
    (dict(InitialState=4, State=5), "InitialState", "port 'InitialState' disagrees with 'Output' and 'State'"),
    (dict(InitialState=4, Output=("n", 5)), "InitialState", "port 'InitialState' disagrees with 'Output' and 'State'"),
    (dict(State=4, Output=("n", 5)), "Output", "ports 'Output' and 'State' disagree")])
def test_a_fold_state_conflict_names_in_its_text_the_port_it_reports(given, port, said):
    """With InitialState the odd one out, the text said "ports 'Output' and 'State' disagree" while the error's port
    was 'InitialState'."""
    with pytest.raises(NetGraphError) as info:
        NetGraph({"f": NetFoldOperator(_fold_net(), True)}, [], Input=("n", 2), **given)
    (diagnostic,) = info.value.diagnostics
    assert f"'f' (NetFoldOperator): {said}" in str(info.value)
    assert diagnostic.port == port


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("run", ["net_initialize", "compile"])
def test_arrays_an_operator_cannot_size_name_the_inner_layer_and_port(depth, run):
    """As a top-level LinearLayer(None) is named (its port 'Output'); it named the operator alone (no port), and inside
    nested operators the message lost the inner operator's place."""
    from netgraph import LinearLayer, ShapeError, net_initialize
    inner = NetChain([LinearLayer(None), "Ramp", LinearLayer(4)])
    for _ in range(depth):
        inner = NetMapOperator(inner)
    net = NetGraph({"ff": inner}, [], Input=(*("m", "n")[:depth], 4))
    with pytest.raises(ShapeError) as info:
        net_initialize(net) if run == "net_initialize" else net.compile()
    (diagnostic,) = info.value.diagnostics
    path = ("ff", *("net", "layer") * (depth - 1), "net", "1")
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("unknown-shape", path, "Output"), diagnostic
    assert ("net: layer 1 'layer' (NetMapOperator): cannot size" in str(info.value)) == (depth == 2)


@pytest.mark.parametrize("fed", [False, True])
def test_a_nests_output_disagreeing_with_its_input_is_named_at_the_inner_nets_output_fed_or_not(fed):
    """Fed (3) from the graph input, a nest whose net gives (2) was named at the operator's 'Input' (the edge's port)
    with 'expected (2), found (3)'; unfed, at its inner net's 'Output': the same now for both."""
    from netgraph import LinearLayer
    inner = NetChain([LinearLayer(2)], input=3)
    with pytest.raises(NetGraphError) as info:
        NetChain([NetNestOperator(inner, 2)], **({"input": 3} if fed else {}))
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("shape", ("1", "net"), "Output")
    assert (diagnostic.expected, diagnostic.found) == ((3,), (2,))
    assert "layer 1 (NetNestOperator): its inner net's 'Output' is fed back into 'Input', so they must agree: " \
           "expected shape (3), found (2)" in diagnostic.message
