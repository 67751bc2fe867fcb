"""Calling a layer, ``layer(x)``, as the one-layer net ``NetGraph(layer)`` (Wolfram's ``layer[x]``), and nets whose
input shapes are unknown taking them from the data (one example, or a list of examples)."""

from __future__ import annotations

import copy
import pickle

import numpy
import pytest
import torch

from netgraph import (DataError, DropoutLayer, ElementwiseLayer, FunctionLayer, KLDivergenceLayer, LinearLayer,
                      NetChain, NetGraph, NetMapOperator, NetNestOperator, NormalDistribution, OptionError, Padded,
                      PartLayer, RandomArrayLayer, SoftmaxLayer, ShapeError, UninitializedError, interpret,
                      net_initialize, net_port_gradient)
from netgraph.core.layer_call import as_net
from netgraph.render.nodes import option_lines


def linear():
    return net_initialize(LinearLayer(3, input=2), seed=5)


def raised(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("x", [torch.randn(2), torch.randn(4, 2), numpy.ones((4, 2)), [1.0, -2.0]])
def test_a_layer_evaluates_as_its_one_layer_net(x):
    layer = linear()
    out = layer(x)
    torch.testing.assert_close(out, NetGraph(layer)(x))
    expected = torch.as_tensor(numpy.asarray(x), dtype=torch.float32) @ layer.weights.T + layer.biases
    torch.testing.assert_close(out, expected)


def test_a_layer_call_equals_the_interpreted_module():
    layer, x = linear(), torch.randn(5, 2)
    net = as_net(layer)
    torch.testing.assert_close(layer(x), interpret(net, net.compile(), Input=x))


def test_keyword_forms_and_evaluation_options_are_the_nets():
    layer, x = linear(), torch.randn(6, 2)
    net = NetGraph(layer)
    assert torch.equal(layer(Input=x), net(Input=x)) and torch.equal(layer({"Input": x}), net(x))
    assert torch.equal(layer(x, batch_size=2), net(x))
    assert layer(x, precision="float64").dtype == torch.float64
    drop, ones = DropoutLayer(0.5, input=1000), torch.ones(1000)
    a = drop(ones, mode="train", seed=7)
    assert torch.equal(a, drop(ones, mode="train", seed=7))
    assert torch.equal(a, NetGraph(drop)(ones, mode="train", seed=7))
    assert 350 < int((a == 0).sum()) < 650  # about half dropped (p = 0.5, 1000 draws)
    assert torch.equal(drop(ones), ones)  # test mode by default, as net(x)


def test_a_layer_with_several_inputs_takes_its_ports_by_keyword():
    layer, a, b = FunctionLayer("#a * #b + 1", input={"a": 2, "b": 2}), torch.randn(3, 2), torch.randn(3, 2)
    torch.testing.assert_close(layer(a=a, b=b), a * b + 1)
    assert raised(lambda: layer(a)) == raised(lambda: NetGraph(layer)(a))


@pytest.mark.parametrize("call", [lambda f: f(torch.ones(5)), lambda f: f(Inptu=torch.ones(2)),
                                  lambda f: f(torch.ones(2), batchsize=3), lambda f: f(torch.ones(2), mode="fast")])
def test_wrong_data_and_keywords_are_the_nets_errors(call):
    layer = linear()
    kind, message = raised(lambda: call(layer))
    assert (kind, message) == raised(lambda: call(NetGraph(layer)))
    assert issubclass(kind, (DataError, OptionError))


def test_an_uninitialised_layer_names_its_arrays_and_net_initialize():
    with pytest.raises(UninitializedError) as info:
        LinearLayer(3, input=2)(torch.ones(2))
    assert str(info.value).startswith("LinearLayer has uninitialised arrays; call net_initialize(layer) first")
    assert [d.message for d in info.value.diagnostics] == ["array 'Weights'", "array 'Biases'"]
    assert all(d.layer == () and d.kind == "uninitialized" for d in info.value.diagnostics)
    with pytest.raises(UninitializedError, match=r"array 'Weights' of net/layer"):
        NetMapOperator(LinearLayer(3, input=2))(torch.ones(4, 2))
    with pytest.raises(UninitializedError, match=r"once its inputs have shapes"):
        LinearLayer(3)(torch.ones(2))


def test_the_net_a_call_makes_leaves_the_layers_value_alone():
    layer = linear()
    before, twin = hash(layer), linear()
    first = layer(torch.ones(2))
    assert as_net(layer) is as_net(layer)  # made once, its compiled module cached as any net's
    assert layer == twin and hash(layer) == before == hash(twin)
    for copied in (copy.copy(layer), copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert copied == layer and torch.equal(copied(torch.ones(2)), first)
    pickled = pickle.dumps(layer)  # the cached net is not pickled (nor copied): no NetGraph in it
    assert b"NetGraph" not in pickled and b"NetGraph" in pickle.dumps(as_net(layer))
    assert "_as_net" not in pickle.loads(pickled).__dict__ and "_as_net" not in copy.copy(layer).__dict__


def test_a_layer_is_still_no_python_function_where_one_is_asked_for():
    with pytest.raises(OptionError, match="slot expression string or a Python function, found LinearLayer"):
        FunctionLayer(LinearLayer(3))
    with pytest.raises(OptionError, match="takes a net or a layer as its first argument, found function"):
        net_port_gradient(lambda x: torch.tanh(x), torch.ones(3))
    with pytest.raises(OptionError, match="needs a distribution such as NormalDistribution"):
        RandomArrayLayer(LinearLayer(3))
    assert option_lines(NetNestOperator(NetChain([LinearLayer(3)]), 2)) == ["NetChain", "n=2"]  # the net, as before


@pytest.mark.parametrize("x", [torch.randn(3), torch.randn(4, 3)])
def test_a_layers_port_gradient_is_its_one_layer_nets(x):
    """Wolfram's NetPortGradient takes a layer as NetGraph[layer]: the gradient of its summed outputs."""
    torch.testing.assert_close(net_port_gradient(ElementwiseLayer("Sin", input=3), x), torch.cos(x))
    layer = linear()
    weights = layer.arrays["Weights"]
    x2 = x[..., :2]
    torch.testing.assert_close(net_port_gradient(layer, x2), weights.sum(0).expand_as(x2))
    seed = torch.tensor([1.0, -2.0, 0.5])
    torch.testing.assert_close(net_port_gradient(layer, x2, of={"Output": seed}), (seed @ weights).expand_as(x2))


def test_an_uninitialised_layers_port_gradient_names_its_arrays():
    with pytest.raises(UninitializedError, match="LinearLayer has uninitialised arrays"):
        net_port_gradient(LinearLayer(3, input=2), torch.ones(2))


# -- input ports of unknown shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [torch.tensor([-1.0, 0.0, 1.0]), [-1, 0, 1], numpy.array([[0.5, 2.0]]), 0.25,
                               torch.randn(2, 3, 4)])
