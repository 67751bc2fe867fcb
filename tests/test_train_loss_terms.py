"""net_train with several weighted loss terms: per-term history, scheduled (warm-up) weights, progress, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from netgraph import (DataError, KLDivergenceLayer, LinearLayer, NetArrayLayer, NetGraph, NetPort, NormalDistribution,
                      OptionError, SummationLayer, net_initialize, net_train)
from netgraph.cli import main
from netgraph.cli.loss_layers import with_loss_layers
from netgraph.cli.train import loss_option


def _net():
    """A fit and a KL penalty on a second head: the KL output is a loss port, used as it is."""
    kl = KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0.0, 1.0))
    return NetGraph({"fit": LinearLayer(1), "head": LinearLayer(2), "penalty": kl},
                    [("fit", NetPort("Prediction")), ("head", "penalty", NetPort("Penalty"))], Input=3)


def _data(n=32):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    return {"Input": x, "Prediction": x @ torch.tensor([[1.0], [-2.0], [0.5]])}


def test_each_term_has_a_history_and_the_round_loss_is_their_weighted_sum():
    results = net_train(_net(), _data(), loss_function={"Prediction": 1.0, "Penalty": 0.25}, batch_size=8,
                        max_training_rounds=3, random_seed=0, progress=False, all=True)
    assert list(results.term_losses) == ["Prediction", "Penalty"]
    assert results["TermLossLists"] is results.term_losses and len(results.term_losses["Penalty"]) == 3
    assert results.loss_weights == {"Prediction": [1.0] * 3, "Penalty": [0.25] * 3}
    weighted = np.add(results.term_losses["Prediction"], 0.25 * np.array(results.term_losses["Penalty"]))
    np.testing.assert_allclose(results.round_losses, weighted, rtol=1e-5)


def test_a_linear_warm_up_ramps_the_weight_per_round():
    spec = {"Prediction": 1.0, "Penalty": {"weight": 2.0, "warmup": 4}}
    results = net_train(_net(), _data(), loss_function=spec, batch_size=32, max_training_rounds=6, random_seed=0,
                        progress=False, all=True)
    # one batch per round: round r's step runs after r - 1 rounds, at weight 2 * min(1, (r - 1) / 4)
    assert results.loss_weights["Penalty"] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    weighted = np.add(results.term_losses["Prediction"],
                      np.multiply(results.loss_weights["Penalty"], results.term_losses["Penalty"]))
    np.testing.assert_allclose(results.round_losses, weighted, rtol=1e-5)
    assert "2 (linear warm-up from 0 over 4 rounds) * output 'Penalty' as the loss" in results.loss_function


def test_a_warm_up_in_batches_and_a_zero_weight_stops_that_term_from_training():
    spec = {"Prediction": 0.0, "Penalty": {"weight": 1.0, "warmup": 3, "warmup_unit": "batches"}}
    results = net_train(_net(), _data(), loss_function=spec, batch_size=8, max_training_rounds=1, random_seed=0,
                        progress=False, all=True)
    assert results.loss_weights["Penalty"] == [1.0]  # after 3 of the 4 batches the ramp is done
    start = net_initialize(_net(), seed=0)  # net_train's initial arrays for random_seed=0
    trained = results.trained_net
    # weight 0: the fit layer gets a zero gradient, so Adam leaves it exactly where it started; the head trains
    assert torch.equal(trained.layers["fit"].arrays["Weights"], start.layers["fit"].arrays["Weights"])
    assert not torch.equal(trained.layers["head"].arrays["Weights"], start.layers["head"].arrays["Weights"])


def test_progress_print_shows_each_term(capsys):
    net_train(_net(), _data(), loss_function={"Prediction": 1.0, "Penalty": {"weight": 1.0, "warmup": 2}},
              batch_size=32, max_training_rounds=2, random_seed=0, progress="print")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "(Prediction " in lines[0] and ", Penalty " in lines[0] and "× 0.5" in lines[1]


def test_bad_schedules_are_option_errors():
    with pytest.raises(OptionError, match=r"loss_function\['Penalty'\] has no key 'warm_up' \(did you mean 'warmup'\?\)"):
        net_train(_net(), _data(), loss_function={"Prediction": 1.0, "Penalty": {"warm_up": 3}}, progress=False)
    with pytest.raises(OptionError, match="warmup_unit must be 'rounds' or 'batches'"):
        net_train(_net(), _data(), loss_function={"Penalty": {"warmup": 3, "warmup_unit": "epochs"}}, progress=False)
    with pytest.raises(OptionError, match=r"weight must be a finite number >= 0, found -1"):
        net_train(_net(), _data(), loss_function={"Penalty": -1}, progress=False)


def test_every_term_weighted_0_is_nothing_to_train():
    """{"Prediction": 0, "Penalty": 0} trained every round on a loss of exactly 0, moving no array, without a word;
    a warm-up from 0 to 0 is the same, while one starting above 0 trains."""
    for spec in ({"Prediction": 0, "Penalty": 0.0}, {"Prediction": 0, "Penalty": {"weight": 0, "warmup": 2}}):
        with pytest.raises(OptionError, match=r"^nothing to train: every term of loss_function has weight 0") as info:
            net_train(_net(), _data(), loss_function=spec, max_training_rounds=1, progress=False)
        assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].option) == ("nothing-to-train",
                                                                                      "loss_function")
    results = net_train(_net(), _data(), loss_function={"Prediction": 0, "Penalty": {"weight": 0, "start": 1,
                                                                                    "warmup": 2}},
                        max_training_rounds=1, random_seed=0, progress=False, all=True)
    assert results.round_losses[0] > 0


def test_the_command_line_takes_weighted_terms_as_yaml(tmp_path):
    spec, data = tmp_path / "net.yaml", tmp_path / "data.npz"
    spec.write_text(_net().to_yaml())
    np.savez(data, **{k: v.numpy() for k, v in _data().items()})
    loss = "{Prediction: 1, Penalty: {weight: 0.5, warmup: 2}}"
    assert loss_option(loss) == {"Prediction": 1, "Penalty": {"weight": 0.5, "warmup": 2}}
    run = subprocess.run([sys.executable, "-m", "netgraph", "train", str(spec), "--data", str(data), "-o",
                          str(tmp_path / "out"), "--rounds", "3", "--seed", "0", "--quiet", "--loss", loss],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "out" / "results.json").read_text())
    assert summary["loss_weights"]["Penalty"][-1] == 0.5 and len(summary["term_losses"]["Prediction"]) == 3
    assert "(Prediction " in run.stdout
    (tmp_path / "loss.yaml").write_text("Prediction: 1\nPenalty: {weight: 0.5}\n")
    assert loss_option(str(tmp_path / "loss.yaml")) == {"Prediction": 1, "Penalty": {"weight": 0.5}}
    (tmp_path / "list.yaml").write_text("[1, 2]\n")
    with pytest.raises(OptionError, match="must hold a mapping"):
        loss_option(str(tmp_path / "list.yaml"))


def test_tensorboard_logs_each_term_and_its_weight(tmp_path):
    results = net_train(_net(), _data(), loss_function={"Prediction": 1.0, "Penalty": {"weight": 2.0, "warmup": 2}},
                        batch_size=32, max_training_rounds=3, random_seed=0, progress=False, all=True,
                        progress_reporting="tensorboard", log_dir=tmp_path / "run")
    events = EventAccumulator(str(tmp_path / "run"), size_guidance={"scalars": 0})
    events.Reload()
    assert [e.value for e in events.Scalars("weight/Penalty")] == results.loss_weights["Penalty"] == [0.0, 1.0, 2.0]
    logged = [e.value for e in events.Scalars("loss/term/Prediction")]
    np.testing.assert_allclose(logged, results.term_losses["Prediction"], rtol=1e-6)


def test_a_dict_term_may_name_its_own_port_to_use_that_output_as_the_loss():
    """loss_function="Cost" used the output as the loss, but {"Cost": ("Cost", w)} was refused, so a
    RandomArrayLayer's LogProbability could not be a weighted term beside a cost (found by QA)."""
    from netgraph import BernoulliDistribution, ElementwiseLayer, FunctionLayer, RandomArrayLayer
    net = NetGraph({"lin": LinearLayer(1, input=2), "p": ElementwiseLayer("LogisticSigmoid"),
                    "coin": RandomArrayLayer(BernoulliDistribution("#p"), log_probability=True),
                    "cost": FunctionLayer("(#b - 0.45)^2")},
                   [("lin", "p", "coin"), (NetPort("coin", "Output"), "cost"), ("cost", NetPort("Cost")),
                    (NetPort("coin", "LogProbability"), NetPort("LogP"))])
    options = dict(max_training_rounds=3, batch_size=32, progress=False, all=True, random_seed=0)
    data = {"Input": torch.zeros(64, 2)}
    terms = net_train(net_initialize(net, seed=0), data, loss_function={"Cost": ("Cost", 1.0),
                                                                         "LogP": {"loss": "LogP", "weight": 0.01}},
                      **options)
    by_hand = net_train(net_initialize(net, seed=0), data, **options,
                        loss_function=lambda outputs, batch: outputs["Cost"].sum(-1) + 0.01 * outputs["LogP"])
    assert terms.round_losses == pytest.approx(by_hand.round_losses, rel=1e-6)
    with pytest.raises(OptionError, match=r"loss_function\['Cost'\] must be .* the port's name 'Cost'"):
        net_train(net_initialize(net, seed=0), data, loss_function={"Cost": "LogP"}, **options)


