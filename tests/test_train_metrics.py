"""Training metrics (net_train(metrics=...)): each value against a plain-torch computation on hand-made data,
accumulated over a round's batches; histories, results, plot, TensorBoard, early stopping on a metric, CLI."""

from __future__ import annotations

import json
import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer, net_train
from netgraph.cli import main
from netgraph.cli.train import metrics_option, stopping_option
from netgraph.train.loss import attach_losses
from netgraph.train.metrics import Meter, maximize, parse_metrics, plan_metrics

# -- references, written out with plain torch ------------------------------------------------------------------


def _confusion(pred: torch.Tensor, target: torch.Tensor, classes: int) -> tuple[torch.Tensor, ...]:
    tp = torch.tensor([float(((pred == c) & (target == c)).sum()) for c in range(classes)])
    fp = torch.tensor([float(((pred == c) & (target != c)).sum()) for c in range(classes)])
    fn = torch.tensor([float(((pred != c) & (target == c)).sum()) for c in range(classes)])
    return tp, fp, fn


def _ratio(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b > 0, a / b.clamp(min=1e-30), torch.zeros_like(a))


def _macro(pred: torch.Tensor, target: torch.Tensor, classes: int) -> dict[str, float]:
    """Macro precision, recall, F1 over the classes that occur in targets or predictions."""
    tp, fp, fn = _confusion(pred, target, classes)
    present = (tp + fp + fn) > 0
    scores = {"Precision": _ratio(tp, tp + fp), "Recall": _ratio(tp, tp + fn), "F1": _ratio(2 * tp, 2 * tp + fp + fn)}
    return {k: float(v[present].mean()) for k, v in scores.items()}


def _binary(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    tp, fp, fn = (float(((pred == a) & (target == b)).sum()) for a, b in ((1, 1), (1, 0), (0, 1)))
    return {"Accuracy": float((pred == target).float().mean()), "Precision": tp / (tp + fp), "Recall": tp / (tp + fn),
            "F1": 2 * tp / (2 * tp + fp + fn)}


def _auc(score: torch.Tensor, target: torch.Tensor) -> float:
    """The probability that a positive outscores a negative (ties count one half)."""
    pos, neg = score[target == 1], score[target == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).float() + 0.5 * (diff == 0).float()).mean())


# -- hand-made outputs fed through the Meter in two unequal batches ------------------------------------------------


def _softmax_net(classes=3):
    return NetChain([LinearLayer(classes), SoftmaxLayer()], Input=2)


def _meter(net, names):
    return Meter(plan_metrics(net, attach_losses(net, None), parse_metrics(names)))


def _feed(meter, outputs, targets, cuts=(0, 3, None)):
    for a, b in zip(cuts[:-1], cuts[1:]):
        meter.update("train", {"Output": outputs[a:b]}, {"Target": targets[a:b]})
    return meter.compute("train")


def _probabilities(n, classes, seed):
    return torch.softmax(torch.randn(n, classes, generator=torch.Generator().manual_seed(seed)), -1)


def test_multiclass_metrics_accumulate_over_batches_and_match_plain_torch():
    probs = _probabilities(11, 4, 0)
    target = torch.tensor([0, 1, 2, 0, 1, 1, 0, 0, 1, 0, 2])  # class 3 never a target; maybe predicted
    pred = probs.argmax(-1)
    found = _feed(_meter(_softmax_net(4), ["Accuracy", "Precision", "Recall", "F1"]), probs, target)
    expected = {"Accuracy": float((pred == target).float().mean()), **_macro(pred, target, 4)}
    assert found.keys() == expected.keys()
    for k in expected:
        assert found[k] == pytest.approx(expected[k], abs=1e-6), k
    first = float((pred[:3] == target[:3]).float().mean())
    second = float((pred[3:] == target[3:]).float().mean())
    assert found["Accuracy"] != pytest.approx((first + second) / 2)  # not a mean of per-batch ratios


def test_one_hot_targets_count_their_argmax_class():
    probs, target = _probabilities(9, 3, 1), torch.tensor([2, 0, 1, 1, 2, 0, 0, 2, 1])
    one_hot = torch.nn.functional.one_hot(target, 3).float()
    by_index = _feed(_meter(_softmax_net(), ["Accuracy", "F1"]), probs, target)
    assert _feed(_meter(_softmax_net(), ["Accuracy", "F1"]), probs, one_hot) == pytest.approx(by_index)