def test_data_at_a_port_of_unknown_shape_is_one_example(x):
    want = torch.tanh(torch.as_tensor(numpy.asarray(x), dtype=torch.float32))
    torch.testing.assert_close(ElementwiseLayer("Tanh")(x), want)
    shaped = NetChain([ElementwiseLayer("Tanh")], input=list(want.shape))
    torch.testing.assert_close(NetChain([ElementwiseLayer("Tanh")])(x), shaped(x))


def test_a_list_of_tensors_at_a_port_of_unknown_shape_is_a_batch():
    examples = [torch.randn(4), torch.randn(4), torch.randn(4)]
    out = SoftmaxLayer()(examples)
    torch.testing.assert_close(out, torch.softmax(torch.stack(examples), -1))
    torch.testing.assert_close(SoftmaxLayer()([e.numpy() for e in examples]), out)
    torch.testing.assert_close(SoftmaxLayer()(examples[0]), out[0])


def test_the_shaped_net_is_cached_for_the_last_shapes():
    net = NetChain([ElementwiseLayer("Exp")])
    torch.testing.assert_close(net(torch.zeros(3)), torch.ones(3))
    torch.testing.assert_close(net(torch.zeros(2, 2)), torch.ones(2, 2))
    torch.testing.assert_close(net(torch.zeros(3)), torch.ones(3))
    assert net.input_shapes == {"Input": None}  # the net itself is unchanged