def test_an_integer_output_gets_no_automatic_loss_but_one_message_saying_what_to_give():
    """A Categorical's class indices as the output met an automatic mean squared error, which failed with a
    shape conflict about the loss net's own 'Input' port (found by QA)."""
    from netgraph import CategoricalDistribution, RandomArrayLayer, SoftmaxLayer
    net = NetGraph({"lin": LinearLayer(4, input=2), "sm": SoftmaxLayer(),
                    "draw": RandomArrayLayer(CategoricalDistribution("#p"))}, [("lin", "sm", "draw")])
    data = {"Input": torch.zeros(8, 2), "Target": torch.zeros(8, dtype=torch.long)}
    with pytest.raises(OptionError, match=r"output port 'Output' gives Integer values .* no automatic loss takes"):
        net_train(net_initialize(net, seed=0), data, max_training_rounds=1, progress=False)
    reward = lambda outputs, batch: (outputs["Output"] != batch["Target"]).float()  # noqa: E731
    r = net_train(net_initialize(net, seed=0), data, loss_function=reward, max_training_rounds=2, progress=False,
                  all=True, random_seed=0)  # the score-function term trains on such a loss
    assert len(r.round_losses) == 2


def test_the_command_line_takes_a_loss_layer_written_as_in_a_spec(tmp_path):
    """A YAML user gives an output another loss than the automatic one, as Keras's loss={'value': 'mae'}: the terms
    were refused as "must be a loss layer, a callable, ...", which a command line cannot give."""
    from netgraph import CrossEntropyLossLayer, MeanAbsoluteLossLayer
    from netgraph.cli import main
    def read(text):  # as `netgraph train` reads --loss: the text, then its loss layers once the net is known
        return with_loss_layers(_net(), loss_option(text))
    assert read("{Prediction: {loss: MeanAbsoluteLossLayer, weight: 0.5}, Penalty: 1}") == {
        "Prediction": {"loss": MeanAbsoluteLossLayer(), "weight": 0.5}, "Penalty": 1}
    assert read("{Class: {type: CrossEntropyLossLayer, form: Index, logits: true}}") == {
        "Class": CrossEntropyLossLayer("Index", logits=True)}
    assert read("{Cost: Cost, Value: Automatic}") == {"Cost": "Cost", "Value": "Automatic"}
    with pytest.raises(OptionError, match=r"--loss: the loss of 'Prediction', type 'MeanAbsoluteLoss', is no loss "
                                          r"layer \(did you mean 'MeanAbsoluteLossLayer'\?\)"):
        read("{Prediction: {type: MeanAbsoluteLoss}}")
    with pytest.raises(OptionError, match=r"--loss: 'Class': .*form"):
        read("{Class: {type: CrossEntropyLossLayer, form: Indexes}}")
    spec, data = tmp_path / "net.yaml", tmp_path / "data.npz"
    spec.write_text(_net().to_yaml())
    np.savez(data, **{k: v.numpy() for k, v in _data().items()})
    assert main(["train", str(spec), "--data", str(data), "-o", str(tmp_path / "out"), "--rounds", "2", "--seed", "0",
                 "--quiet", "--loss", "{Prediction: MeanAbsoluteLossLayer, Penalty: 1}"]) == 0
    assert len(json.loads((tmp_path / "out" / "results.json").read_text())["term_losses"]["Prediction"]) == 2


