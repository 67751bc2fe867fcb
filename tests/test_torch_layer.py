"""TorchLayer and register_module: any nn.Module as a layer, shapes from meta tensors, weights kept apart."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from netgraph.core.registry import registry_scope
from netgraph.layers import layer_class
from netgraph import (FlattenLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, OptionError, PortType,
                      ShapeError, TorchLayer, interpret, net_initialize, net_replace_part, register_module)


def test_a_wrapped_module_infers_shapes_and_computes_what_the_module_computes():
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
    net = net_initialize(NetChain({"features": conv, "flat": FlattenLayer(), "head": 3}, input=(1, 10, 10)), seed=0)
    assert net.layer_types("features")["Output"] == PortType((4, 4, 4), "Real")
    assert net.output_shapes == {"Output": (3,)}
    module = net.compile()
    assert {"features.0.weight", "features.0.bias", "head.Weights"} <= set(module.state_dict())
    x = torch.randn(2, 1, 10, 10)
    head = module.head
    expected = torch.nn.functional.linear(conv(x).flatten(1), head.Weights, head.Biases)
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)


def test_compiled_modules_copy_the_weights_and_to_net_brings_them_back():
    lin = nn.Linear(3, 2)
    original = lin.weight.detach().clone()
    net = NetGraph({"t": TorchLayer(lin)}, [], Input=3)
    module = net.compile()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    module(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    assert torch.equal(lin.weight, original)  # the layer's module is untouched
    trained = module.to_net()
    torch.testing.assert_close(trained.layers["t"].arrays["weight"], module.t.weight.detach())
    assert trained.layers["t"] != net.layers["t"]
    again = net_initialize(net, seed=3, all=True)  # a wrapped module keeps its own initialisation
    assert torch.equal(again.layers["t"].arrays["weight"], original)


class TwoInTwoOut(nn.Module):
    def forward(self, a, b):
        return a + b, (a * b).sum(-1)


def test_several_named_inputs_and_outputs():
    layer = TorchLayer(TwoInTwoOut(), inputs={"a": (3,), "b": (3,)}, outputs=["sum", "dot"])
    net = NetGraph({"t": layer, "lin": LinearLayer(2)}, [(NetPort("t", "sum"), "lin")])
    assert net.port_types["dot"] == PortType((), "Real")
    assert set(net.output_ports) == {"Output", "dot"}
    net = net_initialize(net, seed=0)
    a, b = torch.randn(4, 3), torch.randn(4, 3)
    out = net(a=a, b=b)
    torch.testing.assert_close(out["dot"], (a * b).sum(-1))


class Argmax(nn.Module):
    def forward(self, x):
        return x.argmax(-1)


def test_dtypes_come_from_the_module_and_index_inputs_are_declared():
    net = NetGraph([TorchLayer(Argmax())], [], Input=(4, 5))
    assert net.port_types["Output"] == PortType((4,), "Integer")
    emb = TorchLayer(nn.Embedding(10, 3), inputs={"Input": PortType((6,), "Integer")})
    net = NetGraph([emb], [])
    assert net.port_types["Output"] == PortType((6, 3), "Real")
    assert net(torch.randint(0, 10, (2, 6))).shape == (2, 6, 3)


class LastState(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 5, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def test_variable_length_dims_are_found_by_probing_two_lengths():
    net = NetGraph([TorchLayer(LastState())], [], Input=("n", 3))
    assert net.output_shapes == {"Output": ("n", 5)}
    assert net(torch.randn(2, 9, 3)).shape == (2, 9, 5)


def test_errors_name_the_layer_and_suggest_a_fix():
    with pytest.raises(OptionError, match="TorchLayer needs a torch.nn.Module, found function"):
        TorchLayer(lambda x: x)
    with pytest.raises(ShapeError) as info:
        NetGraph({"bad": TorchLayer(nn.Linear(4, 2))}, [], Input=3)
    message = str(info.value)
    for fragment in ("layer 1 'bad' (TorchLayer)", "'Input' (3)", "outputs={'Output': shape}"):
        assert fragment in message
    with pytest.raises(ShapeError, match="must keep the batch dim first"):
        NetGraph([TorchLayer(nn.GRU(3, 5, batch_first=True), outputs=["Output", "State"])], [], Input=(4, 3))
    with pytest.raises(ShapeError, match=r"per output port \['Output', 'State'\], returned \(Tensor, tuple\)"):
        NetGraph([TorchLayer(nn.LSTM(3, 5, batch_first=True), outputs=["Output", "State"])], [], Input=(4, 3))
    with pytest.raises(OptionError, match="named as both input and output"):
        TorchLayer(nn.Identity(), inputs=["x"], outputs=["x"])


class DataDependent(nn.Module):
    def forward(self, x):
        return x[:, : int(x.sum().item()) % 3 + 1]


def test_outputs_given_by_the_user_are_used_when_meta_tensors_cannot_run():
    with pytest.raises(ShapeError, match="meta tensors"):
        NetGraph([TorchLayer(DataDependent())], [], Input=4)
    net = NetGraph([TorchLayer(DataDependent(), outputs={"Output": (1,)})], [], Input=4)
    assert net.output_shapes == {"Output": (1,)}
    assert torch.equal(net(torch.zeros(2, 4)), torch.zeros(2, 1))  # sum 0: one column, as given


def test_outputs_given_by_the_user_that_the_module_does_not_return_are_a_shape_error_naming_the_layer():
    """Nothing checked them: the module's (2, 3) came back as an output declared (b, 1), and a LinearLayer after it
    raised torch's own "mat1 and mat2 shapes cannot be multiplied (2x3 and 1x2)"."""
    net = net_initialize(NetChain({"t": TorchLayer(DataDependent(), outputs={"Output": (1,)}), "lin": LinearLayer(2)},
                                  input=4), seed=0)
    x = torch.full((2, 4), 0.25)  # sum 2: three columns
    said = r"^layer 't' \(TorchLayer\) port 'Output': the module returned shape \(2, 3\), where outputs= gave \(b, 1\)"
    for call in (lambda: net(x), lambda: net.compile()(x), lambda: net.compile()(x.requires_grad_())):
        with pytest.raises(ShapeError, match=said) as caught:
            call()
        diagnostic = caught.value.diagnostics[0]
        assert (diagnostic.kind, diagnostic.layer, diagnostic.port, diagnostic.expected, diagnostic.found) == \
            ("layer-contract", ("t",), "Output", (1,), (2, 3))
    assert net(torch.zeros(2, 4)).shape == (2, 2)
    assert "checked_outputs(" in net.compile().code and "checked_outputs(" not in \
        NetChain([TorchLayer(nn.Linear(4, 1))], input=4).compile().code  # a module the meta run checked: no check


