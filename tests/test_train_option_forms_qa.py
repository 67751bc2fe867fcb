"""Option values a user may write: a stopping function's result that is no True/False is one clear OptionError, a 0-d
tensor learning rate is its number, a count as validation_set for a net trained on a count, and a checkpoint of a
working_precision='mixed' run refused when resumed without it (and the other way round)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, net_initialize, net_train
from netgraph.train.options import check_number
from tests.test_train_without_inputs import _kl_net


def _data():
    x = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    return {"Input": x, "Target": x.sum(1, keepdim=True)}


def _train(**options):
    net = net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)
    return net_train(net, _data(), **{"progress": False, "max_training_rounds": 2, "random_seed": 1, **options})


@pytest.mark.parametrize("result", [torch.tensor([True, False]), float("nan"), "yes"])
def test_a_stopping_function_result_that_is_no_true_or_false_is_one_option_error(result):
    with pytest.raises(OptionError, match="training_stopping_criterion function returned") as caught:
        _train(training_stopping_criterion=lambda info: result)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.expected) == ("option-value", "training_stopping_criterion", "True or False")


@pytest.mark.parametrize("result, rounds", [(torch.tensor(True), 1), (None, 2), (1, 1), (False, 2)])
def test_a_stopping_function_may_return_a_0_d_bool_tensor_none_or_0_1(result, rounds):
    assert len(_train(training_stopping_criterion=lambda info: result, all=True).round_losses) == rounds


def test_a_0_d_tensor_learning_rate_is_its_number():
    assert _train(learning_rate=torch.tensor(0.01), all=True).batch_losses == \
        _train(learning_rate=0.01, all=True).batch_losses


def test_a_0_d_tensor_learning_rate_multiplier_is_its_number():
    assert _train(learning_rate_multipliers=torch.tensor(0.5), all=True).batch_losses == \
        _train(learning_rate_multipliers=0.5, all=True).batch_losses


def test_a_0_d_float32_tensor_option_is_the_decimal_written():
    assert check_number(torch.tensor(0.01), "learning_rate") == 0.01  # not float32's 0.009999999776
    with pytest.raises(OptionError, match=r"found -0\.01$"):
        check_number(torch.tensor(-0.01), "learning_rate")


def test_a_count_as_validation_set_for_a_net_trained_on_a_count_is_that_many_empty_examples():
    results = net_train(_kl_net(0.0), 64, loss_function="KL", validation_set=16, batch_size=16,
                        max_training_rounds=2, random_seed=0, progress=False, all=True)
    assert results.total_batches == 8 and len(results.validation_losses) == 2
    with pytest.raises(OptionError, match="a count only for a net with no inputs"):
        _train(validation_set=16)


@pytest.mark.parametrize("written, resumed", [("mixed", "float32"), ("float32", "mixed")])
def test_resuming_with_or_without_mixed_precision_unlike_the_checkpoint_is_refused(tmp_path, written, resumed):
    _train(working_precision=written, checkpoint=tmp_path)
    with pytest.raises(OptionError, match="working_precision") as caught:
        _train(working_precision=resumed, checkpoint=tmp_path, resume=True, max_training_rounds=3)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option) == ("checkpoint-mismatch", "working_precision")


@pytest.mark.parametrize("option, value", [("resume", False), ("progress", False), ("checkpoint", False),
                                           ("progress_reporting", False), ("all", False)])
def test_a_numpy_bool_is_the_bool_it_holds(option, value):
    # Found by session 53: all=np.True_ was True while resume=np.False_ and progress=np.False_ were "must be True,
    # False or ...", found np.False_
    plain = _train(**{option: value})
    given = _train(**{option: np.bool_(value)})
    assert type(given) is type(plain)
    assert all(torch.equal(a, b) for a, b in zip(plain.arrays.values(), given.arrays.values()))


@pytest.mark.parametrize("seed", [torch.tensor(3), np.array(3), np.int64(3)])
def test_a_0d_tensor_or_array_seed_is_its_number(seed):
    # Found by session 53: random_seed=np.float64(3.0) was seed 3, while torch.tensor(3) and np.array(3) were "must
    # be an integer", as no other number option of net_train reads them (check_number takes 0-d ones)
    assert all(torch.equal(a, b) for a, b in zip(_train(random_seed=3, validation_set=0.25).arrays.values(),
                                                 _train(random_seed=seed, validation_set=0.25).arrays.values()))


def test_wolframs_none_turns_progress_reporting_off():
    # Found by session 53: progress_reporting="None" (Wolfram's TrainingProgressReporting -> None) was "must be None
    # or 'tensorboard'", while checkpoint="None" and validation_set="None" are read as None
    plain = _train(progress_reporting=None)
    assert all(torch.equal(a, b) for a, b in zip(plain.arrays.values(),
                                                 _train(progress_reporting="None").arrays.values()))
