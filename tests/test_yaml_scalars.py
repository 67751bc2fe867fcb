"""Plain scalars are read by the YAML 1.2 core schema (not PyYAML's YAML 1.1): only true/false are booleans,
5e-1 is a number, 1:30 is text, a leading zero is refused; to_yaml quotes text either schema reads otherwise."""

from __future__ import annotations

import math

import pytest

from netgraph import ClassDecoder, FunctionLayer, LinearLayer, NetGraph, OptionError, SoftmaxLayer, SpecError
from netgraph.spec.yaml_nodes import read_yaml

_WORDS = ["NO", "no", "yes", "Yes", "on", "OFF", "y", "n", "1:30", "1_000", "0b101", "2001-12-14", "=", "<<x"]


def test_yaml11_booleans_sexagesimal_and_underscores_stay_text(yaml_loader):
    assert read_yaml("[" + ", ".join(_WORDS) + "]\n", "f.yaml") == _WORDS


def test_core_schema_numbers_booleans_and_null(yaml_loader):
    data = read_yaml("[5e-1, 1e3, 1.0e38, -2E+2, .5, 1., +7, -0, 0o17, 0x1F, true, False, TRUE, null, ~, .inf, -.Inf]\n",
                     "f.yaml")
    assert data[:-2] == [0.5, 1000.0, 1.0e38, -200.0, 0.5, 1.0, 7, 0, 15, 31, True, False, True, None, None]
    assert [type(v) for v in data[:4]] == [float] * 4 and data[-2:] == [math.inf, -math.inf]
    assert math.isnan(read_yaml("[.nan]", "f.yaml")[0])


def test_quoted_and_tagged_scalars_are_unchanged(yaml_loader):
    assert read_yaml("['5e-1', \"yes\", !!str 12, !!float 3, !!int '12', !!int 0x1F, !!bool True]\n", "f.yaml") == [
        "5e-1", "yes", "12", 3.0, 12, 31, True]


@pytest.mark.parametrize("value, told", [
    ("!!int 010", "'010': a number with a leading zero is ambiguous (YAML 1.1 reads it as octal, YAML 1.2 as decimal); "
                  "write 10 (or 0o10 for octal)"),     # was 8 (YAML 1.1 octal)
    ("!!int '1:30'", "cannot read '1:30' as int: a spec reads YAML 1.2 values (int: 10, -3, 0o17, 0x1F)"),  # was 90
    ("!!int 1_000", "cannot read '1_000' as int: a spec reads YAML 1.2 values (int: 10, -3, 0o17, 0x1F)"),
    ("!!float 1_0.5", "cannot read '1_0.5' as float: a spec reads YAML 1.2 values (float: 0.5, 1e-3, .inf)"),
    ("!!bool yes", "cannot read 'yes' as bool: a spec reads YAML 1.2 values (bool: true or false)"),  # was True
])
def test_a_tagged_number_or_boolean_is_read_as_yaml_1_2(yaml_loader, value, told):
    spec = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: {value}}}\ninputs: {{Input: 2}}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    assert str(info.value) == f"<string>:3:{spec.splitlines()[2].index(value) + value.index(' ') + 2}: {told}"


@pytest.mark.parametrize("text, told", [("0099", "write 99"), ("0089", "write 89"), ("-017", "write -17"),
                                        ("017", "write 17 (or 0o17 for octal)")])
def test_octal_is_offered_only_where_every_digit_is_octal(yaml_loader, text, told):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: {text}}}\ninputs: {{Input: 2}}\n")
    assert str(info.value).endswith(f"as decimal); {told}")


@pytest.mark.parametrize("text", ["010", "-007", "00"])
def test_leading_zero_integer_is_refused_at_its_position(text, yaml_loader):
    spec = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: {text}}}\ninputs: {{Input: 2}}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    assert str(info.value).startswith(f"<string>:3:{spec.splitlines()[2].index(text) + 1}: {text!r}: a number with a "
                                      f"leading zero is ambiguous (YAML 1.1 reads it as octal, YAML 1.2 as decimal); "
                                      f"write {int(text)}")