_COUNTED, _PER_PORT = r": the module returned {}, where the layer has output ports \['A', 'B'\]", \
    r" port 'A': the module returned {}, where outputs= gave \(b, 1\)"


@pytest.mark.parametrize("returned, said", [
    (lambda x: (x,), _COUNTED.format("1 output")), (lambda x: [x, x, x], _COUNTED.format("3 outputs")),
    (lambda x: x, _PER_PORT.format("Tensor")), (lambda x: {"A": x, "B": x}, _PER_PORT.format("dict"))])
def test_outputs_given_by_the_user_for_several_ports_are_counted(returned, said):
    """A tensor or a dict for two ports was counted as "1 outputs": only a tuple or list is a count of outputs."""
    class TwoFromData(nn.Module):
        def forward(self, x):
            return returned(x[:, : int(x.sum().item()) % 3 + 1])

    net = NetChain({"t": TorchLayer(TwoFromData(), outputs={"A": (1,), "B": (1,)})}, input=4)
    x = torch.zeros(2, 4)
    said = rf"^layer 't' \(TorchLayer\){said}"
    for call in (lambda: net(x), lambda: net.compile()(x)):
        with pytest.raises(ShapeError, match=said):
            call()


def test_outputs_given_by_the_user_of_another_precision_are_cast():
    """A float64 output of a module the meta run could not probe met the next layer's float32 weights in torch."""
    class DoubleFromData(nn.Module):
        def forward(self, x):
            return x[:, : int(x.sum().item()) % 3 + 1].double()

    net = net_initialize(NetChain({"t": TorchLayer(DoubleFromData(), outputs={"Output": (1,)}), "lin": LinearLayer(2)},
                                  input=4), seed=0)
    x = torch.zeros(2, 4)
    weights, biases = net.arrays[("lin", "Weights")], net.arrays[("lin", "Biases")]
    for found in (net(x), net.compile()(x)):
        assert found.dtype == torch.float32 and torch.equal(found, x[:, :1] @ weights.T + biases)


