"""A KeyboardInterrupt raised inside a step (by the loss function) undoes the step and checkpoints the one before;
data that draws from torch's generator between steps (a Dataset's random augmentation) is resumed exactly too."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest
import torch

from netgraph import BatchNormalizationLayer, LinearLayer, NetGraph, net_initialize
from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints, load_checkpoint
from netgraph.train.interrupted_round import PastTheLimit, warn_past_the_limit
from tests.test_train_interrupted_round import KW, Examples, assert_same_run, data, dropout_net


class NoisyExamples(Examples):
    """Examples whose inputs get noise from torch's generator as each is read (a random augmentation)."""

    def __getitem__(self, i: int) -> dict:
        item = super().__getitem__(i)
        return {**item, "Input": item["Input"] + 0.1 * torch.randn(item["Input"].shape)}


def test_an_interrupt_while_a_dataset_draws_between_steps_checkpoints_the_random_state_after_the_last_step(tmp_path):
    # the 28th item read is the 4th of round 2's 4th batch: its first 3 items drew noise after step 3 before Ctrl-C
    options = dict(max_training_rounds=3, **{**KW, "validation_set": data(24)})
    whole = net_train(dropout_net(), NoisyExamples(), **options)
    examples = NoisyExamples(stop_at=28)
    net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    assert checkpoints(tmp_path)[-1].name == "round-000002-batch-000003.pt"
    assert_same_run(net_train(dropout_net(), NoisyExamples(), checkpoint=tmp_path, resume=True, **options), whole)


def raising_loss(at: int | None):
    """A loss that raises KeyboardInterrupt itself on its ``at``-th call (a script's own stop, say)."""
    calls = []

    def loss(outputs, batch):
        calls.append(1)
        if len(calls) == at:
            raise KeyboardInterrupt
        return (outputs["Output"] - batch["Target"]).pow(2).sum(1)
    return loss


@pytest.mark.parametrize("source", [data, NoisyExamples])
def test_a_keyboard_interrupt_raised_by_the_loss_function_undoes_the_step_and_checkpoints_the_one_before(
        tmp_path, capsys, source):
    # it kept the rounds' checkpoints ("a second interrupt, or one raised there"): the step had changed nothing yet
    # but the random state (dropout's draws; NoisyExamples: its noise drawn before the step too), which is taken back
    options = dict(max_training_rounds=3, metrics=["MeanAbsoluteError"], **{**KW, "validation_set": None})
    whole = net_train(dropout_net(), source(), loss_function=raising_loss(None), **options)
    stopped = net_train(dropout_net(), source(), loss_function=raising_loss(29), checkpoint=tmp_path, **options)
    assert stopped.reason_training_stopped == "ManualStop" and stopped.batch_losses == whole.batch_losses[:28]
    assert ("training interrupted in round 3 inside batch 5's step, which is undone (it had changed no array); wrote "
            "round-000003-batch-000004.pt: resuming continues with batch 5\n") in capsys.readouterr().err
    resumed = net_train(dropout_net(), source(), loss_function=raising_loss(None), checkpoint=tmp_path, resume=True,
                        **options)
    assert_same_run(resumed, whole)
    assert resumed.round_metrics == whole.round_metrics


def test_a_keyboard_interrupt_raised_in_a_rounds_first_step_writes_the_rounds_checkpoint(tmp_path, capsys):
    options = dict(max_training_rounds=3, **{**KW, "validation_set": None})
    net_train(dropout_net(), data(), loss_function=raising_loss(25), checkpoint={"directory": tmp_path, "interval": 3},
              **options)
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002.pt"]
    assert ("training interrupted in round 3 inside batch 1's step, which is undone (it had changed no array); wrote "
            "round-000002.pt: resuming continues with round 3\n") in capsys.readouterr().err


def test_an_interrupt_in_a_rounds_validation_says_so_and_resuming_validates_then_trains_on(tmp_path, capsys):
    # it said "in round 1 after batch 9 ... resuming continues with batch 10" of a round of 9 batches
    options = dict(max_training_rounds=3, **KW)  # 72 examples trained on: 9 batches a round; call 10 validates
    whole = net_train(dropout_net(), data(), loss_function=raising_loss(None), **options)
    net_train(dropout_net(), data(), loss_function=raising_loss(10), checkpoint=tmp_path, **options)
    assert ("training interrupted in round 1's validation pass (9 batches trained); wrote round-000001-batch-000009.pt"
            ": resuming runs round 1's validation, then round 2\n") in capsys.readouterr().err
    resumed = net_train(dropout_net(), data(), loss_function=raising_loss(None), checkpoint=tmp_path, resume=True,
                        **options)
    assert_same_run(resumed, whole)


