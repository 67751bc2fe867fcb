"""A bad option of net_train is one OptionError whose Diagnostic names the option, with a kind of its own (never the
default "error"), the value found and what was expected: a reader (the command line) need not parse its message."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, MeanSquaredLossLayer, NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer,
                      net_initialize, net_measurements, net_train)
from netgraph.cli.train import _check_ports
from netgraph.train.metrics import NAMES
from netgraph.train.options import parse_method
from tests.diagnostic_helpers import sole_diagnostic


def _train(**options):
    net = NetChain([LinearLayer(3), SoftmaxLayer()], Input=2)
    data = {"Input": torch.randn(8, 2), "Target": torch.randint(0, 3, (8,))}
    return net_train(net, data, **{"max_training_rounds": 1, "progress": False, **options})


@pytest.mark.parametrize("metrics, found", [
    (["Acuracy"], "Acuracy"),
    ("Acuracy", "Acuracy"),
    ({"Output": "Acuracy"}, "Acuracy"),
    ("Output/Acuracy", "Acuracy"),
])
def test_an_unknown_metric_is_an_unknown_metric_of_the_metrics_option(metrics, found):
    """As an unknown metric of training_stopping_criterion is; it had the kind "error" and no option."""
    d = sole_diagnostic(lambda: _train(metrics=metrics), OptionError)
    assert (d.kind, d.option, d.found, d.expected) == ("unknown-metric", "metrics", found, NAMES)
    assert "(did you mean 'Accuracy'?)" in d.message


@pytest.mark.parametrize("metrics, found", [(3, 3), ({"Output": 3}, 3)])
def test_metrics_that_are_no_names_are_an_option_value(metrics, found):
    """A value that is no name nor list of names had the kind "error" and no option."""
    d = sole_diagnostic(lambda: _train(metrics=metrics), OptionError)
    assert (d.kind, d.option, d.found) == ("option-value", "metrics", found)


def test_an_unknown_metric_flag_keeps_its_kind():
    """--metrics Acuracy is worded by the flag and keeps net_train's fields; it had the kind "error"."""
    net = NetChain([LinearLayer(3), SoftmaxLayer()], Input=2)
    d = sole_diagnostic(lambda: _check_ports(net, None, ["Acuracy"], "Acuracy"), OptionError)
    assert d.message.startswith("--metrics 'Acuracy': unknown metric 'Acuracy'")
    assert (d.kind, d.option, d.found, d.expected) == ("unknown-metric", "metrics", "Acuracy", NAMES)


def _two_outputs():
    return NetGraph({"m": LinearLayer(1), "c": LinearLayer(3), "s": SoftmaxLayer()},
                    [("m", NetPort("Mean")), ("c", "s", NetPort("Class"))], Input=2)


