"""Encoded training data is checked once: values held in memory (lists, tensors) before training and not again as
the loader reads them each round; a torch Dataset's items on every read, since its ``__getitem__`` runs anew each
time and may give other values (random augmentation, files it opens)."""

from __future__ import annotations

import pytest
import torch

import netgraph.train.encoded as encoded
from netgraph import DataError, net_train
from netgraph.train.encoded import encoded_data
from tests.test_train_dataset_images import _OPTIONS, _Paths, _image_and_tagger, _net


def _counted(monkeypatch, name):
    """Calls of ``netgraph.train.encoded.<name>`` from now on, counted in the returned list."""
    calls, original = [], getattr(encoded, name)
    monkeypatch.setattr(encoded, name, lambda *args, **kw: calls.append(args) or original(*args, **kw))
    return calls


def test_values_held_in_memory_are_not_checked_again_as_they_are_read(monkeypatch):
    g = torch.Generator().manual_seed(0)
    data = {"Input": [torch.tensor([2, 3]), torch.tensor([1, 4])] * 3,
            "Image": [torch.rand(1, 4, 4, generator=g) for _ in range(6)],
            "Output": [["even", "odd"], ["odd", "even"]] * 3, "Class": ["dark", "light"] * 3}
    loader, _ = encoded_data(_image_and_tagger(), data, None, 2, 0, 0)
    forms, counts = _counted(monkeypatch, "encoded_form_problem"), _counted(monkeypatch, "label_count_problems")
    batches = list(loader)
    assert sum(len(b["Class"]) for b in batches) == 6
    read = torch.cat([b["Image"] for b in batches])  # in the loader's shuffled order
    assert torch.equal(read.flatten().sort().values, torch.stack(data["Image"]).flatten().sort().values)
    assert (forms, counts) == ([], [])


def test_a_dataset_s_item_is_checked_again_on_each_read(tmp_path):
    class Changing(_Paths):  # item 0 checked before training (its read kept for round 1), misspelt in round 2
        def __getitem__(self, i):
            item = super().__getitem__(i)
            return {**item, "Output": "drak"} if i == 0 and self.reads.count(0) > 1 else item
    with pytest.raises(DataError, match=r"^bad training data while training: target 'Output' \(ClassDecoder\): "
                                        r"example 0: label 'drak' is not one of the 2 labels"):
        net_train(_net(), Changing(tmp_path), **{**_OPTIONS, "max_training_rounds": 2})


def test_a_tensor_with_nan_held_in_memory_is_still_refused_before_training():
    images = [torch.zeros(1, 4, 4), torch.full((1, 4, 4), float("nan"))]
    with pytest.raises(DataError, match=r"^bad training data: input port 'Image' \(ImageEncoder\): example 1: holds "
                                        r"NaN"):
        encoded_data(_image_and_tagger(), {"Input": [torch.tensor([2])] * 2, "Image": images,
                                           "Output": [["odd"]] * 2, "Class": ["dark"] * 2}, None, 2, 0, 0)
