"""Messages for what a Keras or torch user types first (a new user's QA): each says what netgraph takes instead."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from netgraph import (ConvolutionLayer, CrossEntropyLossLayer, DataError, FlattenLayer, LinearLayer, NetChain,
                      OptionError, SoftmaxLayer, net_initialize, net_train)


def _classifier():
    return NetChain([LinearLayer(4), "Ramp", LinearLayer(3), SoftmaxLayer()], input=5)


def _xy(n=20):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)), rng.integers(0, 3, size=n)


def test_keras_fit_form_x_y_is_a_data_error_naming_the_pair():
    x, y = _xy()
    with pytest.raises(DataError, match=r"net_train takes the data as one argument, found 2 .*"
                                        r"net_train\(net, \(inputs, targets\)\)"):
        net_train(_classifier(), x, y)


def test_wolframs_third_argument_is_the_property_to_return():
    """Wolfram's NetTrain[net, data, prop] ("All", "TrainedNet", "RoundLossList", or a list of them): it was a
    DataError about Keras's fit(x, y)."""
    x, y = _xy()
    options = dict(max_training_rounds=2, random_seed=0, progress=False)
    results = net_train(_classifier(), (x, y), "All", **options)
    assert results.total_rounds == 2
    losses, net = net_train(_classifier(), (x, y), ["RoundLossList", "TrainedNet"], **options)
    assert losses == results.round_losses and isinstance(net, NetChain)
    assert net_train(_classifier(), (x, y), "LossEvolutionPlot", **options).startswith("<svg")
    with pytest.raises(OptionError, match="NetTrainResults has no property 'RoundLosList' \\(did you mean "
                                          "'RoundLossList'"):
        net_train(_classifier(), (x, y), "RoundLosList", **options)
    with pytest.raises(DataError, match="net_train takes the data as one argument, found 2"):  # labels, not properties
        net_train(_classifier(), x, ["cat", "dog"] * 10)


def test_wolframs_automatic_option_value_is_the_default():
    """Wolfram's options default to Automatic: BatchSize -> Automatic was 'batch_size must be an integer > 0'."""
    x, y = _xy()
    plain = net_train(_classifier(), (x, y), max_training_rounds=2, random_seed=0, progress=False, all=True)
    automatic = net_train(_classifier(), (x, y), max_training_rounds=2, random_seed=0, progress=False, all=True,
                          batch_size="Automatic", learning_rate="Automatic", method="Automatic",
                          loss_function="Automatic", validation_set="Automatic", working_precision="Automatic")
    assert automatic.round_losses == plain.round_losses and automatic.batch_size == plain.batch_size


@pytest.mark.parametrize("name, ours", [("epochs", "max_training_rounds"), ("lr", "learning_rate"),
                                        ("optimizer", "method"), ("loss", "loss_function"), ("seed", "random_seed"),
                                        ("verbose", "progress"), ("validation_split", "validation_set"),
                                        ("device", "target_device")])
def test_other_libraries_option_names_point_to_ours(name, ours):
    x, y = _xy()
    with pytest.raises(OptionError) as info:
        net_train(_classifier(), (x, y), **{name: 1})
    assert f"net_train has no option {name!r} (" in str(info.value)
    assert f"{name!r} is net_train's {ours!r}" in str(info.value)


@pytest.mark.parametrize("name, ours", [("TrainingProgressReporting", "progress"),
                                        ("training_progress_reporting", "progress"),
                                        ("TrainingProgressFunction", "progress"),
                                        ("TrainingProgressMeasurements", "metrics"),
                                        ("TrainingProgressCheckpointing", "checkpoint"),
                                        ("TimeGoal", "max_training_time"), ("time_goal", "max_training_time")])
def test_wolfram_option_names_whose_snake_case_is_not_ours_point_to_ours(name, ours):
    """These suggested progress_reporting (TensorBoard's), loss_function, or nothing."""
    x, y = _xy()
    with pytest.raises(OptionError) as info:
        net_train(_classifier(), (x, y), **{name: None})
    assert f"(Wolfram's {name!r} is net_train's {ours!r}" in str(info.value)
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("array", [np.zeros((20, 5)), torch.zeros(20, 5)])
def test_one_bare_array_asks_for_inputs_and_targets(array):
    with pytest.raises(DataError) as info:
        net_train(_classifier(), array, max_training_rounds=1, progress=False)
    message = str(info.value)
    assert "training data must be a dict of port -> array" in message and "found one array" in message
    assert "of shape (20, 5)" in message
    assert "{'Input': inputs, 'Target': targets}" in message and "data loader" not in message


