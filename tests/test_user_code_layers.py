"""Layers that run their author's code (a Layer subclass of one's own, a FunctionLayer's Python function) get the
protections a TorchLayer's module gets: a mistake is one error naming the layer, not torch's error later."""

from __future__ import annotations

import copy
import re

import pytest
import torch
from torch import nn

from netgraph import (DataError, ElementwiseLayer, EmbeddingLayer, FunctionLayer, LinearLayer, NetChain, NetGraph,
                      NetPort, OptionError, ShapeError, ThreadingLayer, net_initialize)
from netgraph.backend.interpreter import interpret
from netgraph.core.types import PortType, unify
from netgraph.layers import Layer


class _Same(Layer, register=False):
    """Input and Output share one type; ``module`` (a class attribute) is what build gives."""
    input_ports = ("Input",)
    module = nn.Identity

    def infer(self, types):
        t = unify(types["Input"], types["Output"])
        return {"Input": t, "Output": t}

    def build(self, types):
        return type(self).module()


def _layer(forward):
    """A layer of its own class whose module's forward is ``forward``."""
    module = type("Module", (nn.Module,), {"forward": lambda self, x: forward(x)})
    return type("Own", (_Same,), {"module": module}, register=False)()


@pytest.mark.parametrize("forward, found", [(lambda x: None, "NoneType"), (lambda x: {"Output": x}, "dict")])
@pytest.mark.parametrize("compiled", [False, True])
def test_a_module_returning_no_tensor_is_a_shape_error(forward, found, compiled):
    net = net_initialize(NetChain([_layer(forward), LinearLayer(2)], input=3), seed=0)
    with pytest.raises(ShapeError, match=rf"layer 1 \(Own\): the module from Own.build\(\) must return one tensor per "
                                         rf"output port \['Output'\] .*returned {found}") as info:
        (net.compile() if compiled else net)(torch.ones(2, 3))
    assert (info.value.kind, info.value.found) == ("layer-contract", found)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_layer_type_without_build_is_an_option_error_naming_it(compiled):
    class NoBuild(Layer, register=False):
        input_ports = ("Input",)

        def infer(self, types):
            return _Same.infer(self, types)
    net = NetChain([NoBuild()], input=3)
    with pytest.raises(OptionError, match=r"layer 1 \(NoBuild\): layer type NoBuild has no build\(types\) method") \
            as info:
        net.compile() if compiled else net(torch.ones(2, 3))
    assert (info.value.kind, info.value.layer) == ("layer-contract", ("1",))


def test_declared_types_giving_no_port_type_is_a_shape_error_naming_the_layer():
    class Declares(_Same, register=False):
        def declared_types(self):
            return {"Input": "Integer"}
    with pytest.raises(ShapeError, match=r"layer 1 \(Declares\): Declares.declared_types\(\) must return a dict of "
                                         r"port name -> PortType, returned str 'Integer' \(write PortType\(None, "
                                         r"'Integer'\)\)") as info:
        NetChain([Declares()], input=3)
    assert (info.value.kind, info.value.found) == ("layer-contract", "str")


@pytest.mark.parametrize("declared, found", [(["Input"], "list ['Input']"), (None, "NoneType None"),
                                             ({"Input": PortType(None, "Real"), "Output": 3}, "int 3"),
                                             ({"Other": "Real"}, "str 'Real'")])
def test_declared_types_giving_no_dict_of_port_types_is_one_shape_error(declared, found):
    class Declares(_Same, register=False):
        def declared_types(self):
            return declared
    with pytest.raises(ShapeError, match=rf"layer 1 \(Declares\): Declares.declared_types\(\) must return a dict of "
                                         rf"port name -> PortType, returned {re.escape(found)}") as info:
        NetChain([Declares()], input=3)
    assert (info.value.kind, info.value.layer) == ("layer-contract", ("1",))


@pytest.mark.parametrize("ports", [{"input_ports": ("A", "A")}, {"input_ports": ("A",), "output_ports": ("A",)}])
def test_a_port_named_twice_is_refused_when_the_class_is_defined(ports):
    with pytest.raises(OptionError, match=r"layer type Twice: port 'A' is named twice") as info:
        type("Twice", (Layer,), dict(ports), register=False)
    assert (info.value.kind, info.value.found) == ("layer-contract", "A")


