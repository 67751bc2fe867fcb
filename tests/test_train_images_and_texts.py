"""net_train on a net with image files and texts at once: texts at a variable-length port are batched one length
at a time (never padded with 0 that the net would read in training but not in net(texts))."""

from __future__ import annotations

import torch
from PIL import Image

from netgraph import (CatenateLayer, ClassDecoder, EmbeddingLayer, GatedRecurrentLayer, ImageEncoder, LinearLayer,
                      NetGraph, NetPort, SequenceLastLayer, SoftmaxLayer, TokensEncoder, net_train)
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

