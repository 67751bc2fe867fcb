"""A torch Dataset's items are read once a round: those read before training to check the data (item 0, to see
what it holds; a first batch, to see the shapes) are kept to train on. Item 0 and the first batch were read twice
(a Dataset held out from was read up front thrice: whole, training part, held-out part)."""

from __future__ import annotations

import collections
import random

import pytest
import numpy.random
import torch

from netgraph.train import net_train
from tests.test_encoded_example_dicts import _LABELS, _OPTIONS, _TEXTS, _net
from tests.test_train import known_function, mlp
from tests.test_train_dataset_images import _net as _image_net
from tests.test_train_dataset_images import _NoisyPhotos
from tests.test_train_interrupted_round import Examples, dropout_net, interrupted_in_round_2_after_batch_3


class Counted(torch.utils.data.Dataset):
    """16 example dicts, each read counted; ``noise``: each read draws its own noise (a random transform)."""

    def __init__(self, noise: bool = False):
        self.x, self.y = known_function(16, 0)
        self.reads, self.noise = collections.Counter(), noise

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict:
        self.reads[i] += 1
        x = self.x[i] + torch.randn(2) if self.noise else self.x[i]
        return {"Input": x, "Target": self.y[i]}


@pytest.mark.parametrize("held_out", [None, 0.25], ids=["whole", "held-out"])
@pytest.mark.parametrize("batch_size", [4, 3])
@pytest.mark.parametrize("seed", [0, 1, 5])
def test_each_item_of_a_dataset_is_read_once_a_round(held_out, batch_size, seed):
    torch.manual_seed(seed)
    data = Counted()
    net_train(mlp(), data, batch_size=batch_size, max_training_rounds=3, random_seed=seed, progress=False,
              validation_set=held_out)
    assert data.reads == {i: 3 for i in range(16)}


def test_a_dataset_given_as_validation_set_is_read_once_a_round():
    training, validation = Counted(), Counted()
    net_train(mlp(), training, batch_size=4, max_training_rounds=2, random_seed=0, progress=False,
              validation_set=validation)
    assert training.reads == validation.reads == {i: 2 for i in range(16)}


def test_a_dataset_drawing_from_torchs_generator_trains_alike_whatever_state_torch_was_in():
    """Items read up front draw from torch's generator as it was outside the run: kept, they made the run depend on
    it. Such reads are not kept; the run draws those items anew from its own seeded state."""
    runs = []
    for outside in (0, 1):
        torch.manual_seed(outside)
        data = Counted(noise=True)
        runs.append(net_train(mlp(), data, batch_size=4, max_training_rounds=2, random_seed=0, progress=False,
                              all=True, validation_set=0.25).round_losses)
        assert all(n >= 2 for n in data.reads.values())  # each round draws each item's noise afresh
    assert runs[0] == runs[1]


class _CountedReviews(torch.utils.data.Dataset):
    """Texts and labels, which net_train encodes as the list of the items: each read counted."""

    def __init__(self):
        self.reads = collections.Counter()

    def __len__(self) -> int:
        return len(_TEXTS)

    def __getitem__(self, i: int) -> dict:
        self.reads[i] += 1
        return {"Input": _TEXTS[i], "Output": _LABELS[i]}


def test_a_dataset_of_texts_and_labels_has_each_item_read_once():
    data = _CountedReviews()
    net_train(_net(), data, **_OPTIONS)
    assert data.reads == {i: 1 for i in range(len(_TEXTS))}  # item 0 was read twice: to see what it holds, to encode


class _CountedExamples(Examples):
    def __init__(self):
        super().__init__()
        self.reads = collections.Counter()

    def __getitem__(self, i: int) -> dict:
        self.reads[i] += 1
        return super().__getitem__(i)


def test_a_run_resumed_mid_round_reads_each_item_once_a_round(tmp_path):
    """The resumed run reads the batches done again (passed over, so that the order goes on) and the rest of round 2,
    then rounds 3 and 4: each of the 96 items three times, those read up front too."""
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    data = _CountedExamples()
    net_train(dropout_net(), data, checkpoint=tmp_path, resume=True, **options)
    assert data.reads == {i: 3 for i in range(96)}


@pytest.mark.parametrize("gpu_draws", [True, False], ids=["gpu-draws", "gpu-untouched"])
def test_items_read_up_front_are_read_anew_when_a_gpu_random_state_changed(monkeypatch, gpu_draws):
    """Only the CPU's random state was compared: an item whose transform drew on a GPU was kept from the read made
    before the run seeded it. (No GPU here: the GPU's state is stood in for, changing on each read or not.)"""
    draws = iter(range(10**6))
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all",
                        lambda: [torch.tensor([next(draws) if gpu_draws else 0], dtype=torch.uint8)])
    data = Counted()
    net_train(mlp(), data, batch_size=4, max_training_rounds=3, random_seed=0, progress=False)
    read_again = {i for i, n in data.reads.items() if n > 3}  # items read up front, then by the run
    assert (0 in read_again) == gpu_draws and all(data.reads[i] == 3 for i in range(16) if i not in read_again)


class _Augmented(Counted):
    """Each read draws from ``draw``, a generator other than torch's (common augmentation code)."""

    def __init__(self, draw):
        super().__init__()
        self.draw = draw

    def __getitem__(self, i: int) -> dict:
        self.draw()
        return super().__getitem__(i)


@pytest.mark.parametrize("draw", [random.random, numpy.random.rand], ids=["python-random", "numpy-global"])
def test_items_read_up_front_are_read_anew_when_python_or_numpy_random_state_changed(draw):
    """Only torch's random states were compared: an item whose transform drew from Python's ``random`` or numpy's
    global generator was kept from the read made before training, so round 1 saw the augmentation drawn then. Item 0
    and a first batch, read up front, are read again by the run: 3 rounds of 16 items and 1 + 4 reads more."""
    data = _Augmented(draw)
    net_train(mlp(), data, batch_size=4, max_training_rounds=3, random_seed=0, progress=False)
    assert sum(data.reads.values()) == 3 * 16 + 1 + 4 and all(n >= 3 for n in data.reads.values())


def test_reading_item_0_up_front_leaves_torchs_generator_as_found(tmp_path):
    """Item 0, read to see what it holds, drew its random transform from torch's generator outside the run: the
    generator was moved by net_train (a Dataset of tensors, and one of images, batched by netgraph's own loader)."""
    for data, net in ((Counted(noise=True), mlp()), (_NoisyPhotos(tmp_path), _image_net())):
        torch.manual_seed(3)
        before = torch.get_rng_state()
        net_train(net, data, batch_size=4, max_training_rounds=1, random_seed=0, progress=False)
        assert torch.equal(torch.get_rng_state(), before), type(data).__name__


def test_checking_a_held_out_image_dataset_leaves_torchs_generator_as_found(tmp_path):
    """With a fraction held out, each part's first example (not item 0) was read by the check before training outside
    the generator kept as found: its random transform moved torch's generator."""
    torch.manual_seed(3)
    before = torch.get_rng_state()
    net_train(_image_net(), _NoisyPhotos(tmp_path), batch_size=4, max_training_rounds=1, random_seed=0,
              progress=False, validation_set=0.25)
    assert torch.equal(torch.get_rng_state(), before)
