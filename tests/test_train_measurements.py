"""net_measurements (Wolfram's NetMeasurements): a trained net's loss and metrics on data, against hand-computed
values and against net_train's own validation numbers on the same data; eval mode, batch sizes, data forms, errors."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (BatchNormalizationLayer, ClassDecoder, DataError, DropoutLayer, ElementwiseLayer, FunctionLayer,
                      GatedRecurrentLayer, LinearLayer, MeanAbsoluteLossLayer, NetChain, NetGraph, NetPort,
                      NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer, SequenceLastLayer,
                      SoftmaxLayer, UninitializedError, image_folder, net_initialize, net_measurements, net_train)
from tests.test_train_encoded import SPEC as STRIPES_SPEC, _accuracy, _stripes  # the stripes images, their spec

# logits of 6 examples (a net of a SoftmaxLayer alone: its outputs are these, softmaxed) and their classes
LOGITS = torch.tensor([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0],
                       [2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
CLASSES = torch.tensor([0, 1, 2, 1, 1, 0])  # predicted 0, 1, 2, 0, 1, 2: examples 4 and 6 wrong


def _softmax_net():
    return NetChain([SoftmaxLayer()], Input=3)


def test_classification_measurements_are_the_hand_computed_values():
    found = net_measurements(_softmax_net(), {"Input": LOGITS, "Target": CLASSES},
                             ["Loss", "Accuracy", "ErrorRate", "Precision", "Recall", "F1Score"])
    # per class (tp, fp, fn): 0: (1, 1, 1), 1: (2, 0, 1), 2: (1, 1, 0)
    precision = (1 / 2 + 2 / 2 + 1 / 2) / 3
    recall = (1 / 2 + 2 / 3 + 1 / 1) / 3
    f1 = (2 / 4 + 4 / 5 + 2 / 3) / 3
    loss = -sum(math.log(math.exp(LOGITS[i, c]) / sum(math.exp(v) for v in LOGITS[i].tolist()))
                for i, c in enumerate(CLASSES.tolist())) / 6
    assert found == pytest.approx({"Loss": loss, "Accuracy": 4 / 6, "ErrorRate": 2 / 6, "Precision": precision,
                                   "Recall": recall, "F1Score": f1}, rel=1e-6)
    assert net_measurements(_softmax_net(), (LOGITS, CLASSES), "Accuracy") == pytest.approx(4 / 6)  # one: a value


def test_regression_measurements_are_the_hand_computed_values():
    net = NetGraph([LinearLayer(1, weights=[[2.0]], biases=[1.0])], [], Input=1)  # y = 2x + 1
    x = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    target = torch.tensor([[1.0], [4.0], [4.0], [7.0]])  # errors 0, 1, -1, 0
    found = net_measurements(net, {"Input": x, "Target": target}, ["Loss", "MSE", "MeanAbsoluteError"])
    assert found == pytest.approx({"Loss": 0.5, "MSE": 0.5, "MeanAbsoluteError": 0.5})
    assert net_measurements(net, {"Input": x, "Target": target}, loss_function=MeanAbsoluteLossLayer(),
                            batch_size=3) == pytest.approx(0.5)  # errors 0, 1, 1, 0 (no square)
    errors = (2, 3, 1, 2)
    assert net_measurements(net, {"Input": x, "Target": target + 2.0}) == pytest.approx(sum(e * e for e in errors) / 4)

    identity = {"weights": [[1.0]], "biases": [0.0]}
    two = NetGraph({"a": LinearLayer(1, **identity), "b": LinearLayer(1, **identity)},
                   [("a", NetPort("A")), ("b", NetPort("B"))], Input=1)
    both = {"Input": x, "A": x + 1.0, "B": x + 3.0}  # mean squares 1 and 9; B's warm-up counts as done
    assert net_measurements(two, both, loss_function={"A": 1, "B": {"weight": 2, "warmup": 5}}) == pytest.approx(19.0)


def test_wolframs_perplexity_confusion_matrix_and_r_squared_are_the_hand_computed_values():
    for batch_size in (1, 4, 64):
        found = net_measurements(_softmax_net(), (LOGITS, CLASSES), ["Loss", "Perplexity", "ConfusionMatrix"],
                                 batch_size=batch_size)
        assert found["Perplexity"] == pytest.approx(math.exp(found["Loss"]), rel=1e-6)  # exp(mean cross-entropy)
        # true (row) against predicted (column): 0 -> 0, 2; 1 -> 1, 0, 1; 2 -> 2
        assert found["ConfusionMatrix"].tolist() == [[1, 0, 1], [1, 2, 0], [0, 0, 1]]
        net = NetGraph([LinearLayer(1, weights=[[2.0]], biases=[1.0])], [], Input=1)  # y = 2x + 1
        x, target = torch.tensor([[0.0], [1.0], [2.0], [3.0]]), torch.tensor([[1.0], [4.0], [4.0], [7.0]])
        # errors 0, 1, -1, 0: SS_res 2; targets' mean 4: SS_tot 9 + 0 + 0 + 9
        assert net_measurements(net, (x, target), "RSquared", batch_size=batch_size) == pytest.approx(1 - 2 / 18)


def _classifier():
    return NetChain([LinearLayer(8), BatchNormalizationLayer(), ElementwiseLayer("Ramp"), DropoutLayer(0.5),
                     LinearLayer(3), SoftmaxLayer()], Input=2)


def _points(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    return {"Input": x, "Target": (x[:, 0] > 0).long() + (x[:, 1] > 0).long()}


def test_the_loss_and_metrics_are_the_validation_numbers_of_training_on_the_same_data():
    validation = _points(50, 1)
    r = net_train(_classifier(), _points(120, 0), validation_set=validation, metrics=["Accuracy", "F1"],
                  max_training_rounds=3, batch_size=16, random_seed=0, progress=False, all=True)
    found = net_measurements(r.trained_net, validation, ["Loss", "Accuracy", "F1"], batch_size=16)
    best = r.best_validation_round - 1
    assert found["Loss"] == r.validation_losses[best]  # exactly, with the run's batch size (as the README says)
    assert {k: found[k] for k in ("Accuracy", "F1")} == {k: v[best] for k, v in r.validation_metrics.items()}
    final = net_measurements(r.training_net, validation, ["Loss", "Accuracy", "F1"], batch_size=16)
    assert final["Loss"] == r.validation_loss  # Wolfram's: the most recent validation's
    assert {k: final[k] for k in ("Accuracy", "F1")} == r.validation_measurements
    other = net_measurements(r.trained_net, validation, "Loss")  # batch size 64: float32 batch means, rounded apart
    assert other == pytest.approx(found["Loss"], rel=1e-6)
    assert 0 < found["Accuracy"] < 1  # dropout and batch norm in the net: both measured in eval mode, as validation


def test_the_loss_with_a_loss_function_is_the_validation_loss_of_training_with_it():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 2, generator=g)
    data = {"Input": x, "Target": x @ torch.tensor([[1.0], [-2.0]])}
    net = NetGraph([LinearLayer(1)], [], Input=2)
    r = net_train(net, data, validation_set=data, loss_function=MeanAbsoluteLossLayer(), max_training_rounds=2,
                  random_seed=0, progress=False, all=True)
    assert net_measurements(r.trained_net, data, loss_function=MeanAbsoluteLossLayer()) == pytest.approx(
        r.validation_losses[r.best_validation_round - 1], rel=1e-6)


@pytest.mark.parametrize("batch_size", [1, 7, 50, 1000])
def test_the_batch_size_does_not_change_the_values(batch_size):
    net = net_initialize(_classifier(), seed=0)
    data = _points(50, 2)
    names = ["Loss", "Accuracy", "Precision", "Recall", "F1"]
    assert net_measurements(net, data, names, batch_size=batch_size) == pytest.approx(
        net_measurements(net, data, names, batch_size=64), rel=1e-5)


def test_dropout_is_off():
    with_dropout = NetChain([DropoutLayer(0.9), SoftmaxLayer()], Input=3)
    data = {"Input": LOGITS, "Target": CLASSES}
    plain = net_measurements(_softmax_net(), data, ["Loss", "Accuracy"])
    assert net_measurements(with_dropout, data, ["Loss", "Accuracy"]) == plain  # no element dropped


def test_random_layers_draw_from_random_seed():
    data = {"Input": torch.zeros(200, 1), "Target": torch.zeros(200, 1)}
    first, again, other = (net_measurements(_noise_net(), data, random_seed=s) for s in (1, 1, 2))
    assert first == again != other
    assert 0.7 < first < 1.3  # the mean square of 200 standard normal draws (sd of the mean about 0.1)


def _noise_net() -> NetGraph:
    return NetGraph({"noise": RandomArrayLayer(NormalDistribution(0, 1), output=(1,)),
                     "sum": FunctionLayer("#Input + #Noise", output=1)},
                    [("noise", NetPort("sum", "Noise"))], Input=1)


def test_random_seed_automatic_is_a_fresh_seed_every_call():
    """'Automatic' was read as no seed (a copy of torch's generator): every call repeated the same draws."""
    data = {"Input": torch.zeros(20, 1), "Target": torch.zeros(20, 1)}
    torch.manual_seed(0)
    first = net_measurements(_noise_net(), data, random_seed="Automatic")
    torch.manual_seed(0)
    assert net_measurements(_noise_net(), data, random_seed="Automatic") != first


def test_without_a_seed_one_seed_is_drawn_from_torch_s_generator_as_net_train_draws_it():
    """Unseeded, two calls in a row draw differently and torch.manual_seed decides, as in net_train (and net(x)):
    they drew from a copy of torch's generator, put back after, so every call repeated the same draws."""
    data = {"Input": torch.zeros(20, 1), "Target": torch.zeros(20, 1)}
    torch.manual_seed(5)
    first, second = net_measurements(_noise_net(), data), net_measurements(_noise_net(), data, random_seed=None)
    after = torch.rand(1)
    torch.manual_seed(5)
    assert net_measurements(_noise_net(), data, random_seed="Inherited") == first != second
    torch.manual_seed(5)
    torch.randint(0, 2**62, ()), torch.randint(0, 2**62, ())  # the two seeds drawn: nothing more
    assert torch.equal(torch.rand(1), after)


def test_no_autograd_graph_is_built():
    net = NetGraph([LinearLayer(1, weights=[[2.0]], biases=[1.0])], [], Input=1)
    seen = []
    hook = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: seen.append(torch.is_grad_enabled()))
    try:
        net_measurements(net, {"Input": torch.ones(3, 1), "Target": torch.ones(3, 1)})
    finally:
        hook.remove()
    assert seen and not any(seen)


