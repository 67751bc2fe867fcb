"""net_train's messages that pointed users the wrong way (QA): each names what the user gave."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, net_train


def _line():
    return NetGraph([LinearLayer(1)], [], Input=2)


@pytest.mark.parametrize("validation", [False, True])
def test_a_target_under_both_its_keys_is_named_twice_not_unknown(validation):
    x = torch.randn(16, 2)
    both = {"Input": x, "Target": x[:, :1], "Output": x[:, :1]}
    data, options = ({"Input": x, "Output": x[:, :1]}, {"validation_set": both}) if validation else (both, {})
    with pytest.raises(DataError) as info:
        net_train(_line(), data, max_training_rounds=1, progress=False, **options)
    first, second = ("Output", "Target") if validation else ("Target", "Output")
    assert f"the target is given twice (under {first!r} and {second!r}); give one of them" in str(info.value)
    assert "unknown key" not in str(info.value)


def _cli_files(tmp_path):
    import numpy as np
    spec = tmp_path / "lin.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 1}\ninputs: {Input: 2}\n")
    x = np.random.default_rng(0).random((16, 2)).astype("float32")
    np.savez(tmp_path / "data.npz", Input=x, Target=x.sum(1, keepdims=True))
    return ["train", str(spec), "--data", str(tmp_path / "data.npz"), "--rounds", "1", "--seed", "0", "--quiet"]


@pytest.mark.parametrize("name, found", [("missing.yaml", "the file does not exist"), ("sub/losses", "the file does "
                                          "not exist"), ("folder.yml", "the file is a folder")])
def test_cli_loss_naming_a_file_that_is_not_there_says_so(tmp_path, capsys, name, found):
    from netgraph.cli import main
    (tmp_path / "folder.yml").mkdir()
    path = str(tmp_path / name)
    assert main([*_cli_files(tmp_path), "--loss", path, "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"--loss {path!r}: {found}" in err and "not an output port" not in err


def test_cli_refusing_a_used_checkpoint_folder_names_the_resume_flag(tmp_path, capsys):
    from netgraph.cli import main
    common = [*_cli_files(tmp_path), "--checkpoint", str(tmp_path / "ck")]
    assert main([*common, "-o", str(tmp_path / "first")]) == 0
    capsys.readouterr()
    assert main([*common, "-o", str(tmp_path / "second")]) == 1
    err = capsys.readouterr().err
    assert "already holds an earlier run's checkpoints (round-000001.pt)" in err and "add --resume" in err
    assert "resume=True" not in err
    assert main([*common, "-o", str(tmp_path / "third"), "--resume"]) == 0


def test_plot_losses_names_a_folder_path_whole_and_as_a_folder(tmp_path):
    from netgraph import NetGraphError
    results = net_train(_line(), {"Input": torch.randn(8, 2), "Target": torch.randn(8, 1)}, max_training_rounds=1,
                        progress=False, all=True)
    folder = tmp_path / "plots"
    folder.mkdir()
    with pytest.raises(NetGraphError) as info:
        results.plot_losses(folder)
    assert str(info.value) == f"cannot write the loss plot to {str(folder)!r}: it is a folder; give a file name"
    with pytest.raises(NetGraphError, match="found '.*/loss.txt'"):
        results.plot_losses(tmp_path / "loss.txt")


def _gamma_net():
    from netgraph import ElementwiseLayer, GammaDistribution, RandomArrayLayer
    return NetGraph({"lin": LinearLayer(2), "s": ElementwiseLayer("Exp"),
                     "z": RandomArrayLayer(GammaDistribution("#a", 1.0)), "out": LinearLayer(1)},
                    [("lin", "s", "z", "out")], Input=2)


def test_a_distribution_parameter_overflowing_in_training_names_round_batch_and_the_overflow():
    from netgraph import TrainingError
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    with pytest.raises(TrainingError) as info:  # SGD at this rate grows the weights: Exp overflows on batch 2
        net_train(_gamma_net(), {"Input": x * 3, "Target": x[:, :1] * 100}, max_training_rounds=5, batch_size=16,
                  method="SGD", learning_rate=1.0, random_seed=0, progress=False)
    message = str(info.value)
    assert message.startswith("training stopped at round 1, batch 2: layer 'z' (RandomArrayLayer with "
                              "GammaDistribution('#a', 1.0)): GammaDistribution parameter alpha (shape) must be a "
                              "finite number > 0, found ")  # inf, or 0.0 where Exp underflowed
    assert "the layer feeding it overflowed" in message and "A smaller learning_rate" in message
    assert "pass a scale through Softplus or Exp" not in message
    assert info.value.diagnostics[0].kind == "parameter-overflow"
    assert isinstance(info.value.__cause__, DataError)


def test_a_probability_array_fed_straight_that_a_step_moves_off_the_simplex_gets_no_learning_rate_advice():
    """Any step moves a NetArrayLayer's p off sum 1: the remedy is a SoftmaxLayer, not a smaller learning rate (the
    advice said one 'keeps the arrays from growing that far')."""
    from netgraph import (CategoricalDistribution, CrossEntropyLossLayer, NetArrayLayer, NetPort, RandomArrayLayer,
                          TrainingError)
    net = NetGraph({"p": NetArrayLayer(array=[0.25, 0.25, 0.5]),
                    "draw": RandomArrayLayer(CategoricalDistribution("#p")),
                    "loss": CrossEntropyLossLayer("Index")},
                   [("p", NetPort("draw", "p")), ("draw", NetPort("loss", "Target"))], Input=3)
    with pytest.raises(TrainingError) as info:
        net_train(net, {"Input": torch.tensor([0.1, 0.2, 0.7]).expand(64, 3)}, batch_size=16, max_training_rounds=2,
                  learning_rate=1e-3, random_seed=0, progress=False)
    message = str(info.value)
    assert "must sum to 1" in message and "SoftmaxLayer" in message
    assert "learning_rate" not in message and info.value.diagnostics[0].kind == "parameter-value"


def test_a_parameter_gone_bad_in_validation_names_the_round():
    from netgraph import TrainingError
    x = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    with pytest.raises(TrainingError, match=r"^training stopped at the validation after round 1: layer 'z'"):
        net_train(_gamma_net(), {"Input": x, "Target": x[:, :1]}, validation_set={"Input": x * 1e4,
                                                                                   "Target": x[:, :1]},
                  max_training_rounds=2, random_seed=0, progress=False)


@pytest.mark.parametrize("value, hint, not_hint", [
    (float("inf"), "the layer feeding it overflowed", "Softplus or Exp, a probability"),
    (float("nan"), "comes from the layer feeding it, which went NaN", "Softplus"),
    (-1.0, "pass a scale through Softplus or Exp", "overflowed"),
])
def test_the_bad_parameter_hint_fits_the_value(value, hint, not_hint):
    """A value a layer computed (a bad value given as data gets advice about the data: test_random_parameter_errors)."""
    from netgraph import ElementwiseLayer, GammaDistribution, NetPort, RandomArrayLayer
    net = NetGraph([ElementwiseLayer("#"), RandomArrayLayer(GammaDistribution("#a", 1.0))],
                   [(1, NetPort(2, "a"))], Input=2)
    with pytest.raises(DataError) as info:
        net(torch.tensor([[1.0, value]]))
    assert hint in str(info.value) and not_hint not in str(info.value)


def _softmax_line():
    from netgraph import SoftmaxLayer
    return NetGraph({"lin": LinearLayer(3), "p": SoftmaxLayer()}, [("lin", "p")], Input=2)


@pytest.mark.parametrize("key", ["Target", "Output"])
def test_a_plain_output_named_as_the_loss_with_a_target_in_the_data_says_it_reads_none(key):
    """loss_function='Output' uses the output itself as the loss; with a target in the data this said only "unknown
    key 'Target'; the keys are ['Input']", as if the data were wrong, not the option."""
    data = {"Input": torch.randn(8, 2), key: torch.arange(8) % 3}
    with pytest.raises(DataError) as info:
        net_train(_softmax_line(), data, loss_function="Output", max_training_rounds=1, progress=False)
    assert str(info.value) == (f"loss_function='Output' uses output port 'Output' itself as the loss, which reads no "
                               f"target, but the data holds one under key {key!r}; for the automatic loss on 'Output' "
                               f"against its target, give loss_function={{'Output': 1}} (command line: --loss "
                               f"'{{Output: 1}}')")
    assert net_train(_softmax_line(), data, loss_function={"Output": 1}, max_training_rounds=1, progress=False)