@pytest.mark.parametrize("module, outputs, message", [
    (nn.Identity(), {"b": 3, "a": 3}, r"per output port \['b', 'a'\], returned Tensor"),
    (nn.GRU(3, 5, batch_first=True), {"Output": (4, 5), "State": (4, 5)}, "must keep the batch dim first"),
])
def test_outputs_given_by_the_user_do_not_excuse_a_module_that_ran_and_returned_the_wrong_things(module, outputs,
                                                                                                  message):
    """Given output shapes excused any failed probe: a module returning one tensor for two ports ran, each port
    getting one example of the batch (found by fuzzing every layer type's options)."""
    with pytest.raises(ShapeError, match=message):
        NetGraph([TorchLayer(module, outputs=outputs)], [], Input=(4, 3))

class Block(nn.Module):
    """A user's residual block, to be used by type name (as YAML does)."""

    def __init__(self, size: int, hidden: int = 8):
        super().__init__()
        self.inner = nn.Linear(size, hidden)
        self.outer = nn.Linear(hidden, size)

    def forward(self, x):
        return x + self.outer(torch.relu(self.inner(x)))


def test_register_module_makes_a_layer_type_with_keyword_options():
    cls = register_module(Block, "ResidualBlock")
    assert layer_class("ResidualBlock") is cls
    layer = layer_class("ResidualBlock")(size=4, hidden=6)  # what {type: ResidualBlock, size: 4, hidden: 6} does
    assert layer.options() == {"size": 4, "hidden": 6}
    assert type(layer)(**layer.options()) == layer  # same options, same (seeded) initial weights
    net = net_initialize(NetChain([layer, 2], input=4), seed=0)
    module = net.compile()
    assert "1.inner.weight" in module.state_dict()
    x = torch.randn(3, 4)
    block = module.get_submodule("1")
    head = module.get_submodule("2")
    expected = torch.nn.functional.linear(block(x), head.Weights, head.Biases)
    torch.testing.assert_close(module(x), expected)
    with torch.no_grad():
        block.inner.weight.mul_(2)
    learned = module.to_net().layers["1"]
    torch.testing.assert_close(learned.arrays["inner.weight"], block.inner.weight.detach())
    assert learned != layer
    with pytest.raises(OptionError, match=r"ResidualBlock: Block\(\{'size': -1, 'hidden': 8\}\) failed"):
        cls(size=-1)
    with pytest.raises(OptionError, match="'LinearLayer' is taken by .*LinearLayer; .*Block cannot take it too.*"
                                          "pass replace=True"):
        register_module(Block, "LinearLayer")


def test_register_module_replaces_a_taken_name_on_purpose_as_register_does():
    class Twice(torch.nn.Linear):
        pass

    with registry_scope():
        first = register_module(torch.nn.Linear, "Twice")
        with pytest.raises(OptionError, match="'Twice' is taken by torch.*Linear.*pass replace=True"):
            register_module(Twice, "Twice")
        assert register_module(Twice, "Twice", replace=True).MODULE is Twice and first.MODULE is torch.nn.Linear
        assert register_module(Twice, "Twice").MODULE is Twice  # registering the same class again is no clash


def test_a_torch_layer_equals_its_copy_by_module_class_arrays_and_config():
    """Equality was the module's identity, so net.compile().to_net() != net for any net with a TorchLayer."""
    torch.manual_seed(0)
    net = net_initialize(NetChain({"t": nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.25)), "out": LinearLayer(2)},
                                  input=3), seed=0)
    back = net.compile().to_net()
    assert back == net and hash(back) == hash(net) and back.layers["t"] == net.layers["t"]
    assert hash(back.layers["t"]) == hash(net.layers["t"])
    module = net.layers["t"].module
    rate, weights = copy.deepcopy(module), copy.deepcopy(module)
    rate[1].p = 0.5
    with torch.no_grad():
        weights[0].weight[0, 0] += 1
    assert TorchLayer(rate) != net.layers["t"] != TorchLayer(weights)
    assert TorchLayer(copy.deepcopy(module)) == net.layers["t"]
    assert TorchLayer(nn.Dropout(0.25)) == TorchLayer(nn.Dropout(0.25)) != TorchLayer(nn.Dropout(0.5))
    assert TorchLayer(nn.Dropout(0.25)) != TorchLayer(nn.Dropout(0.25), inputs=["X"])
    assert TorchLayer(nn.Tanh()) != TorchLayer(nn.Sigmoid())


