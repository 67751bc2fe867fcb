"""net_train: learning, early stopping, frozen layers, non-finite losses, options, progress and results."""

from __future__ import annotations

import sys

import pytest
import torch

from netgraph import (
    ElementwiseLayer,
    LinearLayer,
    NetGraph,
    NetGraphError,
    OptionError,
    net_initialize,
)
from netgraph.train import NetTrainResults, TrainingError, net_train
from tests.conftest import normal_reparameterization_layer


def mlp(hidden: int = 16) -> NetGraph:
    return NetGraph({"h": LinearLayer(hidden), "act": ElementwiseLayer("Tanh"), "out": LinearLayer(1)},
                    [("h", "act", "out")], Input=2)


def known_function(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    return x, (torch.sin(2 * x[:, 0]) + 0.5 * x[:, 1] ** 2)[:, None]


def moment_loss(outputs: dict, batch: dict) -> torch.Tensor:
    """A hand-made loss: match the batch's mean and standard deviation to the target sample's."""
    x, y = outputs["Output"], batch["Target"]
    return (x.mean(0) - y.mean(0)).square().sum() + (x.std(0) - y.std(0)).square().sum()


def test_seed_layer_learns_a_targets_mean_and_std():
    """The seed's reparameterised layer (no inputs: each step draws a batch) recovers N(mean, std).

    Across 8 seeds the learned values spread by about 1.4% of the target std (mostly the target
    sample's own noise, 1/sqrt(8192) = 1.1%); 5% is over 3 of those spreads, and a 10% error fails.
    """
    mean, std = torch.tensor([5.0, -3.0]), torch.tensor([2.0, 0.5])
    target = mean + std * torch.randn(8192, 2, generator=torch.Generator().manual_seed(3))
    seed = normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])
    trained = net_train(seed, {"Target": target}, loss_function=moment_loss, batch_size=256,
                        max_training_rounds=40, learning_rate=0.5,
                        method=("Adam", {"learning_rate_schedule": "cosine"}),
                        random_seed=1, progress=False)
    learned_mean = trained.layers["1"].arrays["Array"]
    learned_std = trained.layers["2"].arrays["Array"].abs()
    assert ((learned_mean - mean).abs() < std / 20).all(), learned_mean
    assert ((learned_std - std).abs() < std / 20).all(), learned_std
    assert torch.equal(seed.layers["1"].arrays["Array"], torch.tensor([0.0, 30.0]))  # the input is unchanged
    draws = trained.compile()(batch_size=20000)["Output"]
    assert ((draws.mean(0) - mean).abs() < std / 10).all()


def test_mlp_learns_a_known_function():
    x, y = known_function(1024, 0)
    net = mlp()
    results = net_train(net, {"Input": x, "Target": y}, batch_size=64, max_training_rounds=60, learning_rate=0.01,
                        random_seed=0, progress=False, all=True)
    assert isinstance(results, NetTrainResults)
    x_test, y_test = known_function(500, 1)
    with torch.no_grad():
        mse = (results.trained_net(x_test) - y_test).square().mean().item()
    assert mse < 0.02 * y_test.var().item(), mse  # explains over 98% of the variance on fresh points
    assert all(v is None for v in net.layers["h"].arrays.values())  # the input net stays uninitialised
    assert results.total_rounds == 60 and results.total_batches == 60 * 16
    assert results.round_losses[-1] < results.round_losses[0] / 20


def test_same_seed_same_result_and_global_rng_untouched():
    x, y = known_function(128, 0)
    net = net_initialize(mlp(), seed=0)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = net_train(net, (x, y), max_training_rounds=3, random_seed=7, progress=False)
    assert torch.equal(torch.get_rng_state(), before)
    b = net_train(net, {"Input": x, "Target": y}, max_training_rounds=3, random_seed=7, progress=False)
    assert torch.equal(a.layers["h"].arrays["Weights"], b.layers["h"].arrays["Weights"])
    c = net_train(net, {"Input": x, "Target": y}, max_training_rounds=3, random_seed=8, progress=False)
    assert not torch.equal(a.layers["h"].arrays["Weights"], c.layers["h"].arrays["Weights"])