@pytest.mark.parametrize("loss, kind, expected, found", [
    ("CrossEntropyLoss", "unknown-port", ("Output",), "CrossEntropyLoss"),
    ({"Outptu": "Automatic"}, "unknown-port", ("Output",), "Outptu"),
    (["Output"], "option-value", "None (automatic), an output port name, a loss layer, a callable f(outputs, batch) "
                                 "or a dict of weighted losses", ("Output",)),
    (3, "option-value", "None (automatic), an output port name, a loss layer, a callable f(outputs, batch) or a dict "
                        "of weighted losses", 3),
])
def test_a_bad_loss_function_names_the_option_with_a_kind_and_values(loss, kind, expected, found):
    """They had the kind "error" and no option: the command line could only parse the message."""
    d = sole_diagnostic(lambda: _train(loss_function=loss), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == (kind, "loss_function", expected, found)
    assert "loss_function" in d.message


def test_a_loss_layer_for_a_net_of_two_outputs_is_a_port_count():
    x = torch.randn(8, 2)
    data = {"Input": x, "Mean": x[:, :1], "Class": torch.randint(0, 3, (8,))}
    d = sole_diagnostic(lambda: net_train(_two_outputs(), data, loss_function=MeanSquaredLossLayer(),
                                          max_training_rounds=1, progress=False), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("port-count", "loss_function", 1, ("Mean", "Class"))


@pytest.mark.parametrize("loss, option, found", [
    ({"Output": "CrossEntropyLoss"}, "loss_function", "CrossEntropyLoss"),
    ({"Output": (None, -1)}, "weight", -1),
])
def test_a_bad_loss_term_names_the_option_and_the_value_found(loss, option, found):
    """The term itself had no option (its entry's name where one is at fault, as 'weight') and no found."""
    d = sole_diagnostic(lambda: _train(loss_function=loss), OptionError)
    assert (d.kind, d.option, d.port, d.found) == ("loss-term", option, "Output", found)


@pytest.mark.parametrize("options, option, found", [
    ({"method": "Adamm"}, "method", "Adamm"),
    ({"method": 3}, "method", 3),
    ({"method": ("SGD", {"x": 1})}, "method", "x"),
    ({"method": ("Adam", {"l2_regularization": 0.1, "weight_decay": 0.1})}, "method",
     ("l2_regularization", "weight_decay")),
    ({"learning_rate": 0.1, "method": ("Adam", {"learning_rate": 0.2})}, "learning_rate", (0.1, 0.2)),
    ({"learning_rate_multipliers": "bad"}, "learning_rate_multipliers", "bad"),
    ({"progress": "bad"}, "progress", "bad"),
    ({"validation_set": 2.0}, "validation_set", 2.0),
    ({"checkpointing": "x"}, "checkpointing", "checkpointing"),
    ({"learning_rate_schedule": "x"}, "learning_rate_schedule", "learning_rate_schedule"),
])
def test_each_bad_option_of_net_train_names_it_with_a_kind_and_the_value_found(options, option, found):
    """Each had the kind "error", most of them no option and none the value found."""
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert d.kind != "error" and (d.option, d.found) == (option, found), d


@pytest.mark.parametrize("options, option, kind, found", [
    ({"all": "yes"}, "all", "option-value", "yes"),
    ({"all": True, "return_results": False}, "all", "option-combination", (True, False)),
    ({"validation_set": 2}, "validation_set", "option-value", 2),
    ({"checkpoint": 3}, "checkpoint", "option-value", 3),
    ({"checkpoint": {"directory": "c", "kep": 1}}, "checkpoint", "unknown-key", "kep"),
    ({"checkpoint": ("File", "c/net.pt")}, "checkpoint", "option-value", ("File", "c/net.pt")),
    ({"resume": True}, "resume", "option-combination", True),
    ({"resume": 3}, "resume", "option-value", 3),
])
def test_a_bad_switch_checkpoint_or_resume_has_a_kind_and_the_value_found(options, option, kind, found):
    """They had the kind "error" and some no option; none gave the value found."""
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.option, d.kind, d.found) == (option, kind, found), d


@pytest.mark.parametrize("options, option, kind, found", [
    ({"method": ("Adam", {"epsilon": 1e-8, "eps": 1e-7})}, "method", "option-combination", ("epsilon", "eps")),
    ({"method": ("Adam", {"beta1": 0.9, "betas": (0.9, 0.99)})}, "method", "option-combination", ("beta1/beta2", "betas")),
    ({"method": ("SGD", {"nesterov": True})}, "method", "option-combination", ("nesterov", "momentum", "dampening")),
    ({"method": ("Adam", {"learning_rate_schedule": "Cosin"})}, "learning_rate_schedule", "option-value", "Cosin"),
])
def test_a_bad_method_suboption_has_a_kind_and_the_value_found(options, option, kind, found):
    """They had the kind "error" and no option."""
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.option, d.kind, d.found) == (option, kind, found), d


@pytest.mark.parametrize("options, option, kind, found", [
    ({"batchsize": 4}, "batchsize", "unknown-option", "batchsize"),
    ({"measurements": 3}, "measurements", "option-value", 3),
])
def test_a_bad_option_of_net_measurements_has_a_kind_and_the_value_found(options, option, kind, found):
    """They had the kind "error"."""
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], Input=2), seed=0)
    data = {"Input": torch.randn(8, 2), "Target": torch.randint(0, 3, (8,))}
    measurements = options.pop("measurements", "Loss")
    d = sole_diagnostic(lambda: net_measurements(net, data, measurements, **options), OptionError)
    assert (d.option, d.kind, d.found) == (option, kind, found), d


@pytest.mark.parametrize("options, option, found", [
    ({"loss_function": torch.nn.MSELoss()}, "loss_function", "MSELoss"),
    ({"method": torch.optim.SGD}, "method", "SGD"),
    ({"loss_function": {"Output": NetGraph({"a": LinearLayer(1), "b": LinearLayer(1)}, [], Input=3)}},
     "loss_function", (("Input",), ("Output1", "Output2"))),
    ({"loss_function": lambda o, b: 1.0}, "loss_function", "float"),
    ({"loss_function": lambda o, b: o["Output"].sum(-1) > 0}, "loss_function", "torch.bool"),
])
def test_a_loss_function_or_method_of_the_wrong_kind_is_an_option_value(options, option, found):
    """A torch loss, a torch optimizer, a loss net of other ports, a callable returning no float tensor: they had the
    kind "error" (some no found, one no option)."""
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.option, d.kind, d.found) == (option, "option-value", found), d


