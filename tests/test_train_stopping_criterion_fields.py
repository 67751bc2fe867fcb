"""A training stopping criterion that names no measured metric: one OptionError with its fields, worded by the
command line's flags."""

from __future__ import annotations

import numpy as np
import pytest

from netgraph import LinearLayer, NetGraph, NetPort, OptionError, SoftmaxLayer, net_train
from netgraph.cli import main
from tests.test_train_metrics import _blobs


def _class_and_value():
    """A net with a classification output Class and a regression output Value, and data for it."""
    net = NetGraph({"cls": SoftmaxLayer(), "lin": LinearLayer(3), "reg": LinearLayer(1)},
                   [("lin", "cls", NetPort("Class")), ("lin", "reg", NetPort("Value"))], Input=2)
    data = _blobs(32, 4)
    return net, {"Input": data["Input"], "Class": data["Target"], "Value": data["Input"][:, :1]}


def test_a_criterion_naming_no_measured_metric_is_an_option_error_with_fields():
    """F1 is measured on Class only, so 'Value/F1' names none; the error had no option, kind or found."""
    net, data = _class_and_value()
    calls = []
    with pytest.raises(OptionError) as caught:
        net_train(net, data, metrics=["F1"], training_stopping_criterion="Value/F1", progress=calls.append)
    assert str(caught.value) == ("training_stopping_criterion 'Value/F1' must name one measured metric; measured: "
                                 "['F1'] (add it to metrics=, or write 'Port/Metric')")
    (d,) = caught.value.diagnostics
    assert (d.option, d.kind, d.found) == ("training_stopping_criterion", "option-value", "Value/F1")
    assert d.expected == ("F1",)
    hash(d)  # a Diagnostic is a value: collected problems are deduplicated by it
    assert calls == []  # no round ran


def test_a_criterion_naming_no_measured_metric_is_worded_by_the_flags(tmp_path, capsys):
    """It named the criterion and the fix as net_train's keywords write them ('Value/F1', metrics=)."""
    net, data = _class_and_value()
    (tmp_path / "net.yaml").write_text(net.to_yaml())
    np.savez(tmp_path / "data.npz", **{k: v.numpy() for k, v in data.items()})
    argv = ["train", str(tmp_path / "net.yaml"), "--data", str(tmp_path / "data.npz"), "-o", str(tmp_path / "out"),
            "--rounds", "1", "--quiet", "--validation", "0.25", "--metrics", "F1", "--stop-on", "Value:F1"]
    assert main(argv) == 1
    assert capsys.readouterr().err == ("netgraph train: --stop-on 'Value:F1' must name one measured metric; measured: "
                                       "['F1'] (add it to --metrics, or write 'Port:Metric')\n")