def test_without_random_seed_initialisation_follows_torchs_rng_and_an_explicit_seed_does_not():
    net = NetGraph([LinearLayer(3)], [], Input=2)  # no arrays yet: net_train initialises them
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    data = {"Input": x, "Target": x.sum(1, keepdim=True).repeat(1, 3)}

    def weights(torch_seed: int, **kw) -> torch.Tensor:  # one full batch: only the initial arrays can differ
        torch.manual_seed(torch_seed)
        trained = net_train(net, data, max_training_rounds=1, batch_size=64, progress=False, **kw)
        return trained.layers["1"].arrays["Weights"]
    assert not torch.equal(weights(0), weights(1))
    assert torch.equal(weights(2), weights(2))
    assert torch.equal(weights(0, random_seed=5), weights(1, random_seed=5))


def test_early_stopping_stops_and_returns_the_best_net():
    """Targets are pure noise: the validation loss soon stops improving and training stops."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 2, generator=g), torch.randn(64, 1, generator=g)
    xv, yv = torch.randn(64, 2, generator=g), torch.randn(64, 1, generator=g)
    results = net_train(mlp(32), {"Input": x, "Target": y}, validation_set={"Input": xv, "Target": yv},
                        training_stopping_criterion={"Patience": 2}, max_training_rounds=300, batch_size=16,
                        learning_rate=0.02, random_seed=0, progress=False, all=True)
    assert results.reason_training_stopped == "TrainingStoppingCriterion"
    assert results.total_rounds < 300
    best = min(range(len(results.validation_losses)), key=results.validation_losses.__getitem__) + 1
    assert results.best_validation_round == best and results.total_rounds == best + 2
    with torch.no_grad():
        trained = (results.trained_net(xv) - yv).square().mean().item()
        final = (results.training_net(xv) - yv).square().mean().item()
    assert trained == pytest.approx(results.validation_losses[best - 1], rel=1e-5)
    assert final == pytest.approx(results.validation_losses[-1], rel=1e-5)
    # Wolfram's "ValidationLoss": the most recent validation's, the final net's (the best net's was given)
    assert results.validation_loss == results["ValidationLoss"] == results.validation_losses[-1]


def test_validation_fraction_and_relative_improvement():
    x, y = known_function(200, 2)
    results = net_train(mlp(), {"Input": x, "Target": y}, validation_set=0.25, max_training_rounds=4,
                        training_stopping_criterion={"improvement": ("RelativeChange", 0.5)}, random_seed=0,
                        progress=False, all=True)
    assert len(results.validation_losses) == results.total_rounds
    assert results.examples_processed == 150 * results.total_rounds  # 50 examples held out
    assert results.reason_training_stopped == "TrainingStoppingCriterion"  # halving the loss each round is too much


@pytest.mark.parametrize("rule", [{"h": 0}, {"h": None}, [("h/*", 0), ("*", 1)], {1: 0}])
def test_frozen_layer_keeps_its_arrays_bit_identical(rule):
    x, y = known_function(256, 0)
    net = net_initialize(mlp(), seed=0)
    results = net_train(net, {"Input": x, "Target": y}, learning_rate_multipliers=rule, max_training_rounds=3,
                        random_seed=0, progress=False, all=True)
    trained = results.trained_net
    for name in ("Weights", "Biases"):
        assert torch.equal(trained.layers["h"].arrays[name], net.layers["h"].arrays[name])
        assert not torch.equal(trained.layers["out"].arrays[name], net.layers["out"].arrays[name])
    assert results.learning_rate_multipliers == {"h.Weights": 0.0, "h.Biases": 0.0, "out.Weights": 1.0,
                                                 "out.Biases": 1.0}


def test_learning_rate_multiplier_scales_the_step():
    """With SGD a multiplier r scales a layer's first update by exactly r."""
    x, y = known_function(32, 0)
    net = net_initialize(mlp(), seed=0)
    kw = dict(max_training_rounds=1, batch_size=32, method="SGD", learning_rate=0.1, random_seed=0, progress=False)
    one = net_train(net, {"Input": x, "Target": y}, **kw)
    half = net_train(net, {"Input": x, "Target": y}, learning_rate_multipliers={"out": 0.5}, **kw)
    w0 = net.layers["out"].arrays["Weights"]
    step_one, step_half = one.layers["out"].arrays["Weights"] - w0, half.layers["out"].arrays["Weights"] - w0
    torch.testing.assert_close(step_half, 0.5 * step_one)
    torch.testing.assert_close(half.layers["h"].arrays["Weights"], one.layers["h"].arrays["Weights"])