def test_a_port_named_again_after_an_inherited_one_is_refused_when_the_class_is_defined():
    base = type("Base", (Layer,), {"input_ports": ("A",)}, register=False)
    with pytest.raises(OptionError, match=r"layer type Twice: port 'A' is named twice") as info:
        type("Twice", (base,), {"output_ports": ("A",)}, register=False)
    assert (info.value.kind, info.value.found) == ("layer-contract", "A")


def _fails_on_data(x):
    """Runs on zeros (so that its output shape is found), raises on other data."""
    if x.sum().item() != 0:
        raise ZeroDivisionError("boom")
    return x


@pytest.mark.parametrize("layer, type_name, raised, what", [
    (_layer(lambda x: (_ for _ in ()).throw(RuntimeError("boom"))), "Own", RuntimeError, "module"),
    (FunctionLayer(_fails_on_data, output=3), "FunctionLayer", ZeroDivisionError, "function")])
@pytest.mark.parametrize("run", ["net", "compiled", "interpreted"])
def test_an_error_inside_user_code_is_a_module_error_naming_the_layer(layer, type_name, raised, what, run):
    net = NetGraph({"a": 3, "own": layer}, [("a", "own")], Input=3)
    net = net_initialize(net, seed=0)
    module = net.compile()
    call = {"net": net, "compiled": module, "interpreted": lambda x: interpret(net, module, Input=x)}[run]
    with pytest.raises(DataError, match=rf"layer 'own' \({type_name}\): its {what} raised {raised.__name__}: boom") \
            as info:
        call(torch.ones(2, 3))
    assert (info.value.kind, info.value.layer, type(info.value.__cause__)) == ("module-error", ("own",), raised)


def _run(net, how, **inputs):
    """``net`` called as ``how`` says: by itself, its compiled module, or the reference interpreter."""
    module = net.compile()
    calls = {"net": net, "compiled": module, "interpreted": lambda **x: interpret(net, module, **x),
             "copied": lambda **x: copy.deepcopy(net).compile()(**x)}  # (a copy holds no probes: they run again)
    return calls[how](**inputs)


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted", "copied"])
def test_a_python_function_changing_its_input_in_place_gets_a_copy(how):
    net = NetGraph({"f": FunctionLayer(lambda x: x.add_(1)), "g": FunctionLayer("#x * 10")},
                   [(NetPort("x"), "f"), (NetPort("x"), "g")], x=3)
    given = torch.tensor([[1.0, 2.0, 3.0]])
    out = _run(net, how, x=given)
    assert given.tolist() == [[1.0, 2.0, 3.0]]  # the caller's tensor, and what "g" reads, as they were
    assert out["Output1"].tolist() == [[2.0, 3.0, 4.0]] and out["Output2"].tolist() == [[10.0, 20.0, 30.0]]


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted"])
def test_a_python_function_result_of_another_precision_is_cast_to_its_real_port(how):
    net = NetChain([FunctionLayer(lambda Input: (Input * 3).double())], input=2)
    assert net.port_types["Output"].dtype == "Real"
    out = _run(net, how, Input=torch.tensor([[0.5, -1.0]]))
    assert out.dtype == torch.float32 and out.tolist() == [[1.5, -3.0]]
    linear = net_initialize(NetChain([FunctionLayer(lambda Input: Input.double()), LinearLayer(2)], input=2), seed=0)
    x = torch.tensor([[0.5, -1.0]])
    expected = torch.nn.functional.linear(x, linear[1].weights, linear[1].biases)
    assert torch.equal(_run(linear, how, Input=x), expected)  # no "Double and Float" from the LinearLayer


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted"])
@pytest.mark.parametrize("function, dtype, expected", [
    (lambda Input: Input.argmax(-1, keepdim=True), torch.int64, [[1], [0]]),
    (lambda Input: (Input * 3).long(), torch.int64, [[-1, 3], [6, 0]]),
    (lambda Input: Input > 0, torch.bool, [[False, True], [True, False]])])
def test_a_python_function_integer_or_boolean_result_is_an_integer_port_as_returned(how, function, dtype, expected):
    net = NetChain([FunctionLayer(function)], input=2)
    assert net.port_types["Output"].dtype == "Integer"  # as seen on the probe's input, as a TorchLayer's module's
    out = _run(net, how, Input=torch.tensor([[-0.5, 1.0], [2.0, 0.0]]))
    assert out.dtype == dtype and out.tolist() == expected


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted"])
def test_a_python_function_boolean_mask_feeds_a_real_layer_as_real(how):
    net = NetGraph({"m": FunctionLayer(lambda Input: Input > 0), "t": ThreadingLayer("Times")},
                   [(NetPort("Input"), "m"), ([NetPort("Input"), "m"], "t")], Input=2)
    assert net.port_types["Output"].dtype == "Real"  # the probed Integer is a default: Times takes Real
    out = _run(net, how, Input=torch.tensor([[0.5, -1.0]]))
    assert out.dtype == torch.float32 and out.tolist() == [[0.5, 0.0]]


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted"])
@pytest.mark.parametrize("layer, fed, expected", [
    (ElementwiseLayer("Tanh"), "f", torch.tanh(torch.tensor([[1.0, -3.0]]))),
    (ThreadingLayer("Plus"), ["f", NetPort("Input")], torch.tensor([[1.5, -4.0]]))])
