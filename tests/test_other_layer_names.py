"""Other libraries' layer names (torch's, Keras's) as a shorthand or a YAML type: the message names netgraph's layer,
before any guess at a near spelling (found by a newcomer QA pass: 'LeakyReLU' was told "did you mean 'ReLU'?")."""

from __future__ import annotations

import re

import pytest
import torch

import netgraph
from netgraph import ElementwiseLayer, FunctionLayer, NetChain, NetGraph, OptionError, SpecError, WiringError
from netgraph.core.other_layer_names import OTHER_LAYER_NAMES
from netgraph.core.plugins import stage

NAMES = [("LeakyReLU", "ParametricRampLayer"), ("Concat", "CatenateLayer"), ("BatchNorm", "BatchNormalizationLayer"),
         ("BatchNorm1d", "BatchNormalizationLayer"), ("PReLU", "ParametricRampLayer"), ("SiLU", "Swish"),
         ("Dropout", "DropoutLayer"), ("GlobalAveragePooling2D", "AggregationLayer"), ("Permute", "TransposeLayer"),
         ("ConvTranspose1d", "DeconvolutionLayer"), ("MaxPool3d", "PoolingLayer"), ("GroupNorm", "NormalizationLayer")]


@pytest.mark.parametrize("name, ours", NAMES)
def test_a_shorthand_of_another_librarys_name_names_ours_not_a_near_spelling(name, ours):
    with pytest.raises(WiringError) as info:
        NetChain([name])
    assert f"{name} is " in str(info.value) and ours in str(info.value) and "did you mean" not in str(info.value)


@pytest.mark.parametrize("name, ours", NAMES[:4])
def test_a_yaml_type_of_another_librarys_name_names_ours_not_a_near_spelling(name, ours):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  a: {{type: {name}}}\ninputs: {{Input: 3}}\n")
    message = info.value.errors[0]
    assert f"{name} is " in message and ours in message and "did you mean" not in message, message


def test_leaky_relus_advice_is_torchs_leaky_relu():
    """The fixed slope the hint writes is torch's default LeakyReLU."""
    written = re.search(r'ElementwiseLayer\("([^"]+)"\)', OTHER_LAYER_NAMES["LeakyReLU"][1]).group(1)
    x = torch.linspace(-3, 3, 13)
    assert torch.allclose(ElementwiseLayer(written)(x), torch.nn.LeakyReLU()(x))


def test_every_name_in_the_table_is_unknown_here_and_every_layer_it_names_exists():
    known = set(stage("layer_names")())
    layers = {name for name, (_, ours) in OTHER_LAYER_NAMES.items() if not ours.endswith("Distribution")}
    assert not known & layers  # a netgraph name would never reach its hint
    for name, (_, ours) in OTHER_LAYER_NAMES.items():
        for layer in re.findall(r"\b[A-Z]\w*(?:Layer|Operator|Distribution)\b", ours):
            assert layer in known or layer.endswith("Distribution"), (name, layer)


def test_a_near_spelling_of_ours_still_gets_its_guess():
    with pytest.raises(OptionError, match=re.escape("did you mean 'Tanh'?")):
        ElementwiseLayer("Tahn")


@pytest.mark.parametrize("name", ["Dropout", "Flatten", "Softmax", "Embedding", "LeakyReLU", "PReLU", "LSTM", "GRU",
                                  "Sequential"])
def test_a_name_torch_and_keras_share_is_told_as_both_of_theirs(name):
    """torch.nn and keras.layers both have these (keras.Sequential): the hint said only "torch's" (or, for LSTM and
    GRU, only "Keras's"), as if a Keras user had written a torch name."""
    with pytest.raises(WiringError) as info:
        NetChain([name])
    assert f"torch's and Keras's {name} is " in str(info.value), str(info.value)


def test_leaky_relus_advice_gives_keras_default_slope_too():
    """Keras's LeakyReLU defaults to a slope of 0.3, torch's to 0.01: the hint gave torch's alone, so a Keras model
    rebuilt from it silently changed its negative outputs."""
    hint = OTHER_LAYER_NAMES["LeakyReLU"][1]
    assert "torch's" in hint and "Keras's" in hint, hint
    written = re.findall(r'"(If\[[^"]+)"', hint)
    x = torch.linspace(-3, 3, 13)
    assert len(written) == 2, hint
    assert torch.allclose(ElementwiseLayer(written[0])(x), torch.nn.LeakyReLU()(x))
    assert torch.allclose(ElementwiseLayer(written[1])(x), torch.where(x >= 0, x, 0.3 * x))  # keras: negative_slope=0.3