def test_a_keyboard_interrupt_raised_by_the_loss_function_of_a_net_with_batch_norm_keeps_the_rounds_checkpoints(
        tmp_path, capsys):
    # the forward pass had moved the batch-norm statistics: the state after the last step is gone
    layers = {"h": LinearLayer(8), "bn": BatchNormalizationLayer(), "out": LinearLayer(1)}
    net = net_initialize(NetGraph(layers, [("h", "bn", "out")], Input=2), seed=0)
    net_train(net, data(), loss_function=raising_loss(29), checkpoint=tmp_path, max_training_rounds=3,
              **{**KW, "validation_set": None})
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt", "round-000002.pt"]
    assert ("training interrupted inside a step or at a round's end; a KeyboardInterrupt raised in its forward pass "
            "or loss function, after the forward pass may have moved the net's running statistics (bn.MovingMean, "
            "...): round-000002.pt is the newest checkpoint") in capsys.readouterr().err


@pytest.mark.parametrize("option", ["progress", "training_stopping_criterion"])
def test_a_keyboard_interrupt_from_a_function_called_after_a_round_writes_that_rounds_checkpoint(option, tmp_path,
                                                                                                  capsys):
    """Found by QA: from training_stopping_criterion it wrote no checkpoint (the round's end was read as a step
    stopped halfway), unlike the same from a progress function; resuming now ends as the uninterrupted run."""
    def interrupt_after_round_1(info):
        if info["round"] == 1:
            raise KeyboardInterrupt
        return False  # go on (the criterion's answer; a progress function's is not read)
    options = dict(max_training_rounds=3, **KW, training_stopping_criterion=lambda info: False)
    whole = net_train(dropout_net(), data(), **options)
    stopped = net_train(dropout_net(), data(), checkpoint={"directory": tmp_path, "interval": 2},
                        **{**options, option: interrupt_after_round_1})
    assert stopped.reason_training_stopped == "ManualStop" and stopped.total_rounds == 1
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt"]
    said = capsys.readouterr().err
    assert "interrupted after round 1; wrote round-000001.pt: resuming continues with round 2" in said
    assert_same_run(net_train(dropout_net(), data(), checkpoint=tmp_path, resume=True, **options), whole)


@pytest.mark.parametrize("limit, reason", [({"max_training_rounds": 1}, "MaxTrainingRounds"),
                                           ({"max_training_time": 1e-9}, "MaxTrainingTime")])
def test_resuming_a_mid_round_checkpoint_past_the_limit_warns_that_the_net_is_the_checkpoints(limit, reason, tmp_path):
    """Found by QA: resumed with fewer max_training_rounds (or less time), the run trained nothing and returned the
    checkpoint's net, 3 batches into round 2, with nothing to say it was not round 1's."""
    options = dict(max_training_rounds=2, **{**KW, "validation_set": None})
    examples = Examples(stop_at=28)  # round 2's 4th batch: 3 of its batches done
    net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    (written,) = [p for p in checkpoints(tmp_path) if p.name == "round-000002-batch-000003.pt"]
    with pytest.warns(PastTheLimit, match=rf"already trained 1 round and 3 batches of round 2, past this run's limit "
                                          rf"\({reason}\): nothing was trained") as caught:
        past = net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=True, **{**options, **limit})
    assert (caught[0].message.rounds, caught[0].message.batches, caught[0].message.reason) == (1, 3, reason)
    assert (past.total_rounds, past.total_batches, len(past.batch_losses)) == (1, 15, 15)
    assert past.reason_training_stopped == reason
    assert past.training_net == load_checkpoint(dropout_net(), written)


def test_a_resumed_run_whose_stopping_criterion_was_met_is_not_past_a_limit():
    """Found by review: a run stopped by its stopping criterion, resumed from a mid-round checkpoint, warned that it
    was "past this run's limit (TrainingStoppingCriterion)": a criterion is no limit (README: PastTheLimit)."""
    trainer = SimpleNamespace(place_in_round={"batches": 3}, state=SimpleNamespace(rounds=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_past_the_limit(trainer, "TrainingStoppingCriterion")
    with pytest.warns(PastTheLimit, match=r"past this run's limit \(MaxTrainingTime\)"):
        warn_past_the_limit(trainer, "MaxTrainingTime")
