"""What a user of Wolfram's NetTrain writes first (a QA pass over NetTrain's options and properties): each form is
taken as Wolfram means it or refused with netgraph's way of saying it."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, NetPort, OptionError, net_train


def _net_and_data():
    x = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    return NetGraph({"lin": LinearLayer(1)}, [], Input=2), {"Input": x, "Target": x.sum(1, keepdim=True)}


@pytest.mark.parametrize("name", ["TimeGoal", "time_goal"])
def test_wolframs_time_goal_points_to_max_training_time(name):
    # Found by QA: TimeGoal -> 60 written time_goal=60 listed every option without naming max_training_time
    net, data = _net_and_data()
    with pytest.raises(OptionError, match=rf"Wolfram's '{name}' is net_train's 'max_training_time'"):
        net_train(net, data, **{name: 60})


@pytest.mark.parametrize("name, ours", [
    ("MaxTrainingRounds", "max_training_rounds"), ("BatchSize", "batch_size"), ("ValidationSet", "validation_set"),
    ("LearningRate", "learning_rate"), ("LossFunction", "loss_function"), ("Method", "method"),
    ("TargetDevice", "target_device"), ("WorkingPrecision", "working_precision"), ("RandomSeeding", "random_seed"),
    ("TrainingStoppingCriterion", "training_stopping_criterion"),
    ("LearningRateMultipliers", "learning_rate_multipliers")])
def test_wolframs_camel_case_option_names_are_refused_naming_the_snake_case_one(name, ours):
    net, data = _net_and_data()
    with pytest.raises(OptionError, match=rf"net_train has no option '{name}' \(did you mean '{ours}'\?\)"):
        net_train(net, data, progress=False, **{name: 2})


@pytest.mark.parametrize("name", ["TrainingUpdateSchedule", "training_update_schedule"])
def test_wolframs_training_update_schedule_says_how_parts_are_trained_here(name):
    """It listed every option and said nothing more: net_train has no such option, and no name near it."""
    net, data = _net_and_data()
    with pytest.raises(OptionError, match=rf"no option '{name}' \(Wolfram's TrainingUpdateSchedule .* "
                                          rf"learning_rate_multipliers=.*Custom training loops"):
        net_train(net, data, progress=False, **{name: ["lin"]})


def test_random_seed_takes_wolframs_inherited_and_automatic_as_net_x_seed_does():
    # Found by QA: net(x, seed="Automatic") and seed="Inherited" worked (RandomSeeding), but net_train refused both:
    # "random_seed= must be an integer"
    net, data = _net_and_data()

    def arrays(seed):
        return net_train(net, data, max_training_rounds=1, progress=False, random_seed=seed).layers["lin"].arrays

    torch.manual_seed(7)
    inherited = arrays("Inherited")
    torch.manual_seed(7)
    assert all(torch.equal(inherited[k], v) for k, v in arrays(None).items())  # torch's generator, as None
    torch.manual_seed(7)
    automatic = arrays("Automatic")
    assert not torch.equal(automatic["Weights"], inherited["Weights"])  # a fresh seed, whatever torch's state
    with pytest.raises(OptionError, match=r"random_seed= must be an integer .* 'Automatic' .* 'Inherited'"):
        arrays("Inheritted")


@pytest.mark.parametrize("option", ["batch_size", "max_training_rounds", "learning_rate"])
def test_wolframs_automatic_is_the_default_of_options_whose_default_is_automatic(option):
    # Found by QA: BatchSize -> Automatic written batch_size="Automatic" was "must be an integer > 0", though
    # loss_function="Automatic" and progress="Automatic" are taken
    net, data = _net_and_data()
    rounds = {} if option == "max_training_rounds" else {"max_training_rounds": 2}
    given = net_train(net, data, progress=False, random_seed=0, all=True, **rounds, **{option: "Automatic"})
    default = net_train(net, data, progress=False, random_seed=0, all=True, **rounds)
    assert given.round_losses == default.round_losses and given.batch_size == default.batch_size
    with pytest.raises(OptionError, match=rf"{option} must be"):
        net_train(net, data, progress=False, **{option: "Default"})


@pytest.mark.parametrize("option, word, expected", [
    ("batch_size", "automatic", "an integer > 0"), ("max_training_rounds", "AUTOMATIC", "an integer > 0"),
    ("learning_rate", "automatic", "a number >= 0"), ("max_training_time", "automatic", "a number > 0"),
    ("batch_size", "Automatic ", "an integer > 0"), ("max_training_rounds", " automatic", "an integer > 0"),
    ("max_training_time", "Automatc", "a number > 0"), ("num_workers", "automatic", "an integer >= 0")])
def test_automatic_in_another_case_is_refused_naming_wolframs_spelling(option, word, expected):
    # Found probing net_train's options: batch_size="automatic" was "must be an integer > 0, found 'automatic'";
    # then by review: max_training_time="automatic", "Automatic " and " automatic" still escaped the check
    net, data = _net_and_data()
    with pytest.raises(OptionError, match=rf"^{option} must be {expected} or 'Automatic' \(Wolfram's word, spelled "
                                          rf"so: the default\), found '{word}'$") as caught:
        net_train(net, data, progress=False, **{option: word})
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.found, d.expected) == ("option-value", option, word, "Automatic")


def test_wolframs_checkpointing_forms(tmp_path):
    # Found by QA: TrainingProgressCheckpointing -> {"Directory", dir} written checkpoint=("Directory", dir) was
    # "checkpoint must be a directory or a dict"; {"File", path} (one file, overwritten) now says what to give
    net, data = _net_and_data()
    r = net_train(net, data, max_training_rounds=2, progress=False, all=True, checkpoint=("Directory", tmp_path / "c"))
    assert [p.rsplit("/", 1)[1] for p in r.checkpointing_files] == ["round-000001.pt", "round-000002.pt"]
    with pytest.raises(OptionError, match=r"\{'directory': .*'keep': 1\}") as info:
        net_train(net, data, max_training_rounds=1, checkpoint=("File", tmp_path / "one.pt"))
    assert info.value.diagnostics[0].option == "checkpoint" and not (tmp_path / "one.pt").exists()


def _two_outputs():
    net = NetGraph({"a": LinearLayer(1), "b": LinearLayer(1)},
                   [(NetPort("Input"), "a"), (NetPort("Input"), "b"), ("a", NetPort("A")), ("b", NetPort("B"))],
                   Input=2)
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))
    return net, {"Input": x, "A": x[:, :1], "B": x[:, 1:]}


@pytest.mark.parametrize("spec, words", [
    (["A", "B"], "loss_function={'A': 'A', 'B': 'B'}"),
    ({"A": ("Scaled", 2.0), "B": 1}, "loss_function['A'] is Wolfram's Scaled[2.0]: the weight is written 'A': 2.0"),
    ({"A": "Scaled[0.5]"}, "loss_function['A'] is Wolfram's Scaled[0.5]: the weight is written 'A': 0.5"),
])
def test_wolframs_loss_lists_and_scaled_weights_say_how_they_are_written(spec, words):
    # Found by QA: LossFunction -> {"A", "B"} written as a list, and Scaled[2.0] as ("Scaled", 2.0), were refused
    # without naming the dict form and the weight ("found 'Scaled'")
    net, data = _two_outputs()
    with pytest.raises(OptionError) as info:
        net_train(net, data, max_training_rounds=1, loss_function=spec)
    assert words in str(info.value)


def test_a_port_named_scaled_keeps_its_weight_pair():
    net = NetGraph({"a": LinearLayer(1)}, [("a", NetPort("Scaled"))], Input=2)
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))
    r = net_train(net, {"Input": x, "Scaled": x[:, :1]}, max_training_rounds=1, progress=False, all=True,
                  loss_function={"Scaled": ("Automatic", 2.0)})
    assert r.loss_weights == {"Scaled": [2.0]}


def test_wolframs_other_result_properties():
    # Found by QA: "MeanBatchesPerSecond", "TargetDevice" and "FinalPlots" were 'no property'; Wolfram properties
    # netgraph does not keep (NetTrainInputForm, ...) now say that, not only "did you mean"
    net, data = _net_and_data()
    r = net_train(net, data, max_training_rounds=3, batch_size=8, progress=False, all=True)
    assert r["MeanBatchesPerSecond"] == pytest.approx(12 / r.total_training_time)
    assert r["TargetDevice"] == "cpu"
    assert r["FinalPlots"] == {"Loss": r["LossPlot"]}
    assert {"MeanBatchesPerSecond", "TargetDevice", "FinalPlots"} <= set(r["Properties"])
    for name in ("NetTrainInputForm", "RoundPositions", "BatchesPerRound"):
        with pytest.raises(OptionError, match=rf"Wolfram's property '{name}' is not kept"):
            r[name]


@pytest.mark.parametrize("name", ["learning_rate_multipliers", "LearningRateMultipliers"])
def test_a_layers_learning_rate_multipliers_option_points_to_the_rules_on_its_net(name):
    # Found by QA: Wolfram's LinearLayer[3, LearningRateMultipliers -> 0] written LinearLayer(3,
    # learning_rate_multipliers=0) listed the layer's options only; a net given it already named the function
    with pytest.raises(OptionError, match=r"net_set_learning_rate_multipliers\(net, \{'lin': 0\}\)") as info:
        LinearLayer(3, **{name: 0})
    assert info.value.diagnostics[0].option == name


def test_validation_pairs_beside_training_arrays():
    # Found by QA: ValidationSet -> {in -> out, ...} written as a list of (input, target) pairs was "a list of
    # examples must hold dicts" when the training data was a dict of arrays (pairs worked as training data)
    net, data = _net_and_data()
    xv = torch.randn(6, 2, generator=torch.Generator().manual_seed(1))
    yv = xv.sum(1, keepdim=True)
    options = dict(max_training_rounds=2, progress=False, all=True, random_seed=0)
    pairs = net_train(net, data, validation_set=[(xv[i], yv[i]) for i in range(6)], **options)
    arrays = net_train(net, data, validation_set={"Input": xv, "Target": yv}, **options)
    assert pairs.validation_losses == pytest.approx(arrays.validation_losses, rel=1e-6)


def test_a_validation_pair_of_numpy_arrays_is_read_as_the_pair():
    # the check for Wolfram's ("Scaled", f) compared a numpy array with "Scaled": a raw ValueError ("The truth value
    # of an array ... is ambiguous") before training, where a pair of tensors, or of numpy arrays as data, trained
    net, data = _net_and_data()
    xv = torch.randn(6, 2, generator=torch.Generator().manual_seed(1))
    yv = xv.sum(1, keepdim=True)
    options = dict(max_training_rounds=2, progress=False, all=True, random_seed=0)
    numpy_pair = net_train(net, data, validation_set=(xv.numpy(), yv.numpy()), **options)
    tensors = net_train(net, data, validation_set={"Input": xv, "Target": yv}, **options)
    assert numpy_pair.validation_losses == tensors.validation_losses


@pytest.mark.parametrize("key", [torch.zeros(3), 1, ("Input",)])
def test_a_dict_keyed_by_something_other_than_port_names_is_a_data_error(key):
    # Found by QA (qa-wolfram): Wolfram's NetTrain[net, xs -> ys] written {xs: ys} raised TypeError
    # ("unsupported operand type(s) for +: 'Tensor' and 'str'") from the lengths-key scan
    net, data = _net_and_data()
    for bad in ({key: data["Target"]}, {**data, key: data["Target"]}):
        with pytest.raises(DataError, match=rf"training data: key .*{type(key).__name__}.* is not a port name") as info:
            net_train(net, bad, max_training_rounds=1, progress=False)
        assert info.value.diagnostics[0].data.name == "training"
    with pytest.raises(DataError, match=r"validation_set: key .* is not a port name.*\(inputs, targets\) pair") as info:
        net_train(net, data, validation_set={key: data["Target"]}, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].data.name == "validation"


def test_net_train_of_a_layer_gives_the_trained_layer():
    # Found by QA (qa-wolfram): NetTrain[LinearLayer[], data], the first example of NetTrain's page, written
    # net_train(LinearLayer(1), data) was "net_train needs a NetGraph"
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    data = {"Input": x, "Target": 2 * x + 1}
    options = dict(max_training_rounds=300, learning_rate=0.05, random_seed=0, progress=False)
    trained = net_train(LinearLayer(1), data, **options)
    assert isinstance(trained, LinearLayer)
    torch.testing.assert_close(trained.arrays["Weights"], torch.tensor([[2.0]]), atol=1e-3, rtol=0)
    torch.testing.assert_close(trained(torch.tensor([[3.0]])), torch.tensor([[7.0]]), atol=1e-2, rtol=0)
    graph = net_train(NetGraph([LinearLayer(1)], [], Input=1), data, **options)
    assert torch.equal(trained.arrays["Weights"], graph.layers["1"].arrays["Weights"])  # as the net of it alone
    results = net_train(LinearLayer(1), data, all=True, **{**options, "max_training_rounds": 2})
    assert isinstance(results.trained_net, LinearLayer) and isinstance(results.training_net, LinearLayer)
    nets = net_train(LinearLayer(1), data, ["TrainedNet", "RoundLossList"], **{**options, "max_training_rounds": 2})
    assert isinstance(nets[0], LinearLayer) and len(nets[1]) == 2


def test_a_progress_or_stopping_function_of_a_layer_alone_sees_the_layer_as_its_net():
    # info["Net"] was the NetGraph of the layer alone, while net_train and its results give the layer back
    x = torch.linspace(-1, 1, 16).unsqueeze(1)
    seen = []

    def progress(info):
        seen.append(info["Net"])

    def stop(info):
        seen.append(info["Net"])
        return False
    trained = net_train(LinearLayer(1), {"Input": x, "Target": 2 * x}, max_training_rounds=2, random_seed=0,
                        progress=progress, training_stopping_criterion=stop)
    assert len(seen) == 4 and all(isinstance(net, LinearLayer) for net in seen)
    assert torch.equal(seen[-1].arrays["Weights"], trained.arrays["Weights"])
    with pytest.raises(OptionError, match="f\\(info\\)"):   # a function that cannot take info: refused before training
        net_train(LinearLayer(1), {"Input": x, "Target": 2 * x}, progress=lambda: None)


@pytest.mark.parametrize("key", ["criterion", "Criterion"])
def test_a_stopping_function_in_the_dict_form_of_a_layer_alone_sees_the_layer_too(key):
    # only a bare function was given the layer: {"criterion": f} saw the NetGraph of the layer alone
    x = torch.linspace(-1, 1, 16).unsqueeze(1)
    seen = []

    def stop(info):
        seen.append(info["Net"])
        return False
    net_train(LinearLayer(1), {"Input": x, "Target": 2 * x}, max_training_rounds=2, random_seed=0, progress=False,
              training_stopping_criterion={key: stop, "patience": 5})
    assert len(seen) == 2 and all(isinstance(net, LinearLayer) for net in seen)


def test_a_pair_for_a_net_whose_input_is_named_target_puts_the_targets_under_the_outputs_target_key():
    # the pair was {'Target': inputs, 'Target': targets}: the targets replaced the inputs, and the DataError asked for
    # 'OutputTarget' and complained of the input's shape
    net = NetGraph({"l": LinearLayer(1)}, [(NetPort("Target"), "l"), ("l", NetPort("Output"))], Target=2)
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    options = dict(max_training_rounds=2, batch_size=4, random_seed=0, progress=False, all=True)
    by_pair = net_train(net, (x, y), **options)
    by_dict = net_train(net, {"Target": x, "OutputTarget": y}, **options)
    assert by_pair.round_losses == by_dict.round_losses


def _input_named_target():
    return NetGraph({"l": LinearLayer(1)}, [(NetPort("Target"), "l"), ("l", NetPort("Output"))], Target=2)


def test_a_loss_layer_for_a_net_whose_input_is_named_target_reads_its_target_under_the_outputs_target_key():
    # loss_function=MeanAbsoluteLossLayer() read the target from key 'Target', the input's data: a DataError
    # refusing 'OutputTarget' (the key the dict form {'Output': layer} reads) and the input's shape
    from netgraph import MeanAbsoluteLossLayer
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    options = dict(max_training_rounds=2, batch_size=4, random_seed=0, progress=False, all=True)
    data = {"Target": x, "OutputTarget": y}
    alone = net_train(_input_named_target(), data, loss_function=MeanAbsoluteLossLayer(), **options)
    by_port = net_train(_input_named_target(), data, loss_function={"Output": MeanAbsoluteLossLayer()}, **options)
    assert alone.round_losses == by_port.round_losses


def test_the_outputs_own_name_holds_its_target_beside_an_input_named_target():
    # 'Output' (and so Wolfram's list of rules input -> target, read by the output's name) was an unknown key here
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    options = dict(max_training_rounds=2, batch_size=4, random_seed=0, progress=False, all=True)
    expected = net_train(_input_named_target(), {"Target": x, "OutputTarget": y}, **options).round_losses
    assert net_train(_input_named_target(), {"Target": x, "Output": y}, **options).round_losses == expected
    rules = [(x[i], y[i]) for i in range(16)]
    assert net_train(_input_named_target(), rules, **options).round_losses == expected
    with pytest.raises(DataError, match="given twice"):
        net_train(_input_named_target(), {"Target": x, "Output": y, "OutputTarget": y}, **options)


def _classifier_with_input_named_target(decoder):
    from netgraph import ElementwiseLayer, SoftmaxLayer
    from netgraph.core.coders import BooleanDecoder
    last = ElementwiseLayer("LogisticSigmoid") if isinstance(decoder, BooleanDecoder) else SoftmaxLayer()
    width = 1 if isinstance(decoder, BooleanDecoder) else 3
    return NetGraph({"l": LinearLayer(width), "s": last}, [(NetPort("Target"), "l", "s"), ("s", NetPort("Output"))],
                    Target=2, Output=decoder)


@pytest.mark.parametrize("labels", [["a", "b", "c"] * 4, [True, False, False] * 4])
def test_list_inputs_beside_a_decoder_output_are_read_as_the_input_named_target(labels):
    # the key 'Target' was taken for the decoder output's target even though an input port has that name: 'target
    # 'Target' (ClassDecoder): example 0: expected a label, found list' for rules and for a dict of lists
    from netgraph import BooleanDecoder, ClassDecoder
    decoder = BooleanDecoder() if isinstance(labels[0], bool) else ClassDecoder(["a", "b", "c"])
    x = torch.randn(12, 2, generator=torch.Generator().manual_seed(1))
    options = dict(max_training_rounds=2, batch_size=4, random_seed=0, progress=False, all=True)
    expected = net_train(_classifier_with_input_named_target(decoder), {"Target": x, "OutputTarget": labels},
                         **options).round_losses
    as_lists = {"Target": x.tolist(), "OutputTarget": labels}
    assert net_train(_classifier_with_input_named_target(decoder), as_lists, **options).round_losses == expected
    rules = list(zip(x.tolist(), labels))
    assert net_train(_classifier_with_input_named_target(decoder), rules, **options).round_losses == expected


@pytest.mark.parametrize("input_name", ["Target", "Input"])
def test_a_pair_for_a_net_with_two_outputs_is_refused_with_the_dict_by_port(input_name):
    # with an input named Target the pair's targets overwrote the inputs (a shape error for the input); with Input it
    # asked for keys A and B and called 'Target' unknown
    edges = [(NetPort(input_name), "a", NetPort("A")), (NetPort(input_name), "b", NetPort("B"))]
    net = NetGraph({"a": LinearLayer(1), "b": LinearLayer(1)}, edges, **{input_name: 2})
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    with pytest.raises(DataError, match=r"a pair \(inputs, targets\) needs a net with one output port; this one has 2 "
                                        rf"\(A, B\): give a dict by port, \{{'{input_name}': \.\.\., 'A': \.\.\., "
                                        r"'B': \.\.\.\}") as caught:
        net_train(net, (x, y), max_training_rounds=1, progress=False)
    assert caught.value.kind == "data-form"


@pytest.mark.parametrize("option", ["checkpoint", "validation_set", "training_stopping_criterion"])
def test_wolframs_none_as_a_string_is_none(tmp_path, monkeypatch, option):
    # Found by QA: checkpoint="None" quietly created a folder named None, while validation_set="None" looked for a
    # data file "None"; progress="None" already read Wolfram's None as off
    monkeypatch.chdir(tmp_path)
    net, data = _net_and_data()
    kw = dict(max_training_rounds=2, random_seed=0, progress=None, all=True)
    given, plain = net_train(net, data, **{option: "None"}, **kw), net_train(net, data, **{option: None}, **kw)
    assert list(tmp_path.iterdir()) == [] and given.checkpointing_files == []
    assert given.batch_losses == plain.batch_losses and given.validation_losses == []
