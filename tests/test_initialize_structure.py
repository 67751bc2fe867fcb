"""net_initialize's result reuses the net's inferred types and IR only where the new layers differ in arrays alone."""

import pytest
import torch

from netgraph import (ElementwiseLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetMapOperator, NetSharedArray,
                      net_initialize)
from netgraph.core.errors import ShapeError
from netgraph.core.ir import build_ir


def _fresh_ir(net):
    """The IR built from scratch for ``net`` (what ``net.ir`` would be without reuse)."""
    return build_ir(net._leaf_layers(), net._inference.solution(net), net.input_ports, net.output_ports)


def _assert_ir_is_fresh(net):
    fresh = _fresh_ir(net)
    assert [n.path for n in net.ir.nodes] == [n.path for n in fresh.nodes]
    for node, want in zip(net.ir.nodes, fresh.nodes):
        assert node.layer is want.layer is net.layer_at(node.path)
        assert dict(node.types) == dict(want.types) and dict(node.inputs) == dict(want.inputs)
    assert dict(net.ir.outputs) == dict(fresh.outputs)


def test_initialised_graph_renews_only_the_ir_nodes_whose_layers_changed():
    net = NetGraph({"a": LinearLayer(3), "t": ElementwiseLayer("Tanh"), "b": LinearLayer(2)},
                   [("a", "t", "b")], Input=4)
    before = net.ir.nodes
    new = net_initialize(net, seed=0)
    assert new.ir.nodes[1] is before[1]  # Tanh has no arrays: its node is kept
    assert new.ir.nodes[0] is not before[0] and new.ir.nodes[0].types is before[0].types
    assert new.layers["a"].arrays["Weights"].shape == (3, 4) and new.layers["b"].arrays["Biases"].shape == (2,)
    _assert_ir_is_fresh(new)
    assert new.port_types == net.port_types
    assert torch.equal(new(torch.ones(1, 4)), new.compile()(torch.ones(1, 4)))


def test_a_net_without_its_ir_yet_draws_the_same_arrays_and_leaves_the_ir_to_be_built():
    def make():
        return NetGraph({"a": LinearLayer(3), "t": "Tanh", "b": NetChain([LinearLayer(2), LinearLayer(4)])},
                        [("a", "t", "b")], Input=4)
    built = make()
    built.ir
    with_ir, without_ir = net_initialize(built, seed=7), net_initialize(make(), seed=7)
    assert with_ir.__dict__["_ir"] is not None and without_ir.__dict__["_ir"] is None
    assert with_ir == without_ir  # every array equal, bit for bit
    _assert_ir_is_fresh(without_ir)


def test_initialised_nested_graphs_equal_replace_layers_result():
    inner = NetChain([LinearLayer(5), "Tanh"])
    net = NetGraph({"in": inner, "out": LinearLayer(2), "c": NetChain([NetChain([LinearLayer(3)])])},
                   [("in", "out", "c")], Input=4)
    new = net_initialize(net, seed=3)
    _assert_ir_is_fresh(new)
    paths = [node.path for node in net.ir.nodes if node.layer.arrays]
    general = net.replace_layers({path: new.layer_at(path) for path in paths})  # replace_layers' own way
    assert general == new and general.port_types == new.port_types
    for name in ("in", "c"):
        assert type(new.layers[name]) is NetChain
        assert new.layers[name].port_types == general.layers[name].port_types
        _assert_ir_is_fresh(new.layers[name])
    assert new.layer_at(("c", "1", "1")).arrays["Weights"].shape == (3, 2)


def test_a_linear_layer_of_matrix_output_initialises_and_computes_as_handwritten_torch():
    """Biases give the Output's size, not its rank: LinearLayer() before an Output of shape (2, 3) draws (6) biases
    and (6, 3) weights, and computes F.linear unflattened (it was a ShapeError: rank 1 (6) against (2, 3))."""
    for output in (4, (2, 3)):
        net = NetGraph({"a": LinearLayer()}, [], Input=3, Output=output)
        new = net_initialize(net, seed=0)
        _assert_ir_is_fresh(new)
        w, b = new.layers["a"].arrays["Weights"], new.layers["a"].arrays["Biases"]
        size = 4 if output == 4 else 6
        assert tuple(w.shape) == (size, 3) and tuple(b.shape) == (size,)
        assert new.output_shapes == {"Output": (4,) if output == 4 else output}
        x = torch.randn(5, 3)
        want = torch.nn.functional.linear(x, w, b)
        torch.testing.assert_close(new.compile()(x), want if output == 4 else want.unflatten(1, (2, 3)))


