"""training_stopping_criterion: Wolfram's keys (Criterion, Patience, AbsoluteChange, RelativeChange) work as ours;
a bad key or criterion is an OptionError naming it as the user wrote it, with a suggestion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, OptionError, net_train
from netgraph.train.stopping import parse_stopping


def _train(criterion, rounds=6):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 2, generator=g)
    xv = torch.randn(32, 2, generator=g)
    return net_train(NetGraph({"lin": LinearLayer(1)}, [], Input=2), {"Input": x, "Target": x.sum(1, keepdim=True)},
                     validation_set={"Input": xv, "Target": xv.sum(1, keepdim=True)}, max_training_rounds=rounds,
                     training_stopping_criterion=criterion, random_seed=0, progress=False, all=True)


@pytest.mark.parametrize("wolfram, ours", [
    ({"Criterion": "Loss", "Patience": 1, "AbsoluteChange": 1e9}, {"patience": 1, "improvement": ("absolute", 1e9)}),
    ({"Patience": 1, "RelativeChange": 0.99}, {"patience": 1, "improvement": ("relative", 0.99)}),
    ({"criterion": "ValidationLoss", "absolute_change": 1e9}, {"improvement": 1e9}),
])
def test_wolframs_change_keys_stop_as_our_improvement(wolfram, ours):
    assert parse_stopping(wolfram) == parse_stopping(ours)
    results = _train(wolfram)
    assert results.reason_training_stopped == "TrainingStoppingCriterion" and results.total_rounds == 2
    assert results.validation_losses == _train(ours).validation_losses


@pytest.mark.parametrize("criterion, message", [
    ({"Patiense": 2}, "training_stopping_criterion has no key 'Patiense' (did you mean 'patience'?)"),
    ({"AbsoluteChange": 0.1, "RelativeChange": 0.1},
     "training_stopping_criterion gives the improvement twice (under 'AbsoluteChange' and 'RelativeChange')"),
    ({"Improvement": 0.1, "AbsoluteChange": 0.1}, "(under 'Improvement' and 'AbsoluteChange')"),
    ({"RelativeChange": -1}, "RelativeChange must be a number >= 0, found -1"),
    ({"Patience": 1.5}, "Patience must be an integer >= 0, found 1.5"),
    ("Los", "training_stopping_criterion 'Los' is neither 'Loss', 'ValidationLoss' nor a metric (did you mean "
            "'Loss'?); metrics: Accuracy,"),
    ({"Criterion": "ValidatonLoss"}, "'ValidatonLoss' is neither 'Loss', 'ValidationLoss' nor a metric (did you "
                                     "mean 'ValidationLoss'?)"),
    ("Acc", "'Acc' is neither 'Loss', 'ValidationLoss' nor a metric (did you mean 'Accuracy'?)"),
])
def test_bad_criteria_name_the_users_key_and_suggest(criterion, message):
    with pytest.raises(OptionError) as info:
        _train(criterion, rounds=1)
    assert message in str(info.value)


def test_a_progress_function_reads_wolframs_training_progress_function_keys():
    # info["Round"] was a KeyError: only the snake_case keys were there
    from netgraph import NetChain
    net = NetChain([LinearLayer(1)], input=2)
    data = {"Input": torch.randn(64, 2), "Target": torch.randn(64, 1)}
    seen = []

    def progress(info):
        seen.append((info["Round"], info["RoundLoss"] == info["round_loss"] == info.get("RoundLoss"),
                     type(info["Net"]).__name__, "BatchLoss" in info, info.get("Nonsense", "absent")))
        return "StopTraining" if info["Round"] == 2 else None

    result = net_train(net, data, max_training_rounds=5, progress=progress, all=True, random_seed=0)
    assert seen == [(1, True, "NetChain", True, "absent"), (2, True, "NetChain", True, "absent")]  # get/in as [key]
    assert result.total_rounds == 2
    with pytest.raises(KeyError, match=r"did you mean 'RoundLoss'"):
        net_train(net, data, max_training_rounds=1, progress=lambda info: info["Roundloss"], random_seed=0)


def test_wolframs_batch_key_counts_within_the_round_and_absolute_batch_over_the_run():
    # Found by QA: info["Batch"] was the batches of the whole run (4, 8, 12); Wolfram's TrainingProgressFunction
    # "Batch" is the current batch within its round, "AbsoluteBatch" the whole run's count
    net = NetChain([LinearLayer(1)], input=2)
    data = {"Input": torch.randn(64, 2), "Target": torch.randn(64, 1)}
    seen = []
    net_train(net, data, max_training_rounds=3, batch_size=16, random_seed=0,
              progress=lambda info: seen.append((info["Round"], info["Batch"], info["AbsoluteBatch"],
                                                 info["batch"], info["TotalRounds"])))
    assert seen == [(1, 4, 4, 4, 3), (2, 4, 8, 8, 3), (3, 4, 12, 12, 3)]


def test_wolframs_gradients_key_is_the_last_steps_gradient_by_array():
    # Found by QA: info["Gradients"] (Wolfram's TrainingProgressFunction "Gradients") was a KeyError
    from netgraph import net_initialize
    net = net_initialize(NetChain({"lin": LinearLayer(1)}, input=2), seed=0)
    data = {"Input": torch.randn(16, 2), "Target": torch.randn(16, 1)}
    seen = []
    net_train(net, data, max_training_rounds=3, batch_size=16, method="SGD", learning_rate=0.1, random_seed=0,
              progress=lambda info: seen.append((info["Gradients"], info["Net"].layers["lin"].arrays["Weights"])))
    weights = [net.layers["lin"].arrays["Weights"]] + [w for _, w in seen]
    for r, (gradients, _) in enumerate(seen):
        assert set(gradients) == {"lin.Weights", "lin.Biases"}
        torch.testing.assert_close(weights[r + 1], weights[r] - 0.1 * gradients["lin.Weights"])


def test_an_improvement_threshold_changes_when_to_stop_not_which_net_is_returned():
    # the best net was the last round that beat the threshold: with improvement 1e9 the first round's, though every
    # later round had a lower validation loss (the README: the returned net is the one with the lowest)
    results = _train({"patience": 10, "improvement": 1e9}, rounds=4)
    losses = results.validation_losses
    assert results.reason_training_stopped == "MaxTrainingRounds" and losses == sorted(losses, reverse=True)
    assert results.best_validation_round == 4
    trained, last = results.trained_net.layers["lin"].arrays, results.training_net.layers["lin"].arrays
    assert all(torch.equal(trained[k], last[k]) for k in last)
    stopped = _train({"patience": 2, "improvement": 1e9}, rounds=6)  # the threshold still decides when to stop
    assert stopped.total_rounds == 3 and stopped.best_validation_round == 3


def test_a_stopping_key_spelled_twice_is_refused_naming_both_keys():
    """{"patience": 1, "Patience": 5} kept the last, silently."""
    with pytest.raises(OptionError) as caught:
        _train({"patience": 1, "Patience": 5}, rounds=1)
    assert str(caught.value) == ("training_stopping_criterion gives 'patience' twice (as 'patience' and 'Patience'); "
                                 "give one of them")
    assert (caught.value.kind, caught.value.option, caught.value.found) == (
        "option-combination", "training_stopping_criterion", ("patience", "Patience"))


def _progress_run(answer, rounds=3):
    """A run whose progress function returns ``answer`` after round 2 (None before)."""
    net = NetChain([LinearLayer(1)], input=2)
    data = {"Input": torch.randn(16, 2), "Target": torch.randn(16, 1)}
    return net_train(net, data, max_training_rounds=rounds, random_seed=0, all=True,
                     progress=lambda info: answer if info["round"] == 2 else None)


@pytest.mark.parametrize("answer", ["StopTraining", True, torch.tensor(True), np.str_("StopTraining"), np.bool_(True),
                                    np.array(True)])
def test_a_progress_function_stops_training_with_stop_training_or_true(answer):
    # found in session 46: True was ignored (training_stopping_criterion's functions stop with it)
    results = _progress_run(answer)
    assert results.total_rounds == 2 and results.reason_training_stopped == "ManualStop"


@pytest.mark.parametrize("answer", [False, 12, {"loss": 1.0}, np.bool_(False), np.array(False), np.float64(1.0),
                                    np.array([1, 2]), np.array(["StopTraining"]), torch.tensor([1.0, 2.0])])
def test_a_progress_function_s_other_results_go_on(answer):  # 12: what file.write returns, say
    # found in session 46: np.array([1, 2]) raised numpy's "truth value … is ambiguous", and
    # np.array(["StopTraining"]) (an array, not a string) stopped training
    assert _progress_run(answer).total_rounds == 3


@pytest.mark.parametrize("answer", ["stoptraining", "Stop"])
def test_a_progress_function_s_unknown_word_is_refused(answer):
    # found in session 46: "stoptraining" (a typo of "StopTraining") was ignored, and training went on
    with pytest.raises(OptionError, match=f"the progress function returned '{answer}' after round 2") as info:
        _progress_run(answer)
    assert info.value.option == "progress" and info.value.found == answer and "StopTraining" in info.value.expected
    assert ("did you mean 'StopTraining'?" in str(info.value)) == (answer == "stoptraining")