def test_a_binary_output_and_a_named_port_among_several():
    net = NetGraph({"score": LinearLayer(1, weights=[[1.0]], biases=[0.0]), "p": ElementwiseLayer("LogisticSigmoid"),
                    "value": LinearLayer(1, weights=[[1.0]], biases=[0.0])},
                   [("score", "p"), ("p", NetPort("Prob")), ("value", NetPort("Value"))], Input=1)
    x = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]])  # probabilities below, below, above, above 0.5
    data = {"Input": x, "Prob": torch.tensor([[0.0], [1.0], [1.0], [1.0]]), "Value": x + 1.0}
    found = net_measurements(net, data, ["Prob/Accuracy", "Prob/Recall", "Value/MAE"])
    assert found == pytest.approx({"Prob/Accuracy": 3 / 4, "Prob/Recall": 2 / 3, "Value/MAE": 1.0})
    with pytest.raises(OptionError, match=r"'MAE' fits the output ports \['Prob', 'Value'\]: name one, as 'Prob/"):
        net_measurements(net, data, "MAE")


def test_ragged_sequences_are_measured_as_each_sequence_alone():
    net = net_initialize(NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                                  input=("n", 1)), seed=0)
    g = torch.Generator().manual_seed(0)
    xs = [torch.rand(n, 1, generator=g) for n in (2, 1, 3, 2, 4)]
    target = torch.tensor([0, 1, 1, 0, 1])
    probs = torch.cat([net(x[None]) for x in xs])  # each sequence alone: no padding
    loss = float(-probs[torch.arange(5), target].log().mean())
    accuracy = float((probs.argmax(-1) == target).float().mean())
    for batch_size in (1, 2, 5):
        found = net_measurements(net, {"Input": xs, "Target": target}, ["Loss", "Accuracy"], batch_size=batch_size)
        assert found == pytest.approx({"Loss": loss, "Accuracy": accuracy}, rel=1e-5)


