"""Arguments a layer's options do not take are an OptionError naming the layer type and the option (they were
Python's TypeError from the dataclass __init__: `LinearLayer(3, activation="relu")`, Keras's habit)."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest
import torch

from netgraph import (AggregationLayer, AttentionLayer, BatchNormalizationLayer, CatenateLayer, ConvolutionLayer,
                      CrossEntropyLossLayer, DeconvolutionLayer, ElementwiseLayer, EmbeddingLayer, FlattenLayer,
                      FunctionLayer, GatedRecurrentLayer, LayerNormalizationLayer, LinearLayer, LongShortTermMemoryLayer,
                      MeanSquaredLossLayer, NetGraph, NetMapOperator, NormalizationLayer, PaddingLayer, PoolingLayer,
                      ResizeLayer, SoftmaxLayer, ThreadingLayer, TotalLayer)
from netgraph.core.errors import OptionError
from netgraph.core.layer import REGISTRY, Layer, registry_scope


@pytest.mark.parametrize("make, message, option", [
    (lambda: LinearLayer(3, activation="relu"),
     r"LinearLayer has no option 'activation' \(activations are layers of their own: NetChain\(\[LinearLayer\(3\), "
     r"\"Ramp\"\]\)\); its options are output, input, weights, biases", "activation"),
    (lambda: LinearLayer(units=3), r"LinearLayer has no option 'units' \(Keras's units: netgraph's output\)", "units"),
    (lambda: LinearLayer(3, ouput=4), r"LinearLayer has no option 'ouput' \(did you mean 'output'\?\)", "ouput"),
    (lambda: LinearLayer(3, output=4), r"LinearLayer was given option 'output' twice, by position and by name",
     "output"),
    (lambda: ElementwiseLayer(), r"ElementwiseLayer needs option 'function'", "function"),
])
def test_arguments_a_layer_cannot_take(make, message, option):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert info.value.diagnostics[0].option == option
    assert isinstance(info.value.__cause__, TypeError)  # Python's own words stay on the chain


def test_every_registered_layer_type_names_an_unknown_option():
    for name, cls in REGISTRY.items():
        if dataclasses.is_dataclass(cls):
            with pytest.raises(OptionError, match=f"{name} has no option 'no_such_option'"):
                cls(no_such_option=1)


def test_a_type_error_from_checking_the_options_is_not_reworded():
    """Arguments that bind: a TypeError the layer's own checks raise reaches the user as it was."""
    with registry_scope():
        class Picky(Layer):
            size: int = 1

            def validate(self) -> None:
                raise TypeError("picky about its size")

        with pytest.raises(TypeError, match="picky about its size"):
            Picky(size=2)
        with pytest.raises(OptionError, match=r"Picky has no option 'sise' \(did you mean 'size'\?\)"):
            Picky(sise=2)


def test_the_signature_is_the_options():
    assert list(inspect.signature(LinearLayer).parameters) == ["output", "input", "weights", "biases"]
    assert LinearLayer(3) == LinearLayer(output=3)


@pytest.mark.parametrize("make, message", [
    (lambda: LinearLayer(3, 4, None, None, 5), r"LinearLayer takes 1 option by position \(output\), found 5; give "
                                               r"the others by name"),
    (lambda: LinearLayer(3, 4), r"LinearLayer takes 1 option by position \(output\), found 2.*torch's "
                                r"Linear\(in_features, out_features\)"),
    (lambda: ConvolutionLayer(3, 16, 3), r"ConvolutionLayer takes 2 options by position \(output, kernel\), "
                                         r"found 3.*torch's Conv2d\(in_channels, out_channels, kernel_size\)"),
    (lambda: LongShortTermMemoryLayer(8, 16), r"LongShortTermMemoryLayer takes 1 option by position \(output\)"),
    (lambda: LayerNormalizationLayer(8), r"LayerNormalizationLayer takes no options by position, found 1.*"
                                         r"torch's normalized_shape"),
    (lambda: BatchNormalizationLayer(16), r"BatchNormalizationLayer takes no options by position.*num_features"),
])
def test_torch_argument_order_is_refused_not_misread(make, message):
    """Found by QA with torch habits: LinearLayer(3, 4) was LinearLayer(3, input=4), ConvolutionLayer(3, 16, 3) a
    stride of 3, LayerNormalizationLayer(8) an epsilon of 8: torch's order silently meant other options."""
    with pytest.raises(OptionError, match=message):
        make()