class _KeywordOnly(nn.Module):
    def forward(self, *, x):
        return x * 2


class _TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


def test_a_forward_that_cannot_take_the_inputs_by_position_is_refused_naming_why():
    # it was a meta-run failure whose hint (give the output shapes) led to a net failing at every call
    for outputs in (None, {"Output": (5,)}):
        with pytest.raises(OptionError, match=r"inputs \['x'\] are passed to _KeywordOnly.forward\(\*, x\) by "
                                              r"position.*too many positional arguments \('x' keyword-only\)"):
            TorchLayer(_KeywordOnly(), inputs=["x"], outputs=outputs)
    with pytest.raises(OptionError, match=r"inputs \['x'\] .* missing a required argument: 'y'"):
        TorchLayer(_TwoInputs(), inputs=["x"])
    net = NetChain([TorchLayer(_TwoInputs(), inputs=["x", "y"])], x=3, y=3)
    assert torch.equal(net(x=torch.ones(2, 3), y=torch.ones(2, 3)), torch.full((2, 3), 2.0))


def test_a_torch_layer_keeps_a_float64_array_given_or_trained():
    """Its arrays were copied into the module's float32 ones: net_replace_part's float64 tensor became float32
    (a built-in layer's stays float64), and a module moved to float64 came back from to_net() as float32."""
    net = net_initialize(NetChain([TorchLayer(nn.Linear(4, 3), inputs={"Input": (4,)}, outputs={"Output": (3,)})]),
                         seed=0)
    weights = torch.randn(3, 4, dtype=torch.float64)
    given = net_replace_part(net, {(1, "weight"): weights}).layers["1"].arrays
    assert given["weight"].dtype == torch.float64 and torch.equal(given["weight"], weights)
    assert given["bias"].dtype == torch.float32
    module = net.compile().double()
    with torch.no_grad():
        module.get_submodule("1").weight.add_(1e-12)  # a float64 step float32 cannot hold
    trained = module.to_net().layers["1"].arrays["weight"]
    assert trained.dtype == torch.float64 and torch.equal(trained, module.get_submodule("1").weight)
    counts = net_replace_part(net, {(1, "weight"): [[1, 2, 3, 4]] * 3}).layers["1"].arrays["weight"]
    assert counts.dtype == torch.float32  # integers take the module's dtype


