"""``netgraph measure``: a saved net's measurements on a data file, one ``name value`` line each, as
net_measurements gives them; a data file that does not fit is one message naming --data and the file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (DropoutLayer, LinearLayer, NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer, net_initialize,
                      net_measurements, save)
from netgraph.train.measurements import MEASUREMENTS

LOGITS = torch.tensor([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
CLASSES = torch.tensor([0, 1, 2, 1, 1])  # predicted 0, 1, 2, 0, 1: example 4 wrong


def test_measure_prints_each_measurement_as_net_measurements_computes_it(cli, tmp_path):
    save(NetChain([DropoutLayer(0.5), SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "Loss, accuracy,Output:F1", "--batch-size", 2)
    assert ran.code == 0, ran.err
    printed = {name: float(value) for name, value in (line.split() for line in ran.out.splitlines())}
    expected = net_measurements(NetChain([SoftmaxLayer()], Input=3), (LOGITS, CLASSES), ["Loss", "Accuracy", "F1"])
    assert list(printed) == ["Loss", "accuracy", "Output/F1"]
    assert list(printed.values()) == pytest.approx(list(expected.values()), rel=1e-5)
    assert printed["accuracy"] == pytest.approx(4 / 5)


def test_measure_words_a_data_problem_by_its_flag_and_file(cli, tmp_path):
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "bad.npz", Input=LOGITS.numpy())
    ran = cli("measure", "soft.yaml", "--data", "bad.npz", "--measure", "Accuracy")
    assert ran.code == 1 and "--data bad.npz: missing key 'Target'" in ran.err and "Traceback" not in ran.err
    ran = cli("measure", "soft.yaml", "--data", "bad.npz", "--measure", "Acuracy")
    assert ran.code == 1 and "unknown measurement 'Acuracy' (did you mean 'Accuracy'?)" in ran.err


@pytest.mark.parametrize("given, message", [
    ("", "--measure '' names no measurement; give one or more, comma-separated: "),
    (" , ", "--measure ' , ' names no measurement; give one or more, comma-separated: "),
    ("Acuracy", "--measure 'Acuracy': unknown measurement 'Acuracy' (did you mean 'Accuracy'?); measurements: ")])
def test_measure_words_an_empty_or_unknown_measurement_by_its_flag_and_lists_the_choices(cli, tmp_path, given,
                                                                                          message):
    """`--measure ""` read "unknown measurement ''", naming neither the flag nor what it takes."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", given)
    assert ran.code == 1 and ran.err.startswith(f"netgraph measure: {message}"), ran.err
    assert ", ".join(MEASUREMENTS) in ran.err and ran.err.count("\n") == 1


def test_measure_prints_a_confusion_matrix_as_its_rows(cli, tmp_path):
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "ConfusionMatrix,Accuracy")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["ConfusionMatrix [[1, 0, 0], [1, 2, 0], [0, 0, 1]]", "Accuracy 0.8"]


def test_measure_reads_an_onnx_model_as_the_other_commands_do(cli, tmp_path):
    """An exported model holds a trained net's arrays, and run, check, render, train and export read .onnx; measure
    read it as YAML: "m.onnx:1:34: byte 0x85 is not UTF-8 text"."""
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], Input=3), seed=0)
    save(net, tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    assert cli("export", "soft.yaml", "-o", "soft.onnx").code == 0
    from_spec = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "Loss,Accuracy")
    from_model = cli("measure", "soft.onnx", "--data", "test.npz", "--measure", "Loss,Accuracy")
    assert from_model.code == 0, from_model.err
    assert from_model.out == from_spec.out and from_spec.out.startswith("Loss ")


@pytest.mark.parametrize("flags, message", [
    (["--batch-size", "0"], "--batch-size must be a whole number > 0, found 0"),
    (["--workers", "-1"], "--workers must be a whole number >= 0, found -1"),
    (["--seed", "-1"], "--seed must be a whole number from 0 to 2**64 - 1, found -1"),
    (["--precision", "half"], "--precision must be float32, float64 or mixed, found 'half'"),
    (["--device", "tpu"], "--device must be cpu or cuda (or cuda:N), found 'tpu'")])
def test_measure_words_a_bad_flag_value_by_the_flag_as_train_does(cli, tmp_path, flags, message):
    """measure's flags were refused in net_measurements' words: 'batch_size must be an integer > 0', 'random_seed=
    must be ...', 'net_train option working_precision= ...', where train names the flag typed."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", *flags)
    assert ran.code == 1 and ran.err == f"netgraph measure: {message}\n"
    assert cli("train", "soft.yaml", "--data", "test.npz", *flags).err == f"netgraph train: {message}\n"


def test_measure_and_train_take_precision_as_spelled_and_guess_another_case(cli, tmp_path):
    """--precision Real64 (Wolfram's spelling, listed in the README) was refused after a lowercasing check, and
    Float64 passed it only to be refused in net_train's words ('working_precision='), not the flag's."""
    save(net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], Input=3), seed=0), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    for command in ("measure", "train"):
        ran = cli(command, "soft.yaml", "--data", "test.npz", "--precision", "Real64", "--rounds" if
                  command == "train" else "--batch-size", "1", *(["-o", "out.yaml"] if command == "train" else []))
        assert ran.code == 0, ran.err
        ran = cli(command, "soft.yaml", "--data", "test.npz", "--precision", "Float64")
        assert ran.err == (f"netgraph {command}: --precision must be float32, float64 or mixed, found 'Float64' "
                           f"(did you mean 'float64'?)\n")


@pytest.mark.parametrize("loss, message", [
    ("{Output: -1}", "--loss: weight of 'Output' must be a finite number >= 0, found -1"),
    ("Output", "give loss_function={'Output': 1} (command line: --loss '{Output: 1}')")])
def test_measure_words_a_loss_problem_by_its_flag_as_train_does(cli, tmp_path, loss, message):
    """measure's --loss problems read 'loss_function['Output'] weight must be ...' (net_measurements' keyword) and
    '(netgraph train: --loss ...)' though the command was measure."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    for command in ("measure", "train"):
        ran = cli(command, "soft.yaml", "--data", "test.npz", "--loss", loss)
        assert ran.code == 1 and ran.err.startswith(f"netgraph {command}: ") and message in ran.err, ran.err
        assert "netgraph train:" not in ran.err.partition(": ")[2]