@pytest.mark.parametrize("name, module", [("ReLU6", torch.nn.ReLU6()), ("Identity", torch.nn.Identity())])
def test_an_elementwise_hint_computes_the_torch_module_it_names(name, module):
    with pytest.raises(WiringError) as info:
        NetChain([name])
    written = re.search(rf'{name} is ElementwiseLayer\("([^"]+)"\)', str(info.value))
    assert written, str(info.value)
    x = torch.linspace(-9, 9, 19)
    assert torch.equal(ElementwiseLayer(written.group(1))(x), module(x))


def test_log_softmaxs_hint_is_a_softmax_then_a_log():
    with pytest.raises(WiringError) as info:
        NetChain(["LogSoftmax"])
    written = re.search(r"LogSoftmax is (\w+) then ElementwiseLayer\(\"(\w+)\"\)", str(info.value))
    assert written and written.group(1) == "SoftmaxLayer", str(info.value)
    from netgraph import SoftmaxLayer
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(0))
    chain = NetChain([SoftmaxLayer(), ElementwiseLayer(written.group(2))], input=5)
    torch.testing.assert_close(chain(x), torch.nn.LogSoftmax(dim=-1)(x))



ELEMENTWISE_MODULES = [("ReLU6", torch.nn.ReLU6()), ("Identity", torch.nn.Identity()), ("LeakyReLU", torch.nn.LeakyReLU())]


@pytest.mark.parametrize("make", [ElementwiseLayer, FunctionLayer], ids=["elementwise", "function"])
@pytest.mark.parametrize("name, module", ELEMENTWISE_MODULES)
def test_an_elementwise_name_as_a_function_gets_the_layer_tables_expression(make, name, module):
    """ElementwiseLayer("ReLU6") was told "did you mean 'ReLU'?" (and "Identity" nothing) though the layer table knew
    both as an expression in #: a function name gets that advice too, before any near spelling."""
    with pytest.raises(OptionError) as info:
        make(name)
    said = str(info.value)
    written = re.search(rf'{name} is ElementwiseLayer\("([^"]+)"\)', said)
    assert written and "did you mean" not in said, said
    x = torch.linspace(-9, 9, 19)
    assert torch.allclose(ElementwiseLayer(written.group(1))(x), module(x))



@pytest.mark.parametrize("make, call, inner, outer", [
    (ElementwiseLayer, "{}[#]", lambda x: x, lambda y: y), (FunctionLayer, "{}[#x] + 1", lambda x: x, lambda y: y + 1),
    (FunctionLayer, "1 + {} [ #x * 2 - 1 ]", lambda x: x * 2 - 1, lambda y: 1 + y),
    (FunctionLayer, "{}[Exp[#x] - 3] * 2", lambda x: x.exp() - 3, lambda y: y * 2),
    (FunctionLayer, "{}(#x - 1) + 1", lambda x: x - 1, lambda y: y + 1)],
    ids=["elementwise", "slot", "sum", "call", "parentheses"])
@pytest.mark.parametrize("name, module", ELEMENTWISE_MODULES)
def test_an_elementwise_name_called_in_an_expression_gets_its_form_on_the_users_argument(make, call, inner, outer,
                                                                                         name, module):
    """FunctionLayer("ReLU6[#x] + 1") was told ElementwiseLayer("Clip[#, {0, 6}]"), which cannot be pasted into the
    expression: it is told the form with its own argument for # (Clip[#x, {0, 6}]), which computes torch's module."""
    expression = call.format(name)
    with pytest.raises(OptionError) as info:
        make(expression)
    said = str(info.value)
    called = re.search(rf"{name} ?[\[(].*[\])]", expression).group(0)
    written = re.search(rf"{name}\[.+?\] is (.+?) here", said)
    assert written and "ElementwiseLayer" not in said, said
    x = torch.linspace(-9, 3, 49)
    pasted = make(expression.replace(called, written.group(1)))
    torch.testing.assert_close(pasted(x), outer(module(inner(x))))


@pytest.mark.parametrize("wolfram, ours", [("NetTake", "net_take"), ("NetReplacePart", "net_replace_part"),
                                           ("NetFlatten", "net_flatten"), ("NetInitialize", "net_initialize"),
                                           ("NetTrain", "net_train"), ("Information", "net.information(")])
def test_a_wolfram_function_name_on_the_module_names_ours(wolfram, ours):
    """A Mathematica user's netgraph.NetTrain got only Python's guess, 'NetChain' (Information none): surgery and
    training are snake_case functions here (net_train), which the error now names."""
    with pytest.raises(AttributeError, match=rf"has no attribute '{wolfram}' \(Wolfram's {wolfram} is "
                                             rf"{re.escape(ours)}"):
        getattr(netgraph, wolfram)
    assert ours.startswith("net.") or callable(getattr(netgraph, ours))