def test_wolfram_positional_options_still_work():
    assert ConvolutionLayer(8, 3) == ConvolutionLayer(output=8, kernel=3)
    assert EmbeddingLayer(8, 100) == EmbeddingLayer(output=8, n=100)
    assert PoolingLayer(2, 2) == PoolingLayer(kernel=2, stride=2)
    assert SoftmaxLayer(1) == SoftmaxLayer(level=1)


@pytest.mark.parametrize("make, option, words", [
    (lambda: SoftmaxLayer(dim=-1), "dim", "torch's dim is netgraph's level"),
    (lambda: CatenateLayer(dim=1), "dim", "torch's dim is netgraph's level"),
    (lambda: AggregationLayer("Mean", dim=1), "dim", "torch's dim is netgraph's levels"),
    (lambda: ConvolutionLayer(16, 3, padding="same"), "padding", "netgraph's padding_size"),
    (lambda: ConvolutionLayer(16, kernel_size=3), "kernel_size", "netgraph's kernel"),
    (lambda: PoolingLayer(kernel_size=2), "kernel_size", "netgraph's kernel"),
    (lambda: PoolingLayer(3, 2, function="Mean", count_include_pad=True), "count_include_pad",
     "leaves padding out of each window's count"),
    (lambda: LinearLayer(3, bias=False), "bias", "torch's bias=False is netgraph's biases=False"),
    (lambda: ConvolutionLayer(4, 3, bias=False), "bias", "torch's bias=False is netgraph's biases=False"),
    (lambda: LongShortTermMemoryLayer(8, num_layers=2), "num_layers", "NetChain"),
    (lambda: LongShortTermMemoryLayer(8, batch_first=True), "batch_first", "batch is always first"),
    (lambda: GatedRecurrentLayer(hidden_size=8), "hidden_size", "torch's hidden_size is netgraph's output"),
    (lambda: LongShortTermMemoryLayer(8, dropout=0.2), "dropout", "NetChain([layer1, DropoutLayer(p), layer2])"),
    (lambda: GatedRecurrentLayer(8, bias=False), "bias", "recurrent layers always have their Biases"),
    (lambda: LongShortTermMemoryLayer(8, proj_size=4), "proj_size", "no projected state here"),
    (lambda: BatchNormalizationLayer(eps=1e-5), "eps", "torch's eps is netgraph's epsilon"),
    (lambda: BatchNormalizationLayer(affine=False), "affine", "torch's affine=False is netgraph's scaling=False, "
                                                              "biases=False"),
    (lambda: NormalizationLayer(affine=False), "affine", "torch's affine=False is netgraph's scaling=False"),
    (lambda: LayerNormalizationLayer(elementwise_affine=False), "elementwise_affine",
     "torch's elementwise_affine=False is netgraph's scaling=False, biases=False"),
    (lambda: LayerNormalizationLayer(bias=False), "bias", "torch's bias=False is netgraph's biases=False"),
    (lambda: EmbeddingLayer(num_embeddings=10, embedding_dim=4), "num_embeddings", "torch's num_embeddings is "
                                                                                   "netgraph's n"),
    (lambda: FlattenLayer(start_dim=1), "start_dim", "flattens all but the batch"),
    (lambda: ResizeLayer(scale_factor=2), "scale_factor", "torch's scale_factor is netgraph's scale"),
    (lambda: ResizeLayer([4, 4], mode="bilinear"), "mode", "resampling='Linear'"),
    (lambda: ResizeLayer([4, 4], align_corners=True), "align_corners", "torch's align_corners=True is netgraph's "
                                                                       "scheme='Point'"),
    (lambda: PaddingLayer([1, 1], mode="reflect"), "mode", "padding='Reflected'"),
    (lambda: DeconvolutionLayer(4, 3, output_padding=1), "output_padding", "follows from kernel, stride"),
    (lambda: AttentionLayer(is_causal=True), "is_causal", "mask='Causal'"),
    (lambda: CrossEntropyLossLayer("Index", reduction="sum"), "reduction", "one value per example"),
    (lambda: MeanSquaredLossLayer(reduction="mean"), "reduction", "one value per example"),
])
def test_torch_keywords_say_what_they_are_here(make, option, words):
    """Found by QA with torch habits: dim=, padding=, num_layers= ... got no hint (or a misleading did-you-mean:
    in_channels= suggested channel_groups)."""
    with pytest.raises(OptionError, match=re.escape(words)) as info:
        make()
    assert info.value.diagnostics[0].option == option