def test_a_weighted_scalar_output_without_a_target_says_how_to_use_it_as_the_loss(tmp_path, capsys):
    """A VAE's KL computed by a FunctionLayer, weighted as --loss '{Recon: 16, KL: 1}', was refused as "missing key
    'KL': target of output port 'KL' (mean squared error)", not saying that {KL: KL} uses the output itself (found by
    QA writing a torch-style VAE spec): an output of one value per example without a target now says so."""
    net = NetGraph({"fit": LinearLayer(1), "head": LinearLayer(2), "kl": SummationLayer()},
                   [("fit", NetPort("Prediction")), ("head", "kl", NetPort("KL"))], Input=3)
    data = _data()
    with pytest.raises(DataError, match=r"missing key 'KL': target of output port 'KL' \(mean squared error\), shape "
                       r"\(b\); to minimise the output 'KL' itself \(one value per example\), give the port's own "
                       r"name as its loss: loss_function=\{'KL': 'KL', \.\.\.\} \(netgraph train --loss "
                       r"'\{KL: KL, \.\.\.\}'\)"):
        net_train(net, data, loss_function={"Prediction": 1.0, "KL": 1.0}, max_training_rounds=1, progress=False)
    with pytest.raises(DataError, match=r"missing key 'Prediction': target of output port 'Prediction' \(mean squared "
                       r"error\), shape \(b, 1\)$"):  # an output of another shape: a target is what it lacks
        net_train(net, {"Input": data["Input"]}, loss_function={"Prediction": 1.0, "KL": "KL"},
                  max_training_rounds=1, progress=False)
    spec = tmp_path / "net.yaml"
    spec.write_text(net.to_yaml())
    np.savez(tmp_path / "d.npz", **{k: v.numpy() for k, v in data.items()})
    assert main(["train", str(spec), "--data", str(tmp_path / "d.npz"), "-o", str(tmp_path / "out"), "--rounds", "1",
                 "--loss", "{Prediction: 1, KL: 1}"]) == 1
    assert "(netgraph train --loss '{KL: KL, ...}')" in capsys.readouterr().err