def test_the_shaped_nets_of_a_few_recent_shapes_are_kept(monkeypatch):
    """Calling a net of unknown input shape alternately with two shapes compiles each shape once, not once per call;
    past SHAPES_KEPT shapes the least recently used is compiled again."""
    from netgraph.backend import data_shapes
    compiled, real = [], NetGraph.compile
    monkeypatch.setattr(NetGraph, "compile", lambda net, checks=None: compiled.append(net.input_shapes["Input"])
                        or real(net, checks))
    net = NetChain([ElementwiseLayer("Exp")])
    for _ in range(3):
        torch.testing.assert_close(net(torch.zeros(3)), torch.ones(3))
        torch.testing.assert_close(net(torch.zeros(2, 2)), torch.ones(2, 2))
    assert compiled == [(3,), (2, 2)]
    net(torch.zeros(3))  # (2, 2) is now the shape used least recently
    others = [(n,) for n in range(4, 4 + data_shapes.SHAPES_KEPT - 1)]  # the last one pushes (2, 2) out
    for shape in others:
        net(torch.zeros(shape))
    net(torch.zeros(3))
    assert compiled == [(3,), (2, 2), *others]
    net(torch.zeros(2, 2))
    assert compiled == [(3,), (2, 2), *others, (2, 2)]


@pytest.mark.parametrize("make", [lambda: ElementwiseLayer("Tanh"), lambda: NetChain([ElementwiseLayer("Tanh")]),
                                  lambda: NetGraph({"t": ElementwiseLayer("Tanh")}, [])])
def test_the_port_gradient_of_a_net_of_unknown_shape_takes_the_shape_from_the_data(make):
    x = torch.randn(2, 3)
    want = 1 - torch.tanh(x) ** 2
    torch.testing.assert_close(net_port_gradient(make(), x), want)  # one example: x's shape, no batch dim
    torch.testing.assert_close(net_port_gradient(make(), list(x)), want)  # a list of examples: a batch
    torch.testing.assert_close(net_port_gradient(make(), 0.5), 1 - torch.tanh(torch.tensor(0.5)) ** 2)


def test_the_port_gradients_of_several_ports_of_unknown_shape():
    a, b = torch.randn(2, 3), torch.randn(3)
    grads = net_port_gradient(FunctionLayer("#a * #b"), {"a": a, "b": b})
    torch.testing.assert_close(grads["a"], b.expand(2, 3))
    torch.testing.assert_close(grads["b"], a.sum(0))
    with pytest.raises(DataError, match="do not fit the net"):
        net_port_gradient(FunctionLayer("#a * #b"), {"a": torch.ones(2), "b": torch.ones(3)})


def test_ports_of_unknown_shape_each_take_their_data():
    layer, a, b = FunctionLayer("#a - #b"), torch.randn(2, 3), torch.randn(3)
    torch.testing.assert_close(layer(a=a, b=b), a - b)
    with pytest.raises(DataError, match="do not fit the net") as info:
        layer(a=torch.ones(2), b=torch.ones(3))
    assert info.value.diagnostics[0].found == (("a", (2,)), ("b", (3,)))  # the shapes by port, as (key, value) pairs
    with pytest.raises(DataError, match="different batch sizes"):
        layer(a=[torch.ones(2)] * 3, b=torch.ones(2))


