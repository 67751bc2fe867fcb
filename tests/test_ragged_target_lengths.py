"""Ragged targets given already encoded (a list of index tensors, one per example) whose lengths differ from their
input sequence's: named by example, both ports and both lengths, before the first step (it was reported per length
bucket or batch, "(length bucket 5) ... share the length n, found 3 and 2", naming no example)."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from netgraph import DataError, EmbeddingLayer, LinearLayer, NetChain, NetMapOperator, SoftmaxLayer, net_train

INPUT, TARGET = "input port 'Input' (key 'Input')", "target of output port 'Output'"


def _tagger() -> NetChain:
    return NetChain([EmbeddingLayer(8, 10), NetMapOperator(LinearLayer(2)), SoftmaxLayer()], input=["n"])


def _tagged(count: int, seed: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Token sequences of lengths 2..6 and each token's parity as class indices."""
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randint(0, 10, (int(n),), generator=g) for n in torch.randint(2, 7, (count,), generator=g)]
    return xs, [x % 2 for x in xs]


@pytest.mark.parametrize("listed", [False, True])
def test_a_short_encoded_target_names_its_example_ports_and_lengths(listed):
    xs, ys = _tagged(20, seed=4)
    ys[5], ys[9] = ys[5][:-1], torch.cat([ys[9], ys[9]])
    data = [{"Input": x, "Output": y} for x, y in zip(xs, ys)] if listed else {"Input": xs, "Output": ys}
    with pytest.raises(DataError) as info:
        net_train(_tagger(), data, max_training_rounds=1, batch_size=4)
    message = str(info.value)
    assert message.startswith("bad training data: "), message  # not one batch's or bucket's
    assert INPUT in message and TARGET in message
    assert (f"share the length n, found {len(xs[5])} and {len(xs[5]) - 1} at example 5 (2 of 20 examples)"
            in message), message


def test_targets_as_long_as_their_inputs_train():
    xs, ys = _tagged(20, seed=4)
    assert net_train(_tagger(), {"Input": xs, "Output": ys}, max_training_rounds=1, batch_size=4) is not None


def test_a_data_loader_is_still_checked_per_batch():
    x, y = torch.zeros(4, 3, dtype=torch.long), torch.zeros(4, 2, dtype=torch.long)
    loader = DataLoader([{"Input": a, "Output": b} for a, b in zip(x, y)], batch_size=2)
    with pytest.raises(DataError, match=r"\(batch 1\).* share the length n, found 3 and 2"):
        net_train(_tagger(), loader, max_training_rounds=1)


@pytest.mark.parametrize("dense", ["Output", "Input"])
def test_a_dense_column_beside_sequences_of_one_other_length_is_named_before_training(dense):
    """Input sequences given as a list, all of length 5, beside a dense target of length 4 (or the other way round):
    unpadded_problems passes them (the list's examples share one length) and the batches said "(batch 1) ... found 5
    and 4"; both ports and lengths are named before the first step."""
    xs, ys = _tagged(12, seed=1)
    xs = [torch.cat([x, x, x])[:5] for x in xs]
    ys = [x[:4] % 2 for x in xs]
    data = {"Input": xs, "Output": ys}
    data[dense] = torch.stack(data[dense])
    with pytest.raises(DataError) as info:
        net_train(_tagger(), data, max_training_rounds=1, batch_size=4)
    message = str(info.value)
    assert message.startswith("bad training data: "), message
    assert INPUT in message and TARGET in message
    assert "share the length n, found 5 and 4 in all 12 examples" in message, message
    assert message.count("share the length") == 1, message


def test_a_dense_target_beside_sequences_of_its_length_trains():
    xs, _ = _tagged(12, seed=1)
    xs = [torch.cat([x, x, x])[:5] for x in xs]
    assert net_train(_tagger(), {"Input": xs, "Output": torch.stack(xs) % 2}, max_training_rounds=1, batch_size=4)