def test_a_net_without_inputs_trains_on_its_own_kl_through_a_function_loss():
    """Found by QA: a net with no inputs whose loss is its own output has no key to read (loss_function="KL" refuses
    every key); the README's way, a function loss and a key of N rows, fits mu of N(mu, 1) to the prior N(0, 1)."""
    net = NetGraph({"mu": NetArrayLayer(array=[2.0]), "kl": KLDivergenceLayer(NormalDistribution("#mu", 1.0),
                                                                              NormalDistribution(0.0, 1.0))},
                   [("mu", "kl", NetPort("KL"))])
    with pytest.raises(DataError, match="unknown key 'examples'"):
        net_train(net, {"examples": torch.zeros(64)}, loss_function="KL", max_training_rounds=1, progress=False)
    fitted = net_train(net, {"examples": torch.zeros(64)}, loss_function=lambda outputs, batch: outputs["KL"],
                       max_training_rounds=20, learning_rate=0.1, random_seed=0, progress=False)
    assert abs(fitted.layers["mu"].arrays["Array"].item()) < 0.5  # from 2: KL = mu²/2 falls to below 0.125


def test_rounds_still_warming_a_term_up_are_neither_the_best_net_nor_stale_for_patience():
    # a weight warming up raises the reported losses: the first round (KL weighted 1.7 of 10) was the "best", so
    # patience ran out right after the warm-up (or initial_patience, the README's advice) and round 1's net came back
    net = NetGraph({"fit": LinearLayer(1), "head": LinearLayer(2),
                    "kl": KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0, 1))},
                   [("fit", NetPort("Prediction")), ("head", "kl", NetPort("KL"))], Input=3)
    xs = 5 * torch.randn(256, 3, generator=torch.Generator().manual_seed(0))
    r = net_train(net, {"Input": xs, "Prediction": xs.sum(1, keepdim=True)},
                  loss_function={"Prediction": 1.0, "KL": {"weight": 10.0, "warmup": 3}}, validation_set=0.25,
                  training_stopping_criterion={"patience": 1}, max_training_rounds=6, learning_rate=0.001,
                  random_seed=0, progress=False, all=True)
    losses = r.validation_losses
    assert losses[2] > losses[0] and losses[3:] == sorted(losses[3:], reverse=True)  # rising in the warm-up, then falling
    assert r.total_rounds == 6 and r.reason_training_stopped == "MaxTrainingRounds" and r.best_validation_round == 6


def test_a_warmed_up_weight_is_the_weight_given_exactly():
    # start + (weight - start) * 1.0 is not the weight for 55 of the pairs of tenths below 2 (0.2 + 0.7 is 0.8999...):
    # loss_weights showed it, and a round at that weight read as still warming up, never compared for the best net
    from netgraph.train.weights import WeightSchedule
    schedule = WeightSchedule(0.9, warmup=2, start=0.2)
    assert schedule.at(0, 2.0) == schedule.at(0, 5.0) == 0.9 and schedule.at(0, 1.0) == pytest.approx(0.55)


def test_with_every_round_warming_up_the_best_validation_round_is_the_last():
    # no round was compared (each one's loss weighted less): best_validation_round was None beside validation_losses,
    # so the README's r.validation_losses[r.best_validation_round - 1] failed; the net returned is the last round's
    net = NetGraph({"fit": LinearLayer(1), "head": LinearLayer(2),
                    "kl": KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0, 1))},
                   [("fit", NetPort("Prediction")), ("head", "kl", NetPort("KL"))], Input=3)
    xs = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    r = net_train(net, {"Input": xs, "Prediction": xs.sum(1, keepdim=True)},
                  loss_function={"Prediction": 1.0, "KL": {"weight": 10.0, "warmup": 3}}, validation_set=0.25,
                  max_training_rounds=2, random_seed=0, progress=False, all=True)
    assert len(r.validation_losses) == 2 and r.best_validation_round == 2
    weights = [n.layers["fit"].arrays["Weights"] for n in (r.trained_net, r.training_net)]
    assert torch.equal(*weights)
