"""NetChain: inference through the chain, nesting with graphs, one flat compiled module, names in paths, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import netgraph
from netgraph import (CrossEntropyLossLayer, ElementwiseLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain,
                      NetGraph, NetPort, NormalDistribution, RandomArrayLayer, ShapeError, SoftmaxLayer, WiringError,
                      interpret, net_initialize)


def test_shapes_flow_forward_and_backward_through_a_chain():
    chain = NetChain([LinearLayer(8), "Ramp", LinearLayer(2), "Tanh"], input=3)
    assert chain.input_shapes == {"Input": (3,)} and chain.output_shapes == {"Output": (2,)}
    assert chain.layer_types("2")["Input"].shape == (8,)
    backward = NetChain([NetArrayLayer(), "Tanh", ElementwiseLayer("Exp")], output=(2, 3))
    assert backward.layer_types("1")["Output"].shape == (2, 3)
    assert NetChain(["Tanh", "Ramp"], Output=4).input_shapes == {"Input": (4,)}


def test_a_chain_compiles_to_the_handwritten_mlp():
    chain = net_initialize(NetChain({"fc1": 8, "act": "Ramp", "fc2": 2}, input=3), seed=0)
    module = chain.compile()
    x = torch.randn(5, 3)
    expected = F.linear(torch.relu(F.linear(x, module.fc1.Weights, module.fc1.Biases)), module.fc2.Weights,
                        module.fc2.Biases)
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(chain, module, Input=x), expected)
    assert set(module.state_dict()) == {"fc1.Weights", "fc1.Biases", "fc2.Weights", "fc2.Biases"}


def test_chains_and_graphs_nest_and_compile_flat_with_named_paths():
    inner = NetGraph({"a": LinearLayer(4), "b": LinearLayer(4), "sum": "Plus"}, [(["a", "b"], "sum")])
    net = NetGraph({"enc": NetChain([LinearLayer(6), "Tanh", inner]), "dec": [2, "Tanh"], "skip": LinearLayer(2),
                    "out": "Plus"},
                   [("enc", "dec", "out"), (NetPort("Input"), "skip", "out")], Input=3)
    assert type(net.layers["dec"]).__name__ == "NetChain"  # a nested list is a chain
    net = net_initialize(net, seed=0)
    module = net.compile()
    names = set(module.state_dict())
    assert {"enc.1.Weights", "enc.3.a.Weights", "enc.3.b.Biases", "dec.1.Weights", "skip.Weights"} <= names
    body = module.code.splitlines()[1:]
    assert not any("self.enc(" in line or "self.dec(" in line for line in body)  # one flat forward
    x = torch.randn(4, 3)

    def lin(path, v):
        m = module.get_submodule(path)
        return F.linear(v, m.Weights, m.Biases)
    h = torch.tanh(lin("enc.1", x))
    h = lin("enc.3.a", h) + lin("enc.3.b", h)
    expected = torch.tanh(lin("dec.1", h)) + lin("skip", x)
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)
    torch.testing.assert_close(net(x), expected)


def test_a_chain_inside_a_chain_inside_a_graph_infers_backwards():
    net = NetGraph({"c": NetChain([[NetArrayLayer(), "Tanh"], "Exp"])}, [], Output=(2, 2))
    assert net.layer_types(("c", "1", "1"))["Output"].shape == (2, 2)


def test_a_loss_layer_ends_a_chain_and_its_target_becomes_an_input():
    chain = NetChain([LinearLayer(4), SoftmaxLayer(), CrossEntropyLossLayer("Index")], input=3)
    assert chain.input_ports == ("Input", "Target")
    assert chain.port_types["Target"].dtype == "Integer"
    assert chain.output_shapes == {"Loss": ()}


def test_multi_input_first_layer_and_multi_output_last_layer_pass_through():
    chain = NetChain([FunctionLayer("#a * #b"), "Tanh"], a=3, b=3)
    assert chain.input_ports == ("a", "b") and chain.output_shapes == {"Output": (3,)}


def test_chain_errors_name_the_layers():
    with pytest.raises(ShapeError) as info:
        NetChain([LinearLayer(3), LinearLayer(4, input=5)], input=2)
    message = str(info.value)
    assert "layer 2 (LinearLayer)" in message and "layer 1 (LinearLayer)" in message and "edge 1 -> 2" in message
    with pytest.raises(WiringError, match=r"layer 2 \(RandomArrayLayer\) has no input port"):
        NetChain([LinearLayer(3), RandomArrayLayer(NormalDistribution(0, 1), output=3)], input=2)
    two_outputs = NetGraph([LinearLayer(2), LinearLayer(2)], [])
    with pytest.raises(WiringError, match=r"layer 1 \(NetGraph\) should have exactly one output port to feed layer 2"):
        NetChain([two_outputs, "Tanh"])
    with pytest.raises(WiringError, match="input= and Input= both"):
        NetChain([LinearLayer(2)], input=3, Input=3)
    with pytest.raises(WiringError, match="at least one layer"):
        NetChain([])


def test_a_bad_link_is_the_error_raised_when_other_things_are_wrong_too():
    """The links are checked while the chain is wired, after its port keywords and nesting depth: a bad link is
    still the one error raised (not raised while handling another)."""
    source = RandomArrayLayer(NormalDistribution(0, 1), output=3)
    no_input = r"^invalid NetChain: layer 2 \(RandomArrayLayer\) has no input port, so it cannot follow layer 1"
    with pytest.raises(WiringError, match=no_input) as info:
        NetChain([LinearLayer(3), source], input=3, Input=3)
    assert info.value.__context__ is None and [d.kind for d in info.value.diagnostics] == ["chain-input"]
    deep = NetChain([LinearLayer(2)])
    for _ in range(4):
        deep = NetChain([deep])
    with netgraph.limits(nesting_depth=3), pytest.raises(WiringError, match=no_input) as info:
        NetChain([deep, source])
    assert info.value.__context__ is None


def test_editing_a_chain_keeps_it_a_chain():
    chain = net_initialize(NetChain({"a": 4, "b": "Tanh", "c": 2}, input=3), seed=0)
    bigger = chain.replace_layers({"c": LinearLayer(5)})
    assert isinstance(bigger, NetChain) and bigger.output_shapes == {"Output": (5,)}
    module = chain.compile()
    with torch.no_grad():
        module.a.Weights.add_(1.0)
    back = module.to_net()
    assert isinstance(back, NetChain)
    torch.testing.assert_close(back.layers["a"].arrays["Weights"], module.a.Weights.detach())
    assert back != chain and NetChain(chain.options().pop("layers"), input=3) == chain
    assert repr(chain) == "NetChain(<3 layers>, inputs={'Input': (3,)}, outputs={'Output': (2,)})"


def test_editing_a_chain_builds_it_once(monkeypatch):
    """replace_layers built a NetGraph, then a NetChain from its layers: two wirings and inferences per edit."""
    chain = net_initialize(NetChain({"a": 4, "b": "Tanh", "c": 2}, input=3), seed=0)
    builds, construct = [], NetGraph._construct
    monkeypatch.setattr(NetGraph, "_construct", lambda net, *a: builds.append(type(net)) or construct(net, *a))
    bigger = chain.replace_layers({"c": LinearLayer(5)})
    assert builds == [NetChain] and isinstance(bigger, NetChain) and bigger.output_shapes == {"Output": (5,)}
    torch.testing.assert_close(bigger.layers["a"].arrays["Weights"], chain.layers["a"].arrays["Weights"])


def test_replacing_a_chain_layer_by_one_with_two_outputs_is_the_chain_error():
    """The NetGraph built first said "edge b -> c: ... has no port 'Output'", of kind unknown-port."""
    chain = NetChain({"a": 4, "b": "Tanh", "c": 3}, input=2)
    two = NetGraph({"l": LinearLayer(4), "m": LinearLayer(4)}, [(NetPort("Input"), "l"), (NetPort("Input"), "m")])
    with pytest.raises(WiringError, match=r"layer 2 'b' \(NetGraph\) should have exactly one output port to feed "
                                          r"layer 3, found \['Output1', 'Output2'\]") as info:
        chain.replace_layers({"b": two})
    assert info.value.kind == "chain-output"


def test_long_chains_build_quickly():
    chain = NetChain([4] + ["Tanh", 4] * 300, input=4)
    assert chain.output_shapes == {"Output": (4,)}


def test_a_bare_layer_type_name_is_a_shorthand_in_python_as_in_yaml():
    from netgraph import NetChain, SoftmaxLayer
    chain = NetChain([3, "SoftmaxLayer"], input=2)
    assert chain.layers["2"] == SoftmaxLayer()
    assert NetChain.from_yaml("netgraph: 1\ntype: NetChain\nlayers: [3, SoftmaxLayer]\ninputs: {Input: 2}\n") == chain


def test_repr_and_collapsed_graph_label_say_1_layer():
    """They said "<1 layers>" and "1 layers"."""
    from netgraph.render import diagram
    chain = NetChain({"l": LinearLayer(2)})
    assert repr(chain).startswith("NetChain(<1 layer>,") and repr(NetGraph([chain], [])).startswith("NetGraph(<1 layer>,")
    boxes = [n for n in diagram(NetGraph({"enc": chain}, [], Input=3), expand=False).nodes if n.kind == "graph"]
    assert boxes[0].lines[0] == "1 layer"


def test_net_graph_of_a_chain_or_a_layer_is_the_equivalent_graph():
    # Wolfram's NetGraph[chain] and NetGraph[layer]
    from netgraph import MeanSquaredLossLayer, net_set_learning_rate_multipliers
    chain = net_initialize(NetChain({"a": LinearLayer(4), "act": "Ramp", "loss": MeanSquaredLossLayer()}, input=3),
                           seed=0)
    chain = net_set_learning_rate_multipliers(chain, {"a": 0})
    graph = NetGraph(chain)
    assert type(graph) is NetGraph and list(graph.layers) == ["a", "act", "loss"]
    assert (graph.input_ports, graph.output_ports) == (chain.input_ports, chain.output_ports)
    assert graph.input_shapes == chain.input_shapes and graph.learning_rate_multipliers == {"a": 0.0}
    x, t = torch.randn(5, 3), torch.randn(5, 4)
    torch.testing.assert_close(graph(Input=x, Target=t), chain(Input=x, Target=t))
    numbered = NetGraph(NetChain([LinearLayer(4), "Tanh"]), Input=3)
    assert list(numbered.layers) == ["1", "2"] and numbered.output_shapes == {"Output": (4,)}
    assert numbered.explicit_edges() == [(NetPort("1", "Output"), NetPort("2", "Input"))]
    assert NetGraph(LinearLayer(3), Input=2).output_shapes == {"Output": (3,)}
    assert NetGraph(FunctionLayer("#a + #b"), a=2).input_ports == ("a", "b")
    with pytest.raises(WiringError, match=r"NetGraph\(LinearLayer\) is the equivalent graph and takes no edges"):
        NetGraph(LinearLayer(3), [(1, 2)])


def test_input_on_a_chain_whose_first_layer_has_no_input_says_so():
    # it said "'input' is neither an input nor an output port of this NetGraph; its ports are inputs []"
    with pytest.raises(WiringError, match=r"NetChain: input= gives the shape of the first layer's input, but layer 1 "
                                          r"'a' \(NetArrayLayer\) has no input port"):
        NetChain({"a": NetArrayLayer(output=3), "b": "Ramp"}, input=2)


def test_a_mistyped_shape_keyword_of_a_chain_names_the_chain_and_its_input_keyword():
    # NetChain(..., inputs=3) said "... port of this NetGraph (did you mean 'Input'?)"
    with pytest.raises(WiringError, match=r"'inputs' is neither an input nor an output port of this NetChain "
                                          r"\(did you mean 'input'\?\)"):
        NetChain([LinearLayer(4)], inputs=3)
    with pytest.raises(WiringError, match=r"'ouput' .* of this NetChain \(did you mean 'output'\?\)"):
        NetChain([LinearLayer(4)], ouput=3)
    with pytest.raises(WiringError, match=r"'input' .* of this NetGraph \(did you mean 'Input'\?\)"):
        NetGraph([LinearLayer(4)], [], input=3)  # a graph has no input= keyword: its port is suggested


def test_layers_given_one_by_one_as_nn_sequential_takes_them_say_to_give_a_list():
    """Found by QA with torch habits: NetChain(LinearLayer(3), 'Ramp', input=4), nn.Sequential's form, was Python's
    TypeError 'takes from 1 to 2 positional arguments but 3 were given'."""
    from netgraph import LinearLayer, NetChain, WiringError
    with pytest.raises(WiringError) as info:
        NetChain(LinearLayer(3), "Ramp", LinearLayer(2), input=4)
    assert str(info.value) == ("NetChain takes its layers as one list (or dict), found 3 layers given one by one "
                               "as torch's nn.Sequential(l1, l2) takes them: NetChain([l1, l2, ...])")
    assert info.value.diagnostics[0].option == "layers"
    listed = NetChain([LinearLayer(3), "Ramp", LinearLayer(2)], input=4)
    assert len(listed) == 3 and listed.output_shapes == {"Output": (2,)}


@pytest.mark.parametrize("keywords", [{"input": 3}, {"input": 3, "Input": 3}])
def test_a_bad_links_problems_are_found_once(monkeypatch, keywords):
    """chain_wiring raises the links' error; NetChain found the same problems again to raise it (only a port keyword's
    error, raised before the wiring, needs them found there)."""
    from netgraph.core import chain, chain_wiring
    calls, found = [], chain_wiring.link_problems
    counted = lambda *args: calls.append(1) or found(*args)  # noqa: E731
    monkeypatch.setattr(chain_wiring, "link_problems", counted)
    monkeypatch.setattr(chain, "link_problems", counted)
    with pytest.raises(WiringError, match=r"layer 2 \(RandomArrayLayer\) has no input port") as info:
        NetChain([LinearLayer(3), RandomArrayLayer(NormalDistribution(0, 1), output=3)], **keywords)
    assert len(calls) == 1 and [d.kind for d in info.value.diagnostics] == ["chain-input"]
