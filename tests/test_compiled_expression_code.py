"""The compiled forward's code for expression layers: each layer's own expression, on its own inputs, with its own
port names and ranks, however many equal layers the net holds."""

import torch

from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetPort


def test_compiled_code_keeps_each_layers_own_expression():
    """Interleaved equal and different expression layers: each line its layer's function on its own input."""
    kinds = ["Tanh", "Sin", "Tanh", "#^2", "Sin", "Tanh", "#^2"] * 3
    net = NetChain([ElementwiseLayer(k) for k in kinds], input=3)
    code = net.compile().code
    want = {"Tanh": "torch.tanh(x{})", "Sin": "torch.sin(x{})", "#^2": "(x{} ** 2.0)"}
    for i, k in enumerate(kinds, 1):
        arg = "Input" if i == 1 else f"x{i - 1}"
        assert f"x{i} = {want[k].replace('x{}', arg)}" in code, (i, k)
    x = torch.randn(4, 3)
    expected = x
    for k in kinds:
        expected = {"Tanh": torch.tanh, "Sin": torch.sin, "#^2": lambda v: v ** 2}[k](expected)
    torch.testing.assert_close(net.compile()(x), expected)


def test_compiled_function_layers_with_other_ports_and_ranks():
    """Equal FunctionLayers on inputs of different ranks (aligned with [:, None]) and with other port names."""
    P = NetPort
    net = NetGraph({"f": FunctionLayer("#a * #b"), "g": FunctionLayer("#a * #b"), "h": FunctionLayer("#u * #v")},
                   [(P("A"), P("f", "a")), (P("B"), P("f", "b")), ("f", P("g", "a")), (P("A"), P("g", "b")),
                    ("g", P("h", "u")), ("f", P("h", "v"))], A=(2, 3), B=(3,))
    module = net.compile()
    assert "f = (A * B[:, None])" in module.code and "g = (f * A)" in module.code and "h = (g * f)" in module.code
    a, b = torch.randn(5, 2, 3), torch.randn(5, 3)
    f = a * b[:, None]
    torch.testing.assert_close(module(A=a, B=b), f * a * f)


def test_standard_deviation_computes_x_less_its_mean_once():
    """A vector's StandardDeviation centres x, then centres that again (float32's rounding of the mean): the lowered
    x - Mean[x] was two trees, whose level lists (1,) were other objects, so the code computed it twice."""
    module = NetGraph([FunctionLayer("StandardDeviation[#x] + Variance[#x] * Mean[#x]")], [], x=5).compile()
    assert module.code.count("x.mean((1,))") == 1, module.code
    x = torch.randn(4, 5, dtype=torch.float64)
    torch.testing.assert_close(module.double()(x=x), x.std(1) + x.var(1) * x.mean(1))


def test_a_subexpression_shared_by_several_outputs_is_computed_once():
    """{Total[#x], #x / Total[#x]}: each output's code was written alone, so the compiled forward summed x twice; the
    sum is now one local that both outputs read, the values and gradients those of the interpreter and of torch."""
    from netgraph import interpret, net_initialize
    net = net_initialize(NetGraph({"f": FunctionLayer("{Total[#x], #x / Total[#x] + Exp[Total[#x]]}")}, [], x=5))
    module = net.compile()
    assert module.code.count(".sum(") == 1, module.code
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    compiled = module.double()(x=x)
    total = x.sum(1)
    expected = {"Output1": total, "Output2": x / total[:, None] + total.exp()[:, None]}
    reference = interpret(net, module, x=x)
    for port, value in expected.items():
        torch.testing.assert_close(compiled[port], value)
        torch.testing.assert_close(reference[port], value)
    grads = [torch.autograd.grad(sum(out[p].sum() for p in expected), x)[0]
             for out in (compiled, expected)]
    torch.testing.assert_close(grads[0], grads[1])