def test_binary_metrics_and_roc_auc_match_plain_torch():
    net = NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], Input=2)
    score = torch.tensor([0.9, 0.2, 0.7, 0.4, 0.6, 0.6, 0.1, 0.8, 0.3, 0.55])[:, None]
    target = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0])[:, None]
    found = _feed(_meter(net, ["Accuracy", "Precision", "Recall", "F1", "AUC", "MSE", "MAE"]), score, target)
    expected = _binary((score > 0.5).long().flatten(), target.long().flatten())
    expected["ROCAUC"] = _auc(score.flatten(), target.flatten())
    expected["MeanSquaredError"] = float(((score - target) ** 2).mean())
    expected["MeanAbsoluteError"] = float((score - target).abs().mean())
    assert found == pytest.approx(expected, abs=1e-6)


def test_roc_auc_on_two_softmax_classes_uses_the_second_class_probability():
    probs, target = _probabilities(8, 2, 2), torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])
    found = _feed(_meter(_softmax_net(2), ["ROCAUC"]), probs, target)
    assert found["ROCAUC"] == pytest.approx(_auc(probs[:, 1], target), abs=1e-6)


def test_regression_errors_average_every_element():
    net = NetChain([LinearLayer(2)], Input=3)
    g = torch.Generator().manual_seed(3)
    out, target = torch.randn(7, 2, generator=g), torch.randn(7, 2, generator=g)
    found = _feed(_meter(net, ["MeanSquaredError", "MeanAbsoluteError"]), out, target)
    assert found["MeanSquaredError"] == pytest.approx(float(((out - target) ** 2).mean()), abs=1e-6)
    assert found["MeanAbsoluteError"] == pytest.approx(float((out - target).abs().mean()), abs=1e-6)


def test_r_squared_is_one_ratio_over_every_element_whatever_the_batches():
    net = NetChain([LinearLayer(2)], Input=3)
    g = torch.Generator().manual_seed(4)
    target = torch.randn(7, 2, generator=g)
    out = target + 0.5 * torch.randn(7, 2, generator=g)
    expected = 1 - float(((out - target) ** 2).sum() / ((target - target.mean()) ** 2).sum())
    for cuts in ((0, 3, None), (0, 1, 2, 6, None), (0, None)):
        assert _feed(_meter(net, ["R2"]), out, target, cuts)["RSquared"] == pytest.approx(expected, abs=1e-6)
    halves = [1 - float(((out[a:b] - target[a:b]) ** 2).sum() / ((target[a:b] - target[a:b].mean()) ** 2).sum())
              for a, b in ((0, 3), (3, None))]
    assert expected != pytest.approx(sum(halves) / 2, abs=1e-3)  # not a mean of per-batch ratios
    constant = torch.full((4, 2), 3.0)  # SS_tot 0: 1 when every prediction is right, else 0 (scikit-learn's)
    assert _feed(_meter(net, ["R2"]), constant, constant)["RSquared"] == 1.0
    assert _feed(_meter(net, ["R2"]), constant + 0.5, constant)["RSquared"] == 0.0


def test_perplexity_is_exp_of_the_mean_cross_entropy_whatever_the_batches():
    probs, target = _probabilities(10, 4, 5), torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 3, 0])
    expected = float(torch.exp(-probs[torch.arange(10), target].log().mean()))
    for cuts in ((0, 3, None), (0, 1, 2, 7, None), (0, None)):
        assert _feed(_meter(_softmax_net(4), ["Perplexity"]), probs, target, cuts)["Perplexity"] == pytest.approx(
            expected, rel=1e-6)
    one_hot = torch.nn.functional.one_hot(target, 4).float()
    assert _feed(_meter(_softmax_net(4), ["Perplexity"]), probs, one_hot)["Perplexity"] == pytest.approx(expected)
    soft = torch.softmax(torch.randn(10, 4, generator=torch.Generator().manual_seed(7)), -1)  # targets' probabilities
    soft_expected = float(torch.exp(-(soft * probs.log()).sum(-1).mean()))  # the cross-entropy, not the argmax's
    assert _feed(_meter(_softmax_net(4), ["Perplexity"]), probs, soft)["Perplexity"] == pytest.approx(soft_expected)


