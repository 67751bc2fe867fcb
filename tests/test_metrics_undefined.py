"""Metrics whose value is undefined on the data (R2 of one value, ROC AUC of one class) are NaN, not an error or 0."""

from __future__ import annotations

import math

import pytest
from tensorboard.backend.event_processing import event_accumulator
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, SoftmaxLayer, net_initialize, net_measurements, net_train
from netgraph.train.metrics import Measured, Meter


def test_r_squared_of_one_value_is_nan_not_torchmetrics_error():
    """net_measurements(net, one example, "RSquared") (or a validation set of one) raised torchmetrics' own
    ValueError "Needs at least two samples to calculate r2 score"; R2 of one value is undefined."""
    net = net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)
    assert math.isnan(net_measurements(net, {"Input": torch.ones(1, 2), "Target": torch.ones(1, 1)}, "RSquared"))
    two = net_measurements(net, {"Input": torch.ones(2, 2), "Target": torch.tensor([[0.0], [1.0]])}, "RSquared")
    assert math.isfinite(two)


def test_roc_auc_of_targets_of_one_class_is_nan_not_zero():
    """torchmetrics answered 0.0, the worst ranking there is, with a warning, where ROC AUC is undefined (no positive
    or no negative example): a validation set of one class read as a classifier that ranks every pair wrongly."""
    binary = net_initialize(NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2), seed=0)
    classes = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=2), seed=0)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
    assert math.isnan(net_measurements(binary, {"Input": x, "Target": torch.ones(6, 1)}, "ROCAUC"))
    assert math.isnan(net_measurements(classes, {"Input": x, "Target": torch.zeros(6, dtype=torch.long)}, "ROCAUC"))
    both = torch.tensor([0, 1, 0, 1, 1, 0])
    scores = binary(x)[:, 0]
    expected = float(sum(scores[i] > scores[j] for i in (1, 3, 4) for j in (0, 2, 5)) / 9)  # no ties: pairs ranked
    assert net_measurements(binary, {"Input": x, "Target": both[:, None].float()}, "ROCAUC") == pytest.approx(expected)


def test_undefined_roc_auc_stays_in_the_last_values_as_nan():
    """A validation set of one class gives ROC AUC NaN; r.validation_measurements and a stopping function's
    info["validation_metrics"] left the label out (a KeyError), as for a metric not measured at all, where
    net_measurements(r.training_net, ...) gives NaN."""
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    seen = []
    r = net_train(NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2),
                  (x, (x[:, :1] > 0).float()), validation_set=(x[:8], torch.ones(8, 1)), metrics=["ROCAUC", "Accuracy"],
                  training_stopping_criterion=lambda info: seen.append(dict(info["validation_metrics"])) and False,
                  max_training_rounds=2, random_seed=0, progress=False, all=True)
    assert set(r.validation_measurements) == {"ROCAUC", "Accuracy"} and math.isnan(r.validation_measurements["ROCAUC"])
    assert [set(v) for v in seen] == [{"ROCAUC", "Accuracy"}] * 2 and math.isnan(seen[-1]["ROCAUC"])
    assert math.isnan(net_measurements(r.training_net, (x[:8], torch.ones(8, 1)), "ROCAUC"))


def test_undefined_roc_auc_shows_as_nan_in_the_round_line_and_tensorboard(tmp_path, capsys):
    """The progress lines and TensorBoard left an undefined value out, as a metric not measured at all."""
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    net_train(NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2), (x, (x[:, :1] > 0).float()),
              validation_set=(x[:8], torch.ones(8, 1)), metrics=["ROCAUC"], max_training_rounds=2, random_seed=0,
              progress="print", progress_reporting="tensorboard", log_dir=tmp_path)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("round ")]
    assert len(lines) == 2 and all("validation ROCAUC nan" in line for line in lines)
    events = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    events.Reload()
    logged = events.Scalars("metric/validation/ROCAUC")
    assert [e.step for e in logged] == [1, 2] and all(math.isnan(e.value) for e in logged)
    assert all(math.isfinite(e.value) for e in events.Scalars("metric/train/ROCAUC"))


def test_a_watched_metric_nan_every_round_compares_no_round_so_the_last_is_best():
    """Stopping on ROC AUC of a one-class validation set: no round improves on NaN, so patience runs out and, as for
    every validation loss NaN, the net returned is the last round's and best_validation_round that round."""
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    r = net_train(NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], input=2),
                  (x, (x[:, :1] > 0).float()), validation_set=(x[:8], torch.ones(8, 1)), metrics=["ROCAUC"],
                  training_stopping_criterion={"Criterion": "ROCAUC", "Patience": 2}, max_training_rounds=5,
                  random_seed=0, progress=False, all=True)
    assert all(math.isnan(v) for v in r.validation_metrics["ROCAUC"])
    assert r.total_rounds == 2 and r.best_validation_round == 2
    assert torch.equal(r.trained_net(x), r.training_net(x))


