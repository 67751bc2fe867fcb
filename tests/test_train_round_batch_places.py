"""Training messages name the batch within its round ("round 2, batch 1"), as info's batch_in_round counts it,
not the batches run so far: a round of one batch has no batch 2."""
import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, OptionError, TrainingError, net_train


def _data(n: int = 20) -> dict:
    x = torch.randn(n, 2, generator=torch.Generator().manual_seed(0))
    return {"Input": x, "Target": x.sum(1, keepdim=True)}


def test_a_nonfinite_loss_in_round_two_names_its_first_batch():
    net = NetChain([LinearLayer(1)], Input=2)   # 20 examples, batch_size 64: one batch a round
    with pytest.raises(TrainingError) as info:
        net_train(net, _data(), learning_rate=1e30, method="SGD", max_training_rounds=5, random_seed=0,
                  progress=False)
    assert str(info.value).startswith("training stopped at round 2, batch 1: the loss is inf")


def test_a_schedule_failing_in_round_two_names_the_batch_in_that_round():
    calls = []
    schedule = lambda fraction: calls.append(fraction) or (0.5 if len(calls) < 6 else -1.0)  # noqa: E731
    with pytest.raises(OptionError) as info:   # 4 batches a round: the sixth step is round 2's second batch
        net_train(NetChain([LinearLayer(1)], Input=2), _data(), batch_size=5, max_training_rounds=3,
                  method=("SGD", {"learning_rate_schedule": schedule}), random_seed=0, progress=False)
    assert "returned -1.0 at round 2, batch 2 (fraction_done 0.4167)" in str(info.value)


class _NaNInputs(torch.utils.data.Dataset):
    """8 examples, each holding NaN at its input: the check before training refuses whatever batch it draws."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"Input": torch.full((2,), float("nan")), "Target": torch.ones(1)}


def test_the_batch_a_shuffling_loader_draws_to_check_the_data_is_not_called_batch_1():
    """The check before training draws a first batch in an unseeded order and called it "batch 1", which need not
    be the run's batch 1 (drawn in the seeded order): it is now named as what it is. An unshuffled loader's first
    batch and a generator's are the run's batch 1, named so."""
    net, drawn = NetChain([LinearLayer(1)], Input=2), "a first batch drawn to check the data before training"
    shuffled = (_NaNInputs(), torch.utils.data.DataLoader(_NaNInputs(), batch_size=2, shuffle=True))
    for data, part in ((*shuffled[:1], f"{drawn}; examples by their index in the Dataset"), (shuffled[1], drawn),
                       (torch.utils.data.DataLoader(_NaNInputs(), batch_size=2), "batch 1"),
                       ((b for b in torch.utils.data.DataLoader(_NaNInputs(), batch_size=2)), "batch 1")):
        with pytest.raises(DataError, match=r"^bad training data \((.*)\): input port 'Input' \(key 'Input'\)") as info:
            net_train(net, data, batch_size=2, max_training_rounds=1, random_seed=0, progress=False)
        assert info.value.args[0].split(" (", 1)[1].startswith(part + "): ")