def _matrix_meter(net, *names):
    """A Meter with the ConfusionMatrix, as net_measurements plans it (net_train's metrics= refuse it)."""
    asked = [(None, n) for n in (*names, "ConfusionMatrix")]
    return Meter(plan_metrics(net, attach_losses(net, None), asked))


def test_confusion_matrix_counts_true_classes_by_row_and_predictions_by_column():
    probs, target = _probabilities(12, 3, 6), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 2, 1])
    pred = probs.argmax(-1).tolist()
    expected = [[sum(1 for t, p in zip(target.tolist(), pred) if (t, p) == (row, col)) for col in range(3)]
                for row in range(3)]
    for cuts in ((0, 5, None), (0, 1, 11, None)):
        found = _feed(_matrix_meter(_softmax_net(), "Accuracy"), probs, target, cuts)
        assert found["ConfusionMatrix"].dtype == torch.int64 and found["ConfusionMatrix"].tolist() == expected
    binary = NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], Input=2)
    score, labels = torch.tensor([[0.9], [0.2], [0.7], [0.4], [0.6]]), torch.tensor([[1.0], [0.0], [0.0], [1.0], [1.0]])
    assert _feed(_matrix_meter(binary), score, labels)["ConfusionMatrix"].tolist() == [[1, 1], [1, 2]]


def test_a_matrix_is_no_per_round_metric_and_perplexity_needs_class_probabilities():
    data = _blobs(16, 0)
    with pytest.raises(OptionError, match=r"'ConfusionMatrix' is a matrix, not a number per round; measure it on "
                                          r"the trained net with net_measurements\(net, data, 'ConfusionMatrix'\)"):
        net_train(_softmax_net(), data, metrics=["Accuracy", "confusionmatrix"])
    with pytest.raises(OptionError, match="training_stopping_criterion: 'ConfusionMatrix' is a matrix"):
        net_train(_softmax_net(), data, training_stopping_criterion="ConfusionMatrix")
    binary = NetChain([LinearLayer(1), ElementwiseLayer("LogisticSigmoid")], Input=2)
    with pytest.raises(OptionError, match="Perplexity needs class probabilities"):
        net_train(binary, {"Input": data["Input"], "Target": (data["Target"] > 0).float()[:, None]},
                  metrics="Perplexity")
    assert (maximize("RSquared"), maximize("Perplexity")) == (True, False)


# -- net_train ------------------------------------------------------------------------------------------------------


def _blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return {"Input": centres[y] + 0.9 * torch.randn(n, 2, generator=g), "Target": y}


def _accuracy(net, data):
    return float((net(data["Input"]).argmax(-1) == data["Target"]).float().mean())


def test_histories_results_and_validation_values_of_the_returned_nets():
    train, val = _blobs(96, 0), _blobs(40, 1)
    r = net_train(_softmax_net(), train, validation_set=val, metrics=["Accuracy", "F1"], max_training_rounds=4,
                  batch_size=32, learning_rate=0.05, random_seed=0, progress=False, all=True)
    for history in (r.round_metrics, r.validation_metrics, r["RoundMeasurementsLists"]):
        assert {k: len(v) for k, v in history.items()} == {"Accuracy": 4, "F1": 4}
    assert r.validation_metrics["Accuracy"][-1] == pytest.approx(_accuracy(r.training_net, val), abs=1e-6)
    best = r.best_validation_round
    assert r.validation_metrics["Accuracy"][best - 1] == pytest.approx(_accuracy(r.trained_net, val), abs=1e-6)
    assert r.round_measurements == {k: v[-1] for k, v in r.round_metrics.items()}
    svg = r.plot_svg()
    assert svg.count("<polyline") == len(r.loss_plot_svg().split("<polyline")) - 1 + 4  # 2 metrics x 2 sets
    assert "validation Accuracy" in svg and "training F1" in svg