@pytest.mark.parametrize("method", ["Adam", "SGD", ("SGD", {"momentum": 0.9}), "RMSProp"])
def test_a_learning_rate_of_0_trains_and_leaves_every_array_as_it_was(method):
    """As torch and Keras allow (a frozen or debugging run, a schedule that starts at 0): the loss is measured, no
    array moves; a negative rate stays refused."""
    x, y = known_function(64, 0)
    net = net_initialize(mlp(), seed=0)
    results = net_train(net, {"Input": x, "Target": y}, max_training_rounds=3, batch_size=16, method=method,
                        learning_rate=0, random_seed=0, progress=False, all=True)
    for layer in ("h", "out"):
        for name, array in net.layers[layer].arrays.items():
            assert torch.equal(results.trained_net.layers[layer].arrays[name], array)
    assert results.initial_learning_rate == 0 and len(results.batch_losses) == 12
    with pytest.raises(OptionError, match=r"learning_rate must be a number >= 0, found -0.1"):
        net_train(net, {"Input": x, "Target": y}, max_training_rounds=1, method=method, learning_rate=-0.1,
                  progress=False)


def test_nan_loss_names_the_first_layer_that_went_non_finite():
    net = NetGraph({"lin": LinearLayer(3), "log": ElementwiseLayer("Log"), "out": LinearLayer(1)},
                   [("lin", "log", "out")], Input=2)
    net = net_initialize(net, seed=0)
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    with pytest.raises(TrainingError) as info:
        net_train(net, {"Input": x, "Target": torch.zeros(64, 1)}, progress=False, random_seed=0)
    message = str(info.value)
    assert "round 1, batch 1" in message and "loss is nan" in message
    assert "layer 2 'log' (ElementwiseLayer) port 'Output'" in message
    assert isinstance(info.value, NetGraphError)


def test_divergence_names_the_first_layer_and_the_bad_arrays():
    x, y = known_function(64, 0)
    bad = r"layer 1 'h' \(LinearLayer\) port 'Output'.*arrays already non-finite: h\."
    with pytest.raises(TrainingError, match=bad):
        net_train(mlp(), {"Input": x, "Target": y * 1e3}, method="SGD", learning_rate=1e38, batch_size=8,
                  progress=False, random_seed=0)


def test_non_finite_loss_with_finite_layers_blames_the_loss():
    net = NetGraph({"lin": LinearLayer(1)}, [], Input=2)
    def bad(outputs, batch):
        return outputs["Output"].sum() * float("inf")
    with pytest.raises(TrainingError, match="every layer output was finite"):
        net_train(net, {"Input": torch.randn(8, 2)}, loss_function=bad, progress=False)


def test_results_properties_and_loss_plot(tmp_path):
    x, y = known_function(64, 0)
    r = net_train(mlp(), {"Input": x, "Target": y}, validation_set=0.25, max_training_rounds=3, batch_size=16,
                  random_seed=0, progress=False, all=True)
    assert r["RoundLossList"] == r.round_losses and r["TotalRounds"] == 3 and r["BatchSize"] == 16
    assert r["TotalBatches"] == 9 and len(r.batch_losses) == 9 and r["ExamplesProcessed"] == 144
    assert r["ReasonTrainingStopped"] == "MaxTrainingRounds" and r["OptimizationMethod"] == "Adam"
    assert r["LossFunction"] == "mean squared error on 'Output' vs key 'Target'"
    with pytest.raises(OptionError, match="did you mean 'RoundLossList'"):
        r["RoundLosList"]
    names = r["Properties"]  # Wolfram's list of the property names; every one answers
    assert names[0] == "Properties" and "RoundLossList" in names and len(names) == len(set(names))
    assert all(r[name] is not None or name in ("CheckpointingFiles", "ArraysLearningRateMultipliers")
               for name in names[1:] if name not in ("LossPlot", "MeasurementsPlot"))
    svg = r.plot_losses(tmp_path / "loss.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") == 3 and "validation loss" in svg
    if "matplotlib" not in sys.modules:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            with pytest.raises(OptionError, match="needs matplotlib"):
                r.plot_losses(tmp_path / "loss.png")
    with pytest.raises(OptionError, match=".svg or .png"):
        r.plot_losses(tmp_path / "loss.pdf")
    for suffix in (".svg", ".png"):  # checked before drawing (and before matplotlib is needed)
        with pytest.raises(NetGraphError) as info:
            r.plot_losses(tmp_path / "missing" / f"loss{suffix}")
        assert str(info.value) == (f"cannot write the loss plot to '{tmp_path / 'missing' / f'loss{suffix}'}': "
                                   f"folder '{tmp_path / 'missing'}' does not exist")
    (tmp_path / "folder.svg").mkdir()
    with pytest.raises(NetGraphError, match="it is a folder; give a file name"):
        r.plot_losses(tmp_path / "folder.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.svg", "loss.svg"]  # no temporary files left


