"""A layer's own error is placed at the option its OptionError names (``Diagnostic.option``), not found by text."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, OptionError, SpecError
from netgraph.core.layer import Layer
from tests.spec_refusals import spec_problems


def _error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return str(info.value)


def _column(line: str, value: str) -> int:
    return line.index(value) + 1


def test_a_shape_error_points_at_the_shape_option():
    line = "  a: {type: LinearLayer, output: 3, input: -1}"
    assert f"<string>:3:{_column(line, '-1')}:" in _error(f"netgraph: 1\nlayers:\n{line}\n")


def test_the_location_follows_the_named_option_even_when_the_message_names_another():
    class Picky(Layer):
        first: int = 0
        second: int = 0

        def validate(self):
            if self.second:
                raise OptionError("first= and second= disagree", option="second")

    line = "  a: {type: Picky, first: 1, second: 2}"
    assert f"<string>:3:{_column(line, '2}')}:" in _error(f"netgraph: 1\nlayers:\n{line}\n")


def test_an_error_naming_no_option_points_at_the_bad_item_of_the_positional_option():
    line = "  a: {type: ReshapeLayer, dims: [0]}"
    assert f"<string>:3:{_column(line, '0]')}:" in _error(f"netgraph: 1\nlayers:\n{line}\n")


@pytest.mark.parametrize("port, token, words", [
    ("{decoder: {type: ClassDecodr, labels: [a, b]}}", "ClassDecodr", "(did you mean 'ClassDecoder'?)"),
    ("{decoder: {type: ClassDecoder, lables: [a, b]}}", "lables", "'lables' (did you mean 'labels'?)"),
    ("{decoder: {type: ClassDecoder, labels: [a, a]}}", "[a, a]", "labels must be distinct"),
    ("{decoder: {type: ClassDecoder, labels: [a, b]}, shape: 2}", "shape", "without 'shape'"),
    ("{shap: 3}", "shap", "(did you mean 'shape'?)"),
    ("{shape: 3, dtype: Reel}", "Reel", "(did you mean 'Real'?)"),
    ("{shape: -3}", "-3", "dims must be positive"),
])
def test_a_port_type_error_points_at_the_key_or_value_at_fault(port, token, words):
    """They all pointed at the port's whole value ('{decoder: ...'), and a coder's option typo had no suggestion."""
    line = f"outputs: {{Output: {port}}}"
    message = _error(f"netgraph: 1\nlayers: {{a: 2}}\ninputs: {{Input: 3}}\n{line}\n")
    assert message.startswith(f"<string>:4:{_column(line, token)}: output 'Output': ") and words in message


def test_every_bad_value_of_a_layer_points_at_its_own_option():
    """A layer's several bad values are each told at their own value (all pointed at the first one's)."""
    line = "  conv: {type: ConvolutionLayer, output: -1, kernel: 0, stride: -2}"
    message = _error(f"netgraph: 1\nlayers:\n{line}\n")
    for option, token in (("output", "-1,"), ("kernel", "0,"), ("stride", "-2}")):
        assert f"<string>:3:{_column(line, token)}: layer 'conv': ConvolutionLayer option {option}= must be" in message


@pytest.mark.parametrize("options, token", [
    ("kernel: [3, 3], stride: [1, 1, 1]", "[1, 1, 1]"),
    ("kernel: 3, biases: [1.0, 2.0]", "[1.0, 2.0]"),
])
def test_a_convolutions_spatial_or_array_error_points_at_its_option(options, token):
    """They named no option, so they pointed at the layer's positional output= value."""
    line = f"  conv: {{type: ConvolutionLayer, output: 4, {options}}}"
    assert f"<string>:3:{_column(line, token)}: layer 'conv':" in _error(f"netgraph: 1\nlayers:\n{line}\n")


@pytest.mark.parametrize("kind", ["ConvolutionLayer", "DeconvolutionLayer"])
def test_input_channels_not_divisible_by_the_groups_point_at_channel_groups(kind):
    """The ShapeError named no option, so it pointed at the layer."""
    line = f"  conv: {{type: {kind}, output: 4, kernel: 3, channel_groups: 2, input: [3, 8]}}"
    message = _error(f"netgraph: 1\nlayers:\n{line}\n")
    assert f"<string>:3:{_column(line, '2,')}: layer 1 'conv' ({kind}): port 'Input' has 3 channels, not divisible by " \
           "channel_groups= 2" in message


@pytest.mark.parametrize("distribution, tokens", [
    ("{type: GammaDistribution, args: [-1, -2]}", {"alpha": "-1,", "beta": "-2]"}),
    ("{type: UniformDistribution, args: [[.inf, .nan]]}", {"min": ".inf", "max": ".nan"}),
    ("{type: NormalDistribution, args: [0, -1]}", {"sigma": "-1]"}),
])
def test_each_bad_distribution_constant_points_at_its_own_argument(distribution, tokens):
    """They were one message at the args list (or at a quoted number among them)."""
    line = f"  r: {{type: RandomArrayLayer, distribution: {distribution}, output: 2}}"
    message = _error(f"netgraph: 1\nlayers:\n{line}\n")
    kind = distribution.split(",")[0].removeprefix("{type: ")
    for name, token in tokens.items():
        assert f"<string>:3:{_column(line, token)}: layer 'r' option distribution: {kind}: parameter {name} " in message


@pytest.mark.parametrize("written, listed, keys", [("(3, 3)", "[3, 3]", "the key '3)'"),
                                                   ("(3, 3, 3)", "[3, 3, 3]", "the keys '3', '3)'"),
                                                   ("(3, 3, 3, 3)", "[3, 3, 3, 3]", "the keys '3', '3)'"),
                                                   ("(3 ,3, 3,  3 )", "[3, 3, 3, 3]", "the keys '3', '3 )'")])
def test_a_tuple_a_flow_mapping_split_is_one_problem_at_its_parenthesis(written, listed, keys):
    """YAML drops a repeated key: (3, 3, 3, 3) was told as [3, 3, 3], with a duplicate-key problem beside it."""
    text = f"netgraph: 1\nlayers:\n  a: {{type: ConvolutionLayer, output: 4, kernel: {written}, stride: 1}}\n"
    column = text.splitlines()[2].index("(") + 1
    assert spec_problems(text, ("line", "column", "option", "message")) == [(3, column, "kernel", (
        f"layer 'a' (ConvolutionLayer) option kernel: inside {{...}} YAML read {written} as the text '(3' and {keys}: "
        f"YAML has no tuples; write a list, {listed}"))]
