"""A Dataset of images read by DataLoader worker processes: each item read once a round by the workers, none of
them reusing a read the main process kept before training (a worker forked with it handed it out again
in a later round); the first batch, read before training, is read in this process (it started the workers, whose
prefetched batches round 1 threw away); a Dataset of images and texts grouped by length leaves torch's generator as
found."""

from __future__ import annotations

import gc
import multiprocessing
import pathlib

import pytest
import torch
from PIL import Image

from netgraph import ClassDecoder, FlattenLayer, ImageEncoder, NetChain, SoftmaxLayer, net_train
from netgraph.core.errors import DataError
from netgraph.train.data import Streamed
from netgraph.train.encoded import encoded_data
from tests.test_train_images_and_texts import TEXTS, _data, _net as _image_and_text_net

_SIZE = 8


class _CountedPhotos(torch.utils.data.Dataset):
    """PIL images opened in __getitem__, each item's reads counted across processes (``counts``); ``main_reads``:
    the items read in the process that made it."""

    def __init__(self, folder: pathlib.Path):
        self.folder, self.counts, self.main_reads = folder, multiprocessing.Array("i", _SIZE), []
        self.main = multiprocessing.current_process().pid
        for i in range(_SIZE):
            Image.new("L", (4, 4), 30 * i).save(folder / f"{i}.png")

    def __len__(self):
        return _SIZE

    def __getitem__(self, i):
        with self.counts.get_lock():
            self.counts[i] += 1
        if multiprocessing.current_process().pid == self.main:
            self.main_reads.append(i)
        return {"Input": Image.open(self.folder / f"{i}.png"), "Output": "dark" if i < _SIZE // 2 else "light"}


def _net():
    return NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                    output=ClassDecoder(["dark", "light"]))


def _round_reads(photos: _CountedPhotos, streamed: Streamed, rounds: int) -> list[list[int]]:
    """Each round's reads of each item (round r's order seeded with r, as net_train seeds it)."""
    reads, before = [], list(photos.counts)
    for r in range(1, rounds + 1):
        torch.manual_seed(r)
        assert sum(1 for _ in streamed.batches(2)) == _SIZE // 2
        now = list(photos.counts)
        reads.append([a - b for a, b in zip(now, before)])
        before = now
    return reads


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="forked workers share the kept reads")
def test_forked_workers_read_every_item_every_round(tmp_path):
    """Found in review: item 0, read and kept before training, was in each forked worker's copy of the Dataset; a
    worker that had not handed it out yet did so in a later round (round 5 read [0, 1, 1, ...])."""
    photos = _CountedPhotos(tmp_path)
    torch.manual_seed(0)
    loader, _ = encoded_data(_net(), photos, None, 2, 3, 0)
    streamed = Streamed(loader, "training data")
    assert _round_reads(photos, streamed, 8) == [[1] * _SIZE] * 8


def test_the_first_batch_is_read_in_this_process_without_starting_workers(tmp_path):
    """Found in review: the first batch read before training started 2 workers, which read 4 batches ahead (every
    item) that round 1 threw away. Now only item 0 (the check) and the first batch's items are read before round 1;
    round 1's workers read each item once (reads kept here are not theirs to reuse)."""
    photos = _CountedPhotos(tmp_path)
    torch.manual_seed(0)
    loader, _ = encoded_data(_net(), photos, None, 2, 2, 0)
    streamed = Streamed(loader, "training data")
    counts = list(photos.counts)
    encoded = [loader.dataset[i]["Input"] for i in range(_SIZE)]  # each item's tensor, to tell the batch's items
    first = {i for row in streamed.first_raw["Input"] for i in range(_SIZE) if torch.equal(encoded[i], row)}
    assert len(first) == 2
    assert counts == [int(i in first | {0}) for i in range(_SIZE)]
    assert _round_reads(photos, streamed, 2) == [[1] * _SIZE] * 2


class _DrawingTexts(torch.utils.data.Dataset):
    """Image files and texts, each read drawing from torch's generator (a random transform)."""

    def __init__(self, folder: pathlib.Path):
        self.columns = _data(folder)

    def __len__(self):
        return len(TEXTS)

    def __getitem__(self, i):
        torch.rand(1)
        return {k: v[i] for k, v in self.columns.items()}


def test_grouping_a_dataset_s_texts_by_length_leaves_torch_s_generator_as_found(tmp_path):
    """Found in review: every item was read to group the texts by length outside the generator's guard, so a
    __getitem__ that draws moved torch's generator (the user's, outside the run)."""
    data = _DrawingTexts(tmp_path)
    torch.manual_seed(3)
    found = torch.get_rng_state()
    loader, _ = encoded_data(_image_and_text_net(), data, None, 3, 0, 0)
    assert loader.batches.batches.groups  # grouped by length
    assert torch.equal(torch.get_rng_state(), found)


class _NoneInWorkers(_CountedPhotos):
    """Item 5 is None where a worker process reads it (the first batch, read in this process, never fails)."""

    def __getitem__(self, i):
        item = super().__getitem__(i)
        return None if i == 5 and multiprocessing.current_process().pid != self.main else item


def test_a_pass_ended_by_an_error_ends_its_workers_at_once(tmp_path):
    """Found in review: the DataError of an item read by a worker kept the pass's iterator (through its traceback)
    and with it the 2 worker processes and their pipes, until the garbage collector ran."""
    gc.disable()  # the workers must end with the error, not when a collection happens to run
    try:
        with pytest.raises(DataError, match="example 5") as info:
            net_train(_net(), _NoneInWorkers(tmp_path), max_training_rounds=2, batch_size=2, random_seed=0,
                      progress=False, num_workers=2)
        assert info.value.__traceback__ is not None and multiprocessing.active_children() == []
    finally:
        gc.enable()