def test_a_python_function_integer_result_feeds_a_real_layer_cast(how, layer, fed, expected):
    net = NetGraph({"f": FunctionLayer(lambda Input: (Input * 3).long()), "r": layer},
                   [(NetPort("Input"), "f"), (fed, "r")], Input=2)
    assert net.port_types["Output"].dtype == "Real"
    out = _run(net, how, Input=torch.tensor([[0.5, -1.0]]))
    assert out.dtype == torch.float32 and torch.equal(out, expected)


def test_a_python_function_real_result_into_an_embedding_layer_says_what_it_returns():
    with pytest.raises(ShapeError, match=r"port 'Output': the function returns float32 on the probe, a Real output, "
                                         r"but the port is Integer where it goes \(\.long\(\) gives indices\)"
                       ) as caught:
        NetChain([FunctionLayer(lambda Input: Input.argmax(-1).float()), EmbeddingLayer(2, 3)], input=3)
    (problem,) = caught.value.diagnostics
    assert (problem.port, problem.expected, problem.found) == ("Output", "Real", "Integer")


def test_a_python_function_real_result_of_the_wrong_shape_at_an_integer_port_is_a_shape_conflict():
    # the dtype wording is for a dtype conflict only: a size 3 result where an EmbeddingLayer takes 4 is a shape one
    with pytest.raises(ShapeError, match=r"port 'Output': expected shape \(3\), found \(4\)") as caught:
        NetChain([FunctionLayer(lambda Input: Input * 1.0), EmbeddingLayer(2, 5, input=4)], input=3)
    (problem,) = caught.value.diagnostics
    assert (problem.port, problem.expected, problem.found) == ("Output", (3,), (4,))
    assert "a Real output" not in problem.message


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted"])
def test_a_python_function_argmax_feeds_an_embedding_layer(how):
    net = net_initialize(NetChain([FunctionLayer(lambda Input: Input.argmax(-1)), EmbeddingLayer(3, 4)], input=4),
                         seed=0)
    x = torch.tensor([[0.5, -1.0, 2.0, 0.0], [3.0, 0.0, 0.0, 1.0]])
    assert torch.equal(_run(net, how, Input=x), net[1].weights[torch.tensor([2, 0])])


@pytest.mark.parametrize("how", ["net", "compiled", "interpreted", "copied"])
def test_a_custom_module_output_of_another_precision_is_cast(how):
    layer = _layer(lambda x: (x * 3).double())
    net = net_initialize(NetChain([layer, LinearLayer(2)], input=2), seed=0)
    x = torch.tensor([[0.5, -1.0]])
    expected = torch.nn.functional.linear(x * 3, net[1].weights, net[1].biases)
    assert torch.equal(_run(net, how, Input=x), expected)  # no "Double and Float" from the LinearLayer
    assert _run(NetChain([layer], input=2), how, Input=x).dtype == torch.float32


def test_a_custom_module_of_another_precision_is_left_as_it_is_and_cast_by_the_forward():
    """The cast was a forward hook on the user's module: five compiles gave five hooks, and the module itself,
    outside netgraph, returned float32 after the first compile."""
    own = nn.Module()
    own.forward = lambda x: (x * 3).double()
    layer = type("Reused", (_Same,), {"build": lambda self, types: own}, register=False)()
    net, x = NetChain([layer], input=2), torch.tensor([[0.5, -1.0]])
    modules = [net.compile() for _ in range(5)]
    assert not own._forward_hooks and own(x).dtype == torch.float64
    for module in modules:
        assert module(x).dtype == torch.float32 and interpret(net, module, Input=x).dtype == torch.float32
        assert ".to(" in module.code and module(x).tolist() == [[1.5, -3.0]]
    assert ".to(" not in NetChain([_layer(lambda x: x * 3)], input=2).compile().code  # no cast: the call alone