def _cnn():
    return NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(2), SoftmaxLayer()], input=(1, 6, 6))


@pytest.mark.parametrize("shape, hint", [((8, 6, 6, 1), "channels last? netgraph takes channels first (as torch): "
                                                         "x.permute(0, 3, 1, 2)"),
                                         ((8, 6, 6), "the channel dim is missing: x[:, None]")])
def test_image_batches_in_another_layout_are_named(shape, hint):
    x, y = np.zeros(shape), np.zeros(8, dtype=np.int64)
    with pytest.raises(DataError) as info:
        net_train(_cnn(), (x, y), max_training_rounds=1, progress=False)
    assert hint in str(info.value)
    with pytest.raises(DataError) as info:
        net_initialize(_cnn(), seed=0)(x)
    assert hint in str(info.value)


@pytest.mark.parametrize("target, hint", [(np.zeros((20, 1), dtype=np.int64), "a trailing dim of 1: x[..., 0]"),
                                          (np.eye(3, dtype=np.int64)[np.arange(20) % 3],
                                           "one-hot rows of 3 classes? give class indices, x.argmax(-1)")])
def test_class_targets_of_another_shape_are_named(target, hint):
    x, _ = _xy()
    with pytest.raises(DataError) as info:
        net_train(_classifier(), (x, target), max_training_rounds=1, progress=False)
    assert hint in str(info.value)


def test_a_fitting_batch_gets_no_hint():
    x, y = _xy()
    trained = net_train(_classifier(), (x, y), max_training_rounds=1, progress=False, random_seed=0)
    assert trained(x).shape == (20, 3)


def test_regression_targets_without_their_dim_of_1_are_named():
    x, _ = _xy()
    net = NetChain([LinearLayer(4), "Tanh", LinearLayer(1)], input=5)
    with pytest.raises(DataError, match=r"expected shape \(b, 1\) with b the number of examples, found \(20,\); the "
                                        r"trailing dim of 1 is missing: x\[\.\.\., None\] adds it"):
        net_train(net, (x, x.sum(1)), max_training_rounds=1, progress=False)


@pytest.mark.parametrize("name, ours", [("Dense", "Keras's Dense is LinearLayer here"),
                                        ("LSTM", "torch's and Keras's LSTM is LongShortTermMemoryLayer here"),
                                        ("Conv2d", "torch's Conv2d is ConvolutionLayer here")])
def test_keras_and_torch_layer_names_point_to_ours(name, ours):
    from netgraph import NetGraph, SpecError, WiringError
    with pytest.raises(WiringError) as info:
        NetChain([name])
    assert str(info.value).endswith(f"found {name!r} ({ours})")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  a: {{type: {name}}}\ninputs: {{Input: 4}}\n")
    assert f"<string>:3:13: layer 'a': unknown layer type {name!r} ({ours})" in str(info.value)


def test_one_channels_last_image_is_named_too():
    """Found by QA with torch habits: one (h, w, c) image given to a (c, h, w) port got no layout hint (a batch did)."""
    net = net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(2)], input=(3, 8, 8)), seed=0)
    with pytest.raises(DataError, match=re.escape("channels last? netgraph takes channels first (as torch): "
                                                  "x.permute(2, 0, 1) (numpy: x.transpose(2, 0, 1))")):
        net(np.zeros((8, 8, 3)))


def test_float_one_hot_targets_to_an_index_loss_are_told_the_probabilities_form():
    """Found by QA with torch habits: float one-hot rows given to CrossEntropyLossLayer('Index') were told to give
    'the rows as floats' -- they were floats; the Index form takes no rows at all."""
    x, y = _xy()
    net = net_initialize(NetChain([LinearLayer(3)], input=x.shape[1]), seed=0)
    with pytest.raises(DataError) as info:
        net_train(net, (x, np.eye(3)[y % 3]), loss_function=CrossEntropyLossLayer("Index", logits=True),
                  max_training_rounds=1, progress=False)
    assert "CrossEntropyLossLayer('Probabilities')" in str(info.value)
    assert "rows as floats" not in str(info.value)


