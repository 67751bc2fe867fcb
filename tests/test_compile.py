"""compile(): generated straight-line forward == reference interpreter == handwritten torch."""

from __future__ import annotations

import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from netgraph import (CompiledNet, DataError, EmbeddingLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain,
                      NetGraph, NormalDistribution, OptionError, PortType, RandomArrayLayer, ShapeError, interpret,
                      net_initialize)


class HandMLP(nn.Module):
    """What a user would write by hand."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 3)
        self.scale = nn.Parameter(torch.randn(3))

    def forward(self, x):
        return torch.tanh(self.fc2(torch.relu(self.fc1(x)))) * self.scale


def mlp_net():
    layers = {"fc1": LinearLayer(8), "relu": "Ramp", "fc2": LinearLayer(3), "tanh": "Tanh",
              "scale": NetArrayLayer(), "mul": FunctionLayer("#a * #b")}
    return NetGraph(layers, [("fc1", "relu", "fc2", "tanh"), (["tanh", "scale"], "mul")], Input=4)


def copy_into(module: CompiledNet, hand: HandMLP) -> None:
    with torch.no_grad():
        for ours, theirs in (("fc1", hand.fc1), ("fc2", hand.fc2)):
            getattr(module, ours).Weights.copy_(theirs.weight)
            getattr(module, ours).Biases.copy_(theirs.bias)
        module.scale.Array.copy_(hand.scale)


def test_compiled_equals_interpreted_equals_handwritten():
    module = net_initialize(mlp_net(), seed=0).compile()
    hand = HandMLP()
    copy_into(module, hand)
    x = torch.randn(16, 4)
    expected = hand(x)
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(module.net, module, Input=x), expected)
    # gradients agree too
    module(x).square().sum().backward()
    hand(x).square().sum().backward()
    torch.testing.assert_close(module.fc1.Weights.grad, hand.fc1.weight.grad)
    torch.testing.assert_close(module.scale.Array.grad, hand.scale.grad)


def test_generated_code_is_straight_line_and_readable():
    module = net_initialize(mlp_net(), seed=0).compile()
    lines = module.code.strip().splitlines()
    assert lines[0] == "def forward(self, Input):"
    assert lines[1:] == [
        "    batch_size = Input.shape[0]",
        "    fc1 = F.linear(Input, self.fc1.Weights, self.fc1.Biases)",
        "    relu = torch.relu(fc1);  fc1 = None",  # each value released after its last use, as torch.fx does
        "    fc2 = F.linear(relu, self.fc2.Weights, self.fc2.Biases);  relu = None",
        "    tanh = torch.tanh(fc2);  fc2 = None",
        "    scale = self.scale.Array.expand(batch_size, 3)",
        "    mul = (tanh * scale);  tanh = scale = None",
        "    return mul",
    ]


def test_parameter_names_and_state_dict_round_trip():
    net = net_initialize(mlp_net(), seed=0)
    module = net.compile()
    assert set(module.state_dict()) == {"fc1.Weights", "fc1.Biases", "fc2.Weights", "fc2.Biases", "scale.Array"}
    other = net_initialize(mlp_net(), seed=1).compile()
    other.load_state_dict(module.state_dict())
    x = torch.randn(3, 4)
    torch.testing.assert_close(other(x), module(x))


def test_to_net_returns_learned_arrays_and_leaves_the_source_alone():
    net = net_initialize(mlp_net(), seed=0)
    module = net.compile()
    before = net.layers["fc1"].arrays["Weights"].clone()
    with torch.no_grad():
        module.fc1.Weights.add_(1.0)
    learned = module.to_net()
    torch.testing.assert_close(learned.layers["fc1"].arrays["Weights"], before + 1.0)
    torch.testing.assert_close(net.layers["fc1"].arrays["Weights"], before)
    x = torch.randn(2, 4)
    torch.testing.assert_close(learned(x), module(x))


def test_compiled_modules_are_independent():
    net = net_initialize(mlp_net(), seed=0)
    a, b = net.compile(), net.compile()
    with torch.no_grad():
        a.fc2.Biases.fill_(5.0)
    assert not torch.equal(a.fc2.Biases, b.fc2.Biases)


def test_seed_compiled_matches_handwritten_with_the_same_noise(seed_net):
    module = seed_net.compile()
    torch.manual_seed(3)
    out = module()
    torch.manual_seed(3)
    eps = torch.randn(1, 2)[0]
    torch.testing.assert_close(out["Params"], eps)
    torch.testing.assert_close(out["Output"], torch.tensor([0.0, 30.0]) + torch.tensor([10.0, 5.0]) * eps)
    torch.manual_seed(3)
    torch.testing.assert_close(interpret(seed_net, module), out)


def test_torch_export_and_dynamic_batch():
    net = net_initialize(mlp_net(), seed=0)
    module = net.compile()
    x = torch.randn(5, 4)
    exported = torch.export.export(module, (x,), dynamic_shapes={"Input": {0: torch.export.Dim("batch")}})
    y = torch.randn(9, 4)
    torch.testing.assert_close(exported.module()(y), module(y))


@pytest.mark.slow
def test_torch_compile_gives_the_same_result():
    net = net_initialize(mlp_net(), seed=0)
    module = net.compile()
    compiled = torch.compile(module)
    x = torch.randn(6, 4)
    limit = sys.getrecursionlimit()
    try:
        torch.testing.assert_close(compiled(x), module(x))
    finally:  # inductor raises the limit to 2000 for good when it compiles (not when its cache has the graph)
        sys.setrecursionlimit(limit)


def test_reparameterized_random_layer_compiles_and_backpropagates():
    net = NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"))], [], mu=3, sigma=3)
    module = net.compile()
    mu = torch.zeros(4, 3, requires_grad=True)
    sigma = torch.ones(4, 3, requires_grad=True)
    torch.manual_seed(0)
    out = module(mu=mu, sigma=sigma)
    out.sum().backward()
    torch.manual_seed(0)
    eps = torch.randn(4, 3)
    torch.testing.assert_close(mu.grad, torch.ones(4, 3))
    torch.testing.assert_close(sigma.grad, eps)


def test_failing_python_function_is_reported_at_construction():
    with pytest.raises(ShapeError, match=r"layer 1 \(FunctionLayer\): the Python function failed on inputs of shapes "
                                         r"\[\(3,\)\]: RuntimeError"):
        NetGraph([FunctionLayer(lambda x: x.reshape(7))], [], x=3)


def test_linear_layer_with_array_input_flattens():
    net = net_initialize(NetGraph([LinearLayer((2, 2))], [], Input=(3, 4)), seed=0)
    module = net.compile()
    x = torch.randn(5, 3, 4)
    w, b = module.get_submodule("1").Weights, module.get_submodule("1").Biases
    torch.testing.assert_close(module(x), F.linear(x.flatten(1), w, b).reshape(5, 2, 2))


def test_an_array_in_another_precision_is_cast_in_the_module_and_kept_in_the_net():
    weights, biases = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    net = NetGraph({"lin": LinearLayer(3, weights=weights, biases=biases), "act": "Tanh"}, [("lin", "act")], Input=4)
    module, x = net.compile(), torch.randn(2, 4)
    assert {p.dtype for p in module.parameters()} == {torch.float32}
    assert net.layers["lin"].arrays["Weights"].dtype == torch.float64
    torch.testing.assert_close(module(x), torch.tanh(F.linear(x, weights.float(), biases.float())))
    assert module.to_net().layers["lin"].arrays["Weights"].dtype == torch.float64  # given back as given


def test_to_net_of_a_module_moved_to_another_precision_keeps_its_arrays_in_it():
    net = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")], Input=4)
    module = net_initialize(net, seed=0).compile().double()
    with torch.no_grad():
        module.get_submodule("lin").Weights.add_(1e-12)  # a float64 step float32 cannot hold
    trained = module.to_net().layers["lin"].arrays
    assert trained["Weights"].dtype == torch.float64
    assert torch.equal(trained["Weights"], module.get_submodule("lin").Weights)  # not rounded through float32
    half = net_initialize(net, seed=0).compile().half().to_net().layers["lin"].arrays
    assert half["Weights"].dtype == half["Biases"].dtype == torch.float16


def test_to_net_gives_float64_values_exactly_only_when_compiled_in_float64_as_readme_says():
    """README said float64 weights were never rounded through float32; a float32 compile then .double() rounds them."""
    weights = torch.full((3, 4), 1 + 2 ** -40, dtype=torch.float64)  # float32 holds 1.0
    net = NetChain({"lin": LinearLayer(3, weights=weights, biases=torch.zeros(3, dtype=torch.float64))}, input=4)
    moved = net.compile().double().to_net().layers["lin"].arrays["Weights"]
    assert moved.dtype == torch.float64 and torch.equal(moved, weights.float().double())
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        exact = net.compile().to_net().layers["lin"].arrays["Weights"]
    finally:
        torch.set_default_dtype(default)
    assert exact.dtype == torch.float64 and torch.equal(exact, weights)


def test_global_parameter_registration_hooks_see_the_compiled_parameters():
    seen = []
    handle = nn.modules.module.register_module_parameter_registration_hook(lambda m, name, p: seen.append(name))
    try:
        module = net_initialize(mlp_net(), seed=0).compile()
    finally:
        handle.remove()
    assert sorted(seen) == sorted(name.split(".")[-1] for name in module.state_dict()) == \
        ["Array", "Biases", "Biases", "Weights", "Weights"]


def test_interpret_names_a_misnamed_or_missing_input_port():
    """A misnamed port once reached the layer as None: TypeError "expected Tensor ... but got NoneType"."""
    from netgraph import CatenateLayer, DataError, NetChain
    net = net_initialize(NetChain([CatenateLayer(inputs=1)], input=3))
    module = net.compile()
    with pytest.raises(DataError, match=r"unknown input port 'Input' \(did you mean 'Input1'\?\); missing input "
                                        r"port 'Input1'"):
        interpret(net, module, Input=torch.randn(2, 3))
    torch.testing.assert_close(interpret(net, module, Input1=torch.ones(2, 3)), torch.ones(2, 3))


def test_layer_names_python_reads_as_written_name_their_variables_in_the_code():
    """A layer named μ got the variable '_'; µ (the micro sign, which Python reads as μ) must not become μ."""
    layers = {"μ": LinearLayer(2), "µ": LinearLayer(2), "²": LinearLayer(2)}
    net = net_initialize(NetGraph(layers, [], Input=3), seed=0)
    module, x = net.compile(), torch.randn(4, 3)
    assert "    μ = F.linear(Input, self._modules['μ']" in module.code
    assert "    µ = " not in module.code and "    _ = " not in module.code
    out = module(x)
    for port, name in zip(net.output_ports, layers):
        leaf = net.layer_at((name,))
        torch.testing.assert_close(out[port], x @ leaf.arrays["Weights"].T + leaf.arrays["Biases"])


def test_interpret_refuses_a_module_of_another_net():
    """A module compiled from another net met a bare KeyError 'l' inside the walk; None an AttributeError."""
    net = net_initialize(NetChain({"l": LinearLayer(3)}, input=4), seed=0)
    other = net_initialize(NetChain({"k": LinearLayer(3)}, input=4), seed=0).compile()
    with pytest.raises(OptionError, match=r"not a compiled form of this net: it has no submodule for layer 'l' "
                                          r"\(its submodules are \['k'\]\)"):
        interpret(net, other, Input=torch.randn(2, 4))
    with pytest.raises(OptionError, match="module must be the nn.Module net.compile.. made, found NoneType"):
        interpret(net, None, Input=torch.randn(2, 4))
    assert torch.equal(interpret(net, net.compile(), Input=torch.ones(1, 4)), net(torch.ones(1, 4)))


def test_torch_export_of_an_embedding_with_a_dynamic_batch_and_length():
    """check_indices read the indices' min and max as Python ints, data-dependent values torch.export cannot trace:
    every net with an EmbeddingLayer failed to export (GuardOnDataDependentSymNode). Traced code skips the check."""
    net = net_initialize(NetChain([EmbeddingLayer(5, 10), "Tanh"], input=PortType(("n",), "Integer")), seed=0)
    module = net.compile()
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("n")}
    exported = torch.export.export(module, (torch.randint(0, 10, (2, 6)),), dynamic_shapes={"Input": dims})
    tokens = torch.randint(0, 10, (3, 9), generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(exported.module()(tokens), module(tokens))
    with pytest.raises(DataError, match=r"indices in \[0, 10\)"):
        module(tokens + 10)  # eager calls still check


def test_interpret_of_a_net_without_inputs_takes_batch_size_as_its_compiled_module():
    """interpret(net, module) drew one example only: batch_size was an 'unknown input port'."""
    from netgraph import GammaDistribution, RandomArrayLayer
    net = NetGraph([RandomArrayLayer(GammaDistribution(0.7, 2.0), output=2)], [])
    module = net.compile()
    for size in (3, 0, None):
        torch.manual_seed(5)
        compiled = module(batch_size=size)
        torch.manual_seed(5)
        torch.testing.assert_close(interpret(net, module, batch_size=size), compiled)
        assert compiled.shape == ((2,) if size is None else (size, 2))
    with pytest.raises(OptionError, match=r"batch_size must be an integer >= 0 \(the number of examples to draw\), "
                                          r"found -1"):
        interpret(net, module, batch_size=-1)