_CLASS_METRICS = ["Accuracy", "ErrorRate", "Precision", "Recall", "F1", "ConfusionMatrix"]


def test_a_nan_prediction_makes_the_classification_metrics_nan_not_class_0():
    """Log of a negative input gave a NaN softmax row, which torchmetrics' argmax read as class 0: all-NaN outputs
    measured Accuracy 0.85 with the targets mostly class 0. Now NaN, as the loss is; the other rows' values stand."""
    net = NetChain([ElementwiseLayer("Log"), SoftmaxLayer()], input=3)
    x = torch.rand(20, 3, generator=torch.Generator().manual_seed(0)) + 0.1
    target = x.argmax(-1)  # every finite row right
    clean = net_measurements(net, {"Input": x, "Target": target}, _CLASS_METRICS, batch_size=8)
    assert clean["Accuracy"] == 1.0 and clean["ConfusionMatrix"].trace() == 20
    x[4, 0] = -1.0  # row 4's outputs NaN
    found = net_measurements(net, {"Input": x, "Target": target}, ["Loss", *_CLASS_METRICS], batch_size=8)
    matrix = found.pop("ConfusionMatrix")
    assert all(math.isnan(v) for v in found.values()), found
    assert matrix.shape == (3, 3) and bool(matrix.isnan().all())


def test_a_nan_binary_prediction_makes_accuracy_and_roc_auc_nan():
    net = NetChain([ElementwiseLayer("Log"), ElementwiseLayer("LogisticSigmoid")], input=1)
    x = torch.rand(20, 1, generator=torch.Generator().manual_seed(1)) + 0.1
    target = (torch.arange(20) % 2).float()[:, None]
    names = ["Accuracy", "ROCAUC", "F1"]
    assert all(math.isfinite(v) for v in net_measurements(net, {"Input": x, "Target": target}, names).values())
    x[2, 0] = -1.0
    assert all(math.isnan(v) for v in net_measurements(net, {"Input": x, "Target": target}, names).values())


def test_a_round_after_a_nan_prediction_measures_again():
    """The NaN holds for the round it was met in: the meter's next round (a finite one) has its real value."""
    meter = Meter([Measured("Accuracy", "Output", "Accuracy", "index", 2, "Target")])
    target = {"Target": torch.tensor([1, 0])}
    meter.update("train", {"Output": torch.tensor([[0.2, 0.8], [float("nan")] * 2])}, target)
    assert math.isnan(meter.compute("train")["Accuracy"])
    meter.update("train", {"Output": torch.tensor([[0.2, 0.8], [0.4, 0.6]])}, target)
    assert meter.compute("train")["Accuracy"] == 0.5


def test_a_nan_prediction_before_a_mid_round_checkpoint_stays_in_the_resumed_rounds_metrics():
    """partial/take_partial carried torchmetrics' counts but not the NaN seen: the resumed round gave Accuracy 0.75
    where the uninterrupted round gives NaN."""
    measured = [Measured("Accuracy", "Output", "Accuracy", "index", 2, "Target"),
                Measured("ConfusionMatrix", "Output", "ConfusionMatrix", "index", 2, "Target")]
    target = {"Target": torch.tensor([1, 0])}
    before, after = torch.tensor([[0.2, 0.8], [math.nan, math.nan]]), torch.tensor([[0.2, 0.8], [0.4, 0.6]])
    interrupted, resumed = Meter(measured), Meter(measured)
    interrupted.update("train", {"Output": before}, target)
    assert resumed.take_partial(interrupted.partial())
    resumed.update("train", {"Output": after}, target)
    found = resumed.compute("train")
    assert math.isnan(found["Accuracy"]) and bool(found["ConfusionMatrix"].isnan().all())
    resumed.update("train", {"Output": after}, target)  # compute resets the NaN seen with the counts
    assert resumed.compute("train")["Accuracy"] == 0.5


def test_a_nan_prediction_in_another_process_makes_every_processes_metrics_nan():
    """The NaN flag was per process while torchmetrics syncs the counts at compute: a process that saw no NaN
    reported a number where another reported NaN. Here the sync gathers this process's states twice, the other's
    NaN flag set (torchmetrics' own hooks for a gather)."""
    measured = [Measured("Accuracy", "Output", "Accuracy", "index", 2, "Target")]
    meter = Meter(measured)
    for collection in meter.states["train"]:
        for metric in collection.values(copy_state=False):
            metric.distributed_available_fn = lambda: True
            metric.dist_sync_fn = lambda state, group=None: [state, torch.ones_like(state) if state.dtype == torch.bool
                                                             else state]
    meter.update("train", {"Output": torch.tensor([[0.2, 0.8], [0.6, 0.4]])}, {"Target": torch.tensor([1, 0])})
    assert math.isnan(meter.compute("train")["Accuracy"])
