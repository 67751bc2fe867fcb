"""net_train on a net with image files and texts at once: texts at a variable-length port are batched one length
at a time (never padded with 0 that the net would read in training but not in net(texts))."""

from __future__ import annotations

import re

import pytest
import torch
from PIL import Image

from netgraph import (CatenateLayer, ClassDecoder, DataError, EmbeddingLayer, GatedRecurrentLayer, ImageEncoder,
                      LinearLayer, NetChain, NetGraph, NetPort, SequenceLastLayer, SoftmaxLayer, TokensEncoder,
                      net_train)
from netgraph.train.data_split import held_out
from netgraph.train.encoded import encoded_data

CODER = TokensEncoder(["good", "bad", "film", "very"])
TEXTS = ["good film", "bad", "very bad film", "good", "very good", "bad film", "film", "good bad very film"]
LABELS = ["pos", "neg", "neg", "pos", "pos", "neg", "neg", "pos"]


def _net():
    return NetGraph({"img": LinearLayer(3), "emb": EmbeddingLayer(4, len(CODER.tokens)), "gru": GatedRecurrentLayer(3),
                     "last": SequenceLastLayer(), "cat": CatenateLayer(), "out": LinearLayer(2), "soft": SoftmaxLayer()},
                    [(NetPort("Image"), "img"), (NetPort("Text"), "emb"), ("emb", "gru"), ("gru", "last"),
                     (["img", "last"], "cat"), ("cat", "out"), ("out", "soft"), ("soft", NetPort("Output"))],
                    Image=ImageEncoder(size=(8, 8), color_space="Grayscale"), Text=CODER,
                    Output=ClassDecoder(["neg", "pos"]))


def _data(tmp_path):
    paths = []
    g = torch.Generator().manual_seed(0)
    for i in range(len(TEXTS)):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray((torch.rand(8, 8, generator=g) * 255).to(torch.uint8).numpy()).save(paths[-1])
    return {"Image": [str(p) for p in paths], "Text": TEXTS, "Output": LABELS}


def test_texts_beside_image_files_are_batched_one_length_at_a_time(tmp_path):
    # the loader of image files padded texts with 0 to the longest of the batch and passed no lengths
    loader, _ = encoded_data(_net(), _data(tmp_path), None, 3, 0, 0)
    torch.manual_seed(0)
    seen = []
    for batch in loader:
        assert bool((batch["Text"] != 0).all()), batch["Text"]  # index 0 is the padding
        seen += [tuple(t) for t in batch["Text"].tolist()]
    expected = [tuple(CODER.tokens.index(w) for w in text.split()) for text in TEXTS]
    assert sorted(seen) == sorted(expected)  # every example once a pass, at its own length
    assert len(loader) == sum(-(-n // 3) for n in (3, 3, 1, 1))  # lengths 2 (3 texts), 1 (3), 3 (1), 4 (1)


def test_a_net_of_images_and_texts_trains_and_reads_texts_as_net_does(tmp_path):
    data = _data(tmp_path)
    trained = net_train(_net(), data, max_training_rounds=2, batch_size=3, random_seed=0, num_workers=2)
    assert trained({"Image": data["Image"][:3], "Text": TEXTS[:3]}) == \
        [trained({"Image": [p], "Text": [t]})[0] for p, t in zip(data["Image"][:3], TEXTS[:3])]



def _image_net():
    return NetChain([LinearLayer(2), SoftmaxLayer()], input=ImageEncoder(size=(8, 8), color_space="Grayscale"),
                    output=ClassDecoder(["neg", "pos"]))


@pytest.mark.parametrize("damage", [lambda b: b"", lambda b: b[:len(b) // 2]], ids=["empty", "cut-short"])
@pytest.mark.parametrize("form", ["columns", "examples", "pair"])
def test_a_bad_image_file_is_named_by_its_index_in_the_data_given_and_its_path_in_the_part_it_lies_in(tmp_path, damage,
                                                                                                     form):
    """Image file paths with validation_set=<fraction>: the held-out part's examples are named by their index in the
    data given (not within the part) with their path; a training example likewise."""
    data = _data(tmp_path)
    kept, held = (part.tolist() for part in held_out(len(TEXTS), 0.25, 0))
    for i, part in [(held[1], "validation data held out by validation_set"), (kept[2], "training data")]:
        paths = list(data["Image"])
        paths[i] = str(tmp_path / f"bad{i}.png")
        (tmp_path / f"bad{i}.png").write_bytes(damage((tmp_path / "0.png").read_bytes()))
        given = {"columns": {"Input": paths, "Output": LABELS}, "examples": [
            {"Input": p, "Output": label} for p, label in zip(paths, LABELS)], "pair": (paths, LABELS)}[form]
        with pytest.raises(DataError, match=rf"^bad {part}( while training)?: input port 'Input' \(ImageEncoder\): "
                                            rf"example {i}: cannot read image {re.escape(repr(paths[i]))}"):
            net_train(_image_net(), given, validation_set=0.25, max_training_rounds=1, batch_size=2, random_seed=0,
                      progress=False)
