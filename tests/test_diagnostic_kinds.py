"""Problems of a layer's or a distribution's arguments that had the default Diagnostic kind "error" have the kind of
their family: "layer-argument" (an argument too many, unknown, or given twice), "option-value" (a bad value of one
option or parameter, named as ``option``), "array-shape" (an array that does not fit)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (DiscreteUniformDistribution, FunctionLayer, GammaDistribution, LinearLayer, NetChain, NetGraph,
                      NetPort, NetSharedArray, NormalDistribution, OptionError, RandomArrayLayer, SpecError,
                      TorchLayer, UniformDistribution, net_append, net_delete, net_drop, net_flatten, net_insert,
                      net_insert_shared_arrays, net_rename, net_replace, net_replace_part,
                      net_set_learning_rate_multipliers, register_module)
from netgraph.core.multiplier_rates import array_multipliers
from netgraph.core.registry import registry_scope
from tests.diagnostic_helpers import sole_diagnostic

z = torch.zeros


def _diagnostic(make):
    return sole_diagnostic(make, OptionError)


@pytest.mark.parametrize("make, option", [
    (lambda: LinearLayer(3, 4, 5), None),
    (lambda: LinearLayer(3).replace(outptu=4), "outptu"),
    (lambda: LinearLayer(3, input=2).with_arrays({"Weight": z(3, 2)}), None),
    (lambda: TorchLayer(nn.Linear(2, 3)).with_arrays({"wieght": z(3, 2)}), "module"),
])
def test_too_many_positional_options_and_an_unknown_option_or_array_are_layer_arguments(make, option):
    """As an unknown keyword of the call is (kind "layer-argument"); these had the kind "error"."""
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == ("layer-argument", option)


def test_a_torch_layers_array_that_does_not_fit_its_module_is_an_array_shape():
    """As a built-in layer's (kind "array-shape"); it had the kind "error"."""
    diagnostic = _diagnostic(lambda: TorchLayer(nn.Linear(2, 3)).with_arrays({"weight": z(3, 5)}))
    assert (diagnostic.kind, diagnostic.option) == ("array-shape", "module")


@pytest.mark.parametrize("make, kind, option", [
    (lambda: GammaDistribution(1.0), "layer-argument", None),
    (lambda: UniformDistribution(0, 1), "layer-argument", None),
    (lambda: DiscreteUniformDistribution(1), "layer-argument", None),
    (lambda: NormalDistribution(0, "sigma"), "option-value", "sigma"),
    (lambda: NormalDistribution({"a": 1}, 1), "option-value", "mu"),
    (lambda: NormalDistribution(torch.zeros(2, requires_grad=True), 1), "option-value", "mu"),
])
def test_a_distributions_bad_arguments_have_a_kind_and_name_their_parameter(make, kind, option):
    """As its bad constants do (kind option-value, the parameter as option)."""
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == (kind, option)


def _spec_error(args: str) -> str:
    line = f"  r: {{type: RandomArrayLayer, output: 2, distribution: {{type: NormalDistribution, args: {args}}}}}"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n{line}\n")
    return line, str(info.value)


@pytest.mark.parametrize("args, token, words", [
    ('[0, "sigma"]', '"sigma"', "found 'sigma'"),
    ('[0, "1.5"]', '"1.5"', "('1.5' is quoted, so it is text: write 1.5 without quotes)"),
])
def test_a_spec_points_at_the_bad_parameter_and_keeps_the_quoted_number_hint(args, token, words):
    """It pointed at the whole args list (now at the parameter named), and a quoted number still says so."""
    line, message = _spec_error(args)
    assert message.startswith(f"<string>:3:{line.index(token) + 1}: layer 'r'") and message.endswith(words)


def _chain():
    return NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4)