def test_measure_on_a_machine_without_cuda_says_to_use_the_cpu_not_to_train_on_it(cli, tmp_path, monkeypatch):
    """measure --device cuda without CUDA ended '...; train on the cpu': measure trains nothing."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--device", "cuda")
    assert ran.code == 1 and ran.err.startswith("netgraph measure: --device cuda: CUDA is not available")
    assert ran.err.endswith("; use the cpu\n"), ran.err


def test_measure_words_an_unknown_port_measurement_as_the_command_line_writes_it(cli, tmp_path):
    """`--measure Output:Acuracy` read "unknown measurement 'Output/Acuracy' ... (on one output port: 'Port/Accuracy')",
    the Python form, though the flag's own help and README give Port:Accuracy."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "Loss,Output:Acuracy")
    assert ran.code == 1 and ran.err.startswith("netgraph measure: --measure 'Loss,Output:Acuracy': unknown "
                                                "measurement 'Output:Acuracy' (did you mean 'Accuracy'?)"), ran.err
    assert "(on one output port: 'Port:Accuracy')" in ran.err and "/" not in ran.err


def test_measure_words_a_ports_loss_as_the_command_line_writes_it(cli, tmp_path):
    """`--measure Output:Loss` read "measurement 'Output/Loss': ... loss_function={'Output': 1} and 'Loss'": the
    Python form and keyword."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    with pytest.raises(OptionError) as caught:
        net_measurements(NetChain([SoftmaxLayer()], Input=3), (LOGITS, CLASSES), ["Accuracy", "Output/Loss"])
    (d,) = caught.value.diagnostics
    assert (d.option, d.kind, d.found, d.port) == ("measurements", "port-loss", "Output/Loss", "Output")
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "Accuracy,Output:Loss")
    assert ran.code == 1
    assert ran.err == ("netgraph measure: --measure 'Accuracy,Output:Loss': measurement 'Output:Loss': the loss is the "
                       "whole --loss's; measure a port's loss with --loss '{Output: 1}' and --measure Loss\n")


def test_measure_words_a_metric_fitting_several_ports_as_the_command_line_writes_it(cli, tmp_path):
    """`--measure MAE` on two regression outputs read "... name one, as 'A/MeanAbsoluteError'": the Python form."""
    net = NetGraph({"a": LinearLayer(1, weights=[[1.0]], biases=[0.0]), "b": LinearLayer(1, weights=[[2.0]],
                                                                                       biases=[0.0])},
                   [("a", NetPort("A")), ("b", NetPort("B"))], Input=1)
    save(net, tmp_path / "two.yaml")
    x = np.ones((4, 1), "float32")
    np.savez(tmp_path / "test.npz", Input=x, A=x, B=x)
    with pytest.raises(OptionError) as caught:
        net_measurements(net, {"Input": torch.ones(4, 1), "A": torch.ones(4, 1), "B": torch.ones(4, 1)}, "MAE")
    (d,) = caught.value.diagnostics
    assert (d.option, d.kind, d.found, d.expected) == ("measurements", "metric-ports", "MAE", ("A", "B"))
    assert str(caught.value).endswith("name one, as 'A/MeanAbsoluteError'")
    ran = cli("measure", "two.yaml", "--data", "test.npz", "--measure", "MAE")
    assert ran.code == 1
    assert ran.err == ("netgraph measure: --measure 'MAE': measurement 'MAE' fits the output ports ['A', 'B']: name "
                       "one, as 'A:MAE'\n")  # as given


@pytest.mark.parametrize("given, message", [
    ("ROCAUC", "--measure: metric 'ROCAUC' does not fit output port 'Output': it is class probabilities"),
    ("MeanSquaredError", "--measure: metric 'MeanSquaredError' does not fit output port 'Output'")])
def test_measure_words_a_metric_that_fits_no_port_by_its_own_flag(cli, tmp_path, given, message):
    """Found by QA: it said '--metrics: metric ...', a flag of netgraph train that measure does not take."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", given)
    assert ran.code == 1 and ran.err.startswith(f"netgraph measure: {message}"), ran.err
    assert "--metrics" not in ran.err


def test_measure_words_a_metric_on_a_missing_port_as_the_command_line_writes_it(cli, tmp_path):
    """`--measure Outptu:Accuracy` read "--measure: metrics key 'Outptu' ... the outputs are ['Output']": net_train's
    keyword and a Python list."""
    save(NetChain([SoftmaxLayer()], Input=3), tmp_path / "soft.yaml")
    np.savez(tmp_path / "test.npz", Input=LOGITS.numpy(), Target=CLASSES.numpy())
    ran = cli("measure", "soft.yaml", "--data", "test.npz", "--measure", "Loss,Outptu:Accuracy")
    assert ran.err == ("netgraph measure: --measure 'Outptu:Accuracy': 'Outptu' is not an output port (did you mean "
                       "'Output'?); the outputs are Output\n") and ran.code == 1
