"""The compiled module under torch's own tools, as a handwritten nn.Module: reparametrized arrays come back by
``to_net``, a hook on a layer's module that the forward never calls says so, and a module made on the meta device
computes the same once its state is loaded, and modules of one net ensemble under torch.func."""

from __future__ import annotations

import copy
import pickle
import warnings

import pytest
import torch
from torch.nn.utils import prune
from torch.nn.utils.parametrizations import weight_norm
from torch.nn.utils.parametrize import remove_parametrizations

from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      NetGraph, NetMapOperator, TorchLayer, interpret, net_initialize)
from netgraph.layers._modules import InlineLayerWarning
from netgraph.backend.compile import submodule


def _trained(module, x, steps=4):
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    for _ in range(steps):
        loss = module(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return module.eval()


@pytest.mark.parametrize("reparametrize", [
    lambda m: weight_norm(m.fc, "Weights"),
    lambda m: weight_norm(m._modules["map"].net.layer, "Weights"),   # an operator's inner layer
    lambda m: weight_norm(m.torch.lin, "weight")])                   # a TorchLayer's submodule
def test_to_net_reads_reparametrized_arrays_as_the_module_computes_them(reparametrize):
    # the state then holds the parts (parametrizations.Weights.original0/1), not the array: to_net kept the arrays
    # the module was compiled from
    net = NetChain({"fc": LinearLayer(4), "map": NetMapOperator(LinearLayer(4)),
                    "torch": TorchLayer(_Lin()), "out": LinearLayer(2)}, input=(3, 5))
    module = net_initialize(net, seed=0).compile()
    reparametrize(module)
    x = torch.randn(6, 3, 5)
    module = _trained(module, x)
    back = module.to_net()
    with torch.no_grad():
        expected = module(x)
    torch.testing.assert_close(back(x), expected)
    torch.testing.assert_close(back.compile().eval()(x).detach(), expected)


def test_to_net_after_the_parametrization_is_removed_reads_the_state_as_before():
    module = net_initialize(NetChain({"fc": LinearLayer(3)}, input=5), seed=0).compile()
    weight_norm(module.fc, "Weights")
    module = _trained(module, torch.randn(8, 5))
    remove_parametrizations(module.fc, "Weights")
    assert torch.equal(module.to_net().layers["fc"].arrays["Weights"], module.fc.Weights.detach())


class _Lin(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.lin(x)


def test_a_hook_on_a_module_the_forward_never_calls_warns_naming_the_layer():
    # F.linear(Input, self.enc.fc.Weights, ...): module.enc.fc's forward never runs, nor the nested graph's container,
    # so their hooks never fired, silently, and torch.nn.utils.prune (a pre-hook) changed nothing
    inner = NetChain({"fc": LinearLayer(4), "torch": TorchLayer(_Lin()), "map": NetMapOperator(LinearLayer(2))},
                     input=(3, 5))
    module = net_initialize(NetGraph({"enc": inner, "out": LinearLayer(2)}, [("enc", "out")]), seed=0).compile()
    with pytest.warns(InlineLayerWarning, match=r"hook on layer 'enc/fc' \(LinearLayer\) never fires"):
        module.enc.fc.register_forward_hook(lambda mod, args, out: None)
    with pytest.warns(InlineLayerWarning, match=r"hook on nested graph 'enc' never fires"):
        module.enc.register_forward_pre_hook(lambda mod, args: None)
    with pytest.warns(InlineLayerWarning, match=r"layer 'enc/map' \(NetMapOperator\)"):
        module.enc._modules["map"].register_full_backward_hook(lambda mod, grad_in, grad_out: None)
    with pytest.warns(InlineLayerWarning, match="layer 'enc/fc'"):  # a copy, and a pickled one, warn too
        copy.deepcopy(module).enc.fc.register_forward_pre_hook(lambda mod, args: None)
    with pytest.warns(InlineLayerWarning, match="layer 'fc'"):
        pickle.loads(pickle.dumps(net_initialize(inner, seed=0).compile())).fc.register_forward_hook(print)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # hooks that fire: no warning, and they fire
        module.enc.torch.register_forward_hook(lambda mod, args, out: seen.append("torch"))
        module.enc._modules["map"].net.register_forward_hook(lambda mod, args, out: seen.append("inner"))
        module.register_forward_hook(lambda mod, args, out: seen.append("module"))
        module(torch.randn(2, 3, 5))
    assert seen == ["torch", "inner", "module"]
    with pytest.warns(InlineLayerWarning, match=r"layer 'out' \(LinearLayer\)"):
        prune.l1_unstructured(module.out, "Weights", amount=0.5)


def test_a_hook_on_an_operators_inner_layer_names_it_by_its_whole_path():
    inner = NetGraph({"g": NetChain([LinearLayer(4)])}, [], Input=4)
    net = NetGraph({"a": NetMapOperator(LinearLayer(4)), "enc": NetChain({"b": NetMapOperator(inner)})}, [("a", "enc")],
                   Input=("n", 4))
    module = net_initialize(net, seed=0).compile()
    for hooked, path in [(module.a.net.layer, "a/net/layer"), (module.enc.b.net.g._modules["1"], "enc/b/net/g/1")]:
        with pytest.warns(InlineLayerWarning, match=rf"hook on layer '{path}' \(LinearLayer\) never fires"):
            hooked.register_forward_hook(lambda mod, args, out: None)
    with pytest.warns(InlineLayerWarning, match=r"hook on nested graph 'enc/b/net/g' never fires"):
        module.enc.b.net.g.register_forward_pre_hook(lambda mod, args: None)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:torch.quantize_per_tensor:UserWarning")
def test_dynamic_quantization_replaces_a_torch_layers_linear_and_leaves_a_linear_layer_as_it_was():
    """The README's example: quantize_dynamic swaps modules by type, and a LinearLayer's is no nn.Linear (nor
    called: the forward computes it inline); a TorchLayer(nn.Linear) is called and swapped."""
    module = net_initialize(NetChain([LinearLayer(8), "Tanh", TorchLayer(torch.nn.Linear(8, 3))], input=4),
                            seed=0).compile().eval()
    quantized = torch.ao.quantization.quantize_dynamic(copy.deepcopy(module), {torch.nn.Linear}, dtype=torch.qint8)
    assert isinstance(quantized._modules["3"], torch.ao.nn.quantized.dynamic.Linear)
    assert type(quantized._modules["1"]) is type(module._modules["1"])
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    assert not torch.equal(quantized(x), module(x)) and torch.allclose(quantized(x), module(x), atol=0.05)


@pytest.mark.parametrize("layer", [LongShortTermMemoryLayer(3), GatedRecurrentLayer(3),
                                   GatedRecurrentLayer(3, memory_gate_state_biases=torch.tensor([0.5, -0.3, 0.1])),
                                   BasicRecurrentLayer(3)], ids=["lstm", "gru", "gru_state_biases", "rnn"])
def test_a_module_moved_to_meta_then_emptied_computes_the_same_once_its_state_is_loaded(layer):
    # torch's way to build a big model without memory: a recurrent layer's zero biases were a buffer outside the
    # state dict, left uninitialised by to_empty (the output was silently wrong)
    module = net_initialize(NetChain([layer], input=("n", 2)), seed=0).compile()
    x = torch.randn(2, 4, 2)
    empty = copy.deepcopy(module).to("meta").to_empty(device="cpu")
    with torch.no_grad():
        for tensor in (*empty.parameters(), *empty.buffers()):
            tensor.fill_(float("nan"))  # what to_empty may leave in memory it does not fill
    empty.load_state_dict(module.state_dict(), strict=True)
    torch.testing.assert_close(empty(x), module(x))


def test_modules_of_one_net_are_of_one_class_and_ensemble_under_torch_func():
    # torch's model ensembling: stack_module_state refused modules of one net ("Expected all models to be of the
    # same class"): each compile, and each copy, made a class of its own from the same code
    net = NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3)
    modules = [net_initialize(net, seed=seed).compile() for seed in range(3)]
    modules.append(copy.deepcopy(modules[0]))
    assert len({type(m) for m in modules}) == 1
    params, buffers = torch.func.stack_module_state(modules)
    base = copy.deepcopy(modules[0]).to("meta")
    x = torch.randn(5, 3)
    outputs = torch.func.vmap(lambda p, b: torch.func.functional_call(base, (p, b), (x,)))(params, buffers)
    torch.testing.assert_close(outputs, torch.stack([m(x) for m in modules]))
    other = net_initialize(NetChain([LinearLayer(4)], input=3), seed=0).compile()
    assert type(other) is not type(modules[0])  # another code: another class


def test_each_layer_module_makes_its_own_hook_tables_on_first_use_and_its_hooks_fire():
    # a compiled net's layer modules make their hook tables (and non-persistent buffer names) when first read, not
    # when built: 2 KiB less a module; each table is the module's own, and hooks, buffers and copies work as in torch
    net = net_initialize(NetChain({"a": LinearLayer(3), "act": "Tanh", "b": LinearLayer(3)}, input=2), seed=0)
    module = net.compile()
    assert not {"_forward_hooks", "_state_dict_hooks", "_non_persistent_buffers_set"} & set(module.a.__dict__)
    assert module.a._forward_hooks is not module.b._forward_hooks and module.a._forward_hooks is module.a._forward_hooks
    seen = []
    with pytest.warns(InlineLayerWarning):
        module.a.register_forward_hook(lambda mod, args, out: seen.append("a"))
    with pytest.warns(InlineLayerWarning):  # an ElementwiseLayer's module
        module.act.register_forward_pre_hook(lambda mod, args: seen.append("act"))
    x = torch.randn(4, 2)
    torch.testing.assert_close(interpret(net, module, Input=x), module(x))  # the interpreter calls each layer's module
    assert seen == ["a", "act"] and len(module.b._forward_hooks) == 0 and len(module.b._forward_pre_hooks) == 0
    module.b.register_buffer("scale", torch.ones(1), persistent=False)
    module.a.register_buffer("shift", torch.zeros(1))
    assert list(module.state_dict()) == ["a.Weights", "a.Biases", "a.shift", "b.Weights", "b.Biases"]
    copied, unpickled = copy.deepcopy(module), pickle.loads(pickle.dumps(net_initialize(net, seed=0).compile()))
    for other, fired in ((copied, ["copy", "a", "act"]), (unpickled, ["copy"])):  # a copy keeps the hooks it had
        seen.clear()
        with pytest.warns(InlineLayerWarning):
            other.a.register_forward_pre_hook(lambda mod, args: seen.append("copy"))
        interpret(net, other, Input=x)
        assert seen == fired and len(other.b._forward_pre_hooks) == 0
    assert len(module.a._forward_pre_hooks) == 0  # the copy's hook is its own


def test_to_net_of_a_module_on_the_meta_device_names_the_layer_array_and_device():
    # it was an OptionError 'LinearLayer weights= needs a numeric array ... found a meta tensor', naming neither the
    # layer's path nor the device the module was moved to, nor what to do
    from netgraph import DataError
    module = net_initialize(NetChain({"lin": LinearLayer(2)}, input=3), seed=0).compile().to("meta")
    with pytest.raises(DataError, match=r"layer 'lin' \(LinearLayer\): to_net\(\) copies its array 'Weights' .* on "
                                        r"the meta device .* module\.to_empty\(device='cpu'\)") as caught:
        module.to_net()
    problem = caught.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.option, problem.found) == \
        ("data-device", ("lin",), "Weights", torch.device("meta"))


