"""Optimizer suboptions of net_train's method=: Wolfram's names (Momentum, Beta1, Beta2, Epsilon, Beta) and
torch's; every bad value is an OptionError naming it (never torch's ValueError); the CLI's --momentum/--epsilon."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetGraph, OptionError, load, net_initialize
from netgraph.cli import main
from netgraph.core.frozen_values import frozen_value
from netgraph.train import net_train
from netgraph.train.checkpoint import read_checkpoint, save_checkpoint
from netgraph.train.options import SCHEDULES, parse_method


def _train(method, rounds=3):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, 2, generator=g)
    net = net_initialize(NetGraph({"lin": LinearLayer(1)}, [], Input=2), seed=0)
    trained = net_train(net, {"Input": x, "Target": x.sum(1, keepdim=True)}, method=method, random_seed=0,
                        max_training_rounds=rounds, batch_size=8, progress=False)
    return trained.layers["lin"].arrays["Weights"]


@pytest.mark.parametrize("wolfram, torch_names", [
    (("ADAM", {"Beta1": 0.5, "Beta2": 0.9, "Epsilon": 1e-3}), ("Adam", {"betas": (0.5, 0.9), "eps": 1e-3})),
    (("AdamW", {"beta1": 0.5}), ("AdamW", {"betas": (0.5, 0.999)})),
    (("SGD", {"Momentum": 0.9}), ("SGD", {"momentum": 0.9})),
    (("RMSProp", {"Beta": 0.5, "Momentum": 0.5, "Epsilon": 1e-3}), ("RMSProp", {"alpha": 0.5, "momentum": 0.5,
                                                                                "eps": 1e-3})),
])
def test_wolfram_suboption_names_train_exactly_as_torchs(wolfram, torch_names):
    assert parse_method(wolfram, None).kwargs == parse_method(torch_names, None).kwargs
    weights = _train(wolfram)
    assert torch.equal(weights, _train(torch_names))
    assert not torch.equal(weights, _train(torch_names[0]))  # the suboptions change the training


@pytest.mark.parametrize("method, message", [
    (("SGD", {"momentum": -1}), "suboption momentum must be a number in [0, 1), found -1"),
    (("SGD", {"Momentum": float("nan")}), "suboption Momentum must be a number in [0, 1)"),
    (("Adam", {"Epsilon": -1}), "suboption Epsilon (torch's eps) must be a number > 0, found -1"),
    (("Adam", {"eps": "small"}), "suboption eps must be a number > 0, found 'small'"),
    (("Adam", {"Epsilon": 0}), "suboption Epsilon (torch's eps) must be a number > 0, found 0 (with 0, an array "
                               "element whose gradient is still 0"),
    (("AdamW", {"eps": 0.0}), "suboption eps must be a number > 0, found 0.0"),
    (("RMSProp", {"Epsilon": 0}), "suboption Epsilon (torch's eps) must be a number > 0, found 0"),
    (("Adam", {"Beta1": 1.5}), "suboption betas must be two numbers in [0, 1) (beta1, beta2), found (1.5, 0.999)"),
    (("Adam", {"betas": (0.9,)}), "suboption betas must be two numbers in [0, 1)"),
    (("Adam", {"beta1": 0.9, "betas": (0.9, 0.99)}), "give either beta1/beta2 or betas, not both"),
    (("Adam", {"epsilon": 1e-3, "eps": 1e-3}), "give either epsilon or eps, not both"),
    (("RMSProp", {"alpha": -3}), "suboption alpha must be a number in [0, 1), found -3"),
    (("RMSProp", {"Beta": 1.5}),
     "method 'RMSProp' suboption Beta (torch's alpha) must be a number in [0, 1), found 1.5"),
    (("RMSProp", {"beta": 1}), "suboption beta (torch's alpha) must be a number in [0, 1), found 1"),
    (("RMSProp", {"Momentum": 1.5}), "suboption Momentum must be a number in [0, 1), found 1.5"),
    (("SGD", {"momentum": 1}), "suboption momentum must be a number in [0, 1), found 1"),
    (("SGD", {"dampening": 1.5}), "suboption dampening must be a number in [0, 1], found 1.5"),
    (("Adam", {"weight_decay": -1}), "suboption weight_decay must be a number >= 0, found -1"),
    (("SGD", {"momentum": 0.9, "nesterov": "x"}), "suboption nesterov must be True or False, found 'x'"),
    (("SGD", {"dampening": "a"}), "suboption dampening must be a number in [0, 1], found 'a'"),
    (("SGD", {"nesterov": True}), "nesterov=True needs momentum > 0 and dampening 0"),
    (("Adam", {"fused": "yes"}), "suboption fused must be True, False or None"),
    (("SGD", {"Beta1": 0.9}), "method 'SGD' has no suboption 'beta1'"),
])
def test_bad_suboptions_are_option_errors_naming_them(method, message):
    with pytest.raises(OptionError) as info:
        _train(method, rounds=1)
    assert message in str(info.value)


@pytest.mark.parametrize("beta", [0.0, 0.99])
def test_rmsprop_beta_at_the_ends_of_its_range_trains(beta):
    assert torch.isfinite(_train(("RMSProp", {"Beta": beta}))).all()


@pytest.mark.parametrize("rate, method, found", [
    (0.2, ("Adam", {"learning_rate": 0.1}), "learning_rate=0.2 and the method's suboption 'learning_rate': 0.1"),
    (0.2, ("SGD", {"LearningRate": 0.1}), "learning_rate=0.2 and the method's suboption 'LearningRate': 0.1"),
    (None, ("SGD", {"learning_rate": 0.1, "InitialLearningRate": 0.3}),
     "the method's suboption 'learning_rate': 0.1 and the method's suboption 'InitialLearningRate': 0.3"),
])
def test_two_different_learning_rates_are_an_option_error(rate, method, found):
    with pytest.raises(OptionError) as info:
        net_train(NetGraph({"lin": LinearLayer(1)}, [], Input=2),
                  {"Input": torch.rand(4, 2), "Target": torch.rand(4, 1)}, learning_rate=rate, method=method,
                  max_training_rounds=1, progress=False)
    assert str(info.value) == f"the learning rate is given twice with different values, {found}; give one of them"


def test_the_same_learning_rate_given_twice_is_accepted():
    assert parse_method(("Adam", {"learning_rate": 0.1}), 0.1).learning_rate == 0.1
    assert parse_method(("Adam", {"learning_rate": 0.1}), None).learning_rate == 0.1


@pytest.mark.parametrize("factor, found", [(-1.0, "-1.0"), ("x", "'x'"), (float("nan"), "nan"),
                                           (float("inf"), "inf"), (None, "None"), (True, "True")])
def test_a_schedule_returning_no_factor_is_an_option_error_naming_the_step(factor, found):
    calls = []
    schedule = lambda fraction: calls.append(fraction) or (0.5 if len(calls) < 3 else factor)  # noqa: E731
    with pytest.raises(OptionError) as info:
        _train(("SGD", {"learning_rate_schedule": schedule}), rounds=2)  # 4 batches a round: fails at batch 3
    assert str(info.value) == (f"learning_rate_schedule returned {found} at round 1, batch 3 (fraction_done 0.25); "
                               f"it must return a finite number >= 0, the factor on learning_rate")


def _rates(**options):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, 2, generator=g)
    seen = []
    results = net_train(NetGraph({"lin": LinearLayer(1)}, [], Input=2), {"Input": x, "Target": x.sum(1, keepdim=True)},
                        learning_rate=0.1, max_training_rounds=2, batch_size=8, random_seed=0, all=True,
                        progress=lambda info: seen.append(info["learning_rate"]), **options)
    return seen, results.initial_learning_rate, results.final_learning_rate


@pytest.mark.parametrize("rules", [{"lin/Weights": 0.5}, {"lin/Biases": 0.5}, {"All": 0.25}])
def test_the_reported_learning_rate_is_the_scheduled_rate_without_multipliers(rules):
    assert _rates(learning_rate_multipliers=rules) == ([0.1, 0.1], 0.1, 0.1)
    linear = ("SGD", {"learning_rate_schedule": "linear"})
    assert _rates(method=linear, learning_rate_multipliers=rules) == _rates(method=linear)


@pytest.mark.parametrize("option", ["momentum", "epsilon", "Beta1"])
def test_suboptions_given_to_net_train_itself_point_to_method(option):
    with pytest.raises(OptionError, match=f"net_train has no option '{option}': it is a suboption of the "
                                          f"optimisation method"):
        net_train(NetGraph({"lin": LinearLayer(1)}, [], Input=2), {"Input": torch.rand(4, 2),
                                                                   "Target": torch.rand(4, 1)}, **{option: 0.9})


def test_the_cli_passes_momentum_and_epsilon_to_the_method(tmp_path, capsys):
    spec = tmp_path / "lin.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 1}\ninputs: {Input: 2}\n")
    x = np.random.default_rng(0).random((16, 2)).astype("float32")
    np.savez(tmp_path / "data.npz", Input=x, Target=x.sum(1, keepdims=True))
    common = ["train", str(spec), "--data", str(tmp_path / "data.npz"), "--rounds", "3", "--seed", "0", "--quiet"]
    trained = {}
    for name, extra in [("plain", ["--method", "SGD"]), ("momentum", ["--method", "SGD", "--momentum", "0.9"]),
                        ("epsilon", ["--epsilon", "0.5"]), ("adam", [])]:
        assert main([*common, *extra, "-o", str(tmp_path / name)]) == 0
        trained[name] = load(tmp_path / name / "lin.yaml").layers["lin"].arrays["Weights"]
    assert not torch.equal(trained["plain"], trained["momentum"])
    assert not torch.equal(trained["adam"], trained["epsilon"])
    capsys.readouterr()
    assert main([*common, "--method", "SGD", "--momentum", "-1", "-o", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert "--momentum must be a number in [0, 1), found -1" in err and "Traceback" not in err


def test_an_epsilon_of_0_is_refused_before_it_makes_the_arrays_nan():
    """Adam's and RMSProp's step divides by sqrt(v) + eps: with eps 0, a weight on an input that is always 0 (an MNIST
    border pixel) stepped by 0/0 and the run stopped with a NaN loss blamed on the learning rate or the data."""
    x = torch.rand(16, 3)
    x[:, 2] = 0
    net = NetGraph({"lin": LinearLayer(1)}, [], Input=3)
    with pytest.raises(OptionError) as info:
        net_train(net, (x, x[:, :1]), method=("Adam", {"Epsilon": 0}), max_training_rounds=2, progress=False)
    assert info.value.diagnostics[0].option == "eps"
    trained = net_train(net, (x, x[:, :1]), method=("Adam", {"Epsilon": 1e-12}), max_training_rounds=2,
                        progress=False, random_seed=0)
    assert torch.isfinite(trained.layers["lin"].arrays["Weights"]).all()


def test_a_method_dict_without_its_name_says_the_key_to_add():
    """It said "unknown method None; use 'Adam', ...", as if None had been given as the name."""
    with pytest.raises(OptionError, match=r"^method \{'momentum': 0\.9\} names no method: a dict gives it under "
                                          r"'name', e\.g\. \{'name': 'SGD', 'momentum': 0\.9\}$") as info:
        _train({"momentum": 0.9}, rounds=1)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.option, problem.expected) == ("option-value", "method", "a dict with a 'name' key")
    assert problem.found == frozen_value({"momentum": 0.9})


def test_a_method_dict_names_its_method_in_wolframs_spelling_too():
    # {"Name": "SGD", "Momentum": 0.9} said it names no method, suggesting {'name': 'SGD', 'Name': 'SGD', ...}, though
    # Wolfram's CamelCase works for every suboption in the dict
    wolfram = _train({"Name": "SGD", "Momentum": 0.9}, rounds=2)
    assert torch.equal(wolfram, _train({"name": "SGD", "momentum": 0.9}, rounds=2))
    assert not torch.equal(wolfram, _train("Adam", rounds=2))


def test_a_method_dict_may_name_its_method_under_two_keys_when_they_agree():
    # {"name": "SGD", "type": "SGD"} trained before the CamelCase change and then said "method 'SGD' has no suboption
    # 'type'": only the first name key was removed
    twice = _train({"name": "SGD", "type": "SGD", "momentum": 0.9}, rounds=2)
    assert torch.equal(twice, _train({"name": "SGD", "momentum": 0.9}, rounds=2))


def test_a_method_dict_naming_two_methods_is_an_option_error_naming_both():
    # {"Name": "SGD", "name": "Adam"} said "method 'SGD' has no suboption 'name'"
    with pytest.raises(OptionError, match=r"^method dict names two methods, 'Name': 'SGD' and 'name': 'Adam'; give "
                                          r"one name$") as info:
        _train({"Name": "SGD", "name": "Adam"}, rounds=1)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.option, problem.found) == ("option-value", "method", ("SGD", "Adam"))


@pytest.mark.parametrize("method, keys", [
    ({"name": "SGD", "learning_rate": 0.1, "LearningRate": 0.5}, ("learning_rate", "LearningRate")),
    (("SGD", {"Momentum": 0.9, "momentum": 0.0}), ("Momentum", "momentum")),
])
def test_a_method_suboption_spelled_twice_is_refused_naming_both_keys(method, keys):
    """The last of the two was kept, silently."""
    with pytest.raises(OptionError) as caught:
        net_train(NetGraph({"lin": LinearLayer(1)}, [], Input=2), {"Input": torch.zeros(4, 2),
                  "Target": torch.zeros(4, 1)}, method=method, max_training_rounds=1, progress=False)
    name = "learning_rate" if keys[0] == "learning_rate" else "momentum"
    assert str(caught.value) == f"method gives {name!r} twice (as {keys[0]!r} and {keys[1]!r}); give one of them"
    assert (caught.value.kind, caught.value.option, caught.value.found) == ("option-combination", "method", keys)


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_weight_clipping_leaves_arrays_a_learning_rate_of_0_does_not_move(name):
    # learning_rate=0 "trains without moving any array", as a multiplier of 0 freezes one; weight clipping clamped
    # every array after each step all the same, so a net of weights beyond ±c came back clipped
    net = net_initialize(NetGraph({"lin": LinearLayer(1)}, [], Input=2), seed=0)
    x = torch.rand(16, 2, generator=torch.Generator().manual_seed(0))
    before = net.layers["lin"].arrays["Weights"]
    clip = float(before.abs().max()) / 2   # half the largest weight: clipping would change it
    trained = net_train(net, {"Input": x, "Target": x.sum(1, keepdim=True)}, learning_rate=0, random_seed=0,
                        method=(name, {"weight_clipping": clip}), max_training_rounds=2, batch_size=8, progress=False)
    assert torch.equal(trained.layers["lin"].arrays["Weights"], before)
    moved = net_train(net, {"Input": x, "Target": x.sum(1, keepdim=True)}, learning_rate=1e-3, random_seed=0,
                      method=(name, {"weight_clipping": clip}), max_training_rounds=2, batch_size=8, progress=False)
    assert float(moved.layers["lin"].arrays["Weights"].abs().max()) == pytest.approx(clip)


def test_weight_clipping_clamps_after_a_step_whose_scheduled_rate_is_0_as_torch_does():
    """A schedule's factor of 0 skipped the clamp (it tested the scheduled rate): only an array whose own rate is 0
    (a multiplier of 0, here the biases', beyond the clip) is left unclamped. Against a handwritten SGD loop."""
    g = torch.Generator().manual_seed(0)
    x, y, w = torch.randn(8, 3, generator=g), torch.randn(8, 2, generator=g), torch.randn(2, 3, generator=g)
    b = torch.full((2,), 0.5)
    net = NetGraph({"lin": LinearLayer(2).with_arrays(Weights=w, Biases=b)}, [], Input=3)
    w, losses = w.clone().requires_grad_(), []
    for factor in (0.0, 1.0):  # the schedule's factor at fraction_done 0 and 0.5
        loss = torch.nn.functional.mse_loss(torch.nn.functional.linear(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w.sub_(0.1 * factor * w.grad).clamp_(-0.1, 0.1)
            w.grad = None
    r = net_train(net, {"Input": x, "Target": y}, max_training_rounds=2, batch_size=8, random_seed=0, progress=False,
                  all=True, learning_rate=0.1, learning_rate_multipliers={"lin/Biases": 0},
                  method=("SGD", {"weight_clipping": 0.1, "learning_rate_schedule": lambda f: float(f > 0)}))
    assert r.batch_losses == pytest.approx(losses, rel=1e-6)
    assert torch.allclose(r.trained_net.layers["lin"].arrays["Weights"], w.detach(), atol=1e-7)
    assert torch.equal(r.trained_net.layers["lin"].arrays["Biases"], b)


def test_a_schedule_name_in_another_case_is_refused_naming_the_listed_spelling():
    """learning_rate_schedule is 'cosine', 'linear' or 'polynomial', as the README lists them: 'Cosine' was taken
    silently."""
    assert parse_method(("SGD", {"learning_rate_schedule": "cosine"}), None).schedule(1.0) == pytest.approx(0.0)
    with pytest.raises(OptionError, match=r"found 'COSINE' \(did you mean 'cosine'\?\)") as info:
        parse_method(("SGD", {"learning_rate_schedule": "COSINE"}), None)
    assert info.value.diagnostics[0].option == "learning_rate_schedule"


@pytest.mark.parametrize("wolfram, ours", [("Polynomial", "polynomial"), ("Cosine", "cosine"), ("Linear", "linear")])
def test_a_schedule_takes_wolframs_spelling_as_ours(wolfram, ours):
    """Wolfram's LearningRateSchedule -> "Polynomial" (SGD's default there) was refused: only "polynomial" was taken."""
    theirs = parse_method(("SGD", {"LearningRateSchedule": wolfram}), None).schedule
    mine = parse_method(("SGD", {"learning_rate_schedule": ours}), None).schedule
    assert [theirs(f) for f in (0.0, 0.3, 0.75, 1.0)] == [mine(f) for f in (0.0, 0.3, 0.75, 1.0)]
    assert mine(0.0) == 1.0 and mine(1.0) == pytest.approx(0.0) and 0 < mine(0.3) < 1


class _Unsized(torch.utils.data.IterableDataset):
    """Batches without a length: 5 of 4 examples a round."""

    def __iter__(self):
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(20, 2, generator=generator)
        return iter([{"Input": x[i:i + 4], "Target": x[i:i + 4, :1]} for i in range(0, 20, 4)])


def test_a_schedule_on_data_without_a_length_moves_with_round_1s_batches_and_warns(tmp_path):
    """On data without a length the schedule got rounds / max_rounds, moving only between rounds (never with one
    round), silently; from round 2 on it moves each step as with a length (a resumed run too: the checkpoint keeps
    round 1's count), and round 1 is warned of."""
    seen = []
    options = dict(random_seed=0, progress=False,
                   method=("SGD", {"learning_rate_schedule": lambda f: seen.append(f) or 1.0}))
    with pytest.warns(UserWarning, match="no length.*through round 1.*from round 2 on"):
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=3, **options)
    assert seen == [0.0] * 5 + [k / 15 for k in range(5, 15)]
    seen.clear()
    with pytest.warns(UserWarning, match="never acts"):
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=1, checkpoint=tmp_path,
                  **options)
    net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=3, checkpoint=tmp_path,
              resume=True, **options)
    assert seen == [0.0] * 5 + [k / 15 for k in range(5, 15)]
    with pytest.warns(UserWarning, match="never acts: this run has one round"):
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=1, random_seed=0,
                  progress=False, method=("SGD", {"learning_rate_schedule": "linear"}))