def test_methods_and_schedules():
    x, y = known_function(64, 0)
    for method in ["SGD", ("sgd", {"momentum": 0.9, "nesterov": True}), {"name": "RMSProp", "alpha": 0.9},
                   ("AdamW", {"L2Regularization": 0.01, "max_gradient_norm": 1.0, "gradient_clipping": 0.5,
                              "weight_clipping": 3.0})]:
        r = net_train(mlp(), {"Input": x, "Target": y}, method=method, max_training_rounds=2, progress=False,
                      random_seed=0, all=True)
        assert r.round_losses[-1] < r.round_losses[0] * 1.5
    r = net_train(mlp(), {"Input": x, "Target": y}, method=("Adam", {"learning_rate_schedule": "linear"}),
                  learning_rate=0.01, max_training_rounds=4, batch_size=16, progress=False, all=True)
    assert r.initial_learning_rate == 0.01 and r.final_learning_rate == pytest.approx(0.01 / 16)


@pytest.mark.parametrize("options, message", [
    ({"batchsize": 3}, "no option 'batchsize' (did you mean 'batch_size'?)"),
    ({"BatchSize": 3}, "did you mean 'batch_size'"),
    ({"method": "Adamm"}, "unknown method 'Adamm' (did you mean 'Adam'?)"),
    ({"method": ("SGD", {"momentun": 0.9})}, "no suboption 'momentun' (did you mean 'momentum'?)"),
    ({"learning_rate_multipliers": {"hh": 0}}, "key 'hh' matches no array (did you mean 'h'?)"),
    ({"learning_rate_multipliers": {"h": -1}}, "learning_rate_multipliers['h'] must be a number >= 0"),
    ({"learning_rate_multipliers": 0}, "nothing to train: every array is frozen"),
    ({"batch_size": 0}, "batch_size must be an integer > 0"),
    ({"batch_size": 2**63}, "batch_size must be at most 9223372036854775807, found 9223372036854775808"),  # fuzz
    ({"validation_set": 1.5}, "strictly between 0 and 1"),
    ({"training_stopping_criterion": {"patiense": 2}}, "did you mean 'patience'"),
    ({"resume": True}, "give checkpoint='dir' too"),
    ({"distributed": True}, "needs a process group: start the script with torchrun"),
    ({"progress": "loud"}, "progress must be"),
    ({"loss_function": "Outptu"}, "not an output port (did you mean 'Output'?)"),
    ({"target_device": "tpu"}, "target_device must be 'cpu' or 'cuda'"),
])
def test_bad_options_get_one_clear_error(options, message):
    x, y = known_function(16, 0)
    with pytest.raises(OptionError) as info:
        net_train(mlp(), {"Input": x, "Target": y}, **{"progress": False, **options})
    assert message in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only message")
def test_cuda_unavailable_is_an_option_error():
    with pytest.raises(OptionError, match="CUDA is not available"):
        net_train(mlp(), {"Input": torch.zeros(4, 2), "Target": torch.zeros(4, 1)}, target_device="cuda")


def test_progress_function_gets_each_round_and_can_stop():
    seen = []
    def progress(info):
        seen.append(info)
        return "StopTraining" if info["round"] == 2 else None
    x, y = known_function(64, 0)
    r = net_train(mlp(), {"Input": x, "Target": y}, progress=progress, max_training_rounds=10, batch_size=32,
                  all=True)
    assert [i["round"] for i in seen] == [1, 2] and r.reason_training_stopped == "ManualStop"
    assert seen[1]["batch"] == 4 and seen[1]["round_loss"] == r.round_losses[1]
    assert {"batch_loss", "validation_loss", "learning_rate", "elapsed", "module", "time_remaining"} <= set(seen[0])


def test_progress_bar_is_quiet_off_a_terminal_and_shown_on_request(capsys):
    x, y = known_function(32, 0)
    net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=2)  # progress="auto": stderr is not a tty
    assert capsys.readouterr().err == ""
    net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=2, progress=True)
    err = capsys.readouterr().err
    assert "net_train" in err and "loss=" in err
    net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=2, progress="print")
    assert "round 2/2  loss" in capsys.readouterr().out


