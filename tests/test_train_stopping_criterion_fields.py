"""A training stopping criterion that names no measured metric: one OptionError with its fields, worded by the
command line's flags."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from netgraph import LinearLayer, NetGraph, NetPort, OptionError, SoftmaxLayer, net_train
from netgraph.cli import main
from netgraph.train.metrics import NAMES
from netgraph.train.stopping import parse_stopping
from tests.diagnostic_helpers import sole_diagnostic
from tests.test_train_metrics import _blobs


def _class_and_value():
    """A net with a classification output Class and a regression output Value, and data for it."""
    net = NetGraph({"cls": SoftmaxLayer(), "lin": LinearLayer(3), "reg": LinearLayer(1)},
                   [("lin", "cls", NetPort("Class")), ("lin", "reg", NetPort("Value"))], Input=2)
    data = _blobs(32, 4)
    return net, {"Input": data["Input"], "Class": data["Target"], "Value": data["Input"][:, :1]}


def _two_classifiers():
    """A net with two classification outputs A and B, and data for it."""
    net = NetGraph({"lin": LinearLayer(3), "a": SoftmaxLayer(), "b": SoftmaxLayer()},
                   [("lin", "a", NetPort("A")), ("lin", "b", NetPort("B"))], Input=2)
    data = _blobs(32, 4)
    return net, {"Input": data["Input"], "A": data["Target"], "B": data["Target"]}


def test_a_criterion_naming_no_measured_metric_is_an_option_error_with_fields():
    """F1 is measured on A and B, so 'F1' names no one of them; the error had no option, kind or found."""
    net, data = _two_classifiers()
    calls = []
    with pytest.raises(OptionError) as caught:
        net_train(net, data, metrics=["F1"], training_stopping_criterion="F1", progress=calls.append)
    assert str(caught.value) == ("training_stopping_criterion 'F1' must name one measured metric; measured: "
                                 "['A/F1', 'B/F1'] (add it to metrics=, or write 'Port/Metric')")
    (d,) = caught.value.diagnostics
    assert (d.option, d.kind, d.found) == ("training_stopping_criterion", "option-value", "F1")
    assert d.expected == ("A/F1", "B/F1")
    hash(d)  # a Diagnostic is a value: collected problems are deduplicated by it
    assert calls == []  # no round ran


def _cli_train(tmp_path, net, data, *flags):
    (tmp_path / "net.yaml").write_text(net.to_yaml())
    np.savez(tmp_path / "data.npz", **{k: v.numpy() for k, v in data.items()})
    return main(["train", str(tmp_path / "net.yaml"), "--data", str(tmp_path / "data.npz"), "-o",
                 str(tmp_path / "out"), "--rounds", "1", "--quiet", "--validation", "0.25", *flags])


def test_a_criterion_naming_no_measured_metric_is_worded_by_the_flags(tmp_path, capsys):
    """It named the criterion and the fix as net_train's keywords write them ('A/F1', metrics=)."""
    assert _cli_train(tmp_path, *_two_classifiers(), "--metrics", "F1", "--stop-on", "F1") == 1
    assert capsys.readouterr().err == ("netgraph train: --stop-on 'F1' must name one measured metric; measured: "
                                       "['A:F1', 'B:F1'] (add it to --metrics, or write 'Port:Metric')\n")


def test_a_criterion_on_a_port_its_metric_does_not_fit_says_so_when_metrics_asks_for_it_on_every_port():
    """metrics=["F1"] measures F1 on Class only; 'Value/F1' was not planned for Value, so the error was the generic
    "must name one measured metric" rather than why F1 cannot be measured there."""
    net, data = _class_and_value()
    with pytest.raises(OptionError) as caught:
        net_train(net, data, metrics=["F1"], training_stopping_criterion="Value/F1", progress=False)
    (d,) = caught.value.diagnostics
    assert (d.option, d.kind) == ("training_stopping_criterion", "metric-port")
    assert str(caught.value).startswith("metric 'F1' does not fit output port 'Value': it is "), str(caught.value)