def test_a_schedule_resumed_from_a_file_without_round_1s_count_moves_each_step(tmp_path):
    """A checkpoint written before round 1's batches were kept: a round's count is its batches over its rounds, so the
    schedule moves each step and nothing is warned (review R4, session 48: warned falsely, stepped by rounds)."""
    seen = []
    options = dict(random_seed=0, progress=False, checkpoint=tmp_path,
                   method=("SGD", {"learning_rate_schedule": lambda f: seen.append(f) or 1.0}))
    with pytest.warns(UserWarning, match="no length"):
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=2, **options)
    old = read_checkpoint(tmp_path / "round-000002.pt")
    del old["progress"]["first_round_batches"]
    save_checkpoint(tmp_path, old, 2)
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=4, resume=True, **options)
    assert seen == [k / 20 for k in range(10, 20)]


def test_a_schedule_on_data_without_a_length_warns_with_max_training_time_and_rounds():
    """A round limit beside max_training_time: the steps are unknown through round 1, where only time moves the
    schedule (review R4, session 48: any max_training_time switched the warning off)."""
    with pytest.warns(UserWarning, match=r"through round 1 \(only the time spent over max_training_time moves it"):
        net_train(NetGraph([LinearLayer(1)], Input=2), _Unsized(), max_training_rounds=3, max_training_time=100,
                  random_seed=0, progress=False, method=("SGD", {"learning_rate_schedule": "linear"}))