def test_max_training_time_stops():
    x, y = known_function(64, 0)
    r = net_train(mlp(), {"Input": x, "Target": y}, max_training_time=0.3, batch_size=4, progress=False, all=True)
    assert r.reason_training_stopped == "MaxTrainingTime"
    assert 0.3 <= r.total_training_time < 5.0 and r.total_rounds < 10_000


# -- discrete random layers: the score-function surrogate ----------------------------------------------------
class _CoinModule(torch.nn.Module):
    """Bernoulli draws that record log p for the score-function surrogate (netgraph.layers.estimators' contract)."""

    estimator = "score_function"

    def describe(self) -> str:
        return "test coin layer"

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        from netgraph.layers.estimators import record_score
        b = torch.bernoulli(p.detach())
        logp = (b * torch.log(p) + (1 - b) * torch.log1p(-p)).sum(1)
        return record_score(self, b, logp, [p])


def coin_net() -> NetGraph:
    import dataclasses

    from netgraph.core.layer import Layer

    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class _Coin(Layer):
        input_ports = ("p",)

        def infer(self, types):
            return {"p": types["p"], "Output": types["p"]} if types["p"].shape is not None else dict(types)

        def build(self, types):
            return _CoinModule()

    from netgraph import NetArrayLayer
    return NetGraph({"logit": NetArrayLayer(array=[0.0, 0.0]), "p": ElementwiseLayer("LogisticSigmoid"),
                     "coin": _Coin()}, [("logit", "p", "coin")])


def test_discrete_draws_get_the_surrogate_term_and_the_real_loss_is_reported():
    """f(b) = (b - 0.45)^2 is lowest at b = 0: only the score-function term moves p there."""
    import netgraph.layers.estimators  # noqa: F401
    import warnings
    seen = []

    def f(outputs, batch):
        seen.append(outputs["Output"].detach())
        return (outputs["Output"] - 0.45).square().sum(1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unused surrogate would warn (EstimatorWarning)
        r = net_train(coin_net(), {"Target": torch.zeros(256, 1)}, loss_function=f, batch_size=32,
                      max_training_rounds=8, learning_rate=0.1, random_seed=0, progress=False, all=True)
    p = torch.sigmoid(r.trained_net.layers["logit"].arrays["Array"])
    assert (p < 0.2).all(), p  # from 0.5
    first = (seen[0] - 0.45).square().sum(1).mean().item()
    assert r.batch_losses[0] == pytest.approx(first)  # the real loss, not loss + surrogate


def test_stopping_without_a_validation_set_warns_and_watches_the_training_loss():
    x, y = known_function(64, 0)
    with pytest.warns(UserWarning, match="watches the training loss because no validation_set"):
        r = net_train(mlp(), {"Input": x, "Target": y}, training_stopping_criterion=0, learning_rate=1.0,
                      method="SGD", max_training_rounds=50, progress=False, all=True)
    assert r.reason_training_stopped == "TrainingStoppingCriterion" and r.validation_losses == []
    assert r.round_losses[-1] >= min(r.round_losses[:-1])  # stopped at the first round that did not improve


def test_a_bernoulli_random_layer_trains_through_its_surrogate():
    import netgraph.layers as layers
    import warnings

    from netgraph import NetArrayLayer, RandomArrayLayer
    net = NetGraph({"logit": NetArrayLayer(array=[0.0, 0.0]), "p": ElementwiseLayer("LogisticSigmoid"),
                    "b": RandomArrayLayer(layers.BernoulliDistribution("#p"))}, [("logit", "p", "b")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = net_train(net, {"Target": torch.full((256, 2), 0.45)}, batch_size=32, max_training_rounds=8,
                      loss_function=lambda out, batch: (out["Output"] - batch["Target"]).square().sum(1),
                      learning_rate=0.1, random_seed=0, progress=False, all=True)
    assert (torch.sigmoid(r.trained_net.layers["logit"].arrays["Array"]) < 0.2).all()
    assert r.round_losses[-1] < r.round_losses[0]


def test_default_optimizer_uses_torch_fused_kernel_and_explicit_choice_wins():
    from netgraph.train.options import parse_method
    p = [torch.nn.Parameter(torch.zeros(3))]
    assert parse_method("Adam", 0.1).optimizer([{"params": p}]).defaults["fused"] is True
    assert not parse_method(("Adam", {"foreach": True}), 0.1).optimizer([{"params": p}]).defaults.get("fused")
    assert not parse_method("RMSProp", 0.1).optimizer([{"params": p}]).defaults.get("fused")