def test_per_port_metrics_are_labelled_by_port():
    net = NetGraph({"cls": SoftmaxLayer(), "lin": LinearLayer(3), "reg": LinearLayer(1)},
                   [("lin", "cls", NetPort("Class")), ("lin", "reg", NetPort("Value"))], Input=2)
    data = _blobs(32, 4)
    data = {"Input": data["Input"], "Class": data["Target"], "Value": data["Input"][:, :1]}
    r = net_train(net, data, metrics={"Class": ["Accuracy"], "Value": "MAE"}, max_training_rounds=2, random_seed=0,
                  progress=False, all=True)
    assert sorted(r.round_metrics) == ["Class/Accuracy", "Value/MeanAbsoluteError"]
    listed = net_train(net, data, metrics=["Accuracy", "MAE"], max_training_rounds=2, random_seed=0, progress=False,
                       all=True)
    assert listed.round_metrics.keys() == r.round_metrics.keys()  # a list measures each where it fits
    for label, history in r.round_metrics.items():  # (pytest.approx takes no nested mappings)
        assert listed.round_metrics[label] == pytest.approx(history), label
    # a label as a name: 'port/name' picks the port, as net_measurements and training_stopping_criterion take it
    # (it was "unknown metric 'Class/Accuracy' (did you mean 'Accuracy'?)")
    labelled = net_train(net, data, metrics=["Class/Accuracy", "Value/MAE"], max_training_rounds=2, random_seed=0,
                         progress=False, all=True)
    assert labelled.round_metrics == r.round_metrics
    assert parse_metrics(["Class/Accuracy", "F1"]) == [("Class", "Accuracy"), (None, "F1")]
    assert metrics_option("Class/Accuracy,Value/MAE") == ["Class/Accuracy", "Value/MAE"]  # --metrics takes it too


def test_early_stopping_on_validation_accuracy_maximises_it():
    train, val = _blobs(120, 0), _blobs(60, 1)
    r = net_train(_softmax_net(), train, validation_set=val, max_training_rounds=300, batch_size=40,
                  learning_rate=0.05, random_seed=0, progress=False, all=True,
                  training_stopping_criterion={"criterion": "Accuracy", "patience": 3})
    accuracy = r.validation_metrics["Accuracy"]
    best = max(range(len(accuracy)), key=lambda i: (accuracy[i], -i)) + 1  # the first round at the maximum
    assert r.reason_training_stopped == "TrainingStoppingCriterion"
    assert r.best_validation_round == best and r.total_rounds == best + 3 < 300
    assert accuracy[best - 1] == pytest.approx(_accuracy(r.trained_net, val), abs=1e-6)
    # Wolfram's "ValidationMeasurements": the most recent validation's, the final net's (the best net's were given)
    assert r.validation_measurements["Accuracy"] == pytest.approx(_accuracy(r.training_net, val), abs=1e-6)
    assert r["ValidationMeasurements"] == r.validation_measurements == {"Accuracy": accuracy[-1]}


def test_early_stopping_on_an_error_minimises_it():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(64, 3, generator=g)
    data = {"Input": x, "Target": x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3 * torch.randn(64, 1, generator=g)}
    r = net_train(NetChain([LinearLayer(1)], Input=3), data, validation_set=0.25, max_training_rounds=400,
                  learning_rate=0.05, random_seed=0, progress=False, all=True, metrics=["MAE"],
                  training_stopping_criterion={"criterion": "MeanAbsoluteError", "patience": 2})
    error = r.validation_metrics["MeanAbsoluteError"]
    assert r.best_validation_round == error.index(min(error)) + 1
    assert r.reason_training_stopped == "TrainingStoppingCriterion" and r.total_rounds == r.best_validation_round + 2
    assert r.validation_measurements == {"MeanAbsoluteError": error[-1]} != {"MeanAbsoluteError": min(error)}