@pytest.mark.parametrize("data, words", [
    ([torch.ones(2), torch.ones(3)], "examples have different shapes (2), (3): give the port a shape"),
    (Padded(torch.ones(2, 3), torch.tensor([2, 3])), "Padded data needs a port shape"),
    ([[1.0, 2.0], [3.0]], "nested lists of different lengths) is no array"),
    ("abc", "has no encoder"),
    ([], "no examples"),
])
def test_data_that_cannot_give_a_shape_is_a_data_error(data, words):
    with pytest.raises(DataError) as info:
        ElementwiseLayer("Tanh")(data)
    assert words in str(info.value)


def test_data_that_does_not_fit_a_later_layer_is_a_data_error():
    net = NetChain([ElementwiseLayer("Tanh"), PartLayer(3)])
    torch.testing.assert_close(net(torch.arange(4.0)), torch.tanh(torch.tensor(2.0)))
    with pytest.raises(DataError, match=r"example shapes Input: \(2\) do not fit the net: .*out of range") as info:
        net(torch.ones(2))
    assert info.value.diagnostics[0].port == "Input" and info.value.diagnostics[0].kind == "data-shape"


def test_an_uninitialised_net_of_unknown_input_shape_still_asks_for_the_shape():
    """Its arrays need the shape on the net (net_initialize cannot read data): the error says so, not only
    "call net_initialize(net)", which would fail for the unknown shape."""
    with pytest.raises(ShapeError, match=r"graph input 'Input' .* has unknown shape \?: give the graph input a shape"):
        NetChain([ElementwiseLayer("Tanh"), LinearLayer(2)])(torch.ones(3))
    with pytest.raises(UninitializedError, match=r"call net_initialize\(layer\) once its inputs have shapes"):
        NetMapOperator(LinearLayer(2))(torch.ones(4, 3))


@pytest.mark.parametrize("build", [lambda d: RandomArrayLayer(d),
                                   lambda d: KLDivergenceLayer(d, NormalDistribution(0, 1)),
                                   lambda d: KLDivergenceLayer(NormalDistribution(0, 1), d)])
def test_a_torch_distribution_names_netgraphs_distribution_of_that_name(build):
    """Found by QA with torch habits: RandomArrayLayer(torch.distributions.Normal(0, 1)) said 'needs a distribution
    such as NormalDistribution(0, 1), found Normal(loc: 0.0, scale: 1.0)', not that it is torch's."""
    with pytest.raises(OptionError) as info:
        build(torch.distributions.Normal(0.0, 1.0))
    assert ("(torch's distributions.Normal is NormalDistribution(mu, sigma) here, its parameters by position in "
            "Wolfram's order)") in str(info.value)
    with pytest.raises(OptionError) as info:
        build(torch.distributions.Chi2(3.0))
    assert "(torch's distributions.Chi2 is no netgraph distribution" in str(info.value)


def test_a_port_with_a_variable_length_and_an_unknown_size_takes_the_size_from_sequences():
    # Padded data there was told it "needs a port shape with a variable length", and sequences stayed unknown
    open_net = NetGraph({"r": ElementwiseLayer("Ramp")}, [], Input=("n", None))
    known = NetGraph({"r": ElementwiseLayer("Ramp")}, [], Input=("n", 2))
    x = torch.tensor([[[1.0, -2.0], [-3.0, 4.0], [5.0, 6.0]], [[-1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]])
    padded = Padded(x, torch.tensor([3, 1]))
    sequences = [x[0], x[1, :1]]
    for data in (padded, sequences, [s.tolist() for s in sequences]):
        found, expected = open_net(data), known(data)
        assert len(found) == 2 and all(torch.equal(f, e) for f, e in zip(found, expected))
    assert [f.tolist() for f in found] == [[[1.0, 0.0], [0.0, 4.0], [5.0, 6.0]], [[0.0, 2.0]]]
    with pytest.raises(DataError, match="Padded data needs a port shape with a variable length"):
        NetGraph({"r": ElementwiseLayer("Ramp")}, [], Input=(None, None))(padded)