def test_an_integer_output_without_a_loss_function_names_the_option_and_the_port():
    """The automatic loss takes no Integer output: it had the kind "error" and named neither option nor port."""
    from netgraph import CategoricalDistribution, RandomArrayLayer
    net = NetGraph({"lin": LinearLayer(4, input=2), "sm": SoftmaxLayer(),
                    "draw": RandomArrayLayer(CategoricalDistribution("#p"))}, [("lin", "sm", "draw")])
    data = {"Input": torch.zeros(8, 2), "Target": torch.zeros(8, dtype=torch.long)}
    d = sole_diagnostic(lambda: net_train(net_initialize(net, seed=0), data, max_training_rounds=1, progress=False),
                        OptionError)
    assert (d.option, d.kind, d.port, d.expected, d.found) == ("loss_function", "option-value", "Output", "Real",
                                                                "Integer")


@pytest.mark.parametrize("options, option, call, found", [
    ({"method": ("SGD", {"learning_rate_schedule": lambda: 1.0})}, "learning_rate_schedule", "f(fraction_done)", 0),
    ({"progress": lambda: None}, "progress", "f(info)", 0),
    ({"training_stopping_criterion": lambda info, more: True}, "training_stopping_criterion", "f(info)", 2),
    ({"training_stopping_criterion": {"criterion": lambda: True}}, "training_stopping_criterion", "f(info)", 0),
])
def test_a_function_option_that_cannot_take_its_arguments_is_refused_before_training(options, option, call, found):
    # each was a raw TypeError from inside the loop, after the first step or round had run (as a loss function's is not)
    steps = []

    def loss(outputs, batch):
        steps.append(1)
        return (outputs["Output"] - 0.5).square().sum(1)
    d = sole_diagnostic(lambda: _train(loss_function=loss, **options), OptionError)
    assert (d.option, d.kind, d.expected, d.found) == (option, "option-value", 1, found)
    assert f"called as {call}" in str(d.message) and steps == []


@pytest.mark.parametrize("options, option, call", [
    ({"progress": lambda info, *, k: None}, "progress", "f(info)"),
    ({"loss_function": lambda outputs, batch, *, k: outputs["Output"].sum(-1)}, "loss_function", "f(outputs, batch)"),
])
def test_a_function_requiring_a_keyword_argument_is_refused_saying_so(options, option, call):
    # progress=lambda info, *, k: None said it 'takes 1 argument by position, but it is called as f(info)' (expected
    # 1, found 1): only the loss function's message said the keyword-only k was the misfit
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.option, d.kind) == (option, "option-value")
    assert d.detail.startswith(f"takes {call.count(',') + 1} argument") and "and requires k by keyword, but it is " \
        f"called as {call}" in d.detail and d.message.endswith(d.detail)
    assert d.hint == f"write e.g. lambda {call[2:-1]}: ..."


def test_a_misspelt_automatic_learning_rate_says_that_0_is_taken():
    """It said "a number > 0 or 'Automatic'" though learning_rate=0 trains (a frozen run)."""
    d = sole_diagnostic(lambda: _train(learning_rate="automatic"), OptionError)
    assert d.message == ("learning_rate must be a number >= 0 or 'Automatic' (Wolfram's word, spelled so: the "
                         "default), found 'automatic'")
    assert _train(learning_rate=0, random_seed=0, all=True).final_learning_rate == 0


@pytest.mark.parametrize("word", ["None", "Automatic"])
def test_wolframs_words_for_the_default_schedule_train_as_no_schedule(word):
    """learning_rate_schedule "None" suggested 'cosine' and "Automatic" was refused, as net_train's options take
    Wolfram's "None" and "Automatic" for their defaults."""
    torch.manual_seed(0)  # the same data: _train draws it
    plain = _train(method="SGD", random_seed=0, all=True, max_training_rounds=2).batch_losses
    torch.manual_seed(0)
    given = _train(method=("SGD", {"learning_rate_schedule": word}), random_seed=0, all=True, max_training_rounds=2)
    assert given.batch_losses == plain and len(plain) == 2
    assert parse_method(("SGD", {"LearningRateSchedule": word}), None).schedule is None


def test_a_misspelt_default_schedule_names_the_spelling_of_the_default():
    d = sole_diagnostic(lambda: _train(method=("SGD", {"learning_rate_schedule": "none"})), OptionError)
    assert (d.kind, d.option, d.found) == ("option-value", "learning_rate_schedule", "none")
    assert d.message.endswith("found 'none' (did you mean 'None'?)")
    assert "None or 'None'/'Automatic' (the default: no schedule)" in d.message