def test_labels_for_a_decoder_and_a_data_loader():
    net = NetChain([SoftmaxLayer()], input=3, output=ClassDecoder(["a", "b", "c"]))
    labels = [["a", "b", "c"][c] for c in CLASSES.tolist()]
    assert net_measurements(net, {"Input": LOGITS, "Output": labels}, "Accuracy") == pytest.approx(4 / 6)
    dataset = [{"Input": x, "Target": c} for x, c in zip(LOGITS, CLASSES)]
    loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    assert net_measurements(_softmax_net(), loader, "Accuracy") == pytest.approx(4 / 6)


def test_unknown_and_unsupported_names_are_one_option_error_listing_the_names():
    data = {"Input": LOGITS, "Target": CLASSES}
    with pytest.raises(OptionError, match=r"unknown measurement 'Acuracy' \(did you mean 'Accuracy'\?\); "
                                          r"measurements: Loss, Accuracy, ErrorRate") as info:
        net_measurements(_softmax_net(), data, ["Loss", "Acuracy"])
    found = info.value.diagnostics[0]
    assert (found.option, found.found) == ("measurements", "Acuracy") and "F1" in found.expected
    with pytest.raises(OptionError, match=r"unknown measurement 'acc' \(did you mean 'Accuracy'\?\)"):  # Keras's
        net_measurements(_softmax_net(), data, "acc")  # name, which metrics=['acc'] was told already
    with pytest.raises(OptionError, match=r"'CohenKappa' is not among net_train's metrics\); measurements: Loss"):
        net_measurements(_softmax_net(), data, "CohenKappa")
    with pytest.raises(OptionError, match=r"'MeanAbsoluteError' does not fit output port 'Output'.*Accuracy"):
        net_measurements(_softmax_net(), data, "MAE")
    with pytest.raises(OptionError, match=r"no option 'batchsize' \(did you mean 'batch_size'\?\)"):
        net_measurements(_softmax_net(), data, batchsize=3)
    with pytest.raises(OptionError, match="a measurement name or a list of names"):
        net_measurements(_softmax_net(), data, 3)