def test_a_linear_layer_on_a_sequence_names_the_per_element_form_torchs_linear_is():
    """torch's nn.Linear and Keras's Dense act on the last dim of a sequence; the ShapeError said only "take one
    element first (e.g. SequenceLastLayer)", not the per-element form that ports them."""
    from netgraph import EmbeddingLayer, NetMapOperator, ShapeError, net_extract
    with pytest.raises(ShapeError, match=re.escape("or apply it to each element, as torch's nn.Linear and Keras's "
                                                   "Dense act on the last dim: NetMapOperator(LinearLayer(16))")):
        NetChain([EmbeddingLayer(8, 100), LinearLayer(16)], input=["n"])
    ported = net_initialize(NetChain([EmbeddingLayer(8, 100), NetMapOperator(LinearLayer(16))], input=["n"]), seed=0)
    tokens = torch.randint(0, 100, (2, 5))
    linear = torch.nn.Linear(8, 16)
    with torch.no_grad():
        linear.weight.copy_(net_extract(ported, ("2", "net", "layer", "Weights")))
        linear.bias.copy_(net_extract(ported, ("2", "net", "layer", "Biases")))
        expected = linear(torch.nn.functional.embedding(tokens, ported.layers["1"].arrays["Weights"]))
    torch.testing.assert_close(ported(tokens), expected)


def test_a_linear_layer_after_pooling_the_features_of_a_sequence_names_pooling_over_the_sequence():
    """Found by QA with Keras habits: GlobalAveragePooling1D ported as AggregationLayer("Mean") pools the features
    (its levels "2;;"), leaving (n); the ShapeError then named only SequenceLastLayer and the per-element form, not
    pooling over the sequence, which the user meant."""
    from netgraph import AggregationLayer, EmbeddingLayer, GatedRecurrentLayer, ShapeError
    with pytest.raises(ShapeError, match=re.escape("pool over it (AggregationLayer('Mean', levels=1), Keras's "
                                                   "GlobalAveragePooling1D; the default levels '2;;' pool the others)")):
        NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(5), AggregationLayer("Mean"), LinearLayer(2)],
                 input=["n"])
    pooled = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(5), AggregationLayer("Mean", levels=1),
                       LinearLayer(2)], input=["n"])
    assert pooled.output_shapes == {"Output": (2,)}


def test_net_layers_by_a_keras_position_or_a_wrong_name_say_how_layers_are_keyed():
    """Keras's model.layers is a list: net.layers[0] was a bare "KeyError: 0"."""
    from netgraph import NetGraph, WiringError
    net = _classifier()
    with pytest.raises(KeyError) as info:  # still a KeyError for code that catches one, and a WiringError
        net.layers[0]
    assert isinstance(info.value, WiringError)
    assert str(info.value) == ("net.layers has no key 0: layers are keyed by name, as strings ('1', '2', '3', '4'; "
                               "unnamed layers are numbered from '1', as in Wolfram): net.layers['1'], or by "
                               "position (from 0, as Python counts): net[0]")
    named = NetGraph({"enc": LinearLayer(3), "act": "Tanh"}, [("enc", "act")], Input=2)
    with pytest.raises(WiringError, match=r"^net.layers has no key 'encoder' \(did you mean 'enc'\?\); the layers "
                                          r"are 'enc', 'act'$"):
        named.layers["encoder"]
    assert named.layers["enc"] == LinearLayer(3, input=2) or named.layers["enc"].output == (3,)
    assert named.layers.get(0) is None and 0 not in named.layers and list(named.layers) == ["enc", "act"]


