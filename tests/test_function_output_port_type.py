"""FunctionLayer(..., output=PortType(...)): output= takes a shape; the output's type follows what the function
computes (the probe), so a port type there is refused saying which shape to give, and that form gives the type."""

import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, OptionError, PortType, net_initialize


@pytest.mark.parametrize("shape, advice", [((), "give output=()"), ((2,), "give output=(2,)"),
                                           (None, "leave output= out")])
def test_a_port_type_as_output_is_refused_with_the_shape_to_give(shape, advice):
    """It was 'output= must be an int or a list of ints', which said nothing of the Integer asked for."""
    with pytest.raises(OptionError) as info:
        FunctionLayer(lambda Input: Input.argmax(-1), output=PortType(shape, "Integer"))
    assert info.value.kind == "option-value" and info.value.option == "output"
    assert f"found a port type PortType(shape={shape!r}, dtype='Integer'): {advice}; the port's type follows what " \
           f"the function computes" in str(info.value)


@pytest.mark.parametrize("function, dtype, expected", [
    (lambda Input: Input.argmax(-1, keepdim=True), "Integer", [[1], [0]]),
    (lambda Input: Input.sum(-1, keepdim=True), "Real", [[2.5], [2.0]]),
])
def test_the_advised_shape_gives_the_type_the_function_computes(function, dtype, expected):
    net = net_initialize(NetChain([FunctionLayer(function, output=(1,))], input=2), seed=0)
    assert net.port_types["Output"] == PortType((1,), dtype)
    assert net(torch.tensor([[0.5, 2.0], [3.0, -1.0]])).tolist() == expected


@pytest.mark.parametrize("shape, advice", [((2,), "give output=(2,)"), (None, "leave output= out")])
def test_an_elementwise_layers_port_type_output_gets_the_same_advice(shape, advice):
    """ElementwiseLayer said 'output= must be an int or a list of ints'; it now says the shape to give, as
    FunctionLayer does (one builder), and that its port is Real; the advised form makes the layer."""
    with pytest.raises(OptionError) as info:
        ElementwiseLayer("Ramp", output=PortType(shape, "Real"))
    assert (info.value.kind, info.value.option) == ("option-value", "output")
    assert f"found a port type PortType(shape={shape!r}, dtype='Real'): {advice}; the port's type is Real" \
        in str(info.value)
    net = net_initialize(NetChain([ElementwiseLayer("Ramp", output=(2,))], input=2), seed=0)
    assert net(torch.tensor([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]


@pytest.mark.parametrize("shape, advice", [((2,), "give input=(2,)"), (None, "leave input= out")])
def test_an_elementwise_layers_port_type_input_gets_the_same_advice(shape, advice):
    """ElementwiseLayer's input= said 'must be an int or a list of ints' for a port type; it now gives the advice
    its output= gives (one builder), naming input=; the advised form makes the layer."""
    with pytest.raises(OptionError) as info:
        ElementwiseLayer("Ramp", input=PortType(shape, "Real"))
    assert (info.value.kind, info.value.option, info.value.expected) == ("option-value", "input", "a shape")
    assert f"option input= takes the input's shape, found a port type PortType(shape={shape!r}, dtype='Real'): " \
           f"{advice}; the port's type is Real" in str(info.value)
    net = net_initialize(NetChain([ElementwiseLayer("Ramp", input=(2,))]), seed=0)
    assert net(torch.tensor([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]