def test_a_torch_keyword_is_hinted_only_where_it_means_something():
    """dim is level for SoftmaxLayer, but FlattenLayer's level is no dim: no torch words there."""
    with pytest.raises(OptionError) as info:
        FlattenLayer(dim=1)
    assert "torch" not in str(info.value)


KERAS_YAML = "netgraph: 1\nlayers:\n  l: {{type: {layer}, {option}: {value}}}\ninputs: {{Input: {shape}}}\n"


@pytest.mark.parametrize("layer, option, value, shape, words", [
    ("EmbeddingLayer", "input_dim", 100, "{shape: [n], dtype: Integer}", "Keras's input_dim is netgraph's n"),
    ("EmbeddingLayer", "output_dim", 8, "{shape: [n], dtype: Integer}", "Keras's output_dim is netgraph's output"),
    ("EmbeddingLayer", "mask_zero", "true", "{shape: [n], dtype: Integer}", "no padding index here"),
    ("LongShortTermMemoryLayer", "return_sequences", "false", "[n, 3]", "SequenceLastLayer"),
    ("GatedRecurrentLayer", "return_state", "true", "[n, 3]", "state_output=True"),
    ("LinearLayer", "use_bias", "false", "3", "Keras's use_bias=False is netgraph's biases=False"),
    ("ConvolutionLayer", "use_bias", "false", "[1, 8, 8]", "Keras's use_bias=False is netgraph's biases=False"),
    ("BatchNormalizationLayer", "center", "false", "3", "Keras's center=False is netgraph's biases=False"),
    ("LayerNormalizationLayer", "scale", "false", "3", "Keras's scale=False is netgraph's scaling=False"),
    ("LinearLayer", "activation", "relu", "3", "activations are layers of their own"),
    ("LinearLayer", "units", 4, "3", "Keras's units: netgraph's output"),
    ("ConvolutionLayer", "strides", 2, "[1, 8, 8]", "Keras's strides is netgraph's stride"),
    ("PoolingLayer", "pool_size", 2, "[1, 8, 8]", "Keras's pool_size is netgraph's kernel"),
    ("DropoutLayer", "rate", 0.5, "3", "Keras's rate is netgraph's p"),
])
def test_keras_keywords_say_what_they_are_here_in_python_and_yaml(layer, option, value, shape, words):
    """Found by QA porting Keras models: Embedding's input_dim= got "did you mean 'input'?" (the port shape, not the
    number of indices), and YAML specs got none of the hints Python's arguments get (activation=, units=)."""
    from netgraph import NetGraph, SpecError
    from netgraph.core.layer import layer_class
    with pytest.raises(OptionError, match=re.escape(words)) as info:
        layer_class(layer)(**{option: value})
    assert info.value.diagnostics[0].option == option and "did you mean" not in str(info.value)
    with pytest.raises(SpecError, match=re.escape(words)):
        NetGraph.from_yaml(KERAS_YAML.format(layer=layer, option=option, value=value, shape=shape))


def test_every_unknown_option_is_named_at_once_as_a_spec_names_them():
    """Two typos in one call are two problems in one error (the first alone made the user fix, rerun, fix)."""
    with pytest.raises(OptionError) as info:
        ConvolutionLayer(3, 3, stide=2, paddin_size=1)
    assert [d.option for d in info.value.diagnostics] == ["stide", "paddin_size"]
    message = str(info.value)
    assert message.startswith("ConvolutionLayer: 2 problems:")
    assert "'stide' (did you mean 'stride'?)" in message and "'paddin_size' (did you mean 'padding_size'?)" in message


def test_an_unknown_option_and_a_missing_one_are_both_named():
    with pytest.raises(OptionError) as info:
        ElementwiseLayer(fnction="Tanh", input=3)
    assert [d.option for d in info.value.diagnostics] == ["fnction", "function"]
    assert "ElementwiseLayer needs option 'function'" in str(info.value)


def _problems(make):
    with pytest.raises(OptionError) as info:
        make()
    return info.value