def test_a_criterion_on_a_port_its_metric_does_not_fit_is_worded_by_the_flag(tmp_path, capsys):
    assert _cli_train(tmp_path, *_class_and_value(), "--metrics", "F1", "--stop-on", "Value:F1") == 1
    assert capsys.readouterr().err.startswith("netgraph train: --stop-on: metric 'F1' does not fit output port "
                                              "'Value': it is ")


def test_a_criterion_on_a_port_of_a_metric_asked_for_on_every_port_watches_that_port():
    """'Class/F1' beside metrics=["F1"] (measured on Class alone): planned once, watched under its label."""
    net, data = _class_and_value()
    results = net_train(net, data, metrics=["F1"], training_stopping_criterion="Class/F1", max_training_rounds=2,
                        validation_set=0.25, random_seed=0, progress=False, all=True)
    assert list(results.validation_metrics) == ["F1"] and len(results.validation_metrics["F1"]) == 2


_KEYS = ("criterion", "patience", "initial_patience", "improvement", "absolute_change", "relative_change")


@pytest.mark.parametrize("criterion, kind, found, expected", [
    ({"Patiense": 2}, "unknown-key", "Patiense", _KEYS),
    ({"AbsoluteChange": 0.1, "RelativeChange": 0.1}, "option-combination", ("AbsoluteChange", "RelativeChange"), None),
    ({"RelativeChange": -1}, "option-value", -1, "a number >= 0"),
    ({"Patience": 1.5}, "option-value", 1.5, "an integer >= 0"),
    (-2, "option-value", -2, "an integer >= 0"),
    (sys.maxsize + 1, "option-value", sys.maxsize + 1, f"at most {sys.maxsize}"),
    ({"InitialPatience": sys.maxsize + 1}, "option-value", sys.maxsize + 1, f"at most {sys.maxsize}"),
    ({"improvement": ("sideways", 1)}, "option-value", ("sideways", 1),
     "a number, ('absolute', v) or ('relative', v)"),
    ({"Criterion": 3}, "option-value", 3, "'Loss', a metric name or a function"),
    (2.5, "option-value", 2.5, "None, 'Loss', a metric name, a patience (int), a function or a dict"),
    ("Acc", "unknown-metric", "Acc", ("Loss", "ValidationLoss", *NAMES)),
    ({"Criterion": "Output/Acc"}, "unknown-metric", "Output/Acc", NAMES),
])
def test_each_bad_criterion_names_the_option_with_a_kind_and_values(criterion, kind, found, expected):
    """They had no option, kind, expected nor found: a reader (the command line) could only parse the message."""
    d = sole_diagnostic(lambda: parse_stopping(criterion), OptionError)
    assert (d.option, d.kind, d.found, d.expected) == ("training_stopping_criterion", kind, found, expected)
    assert d.detail is not None and d.detail in d.message
    hash(d)


@pytest.mark.parametrize("flag, message", [
    ("Acc", "--stop-on 'Acc' is neither 'Loss', 'ValidationLoss' nor a metric (did you mean 'Accuracy'?); metrics: "),
    ("Value:Acc", "--stop-on 'Value:Acc' is neither 'Loss', 'ValidationLoss' nor a metric (did you mean "
                  "'Accuracy'?); metrics: "),
])
def test_an_unknown_metric_to_stop_on_is_worded_by_the_flag(tmp_path, capsys, flag, message):
    """It was worded by net_train's keyword: "training_stopping_criterion 'Value/Acc' is neither ..."."""
    net, data = _class_and_value()
    (tmp_path / "net.yaml").write_text(net.to_yaml())
    np.savez(tmp_path / "data.npz", **{k: v.numpy() for k, v in data.items()})
    argv = ["train", str(tmp_path / "net.yaml"), "--data", str(tmp_path / "data.npz"), "-o", str(tmp_path / "out"),
            "--rounds", "1", "--quiet", "--stop-on", flag]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"netgraph train: {message}") and "training_stopping_criterion" not in err, err