def test_labels_and_numbers_in_specs(yaml_loader):
    dec = NetGraph.from_yaml("netgraph: 1\nlayers:\n  l: {type: LinearLayer, output: 3}\n  s: SoftmaxLayer\n"
                             "inputs: {Input: 2}\noutputs:\n  Output: {decoder: {type: ClassDecoder, labels: [NO, SE, yes]}}\n"
                             "edges:\n  - Input -> l -> s -> Output\n")
    assert dec.coders["Output"].labels == ("NO", "SE", "yes")
    net = NetGraph.from_yaml("netgraph: 1\nlayers:\n  a: {type: DropoutLayer, p: 5e-1}\n  b: {type: LinearLayer, output: 2}\n"
                             "inputs: {Input: 2}\nedges:\n  - Input -> a -> b\nlearning_rate_multipliers: {b: 1e-3}\n")
    assert net.layers["a"].p == 0.5 and net.learning_rate_multipliers == {"b": 0.001}
    edges = NetGraph.from_yaml("netgraph: 1\nlayers:\n  no: 3\n  on: Tanh\ninputs: {Input: 2}\nedges:\n  - [Input, no]\n"
                               "  - [no, on]\n")
    assert edges.output_shapes == {"Output": (3,)}


def test_to_yaml_quotes_text_that_reads_as_another_type():
    labels = ["5e-1", "1e3", "0o17", "0x1F", "yes", "NO", "1:30", "1_000", ".inf", "true", "null", "~", "plain"]
    net = NetGraph({"l": LinearLayer(len(labels)), "s": SoftmaxLayer()}, [("l", "s")], Input=2,
                   Output=ClassDecoder(labels))
    text = net.to_yaml()
    assert "plain" in text and all(repr(label) in text for label in labels if label != "plain")
    assert NetGraph.from_yaml(text).coders["Output"].labels == tuple(labels)


def test_loss_weights_on_the_command_line_read_numbers_as_specs_do():
    from netgraph.cli.train import loss_option
    assert loss_option("{Prediction: 1, Penalty: {weight: 5e-1, warmup: 2}}") == {
        "Prediction": 1, "Penalty": {"weight": 0.5, "warmup": 2}}


@pytest.mark.parametrize("word", ["yes", "On", "NO"])
def test_yaml11_boolean_word_for_a_boolean_option_says_true_or_false(word):
    spec = f"netgraph: 1\nlayers:\n  a: {{type: BasicRecurrentLayer, output: 2, state_output: {word}}}\ninputs: {{Input: [n, 2]}}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(spec)
    assert str(info.value) == (f"<string>:3:{spec.splitlines()[2].index(word) + 1}: layer 'a' (BasicRecurrentLayer) "
                               f"option state_output takes true or false, found the text {word!r} (specs read YAML "
                               f"1.2, where only true and false are booleans)")


def test_an_expression_from_a_folded_block_is_quoted_without_its_line_break():
    """A '>' block ends in a line break: the message quoted 'Foo[#x]\\n', the '\\n' shown as two characters."""
    text = "netgraph: 1\nlayers:\n  f:\n    type: FunctionLayer\n    function: >\n      #x +\n      * 2\ninputs: {x: 2}\n"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert str(info.value).splitlines() == ["<string>:7:7: layer 'f': expression '#x + * 2' at column 6: syntax error "
                                            "(invalid syntax)", "        #x + * 2", "             ^"]


def test_an_expression_with_spaces_around_it_is_quoted_stripped_its_caret_still_under_the_fault():
    with pytest.raises(OptionError) as info:
        FunctionLayer("  Foo[#x] \n")
    assert str(info.value).splitlines() == ["expression 'Foo[#x]' at column 1: unknown function 'Foo' (did you mean "
                                            "'Floor'?)", "    Foo[#x]", "    ^"]