def test_every_bad_option_value_is_named_at_once():
    """Three bad values in one call are three Diagnostics in one error (the first alone took three runs)."""
    error = _problems(lambda: ConvolutionLayer(-1, 0, stride=-2))
    assert [(d.option, d.found) for d in error.diagnostics] == [("output", -1), ("kernel", 0), ("stride", -2)]
    assert all(d.expected for d in error.diagnostics)
    message = str(error)
    assert message.startswith("ConvolutionLayer: 3 problems:")
    assert all(f"{option}= must be" in message for option in ("output", "kernel", "stride"))


@pytest.mark.parametrize("make, options", [
    (lambda: PoolingLayer(-1, stride=0, padding_size=-3), ["kernel", "stride", "padding_size"]),
    (lambda: BatchNormalizationLayer(momentum=2, epsilon=-1, input=-3), ["input", "momentum", "epsilon"]),
    (lambda: EmbeddingLayer(-1, 0), ["output", "n"]),
    (lambda: LinearLayer(3, input=-1, weights="w"), ["input", "weights"]),
])
def test_bad_values_of_other_families_are_all_named(make, options):
    error = _problems(make)
    assert sorted(d.option for d in error.diagnostics) == sorted(options)
    assert str(error).count("\n  - ") == len(options)


def test_one_bad_value_reads_as_before():
    error = _problems(lambda: ConvolutionLayer(16, 3, stride=0))
    assert str(error) == "ConvolutionLayer option stride= must be a positive integer or a list of them, found 0"
    assert [(d.option, d.found) for d in error.diagnostics] == [("stride", 0)]


def test_a_check_needing_a_bad_option_is_skipped_not_told_a_stand_in():
    """padding_size is checked against the kernel only once the kernel is good: no word of a value not given."""
    error = _problems(lambda: PoolingLayer(-2, padding_size=5))
    assert [d.option for d in error.diagnostics] == ["kernel"]


