"""A torch Dataset whose items hold images at an ImageEncoder port is read item by item, batch by batch in the
DataLoader, not all at once before training (its items, PIL images among them, were all read and kept in memory for
the run); a broken image is still named, with its index, when it is read."""

from __future__ import annotations

import multiprocessing

import pytest
import torch
from PIL import Image

from netgraph import ClassDecoder, DataError, FlattenLayer, ImageEncoder, NetChain, SoftmaxLayer, net_train
from netgraph.train.encoded import encoded_data

_SIZE = 8
_OPTIONS = {"max_training_rounds": 1, "batch_size": 2, "random_seed": 0, "progress": False}


class _Photos(torch.utils.data.Dataset):
    """PIL images opened in __getitem__ (as a user's Dataset opens them), each read counted."""

    def __init__(self, folder, size=_SIZE):
        self.folder, self.size, self.reads = folder, size, []
        for i in range(size):
            if not (folder / f"{i}.png").exists():
                Image.new("L", (4, 4), 30 * i).save(folder / f"{i}.png")

    def __len__(self):
        return self.size

    def __getitem__(self, i):
        self.reads.append(i)
        return {"Input": Image.open(self.folder / f"{i}.png"), "Output": "dark" if i < self.size // 2 else "light"}


class _Paths(_Photos):
    def __getitem__(self, i):
        self.reads.append(i)
        return {"Input": str(self.folder / f"{i}.png"), "Output": "dark" if i < self.size // 2 else "light"}


def _net():
    return NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                    output=ClassDecoder(["dark", "light"]))


def test_a_dataset_of_images_is_read_a_batch_at_a_time(tmp_path):
    photos = _Photos(tmp_path)
    loader, _ = encoded_data(_net(), photos, None, 2, 0, 0)
    assert photos.reads == [0]  # item 0, looked at to see what it holds (all 8 were read here)
    batches = iter(loader)
    first = next(batches)
    assert first["Input"].shape == (2, 1, 4, 4)
    assert len(photos.reads) <= 3  # each item of the batch read once (not once a key)
    rest = list(batches)
    assert sorted(photos.reads) == list(range(_SIZE)) and len(rest) == _SIZE // 2 - 1  # item 0's read kept


def test_an_item_read_again_is_read_anew(tmp_path):
    """The item read for one example was kept for the next: a round whose first item was the last of the round
    before (or item 0, checked before training) reused that read, its random transform's draw too."""
    photos = _Photos(tmp_path)
    loader, _ = encoded_data(_net(), photos, None, 2, 0, 0)
    before = len(photos.reads)
    loader.dataset[3], loader.dataset[3]
    assert photos.reads[before:] == [3, 3]


def test_training_on_a_dataset_of_images_reads_each_item_once_a_round(tmp_path):
    """Item 0 and a first batch (the shapes), read before training, are kept to train on: they were read again."""
    photos = _Photos(tmp_path)
    net_train(_net(), photos, **{**_OPTIONS, "max_training_rounds": 2})
    assert sorted(photos.reads) == sorted(list(range(_SIZE)) * 2)


class _NoisyPhotos(_Photos):
    """Images whose every read draws from torch's generator (a random transform)."""

    def __getitem__(self, i: int) -> dict:
        torch.rand(1)
        return super().__getitem__(i)


def test_images_read_before_training_by_a_random_transform_are_read_again(tmp_path):
    photos = _NoisyPhotos(tmp_path)
    net_train(_net(), photos, **{**_OPTIONS, "max_training_rounds": 2})
    assert len(photos.reads) == 2 * _SIZE + 1 + _OPTIONS["batch_size"]  # item 0 and a first batch read again


def test_it_trains_as_the_list_of_its_items_does(tmp_path):
    paths = _Paths(tmp_path)
    by_dataset = net_train(_net(), paths, **_OPTIONS)
    by_items = net_train(_net(), [paths[i] for i in range(_SIZE)], **_OPTIONS)
    weights = [net.layers["2"].arrays["Weights"] for net in (by_dataset, by_items)]
    assert torch.equal(*weights)


def test_a_held_out_fraction_reads_only_its_items(tmp_path):
    photos = _Photos(tmp_path)
    _, held = encoded_data(_net(), photos, 0.25, 2, 0, 0)
    before, mine = len(photos.reads), held.dataset.index
    assert sum(len(batch["Input"]) for batch in held) == 2 and set(photos.reads[before:]) <= set(mine)
    assert sorted(i for i in photos.reads if i in mine) == sorted(mine)  # the one checked before training: kept


@pytest.mark.parametrize("dataset", [_Paths, _Photos])
def test_a_broken_image_is_named_with_its_index_when_it_is_read(tmp_path, dataset):
    data = dataset(tmp_path)
    (tmp_path / "5.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.raises(DataError) as info:
        net_train(_net(), data, **_OPTIONS)
    message = str(info.value)
    assert message.startswith("bad training data while training: input port 'Input' (ImageEncoder): example 5: ")
    assert f"{tmp_path / '5.png'}" in message
    assert info.value.diagnostics[0].port == "Input" and info.value.diagnostics[0].kind == "encoding"


@pytest.mark.parametrize("workers", [0, 1])
@pytest.mark.parametrize("keys", [("Input",), ("Input", "Output", "Extra")], ids=["missing", "extra"])
def test_an_item_without_the_keys_of_item_0_is_named_as_a_plain_datasets(tmp_path, keys, workers):
    """An extra key in a later item was ignored (a plain Dataset's is refused), a missing one another kind of error:
    both are refused as a plain Dataset's items are, kind example-keys naming the item."""
    class OtherKeys(_Paths):
        def __getitem__(self, i):
            item = {**super().__getitem__(i), "Extra": 1.0}
            return {k: item[k] for k in keys} if i == 3 else {k: item[k] for k in ("Input", "Output")}
    with pytest.raises(DataError, match=r"every example must have the same keys; example 0 has \['Input', 'Output'\], "
                                        rf"example 3 has \[{', '.join(map(repr, keys))}\]") as info:
        net_train(_net(), OtherKeys(tmp_path), **_OPTIONS, num_workers=workers)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == (
        "example-keys", 3, ("Input", "Output"), keys)


@pytest.mark.parametrize("workers", [0, 1])
@pytest.mark.parametrize("odd", [["a.png"], None], ids=["list", "none"])
def test_a_later_item_that_is_no_dict_is_named_with_item_0_s_keys(tmp_path, odd, workers):
    """An item after item 0 that is no dict (nor an (input, target) pair) was refused as having no key 'Input',
    without the keys expected: now a DataError of kind data-form naming the item and item 0's keys."""
    class NoDict(_Paths):
        def __getitem__(self, i):
            return odd if i == 3 else super().__getitem__(i)
    with pytest.raises(DataError, match=r"every example must be a dict of the keys example 0 has \['Input', "
                                        r"'Output'\]; example 3 is (a list|nothing)") as info:
        net_train(_net(), NoDict(tmp_path), **_OPTIONS, num_workers=workers)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == (
        "data-form", 3, ("Input", "Output"), type(odd).__name__)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_later_item_that_is_no_pair_in_a_dataset_of_pairs_is_named_as_no_pair(tmp_path, workers):
    """Found in review: a Dataset of (input, target) pairs whose item 3 was None was told every example must be a
    dict of the keys example 0 has, though example 0 was a pair."""
    class Pairs(_Paths):
        def __getitem__(self, i):
            return None if i == 3 else tuple(super().__getitem__(i).values())
    with pytest.raises(DataError, match=r"every example must be an \(input, target\) pair, as example 0 is; example 3 "
                                        r"is nothing") as info:
        net_train(_net(), Pairs(tmp_path), **_OPTIONS, num_workers=workers)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == (
        "data-form", 3, "an (input, target) pair", "NoneType")


def test_a_bad_label_in_a_later_item_is_named_when_it_is_read(tmp_path):
    class Misspelt(_Paths):
        def __getitem__(self, i):
            return {**super().__getitem__(i), **({"Output": "drak"} if i == 6 else {})}
    with pytest.raises(DataError, match=r"target 'Output' \(ClassDecoder\): example 6: label 'drak' is not one of the "
                                        r"2 labels \['dark', 'light'\] \(did you mean 'dark'\?\)"):
        net_train(_net(), Misspelt(tmp_path), **_OPTIONS)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_bad_label_found_while_training_fills_the_diagnostic_fields(tmp_path, workers):
    """Found in review: only item 0 is checked up front, and a later item's bad label lost its example, expected
    and found (the reason was made text before it reached the DataError)."""
    class Misspelt(_Paths):
        def __getitem__(self, i):
            return {**super().__getitem__(i), **({"Output": "drak"} if i == 6 else {})}
    with pytest.raises(DataError, match="while training") as info:
        net_train(_net(), Misspelt(tmp_path), **_OPTIONS, num_workers=workers)
    d = info.value.diagnostics[0]
    assert (d.port, d.example, d.expected, d.found) == ("Output", 6, ("dark", "light"), "drak")


@pytest.mark.parametrize("workers", [0, 1])
def test_a_netgraph_error_the_dataset_raises_keeps_its_kind_and_fields(tmp_path, workers):
    """Found in review: it was wrapped in another DataError of kind 'encoding' (in a worker process: torch's
    traceback text, kind 'error')."""
    class Checked(_Paths):
        def __getitem__(self, i):
            if i == 5:
                raise DataError("label 7 is out of range", kind="data-range", port="Output", found=7)
            return super().__getitem__(i)
    with pytest.raises(DataError) as info:
        net_train(_net(), Checked(tmp_path), **_OPTIONS, num_workers=workers)
    d = info.value.diagnostics[0]
    assert (str(info.value), d.kind, d.port, d.found) == ("label 7 is out of range", "data-range", "Output", 7)


def test_item_0_of_a_dataset_is_checked_before_training_every_key_of_it(tmp_path):
    """Found in review: a Dataset with images skipped every up-front check, its labels too; reading an item runs its
    __getitem__ (which opens the image), so item 0 is read before training and the others as the loader reads them."""
    class Misspelt(_Paths):
        def __getitem__(self, i):
            return {**super().__getitem__(i), **({"Output": "drak"} if i == 0 else {})}
    data = Misspelt(tmp_path)
    with pytest.raises(DataError, match=r"^bad training data: target 'Output' \(ClassDecoder\): example 0: label "
                                        r"'drak' is not one of the 2 labels"):
        net_train(_net(), data, **_OPTIONS)
    assert set(data.reads) == {0}  # no later item read before the check said so


def _image_and_tagger():
    """A net with an image input (its items read as training goes) and a tagger on a token input."""
    from netgraph import EmbeddingLayer, LinearLayer, NetGraph, NetMapOperator, NetPort
    return NetGraph({"emb": EmbeddingLayer(8, 10), "map": NetMapOperator(LinearLayer(2)), "sm": SoftmaxLayer(),
                     "flat": FlattenLayer(), "lin": LinearLayer(2), "smx": SoftmaxLayer()},
                    [("emb", "map", "sm"), ("flat", "lin", "smx"), (NetPort("Input"), "emb"),
                     (NetPort("Image"), "flat"), ("sm", NetPort("Output")), ("smx", NetPort("Class"))],
                    Input=["n"], Image=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                    Output=ClassDecoder(["even", "odd"]), Class=ClassDecoder(["dark", "light"]))


@pytest.mark.parametrize("bad, when", [(0, ""), (5, " while training")])
def test_a_tagger_s_label_count_is_checked_for_each_item(tmp_path, bad, when):
    """Found in review: the label-count check never ran for a Dataset with images: torch's 'stack expects each tensor
    to be equal size' mid-training. Item 0 is checked before training, the others as they are read."""
    class Tagged(_Paths):
        def __getitem__(self, i):
            tags = ["even", "odd"] + (["odd"] if i == bad else [])
            return {"Input": torch.tensor([2, 3]), "Image": super().__getitem__(i)["Input"], "Output": tags,
                    "Class": "dark"}
    with pytest.raises(DataError, match=rf"^bad training data{when}: target 'Output' \(ClassDecoder\): example "
                                        rf"{bad}: 3 labels, but input port 'Input' has 2 positions \(length n\)"):
        net_train(_image_and_tagger(), Tagged(tmp_path), **_OPTIONS)


class _SharedCount(_Photos):
    """Each item's reads counted across processes (the DataLoader's workers); ``reads``: this process's."""

    def __init__(self, folder):
        super().__init__(folder)
        self.counts = multiprocessing.Array("i", _SIZE)

    def __getitem__(self, i):
        with self.counts.get_lock():
            self.counts[i] += 1
        return super().__getitem__(i)


def test_worker_processes_read_each_item_every_round(tmp_path):
    """A worker process started while reads were being kept (the first batch, before training) kept every item it
    read from then on, and later rounds trained on those reads (a random transform drawn once). The worker reads
    each item once a round, reusing none of the reads made here before training (item 0, the first batch)."""
    photos = _SharedCount(tmp_path)
    net_train(_net(), photos, **{**_OPTIONS, "max_training_rounds": 3, "num_workers": 1})
    assert 0 in photos.reads and len(photos.reads) <= 3  # read here: item 0 and the first batch's
    assert list(photos.counts) == [3 + photos.reads.count(i) for i in range(_SIZE)]