def test_a_module_refusing_its_input_shapes_is_told_to_check_them_first():
    # the only hint was to give the output shapes, which for a wrong input size leaves a net failing at every call;
    # and a registered module's layer (YAML {type: ..., size: 3}) has no outputs= option to give
    with pytest.raises(ShapeError) as info:
        NetGraph({"bad": TorchLayer(nn.Linear(4, 2))}, [], Input=3)
    assert "check that the module takes inputs of these shapes" in str(info.value)

    class Block(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.lin = nn.Linear(size, size)

        def forward(self, x):
            return self.lin(x)

    with pytest.raises(ShapeError) as info:
        NetGraph({"b": register_module(Block, "QABlock")(size=3)}, [], Input=4)
    assert "check that the module takes inputs of these shapes" in str(info.value)
    assert "outputs=" not in str(info.value)


@pytest.mark.parametrize("option", ["inputs", "outputs"])
def test_a_port_named_twice_is_refused_as_such(option):
    """Found by QA: TorchLayer(two_input_module, inputs=["a", "a"]) merged the names and then said the module was
    "missing a required argument: 'b'", which hid the typo."""
    from netgraph import OptionError, TorchLayer

    class Two(torch.nn.Module):
        def forward(self, a, b):
            return a + b, a * b

    with pytest.raises(OptionError, match=f"TorchLayer {option}=: port names must be distinct, found 'a' twice") as info:
        TorchLayer(Two(), **{"inputs": ["a", "b"], "outputs": ["s", "p"], option: ["a", "a"]})
    assert info.value.diagnostics[0].option == option


@pytest.mark.parametrize("arrays, message", [
    ({"wieght": torch.zeros(3, 4)}, "has no array 'wieght' \\(did you mean 'weight'\\?\\)"),
    ({"weight": torch.zeros(5, 4)}, "array 'weight' has shape \\(5, 4\\), where the module's is \\(3, 4\\)"),
])
def test_arrays_the_module_cannot_take_name_the_module_option(arrays, message):
    """The OptionError named no option; the arrays are the module's."""
    with pytest.raises(OptionError, match=message) as info:
        TorchLayer(nn.Linear(4, 3)).with_arrays(arrays)
    assert [d.option for d in info.value.diagnostics] == ["module"]


def test_one_module_wrapped_by_two_layers_is_refused_naming_both():
    """NetChain([m, m]) compiled two copies of m, whose weights trained apart where torch shares m."""
    m = nn.Linear(2, 2)
    with pytest.raises(OptionError) as caught:
        NetChain([m, m], input=2).compile()
    assert str(caught.value).startswith("layer 1 (TorchLayer) and layer 2 (TorchLayer) wrap one Linear object: torch "
                                        "shares a module used twice")
    assert (caught.value.kind, caught.value.layer, caught.value.found) == ("shared-module", ("2",), (("1",), ("2",)))
    with pytest.raises(OptionError, match="wrap one Linear object"):  # in two nested nets too
        NetGraph({"a": NetChain([m]), "b": NetChain([TorchLayer(m)])}, [("a", "b")], Input=2).compile()


def test_one_module_in_an_operators_net_and_elsewhere_is_refused_naming_whole_paths():
    """Each operator's inner net was built with a registry of its own: the module reached two copies unrefused."""
    m = nn.Linear(2, 2)
    for layers, names in (({"a": TorchLayer(m), "map": NetMapOperator(TorchLayer(m))},
                           (("a",), ("map", "net", "layer"))),
                          ({"a": NetMapOperator(m), "b": NetMapOperator(TorchLayer(m))},
                           (("a", "net", "layer"), ("b", "net", "layer")))):
        with pytest.raises(OptionError, match=f"layer .*'{'/'.join(names[0])}' .* and layer '{'/'.join(names[1])}' "
                                              r"\(TorchLayer\) wrap one Linear object") as caught:
            NetGraph(layers, [tuple(layers)], Input=(3, 2)).compile()
        assert (caught.value.kind, caught.value.layer, caught.value.found) == ("shared-module", names[1], names)
    NetGraph({"map": NetMapOperator(TorchLayer(m))}, [], Input=(3, 2)).compile()  # once: fine


def test_one_torch_layer_placed_twice_or_copied_modules_compile_to_two_copies():
    m = nn.Linear(2, 2)
    layer = TorchLayer(m)
    for net in (NetGraph({"a": layer, "b": layer}, [("a", "b")], Input=2), NetChain([m, copy.deepcopy(m)], input=2)):
        module = net.compile()
        first, second = (dict(module.get_submodule(name).named_parameters()) for name in net.layers)
        assert first["weight"] is not second["weight"] and torch.equal(first["weight"], second["weight"])


class _Mixing(nn.Module):
    def forward(self, x):
        return x.mean(0)


def test_a_module_that_mixes_the_examples_is_refused_even_where_a_size_equals_the_probes_batch():
    # Found by qa-layers11: with an input of size 3, the probe's batch, x.mean(0) kept a first dim of 3 and was
    # inferred as Output (); one example then gave a batch of 3. The probe's batch is now no input's size.
    for size, batch in ((3, 4), (2, 3), ((3, 4), 5)):
        with pytest.raises(ShapeError, match=rf"must keep the batch dim first: .* with batch {batch} it returned"):
            NetGraph([TorchLayer(_Mixing())], [], Input=size)


class _Doubled(nn.Module):
    def forward(self, x):
        return x.double() * 2  # float64 out: cast to the real input's dtype by both the compiled forward and interpreter


def test_a_module_giving_float64_is_cast_alike_by_the_compiled_forward_and_the_interpreter():
    net = net_initialize(NetChain([TorchLayer(_Doubled()), LinearLayer(2)], input=3), seed=0)
    x = torch.linspace(-1, 1, 12).reshape(4, 3)
    compiled, walked = net(x), interpret(net, net.compile(), Input=x)
    assert compiled.dtype == walked.dtype == torch.float32
    torch.testing.assert_close(walked, compiled)