def test_a_bad_value_used_after_its_check_is_still_an_option_error():
    """A check that goes on past a bad value must not let the value fail later as Python's TypeError."""
    from netgraph.layers._shapes import positive_int

    class Halved(Layer, register=False):
        size: object = 2

        def normalize(self):
            positive_int(self.size, "Halved", "size")
            return {"_half": self.size // 2}

    error = _problems(lambda: Halved(size="x"))
    assert [(d.option, d.found) for d in error.diagnostics] == [("size", "x")]


@pytest.mark.parametrize("make, options", [
    (lambda: PoolingLayer(2, ceil_mode="yes", stride=0), ["ceil_mode", "stride"]),
    (lambda: PoolingLayer(2, function="Maxx", dilation=0), ["function", "dilation"]),
    (lambda: ConvolutionLayer(weights=torch.zeros(2, 2), stride=0), ["weights", "stride"]),
    (lambda: ConvolutionLayer(kernel=3, stride=0), ["output", "stride"]),
    (lambda: ConvolutionLayer(4, channel_groups=0), ["kernel", "channel_groups"]),
    (lambda: DeconvolutionLayer(weights=torch.zeros(2, 2), stride=0), ["weights", "stride"]),
    (lambda: DeconvolutionLayer(kernel=2, dilation=-1), ["output", "dilation"]),
])
def test_a_spatial_layers_own_value_checks_are_named_with_the_shared_ones(make, options):
    """Conv, deconv and pooling's own checks of one option report and go on, as the shared checks do."""
    error = _problems(make)
    assert sorted(d.option for d in error.diagnostics) == sorted(options)
    assert str(error).count("\n  - ") == len(options)


@pytest.mark.parametrize("make, options", [
    (lambda: LinearLayer(-3, weights=torch.zeros(2)), ["output", "weights"]),
    (lambda: BatchNormalizationLayer(epsilon=0, momentum=2), ["epsilon", "momentum"]),
    (lambda: LayerNormalizationLayer(epsilon=0, input=-1), ["epsilon", "input"]),
    (lambda: NormalizationLayer(method="Std", unbiased="no", group_number=0), ["method", "unbiased", "group_number"]),
    (lambda: NormalizationLayer(1, "Compliment", epsilon=-1), ["scaling_levels", "epsilon"]),
])
def test_linear_and_normalization_own_value_checks_are_named_with_the_shared_ones(make, options):
    error = _problems(make)
    assert sorted(d.option for d in error.diagnostics) == sorted(options)
    assert str(error).count("\n  - ") == len(options)


def test_an_epsilon_of_the_wrong_kind_is_named_once():
    error = _problems(lambda: LayerNormalizationLayer(epsilon="x"))
    assert [(d.option, d.found) for d in error.diagnostics] == [("epsilon", "x")]


@pytest.mark.parametrize("make", [
    lambda: ConvolutionLayer(-1, 0, stride=-2),
    lambda: ConvolutionLayer(16, 3, stride=0),
    lambda: PoolingLayer(2, ceil_mode="yes", stride=0),
    lambda: NormalizationLayer(method="Std", epsilon=-1),
    lambda: LinearLayer(3, input=-1, weights="w"),
])
def test_a_bad_option_value_has_the_kind_option_value(make):
    """A reader tells a bad value from other problems by its kind, not by its words."""
    assert {d.kind for d in _problems(make).diagnostics} == {"option-value"}


def test_a_check_of_options_together_is_not_an_option_value():
    error = _problems(lambda: ConvolutionLayer(3, 3, channel_groups=2))
    assert [d.kind for d in error.diagnostics] != ["option-value"]


def test_a_misspelt_option_and_a_bad_value_are_named_together():
    """Python refuses the misspelt name before any value is checked: the values given under right names are still
    checked, so that one run names both (the name alone made the user fix, rerun, then meet the value)."""
    error = _problems(lambda: ConvolutionLayer(3, 0, stide=2))
    assert [d.option for d in error.diagnostics] == ["stide", "kernel"]
    assert error.diagnostics[1].found == 0
    message = str(error)
    assert message.startswith("ConvolutionLayer: 2 problems:") and "'stide' (did you mean 'stride'?)" in message


def test_a_misspelt_option_with_good_values_is_named_alone():
    error = _problems(lambda: ConvolutionLayer(3, 2, stride=1, paddin_size=1))
    assert [d.option for d in error.diagnostics] == ["paddin_size"]


@pytest.mark.parametrize("make, inputs", [
    (lambda: ThreadingLayer("Plus", input=3), True),
    (lambda: CatenateLayer(input=(2, 3)), True),
    (lambda: NetMapOperator(LinearLayer(2), input=(5, 3)), False),
    (lambda: NetMapOperator(LinearLayer(2), Input=(5, 3)), False),
    (lambda: TotalLayer(output=3), True),
])
def test_a_port_shape_given_to_a_layer_without_that_option_says_where_shapes_go(make, inputs):
    """Found by QA (qa-wolfram): Wolfram's NetMapOperator[net, "Input" -> {5, 3}] and ThreadingLayer[Plus, "Input" -> 3]
    written with input= were told 'did you mean inputs?', which sets how many inputs a layer has, not their shape."""
    with pytest.raises(OptionError, match=r"port shapes are not options here: declare a port's shape on a net of "
                                          r"it, NetGraph\(layer, <port>=shape\)") as info:
        make()
    assert ("inputs= is how many inputs it takes (or their names), not their shape" in str(info.value)) == inputs
    assert "did you mean 'inputs'" not in str(info.value)
    with pytest.raises(OptionError, match=r"no option 'Weights' \(did you mean 'weights'\?\)"):  # a miscased option
        LinearLayer(3, Weights=torch.ones(3, 2))


def test_a_slots_shape_given_as_an_option_says_to_give_it_to_input():
    """Found by QA (qa-wolfram): Wolfram's FunctionLayer[#x + #y &, "x" -> 3] written FunctionLayer(f, x=3) listed
    the options only; input={'x': 3} gives a slot's shape."""
    with pytest.raises(OptionError, match=r"no option 'x' \(#x is a port: give its shape as input=\{'x': \.\.\.\}\)"):
        FunctionLayer("#x + #y &", x=3)
    with pytest.raises(OptionError, match=r"no option 'y' \(#y is a port"):
        FunctionLayer(function="#x + #y", y=3)
    with pytest.raises(OptionError, match=r"no option 'z'; its options"):  # not a slot of the function
        FunctionLayer("#x + #y", z=3)
    assert NetGraph([FunctionLayer("#x + #y &", input={"x": 3, "y": 3})], []).output_shapes == {"Output": (3,)}
