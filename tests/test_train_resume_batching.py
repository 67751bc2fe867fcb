"""A mid-round checkpoint records how the training data was batched (its examples, batches a round, how its order is
drawn), and a run resumed from it with data batched otherwise is refused: it would pass over other examples."""

from __future__ import annotations

import pytest

from netgraph import OptionError
from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints, read_checkpoint
from tests.test_train_interrupted_round import (KW, Batches, Examples, assert_same_run, data, dropout_net,
                                                interrupted_in_round_2_after_batch_3, interrupting_loss)


class FewerExamples(Examples):
    def __len__(self) -> int:
        return 80


def test_resuming_mid_round_with_fewer_examples_that_still_cover_the_batches_done_is_refused(tmp_path):
    # 80 examples give 10 batches, more than the 3 done: the run went on over another order of other examples
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    with pytest.raises(OptionError, match=r"after 3 batches of round 2, where the training data had 96 examples, "
                                          r"this run's has 80: .* resume with the data") as caught:
        net_train(dropout_net(), FewerExamples(), checkpoint=tmp_path, resume=True, **options)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.data.name, d.expected, d.found) == ("checkpoint-mismatch", "training", 80, 96)


def test_resuming_mid_round_with_the_examples_in_memory_instead_of_a_dataset_is_refused(tmp_path):
    # as many examples, but a DataLoader's RandomSampler drew the first run's order, netgraph's own shuffle this one's
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    with pytest.raises(OptionError, match="the round's order was drawn by a DataLoader's RandomSampler, this run's "
                                          "by netgraph's shuffle of the examples in memory") as caught:
        net_train(dropout_net(), data(), checkpoint=tmp_path, resume=True, **options)
    assert caught.value.diagnostics[0].kind == "checkpoint-mismatch"


def test_a_mid_round_checkpoint_of_data_of_unknown_size_holds_none_and_resumes_unchecked(tmp_path):
    # nothing to compare: the batches done are read again and passed over, and fewer than them are refused
    options = dict(max_training_rounds=2, **{**KW, "validation_set": None})
    net_train(dropout_net(), Batches(96), loss_function=interrupting_loss({17}), checkpoint=tmp_path, **options)
    within = read_checkpoint(checkpoints(tmp_path)[-1])["within_round"]
    assert (within["batches"], within["examples_in_data"], within["batches_in_round"], within["order"]) == \
        (5, None, None, None)
    whole = net_train(dropout_net(), Batches(96), **options)
    assert_same_run(net_train(dropout_net(), Batches(96), checkpoint=tmp_path, resume=True, **options), whole)