def test_a_layer_whose_declared_types_follow_its_arrays_is_inferred_afresh():
    """NetArrayLayer() declares its Output from its array once it has one: not the same structure, so the new net's
    types and IR come from a new inference, not from the old net's."""
    new = net_initialize(NetGraph({"a": NetArrayLayer()}, [], Output=(2, 3)), seed=0)
    assert new.layers["a"].declared_types()["Output"].shape == (2, 3) and new.output_shapes == {"Output": (2, 3)}
    _assert_ir_is_fresh(new)
    torch.testing.assert_close(new.compile()(), new.layers["a"].arrays["Array"])


def test_biases_alone_give_a_linear_layers_output_size():
    assert NetChain([LinearLayer(biases=torch.zeros(5))], input=3).output_shapes == {"Output": (5,)}
    assert NetGraph({"a": LinearLayer(biases=torch.zeros(6))}, [], Input=3, Output=(2, 3)).output_shapes == {
        "Output": (2, 3)}
    with pytest.raises(ShapeError, match=r"port 'Output': expected size 5 \(from biases=\), found \(4,\)") as err:
        NetGraph({"a": LinearLayer(biases=torch.zeros(5))}, [], Input=3, Output=4)
    assert "layer 1 'a' (LinearLayer)" in str(err.value)


@pytest.mark.parametrize("net", [
    NetGraph({"a": LinearLayer(3, weights=NetSharedArray("w")), "b": LinearLayer(3, weights=NetSharedArray("w"))},
             [("a", "b")], Input=3),
    NetGraph({"map": NetMapOperator(LinearLayer(2)), "t": "Tanh"}, [("map", "t")], Input=(5, 3)),
], ids=["shared", "operator"])
def test_shared_arrays_and_operators_initialise_by_replace_layers(net):
    new = net_initialize(net, seed=1)
    _assert_ir_is_fresh(new)
    arrays = [a for node in new.ir.nodes for a in node.layer.arrays.values()]
    assert arrays and all(a is not None for a in arrays)
    if "a" in new.layers:
        assert torch.equal(new.layers["a"].arrays["Weights"], new.layers["b"].arrays["Weights"])


def test_replacing_an_operator_by_another_layer_type_rebuilds_the_graph():
    """It raised AttributeError: the operator's inner-net check read the option ``net`` of the new layer."""
    net = NetGraph({"map": NetMapOperator(LinearLayer(3)), "t": "Tanh"}, [("map", "t")], Input=(5, 3))
    new = net.replace_layers({"map": ElementwiseLayer("Tanh")})
    assert new.output_shapes == {"Output": (5, 3)} and new.layers["map"] == ElementwiseLayer("Tanh")


@pytest.mark.parametrize("keyword, hint", [
    ("random_seed", " (net_train's random_seed is net_initialize's seed)"),
    ("sed", " (did you mean 'seed'?)"), ("Method", " (did you mean 'method'?)")])
def test_an_unknown_keyword_is_an_option_error_naming_the_options(keyword, hint):
    """net_initialize(net, random_seed=0), as net_train spells it, was Python's TypeError ('unexpected keyword
    argument'), where net_train and net_measurements name their options."""
    from netgraph import LinearLayer, NetChain, OptionError, net_initialize
    with pytest.raises(OptionError) as info:
        net_initialize(NetChain([LinearLayer(2)], input=3), **{keyword: 0})
    options = "seed, all, max_elements, method"
    assert str(info.value) == f"net_initialize has no option {keyword!r}{hint}; options: {options}"


def test_an_input_of_unknown_spatial_sizes_is_told_to_name_them():
    """A fully convolutional spec with `input: [3, null, null]` was told 'give the graph input a shape, e.g.
    NetChain(layers, input=3)', though its channels were given (found by QA): a dim of any size is a name."""
    from netgraph import ConvolutionLayer, FlattenLayer, net_initialize
    with pytest.raises(ShapeError) as caught:  # the LinearLayer's weights wait on the sizes (the convolution's do not)
        net_initialize(NetChain([ConvolutionLayer(4, 3), FlattenLayer(), LinearLayer(2)], input=(3, None, None)))
    assert ("has unknown shape (3, ?, ?): give each dim of unknown size (?) a size, or a name for any size: "
            "NetChain(layers, input=(3, 'h', 'w')), or in YAML under 'inputs:' ([3, h, w]); shapes exclude the batch "
            "dimension") in str(caught.value)
    net_initialize(NetChain([ConvolutionLayer(4, 3)], input=(3, "h", "w")))  # as the message says: it initialises