@pytest.mark.parametrize("numpy_or_tensor, plain", [
    (("SGD", {"momentum": np.array(0.9), "weight_decay": torch.tensor(0.01), "dampening": np.float32(0.0),
              "nesterov": np.bool_(False)}),
     ("SGD", {"momentum": 0.9, "weight_decay": 0.01, "dampening": 0.0, "nesterov": False})),
    (("Adam", {"Beta1": np.float64(0.8), "eps": torch.tensor(1e-6, dtype=torch.float64),
               "amsgrad": np.bool_(True)}), ("Adam", {"betas": (0.8, 0.999), "eps": 1e-6, "amsgrad": True})),
    (("RMSProp", {"Beta": np.float32(0.5), "momentum": torch.tensor(0.5)}),
     ("RMSProp", {"alpha": 0.5, "momentum": 0.5})),
    (("Adam", {"betas": np.array([0.8, 0.999])}), ("Adam", {"betas": (0.8, 0.999)})),  # torch takes both as betas
    (("Adam", {"betas": torch.tensor([0.5, 0.75])}), ("Adam", {"betas": (0.5, 0.75)})),
])
def test_a_numpy_number_or_0d_tensor_suboption_is_its_number(numpy_or_tensor, plain):
    assert parse_method(numpy_or_tensor, None).kwargs == parse_method(plain, None).kwargs
    assert torch.equal(_train(numpy_or_tensor), _train(plain))