def test_bad_metrics_are_option_errors_before_training():
    data = _blobs(16, 0)
    calls = []
    for metrics, match in ((["MAE"], "metric 'MeanAbsoluteError' does not fit output port 'Output': it is class "
                                     "probabilities"),
                           (["ROCAUC"], "ROCAUC needs two classes"),
                           (["Acuracy"], "did you mean 'Accuracy'"),
                           ({"Ouput": "Accuracy"}, "'Ouput' is not an output port.*did you mean 'Output'"),
                           ([3], "unknown metric 3")):
        with pytest.raises(OptionError, match=match):
            net_train(_softmax_net(), data, metrics=metrics, progress=calls.append)
    with pytest.raises(OptionError, match="does not fit output port 'Output': it is a regression output"):
        net_train(NetChain([LinearLayer(1)], Input=2), {"Input": data["Input"], "Target": data["Input"][:, :1]},
                  metrics="Accuracy", progress=calls.append)
    with pytest.raises(OptionError, match="'Acc' is neither 'Loss', 'ValidationLoss' nor a metric "
                                          "\\(did you mean 'Accuracy'"):
        net_train(_softmax_net(), data, training_stopping_criterion="Acc", progress=calls.append)
    loss_only = NetGraph({"lin": LinearLayer(1)}, [("lin", NetPort("Loss"))], Input=2)
    with pytest.raises(OptionError, match="needs an output port that is not a loss"):
        net_train(loss_only, {"Input": data["Input"]}, metrics=["MAE"], progress=calls.append)
    assert calls == []  # no round ran


def test_tensorboard_logs_training_and_validation_metrics(tmp_path):
    r = net_train(_softmax_net(), _blobs(48, 0), validation_set=_blobs(24, 1), metrics=["Accuracy"],
                  max_training_rounds=3, random_seed=0, progress=False, all=True, progress_reporting="tensorboard",
                  log_dir=tmp_path / "run")
    events = EventAccumulator(str(tmp_path / "run"), size_guidance={"scalars": 0})
    events.Reload()
    for split, history in (("train", r.round_metrics), ("validation", r.validation_metrics)):
        logged = [e.value for e in events.Scalars(f"metric/{split}/Accuracy")]
        np.testing.assert_allclose(logged, history["Accuracy"], rtol=1e-6)


def test_progress_print_shows_metrics(capsys):
    net_train(_softmax_net(), _blobs(32, 0), validation_set=0.25, metrics=["Accuracy"], max_training_rounds=2,
              random_seed=0, progress="print")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("  Accuracy " in line and "validation Accuracy " in line for line in lines)


def test_the_command_line_measures_and_stops_on_a_metric(tmp_path, capsys):
    assert metrics_option("Accuracy, F1") == ["Accuracy", "F1"]
    assert metrics_option("Output:Accuracy,Output:F1") == {"Output": ["Accuracy", "F1"]}
    assert stopping_option(2, "Output:Accuracy") == {"criterion": "Output/Accuracy", "patience": 2}
    with pytest.raises(OptionError, match="every metric as Port:Metric"):
        metrics_option("Output:Accuracy,F1")
    spec, data = tmp_path / "net.yaml", tmp_path / "data.npz"
    spec.write_text(_softmax_net().to_yaml())
    np.savez(data, **{k: v.numpy() for k, v in _blobs(64, 0).items()})
    argv = ["train", str(spec), "--data", str(data), "-o", str(tmp_path / "out"), "--rounds", "3", "--seed", "0",
            "--quiet", "--validation", "0.25", "--metrics", "Accuracy,F1", "--stop-on", "Accuracy", "--patience", "5"]
    assert main(argv) == 0
    summary = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [len(summary[k]["F1"]) for k in ("round_metrics", "validation_metrics")] == [3, 3]
    assert ", validation Accuracy " in capsys.readouterr().out
    assert "validation Accuracy" in (tmp_path / "out" / "loss.svg").read_text()


@pytest.mark.parametrize("flag, message", [
    ("Outpt:Accuracy", "--metrics 'Outpt:Accuracy': 'Outpt' is not an output port (did you mean 'Output'?)"),
    ("Acuracy", "--metrics 'Acuracy': unknown metric 'Acuracy' (did you mean 'Accuracy'?)"),
    ("Output:F1,Output:Acuracy", "--metrics 'Output:F1,Output:Acuracy': unknown metric 'Acuracy'"),
    ("Accuracy,ConfusionMatrix", "--metrics 'Accuracy,ConfusionMatrix': 'ConfusionMatrix' is a matrix, not a number "
     "per round; measure the trained net with netgraph measure, --measure ConfusionMatrix\n")])