def test_an_output_that_is_a_loss_named_as_the_loss_keeps_its_own_target_input():
    from netgraph import MeanSquaredLossLayer, NetPort
    net = NetGraph({"lin": LinearLayer(1), "mse": MeanSquaredLossLayer()},
                   [("lin", NetPort("mse", "Input")), (NetPort("Target"), NetPort("mse", "Target")),
                    ("mse", NetPort("Loss"))], Input=2, Target=1)
    x = torch.randn(8, 2)
    assert net_train(net, {"Input": x, "Target": x[:, :1]}, loss_function="Loss", max_training_rounds=1, progress=False)


def _two_heads():
    from netgraph import NetPort, SoftmaxLayer
    return NetGraph({"h": LinearLayer(4), "c": LinearLayer(3), "s": SoftmaxLayer(), "v": LinearLayer(1)},
                    [(NetPort("Input"), "h", "c", "s", NetPort("Class")), ("h", "v", NetPort("Value"))], Input=2)


def test_a_target_of_an_output_a_loss_dict_leaves_out_names_the_output_and_the_term_to_add():
    """Keras users give per-output losses as a dict and may leave one out: the target for it was "unknown key
    'Value'; the keys are ['Input', 'Class']", though 'Value' is an output port of the net."""
    data = {"Input": torch.randn(8, 2), "Class": torch.arange(8) % 3, "Value": torch.randn(8, 1)}
    with pytest.raises(DataError) as info:
        net_train(_two_heads(), data, loss_function={"Class": 1.0}, max_training_rounds=1, progress=False)
    assert str(info.value) == ("the data holds a target for output port 'Value' under key 'Value', but "
                               "loss_function={'Class': 1.0} has no term for 'Value'; to train 'Value' against it, "
                               "add 'Value': 1 (its automatic loss), else leave the key out")
    assert net_train(_two_heads(), data, loss_function={"Class": 1.0, "Value": 1}, max_training_rounds=1,
                     progress=False)
    assert net_train(_two_heads(), {k: v for k, v in data.items() if k != "Value"}, loss_function={"Class": 1.0},
                     max_training_rounds=1, progress=False)