def test_net_layers_by_a_wolfram_index_names_that_layer_and_no_position_past_the_end():
    """net.layers[1] of a one-layer chain suggested 'net.layers['1'], or by position list(net.layers.values())[1]':
    the second is another layer than the first, here past the end (an IndexError)."""
    from netgraph import NetChain, NetGraph, WiringError
    single = NetChain([LinearLayer(3)], input=2)
    with pytest.raises(WiringError) as info:
        single.layers[1]
    assert str(info.value).endswith("as in Wolfram): net.layers['1']")
    named = NetGraph({"enc": LinearLayer(3), "act": "Tanh"}, [("enc", "act")], Input=2)
    with pytest.raises(WiringError) as info:
        named.layers[1]
    assert str(info.value).endswith("as in Wolfram): net.layers['enc'], or by position (from 0, as Python counts): "
                                    "net[1]")
    assert dict(named.layers) == {"enc": named.layers["enc"], "act": named.layers["act"]}


@pytest.mark.parametrize("dtype", [torch.int64, torch.float32])
def test_one_hot_tokens_given_to_an_index_input_are_told_to_pass_indices(dtype):
    """Found by QA with torch habits: one-hot tokens given to an EmbeddingLayer's Integer input in net(x) got no
    hint (the one-hot wording was for targets only, and net(x) never asked for it)."""
    from netgraph import EmbeddingLayer
    net = net_initialize(NetChain([EmbeddingLayer(4, 10)], input=5), seed=0)
    tokens = torch.nn.functional.one_hot(torch.arange(10).reshape(2, 5), 10).to(dtype)
    for given in (tokens, tokens[0]):
        with pytest.raises(DataError) as info:
            net(given)
        message = str(info.value)
        assert "one-hot rows of 10 classes? an index (Integer) input takes indices: x.argmax(-1)" in message
        assert "CrossEntropyLossLayer" not in message  # the loss's forms are for targets
    assert torch.equal(net(tokens.argmax(-1)), net(torch.arange(10).reshape(2, 5)))


@pytest.mark.parametrize("length", ["n", 10])
def test_a_sequence_given_features_first_is_told_to_transpose(length):
    """Found by QA with torch habits: a recurrent layer's input given as (b, features, n), torch's Conv1d layout,
    got no hint (and a fixed length was told 'channels last? netgraph takes channels first', the opposite)."""
    from netgraph import LongShortTermMemoryLayer
    net = net_initialize(NetChain([LongShortTermMemoryLayer(8)], input=(length, 3)), seed=0)
    x = torch.randn(2, 10, 3)
    for given, order in ((x.transpose(1, 2), "1, 2"), (x[0].T, "0, 1")):
        with pytest.raises(DataError) as info:
            net(given)
        assert f"a sequence is (n, features) here; features first (torch's Conv1d layout)? x.transpose({order})" \
            in str(info.value) if length == "n" else f"the two dims swapped? x.transpose({order})" in str(info.value)
        assert "channels first" not in str(info.value)
    assert net(x.transpose(1, 2).transpose(1, 2)).shape == (2, 10, 8)


@pytest.mark.parametrize("name, ours", [("GaussianDistribution", "GaussianDistribution is NormalDistribution here"),
                                        ("Normal", "torch's Normal is NormalDistribution here"),
                                        ("Chi2", "torch's Chi2 is ChiSquareDistribution here")])
def test_other_distribution_names_point_to_ours_not_to_a_near_spelling(name, ours):
    """'GaussianDistribution' was told "did you mean 'GammaDistribution'" (the nearest spelling)."""
    import netgraph
    from netgraph import NetGraph, OptionError, RandomArrayLayer, SpecError
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  r: {{type: RandomArrayLayer, distribution: {{type: {name}, "
                           f"args: [0, 1]}}, output: 2}}\n")
    assert f"unknown type {name!r} ({ours}) (a distribution" in str(info.value)
    with pytest.raises(OptionError, match=re.escape(f"found {name!r} ({ours})")):
        RandomArrayLayer(name, output=2)
    with pytest.raises(AttributeError, match=re.escape(f"no attribute {name!r} ({ours})")):
        getattr(netgraph, name)


def test_a_keras_layer_name_on_the_package_points_to_ours():
    import netgraph
    with pytest.raises(AttributeError, match=re.escape("no attribute 'Dense' (Keras's Dense is LinearLayer here)")):
        netgraph.Dense