@pytest.mark.parametrize("call, option", [
    (lambda: net_insert(_chain(), "Tanh", "zz"), "position"),
    (lambda: net_insert(_chain(), "Tanh", 0), "position"),
    (lambda: net_append(_chain(), "Tanh", at=1), "at"),
    (lambda: net_append(NetGraph(["Sin"], []), "Tanh"), "chain"),
    (lambda: net_append(_chain(), {1: "Tanh"}), "layers"),
    (lambda: net_append(_chain(), []), "layers"),
    (lambda: net_delete(_chain(), []), "layers"),
    (lambda: net_replace(_chain(), 3), "rules"),
    (lambda: net_replace(_chain(), {"Ramp": "Tanh"}), "rules"),
    (lambda: net_flatten(_chain(), 0), "levels"),
    (lambda: net_flatten(3), "net"),
    (lambda: _chain().information("LayerCount"), "prop"),
    (lambda: LinearLayer(3).information("LayersCount"), "prop"),
    (lambda: net_rename(_chain(), {"Input": "x"}), "rename"),
    (lambda: net_rename(_chain(), {NetPort(1, "Input"): "x"}), "rename"),
    (lambda: net_rename(_chain(), {NetPort("Input"): 3}), "rename"),
    (lambda: net_insert_shared_arrays(_chain(), "1x"), "prefix"),
    (lambda: net_insert_shared_arrays(NetChain([TorchLayer(nn.Linear(2, 2))], input=2)), "net"),
    (lambda: net_drop(_chain(), []), "layers"),
    (lambda: net_replace_part(_chain(), 3), "changes"),
    (lambda: net_rename(_chain(), ["1"]), "rename"),
    (lambda: net_rename(_chain(), lambda name: name[5]), "rename"),
    (lambda: net_rename(_chain(), {"1": 3}), "rename"),
    (lambda: net_set_learning_rate_multipliers(3, 0.5), "net"),
    (lambda: net_set_learning_rate_multipliers(_chain(), "fast"), "rules"),
    (lambda: net_set_learning_rate_multipliers(_chain(), {"1": -1}), "rules"),
    (lambda: NetSharedArray("a.b"), "name"),
])
def test_a_bad_value_of_a_net_functions_option_is_an_option_value(call, option):
    """As a layer's bad option value; these had the default kind "error"."""
    diagnostic = _diagnostic(call)
    assert (diagnostic.kind, diagnostic.option) == ("option-value", option)


def test_a_multiplier_key_reaching_only_shared_arrays_used_first_elsewhere_is_an_option_value():
    """net_train's check of learning_rate_multipliers= (run here without training)."""
    tower = NetChain({"l1": LinearLayer(3, weights=NetSharedArray("w"), biases=NetSharedArray("v"))})
    net = NetGraph({"left": tower, "right": tower, "add": "Plus"},
                   [(NetPort("x1"), "left"), (NetPort("x2"), "right"), (["left", "right"], "add")], x1=3, x2=3)
    names = ["left.l1.Weights", "left.l1.Biases"]  # the parameters net_train finds: the shared ones, by first user
    diagnostic = _diagnostic(lambda: array_multipliers(net, names, [("right", 0.0)]))
    assert (diagnostic.kind, diagnostic.option) == ("option-value", "learning_rate_multipliers")


def test_a_layer_type_name_taken_by_another_class_is_a_name_clash():
    class Twice(nn.Linear):
        pass

    with registry_scope():
        register_module(nn.Linear, "Twice")
        diagnostic = _diagnostic(lambda: register_module(Twice, "Twice"))
    assert (diagnostic.kind, diagnostic.option) == ("name-clash", "name")


def test_a_port_named_both_an_input_and_an_output_is_a_name_clash():
    assert _diagnostic(lambda: FunctionLayer("#Output + 1")).kind == "name-clash"


@pytest.mark.parametrize("make, option", [
    (lambda: FunctionLayer(lambda *xs: xs[0]), "function"),
    (lambda: RandomArrayLayer(lambda *a: NormalDistribution(*a)), "distribution"),
])
def test_a_function_whose_parameters_name_no_ports_is_a_bad_value_of_its_option(make, option):
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == ("option-value", option)