def test_an_unknown_data_key_names_the_net_s_keys_as_its_ports():
    """"unknown key 'Inptu' ...; the keys are ['Input', 'Target']" read as the keys found in the data: the message
    now says those are what the net reads, each with its port, and the Diagnostic holds the key and the net's keys."""
    from netgraph import NetChain
    net = NetChain([LinearLayer(1)], input=3)
    with pytest.raises(DataError) as info:
        net_train(net, {"Inptu": torch.randn(4, 3), "Target": torch.randn(4, 1)}, max_training_rounds=1,
                  progress=False)
    assert ("unknown key 'Inptu' (did you mean 'Input'?); the net reads the keys 'Input' (input port 'Input'), "
            "'Target' (target of output port 'Output')") in str(info.value)
    unknown = [d for d in info.value.diagnostics if d.kind == "unknown-key"]
    assert [(d.found, d.expected, d.data.name) for d in unknown] == [("Inptu", ("Input", "Target"), "training")]


def test_an_unknown_data_key_for_a_net_reading_none_says_so():
    from netgraph.train.data_columns import check_columns
    with pytest.raises(DataError) as info:
        check_columns({"x": torch.zeros(2)}, {}, False, "training data")
    assert str(info.value) == "bad training data: unknown key 'x'; the net reads no keys"
