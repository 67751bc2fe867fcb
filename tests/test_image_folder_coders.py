"""An image folder given to a net whose input encoder is no ImageEncoder: refused, never trained on its paths as texts
(the paths name the labels: 'pn/neg/1.png')."""

from __future__ import annotations

import pytest
from PIL import Image

from netgraph import (CharactersEncoder, ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain,
                      SequenceLastLayer, SoftmaxLayer, image_folder, net_train)
from netgraph.core.errors import DataError

LABELS = ["pos", "neg"]


def _folder(root):
    for label in LABELS:
        for i in range(2):
            (root / label).mkdir(parents=True, exist_ok=True)
            Image.new("L", (4, 4), 60 * i).save(root / label / f"{i}.png")
    return root


def _text_net(encoder):
    return NetChain([EmbeddingLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=encoder,
                    output=ClassDecoder(LABELS))


@pytest.mark.parametrize("as_given", [str, image_folder], ids=["path", "image_folder"])
def test_an_image_folder_for_a_text_encoder_is_refused_naming_port_and_encoder(tmp_path, as_given):
    net = _text_net(CharactersEncoder("abcdefghijklmnopqrstuvwxyz/._0123456789-"))
    with pytest.raises(DataError) as info:
        net_train(net, as_given(_folder(tmp_path / "pn")), max_training_rounds=1, random_seed=0)
    error = info.value
    assert (error.kind, error.port, error.expected, error.found) == ("data-form", "Input", "ImageEncoder",
                                                                     "CharactersEncoder")
    assert str(error) == (f"training data: {str(tmp_path / 'pn')!r} is a folder of images (image file paths, labels "
                          f"from sub-folder names), but input port 'Input' has a CharactersEncoder, which would read "
                          f"the paths as texts; an image folder needs an ImageEncoder on the port, e.g. "
                          f"NetChain(layers, input=ImageEncoder(size=(width, height)))")


def test_an_image_folder_for_a_class_encoder_is_refused_as_its_values(tmp_path):
    net = NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()], input=ClassEncoder(["a", "b", "c"]),
                   output=ClassDecoder(LABELS))
    with pytest.raises(DataError, match="has a ClassEncoder, which would read the paths as its values") as info:
        net_train(net, str(_folder(tmp_path / "pn")), max_training_rounds=1, random_seed=0)
    assert info.value.found == "ClassEncoder"


def test_a_validation_folder_is_refused_as_the_validation_set(tmp_path):
    net = _text_net(CharactersEncoder("abcdefghijklmnopqrstuvwxyz/._0123456789-"))
    texts = [("good film", "pos"), ("bad film", "neg")]
    with pytest.raises(DataError, match="^validation_set: .* is a folder of images"):
        net_train(net, texts, validation_set=str(_folder(tmp_path / "pn")), max_training_rounds=1, random_seed=0)