def test_a_tensor_of_several_elements_is_still_refused_as_a_suboption():
    with pytest.raises(OptionError, match=r"suboption momentum must be a number in \[0, 1\), found tensor\(\[0.9"):
        parse_method(("SGD", {"momentum": torch.tensor([0.9])}), None)


@pytest.mark.parametrize("method", ["Adam", "AdamW", "SGD", "RMSProp"])
def test_differentiable_is_refused_naming_it_before_training(method):
    with pytest.raises(OptionError, match=f"method '{method}' suboption differentiable must be False, found True: "
                                          f"net_train steps its optimizer outside autograd") as caught:
        _train((method, {"differentiable": True}), rounds=1)
    assert (caught.value.diagnostics[0].kind, caught.value.diagnostics[0].option) == ("method-suboption",
                                                                                       "differentiable")
    _train((method, {"differentiable": False}), rounds=1)  # torch's default, accepted


def test_fused_and_foreach_together_are_refused_naming_both():
    with pytest.raises(OptionError, match="method 'SGD': give fused=True or foreach=True, not both") as caught:
        _train(("SGD", {"fused": True, "foreach": True}), rounds=1)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("option-combination", "method", ("fused", "foreach"))


def test_a_runtime_error_of_torchs_optimizer_is_an_option_error_with_torchs_as_cause():
    method = parse_method("SGD", None)
    unchecked = dataclasses.replace(method, kwargs={"fused": True, "foreach": True})  # as a newer torch's check
    with pytest.raises(OptionError, match=r"method 'SGD': torch refuses the suboptions .*fused.*foreach") as caught:
        unchecked.optimizer([{"params": [torch.nn.Parameter(torch.ones(2))]}])
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert caught.value.diagnostics[0].kind == "method-suboption"


def test_each_schedule_name_the_error_offers_is_documented_and_constant_trains_as_none():
    """The error listed 'constant', which no README row named; it trains as no schedule does."""
    row = next(line for line in (Path(__file__).parents[1] / "README.md").read_text().splitlines()
               if line.startswith("| `method` |"))
    assert [name for name in SCHEDULES if f'`"{name}"`' not in row] == []
    constant = _train(("SGD", {"learning_rate_schedule": "constant"}))
    assert torch.equal(constant, _train(("SGD", {"learning_rate_schedule": None})))
    assert not torch.equal(constant, _train(("SGD", {"learning_rate_schedule": "linear"})))