def test_data_that_does_not_fit_the_net_is_one_data_error_about_the_test_data():
    with pytest.raises(DataError, match=r"bad test data.*'Input': 6, 'Target': 5") as info:
        net_measurements(_softmax_net(), {"Input": LOGITS, "Target": CLASSES[:5]}, "Accuracy")
    assert {d.data.name for d in info.value.diagnostics} == {"test"}
    with pytest.raises(DataError, match=r"bad test data.*missing key 'Target'"):
        net_measurements(_softmax_net(), {"Input": LOGITS}, "Accuracy")
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): expected shape \(b, 3\).*found \(6, 2\)"):
        net_measurements(_softmax_net(), {"Input": LOGITS[:, :2], "Target": CLASSES})


def test_a_bad_distribution_parameter_in_the_data_is_the_layers_own_data_error():
    net = NetGraph({"noise": RandomArrayLayer(PoissonDistribution("#Rate"), output=(1,))}, [], Rate=1)
    with pytest.raises(DataError, match=r"^layer 'noise' .*must be a finite number >= 0, found -1.0") as info:
        net_measurements(net, {"Rate": torch.tensor([[1.0], [-1.0]]), "Target": torch.zeros(2, 1)})
    assert "training stopped" not in str(info.value)  # no training runs here


def test_an_untrained_net_is_refused():
    with pytest.raises(UninitializedError, match="arrays have no values.*net_initialize"):
        net_measurements(_classifier(), _points(10, 0))



def test_a_folder_of_images_is_measured_as_the_net_labels_them(tmp_path):
    net = net_initialize(NetGraph.from_yaml(STRIPES_SPEC), seed=0)
    folder = _stripes(tmp_path / "test", per_class=6, seed=2)
    expected = _accuracy(net, image_folder(folder))
    assert net_measurements(net, str(folder), "Accuracy", batch_size=5) == pytest.approx(expected)
    assert net_measurements(net, list(image_folder(folder)), "ErrorRate") == pytest.approx(1 - expected)


def test_a_multi_label_sigmoid_output_is_measured_over_its_labels_pooled():
    """Several LogisticSigmoid elements (multi-label): ROC AUC, the 2x2 ConfusionMatrix and Accuracy count every
    (example, label) pair together, as the README says, not label by label."""
    net = net_initialize(NetChain([LinearLayer(2), ElementwiseLayer("LogisticSigmoid")], input=2), seed=0)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(3))
    target = torch.tensor([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    found = net_measurements(net, (x, target), ["ROCAUC", "ConfusionMatrix", "Accuracy"])
    scores, labels = net(x).reshape(-1), target.reshape(-1).bool()
    pairs = [(p, n) for p in scores[labels] for n in scores[~labels]]
    assert found["ROCAUC"] == pytest.approx(sum(float(p > n) for p, n in pairs) / len(pairs))
    predicted = scores > 0.5
    assert found["ConfusionMatrix"].tolist() == [[int((~labels & ~predicted).sum()), int((~labels & predicted).sum())],
                                                 [int((labels & ~predicted).sum()), int((labels & predicted).sum())]]
    assert found["Accuracy"] == int((predicted == labels).sum()) / 12