def _nested_module():
    return net_initialize(NetChain({"body": NetChain({"lin": LinearLayer(8)}), "head": LinearLayer(2)}, input=4),
                          seed=0).compile()


@pytest.mark.parametrize("path", [("head",), ("body", "lin")])
def test_to_net_of_an_array_of_another_shape_names_the_layer_path(path):
    # it was "LinearLayer: array 'Weights': expected shape ..." with no layer in its Diagnostic
    from netgraph import OptionError
    module = _nested_module()
    setattr(submodule(module, path), "Weights", torch.nn.Parameter(torch.zeros(3, 8 if path == ("head",) else 4)))
    with pytest.raises(OptionError, match=r"^to_net\(\): arrays of other shapes than the net needs: layer .*"
                                          rf"'{path[-1]}' \(LinearLayer\) array 'Weights': expected shape") as caught:
        module.to_net()
    problem = caught.value.diagnostics[0]
    assert (problem.kind, problem.layer) == ("array-shape", path)


def test_to_net_lists_every_wrong_array_each_expected_in_the_net_s_sizes():
    """It named only the first, expected (4, 4): the input size taken from the wrong array, not the net's 6."""
    from netgraph import OptionError
    module = net_initialize(NetChain({"fc1": LinearLayer(4), "r": "Ramp", "fc2": LinearLayer(2)}, input=6)).compile()
    module.fc1.Weights = torch.nn.Parameter(torch.zeros(6, 4))
    module.fc2.Weights = torch.nn.Parameter(torch.zeros(2, 3))
    with pytest.raises(OptionError) as caught:
        module.to_net()
    assert str(caught.value) == (
        "to_net(): arrays of other shapes than the net needs: 2 problems:\n"
        "  - layer 1 'fc1' (LinearLayer) array 'Weights': expected shape (4, 6), found (6, 4); Keras's or "
        "TensorFlow's layout (..., inputs, outputs)? give w.permute(1, 0)\n"
        "  - layer 3 'fc2' (LinearLayer) array 'Weights': expected shape (2, 4), found (2, 3)")
    assert [(d.layer, d.expected, d.found) for d in caught.value.diagnostics] == [
        (("fc1",), (4, 6), (6, 4)), (("fc2",), (2, 4), (2, 3))]


@pytest.mark.parametrize("path", [("head",), ("body", "lin")])
def test_to_net_after_an_array_is_deleted_is_an_error_naming_it_not_the_stale_weights(path):
    from netgraph import DataError
    module = _nested_module()
    delattr(submodule(module, path), "Weights")
    with pytest.raises(DataError, match=f"layer '{'/'.join(path)}' \\(LinearLayer\\): to_net\\(\\) copies its array "
                                        f"'Weights' into the net, but the module no longer holds it") as caught:
        module.to_net()
    problem = caught.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.option) == ("missing-array", path, "Weights")