@pytest.mark.parametrize("nproc", ["1", "2"])
def test_a_metrics_typo_is_worded_by_the_flag(tmp_path, capsys, monkeypatch, flag, message, nproc):
    """A wrong port was worded as net_train's 'metrics key', after reading the data; now by --metrics, before
    the data is read or processes started."""
    monkeypatch.setattr("netgraph.cli.train.launch", lambda *a: pytest.fail("started processes for a typo"))
    spec = tmp_path / "net.yaml"
    spec.write_text(_softmax_net().to_yaml())
    argv = ["train", str(spec), "--data", str(tmp_path / "missing.npz"), "--metrics", flag, "--nproc", nproc]
    assert main([*argv, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"netgraph train: {message}") and "metrics key" not in err, err
    assert "net_measurements" not in err  # Python's name, where the command line has its own
    if "ConfusionMatrix" in flag:  # so is --stop-on's
        argv = [*argv[:-4], "--stop-on", "ConfusionMatrix", "--quiet"]
        np.savez(tmp_path / "data.npz", **{k: v.numpy() for k, v in _blobs(16, 0).items()})
        assert main([*argv[:3], str(tmp_path / "data.npz"), *argv[4:], "-o", str(tmp_path / "out")]) == 1
        assert capsys.readouterr().err == ("netgraph train: --stop-on ConfusionMatrix: 'ConfusionMatrix' is a matrix, "
                                           "not a number per round; measure the trained net with netgraph measure, "
                                           "--measure ConfusionMatrix\n")


def test_a_resumed_run_continues_the_metric_histories(tmp_path):
    data, val = _blobs(64, 0), _blobs(32, 1)
    options = dict(validation_set=val, metrics=["Accuracy"], batch_size=16, learning_rate=0.05, random_seed=0,
                   progress=False, all=True)
    whole = net_train(_softmax_net(), data, max_training_rounds=4, **options)
    net_train(_softmax_net(), data, max_training_rounds=2, checkpoint=tmp_path, **options)
    resumed = net_train(_softmax_net(), data, max_training_rounds=4, checkpoint=tmp_path, resume=True, **options)
    assert resumed.round_metrics == whole.round_metrics and len(whole.round_metrics["Accuracy"]) == 4
    assert resumed.validation_metrics == whole.validation_metrics


def test_metrics_added_or_dropped_on_resuming_line_up_with_the_round_losses(tmp_path, capsys):
    import math
    data, val = _blobs(64, 0), _blobs(32, 1)
    options = dict(validation_set=val, batch_size=16, learning_rate=0.05, random_seed=0, all=True,
                   checkpoint=tmp_path)
    net_train(_softmax_net(), data, max_training_rounds=2, metrics=["Accuracy"], progress=False, **options)
    resumed = net_train(_softmax_net(), data, max_training_rounds=4, metrics=["F1"], resume=True, progress="print",
                        **options)
    assert len(resumed.round_losses) == 4
    for history in (resumed.round_metrics, resumed.validation_metrics):
        assert sorted(history) == ["Accuracy", "F1"] and all(len(v) == 4 for v in history.values())
        assert [math.isnan(v) for v in history["F1"]] == [True, True, False, False]  # measured from round 3
        assert [math.isnan(v) for v in history["Accuracy"]] == [False, False, True, True]  # not after resuming
    assert set(resumed.round_measurements) == {"F1"} and "nan" not in capsys.readouterr().out
    assert "NaN" not in resumed.metrics_plot_svg()


def test_results_json_stays_valid_json_when_the_validation_loss_is_not_finite(tmp_path):
    spec, data, val = tmp_path / "net.yaml", tmp_path / "data.npz", tmp_path / "val.npz"
    spec.write_text(_softmax_net().to_yaml())
    np.savez(data, **{k: v.numpy() for k, v in _blobs(32, 0).items()})
    bad = {k: v.numpy() for k, v in _blobs(16, 1).items()}
    bad["Input"][0, 0] = np.inf  # one poisoned validation example: the validation loss is NaN or Inf
    np.savez(val, **bad)
    argv = ["train", str(spec), "--data", str(data), "-o", str(tmp_path / "out"), "--rounds", "2", "--seed", "0",
            "--quiet", "--validation", str(val)]
    assert main(argv) == 0
    text = (tmp_path / "out" / "results.json").read_text()
    summary = json.loads(text, parse_constant=lambda name: pytest.fail(f"results.json holds {name}"))
    assert summary["validation_losses"] == [None, None]
