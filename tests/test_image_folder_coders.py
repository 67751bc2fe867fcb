"""Image folders and the coders of the net trained on them: an input encoder that is no ImageEncoder is refused, never
trained on the paths as texts (they name the labels: 'pn/neg/1.png'); sub-folder names are the number labels they
write."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from netgraph import (AggregationLayer, CharactersEncoder, ClassDecoder, ClassEncoder, ConvolutionLayer, EmbeddingLayer,
                      FlattenLayer, ImageEncoder, LinearLayer, NetChain, SequenceLastLayer, SoftmaxLayer, image_folder,
                      net_measurements, net_train)
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
                          f"NetChain(layers, input=ImageEncoder(size=(32, 32))) (size=(width, height): the pixels "
                          f"each image is resized to, which the port's shape does not fix; 32 by 32 is an example)")


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


def _digits(root, names=("0", "1", "2")):
    for name in names:
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.new("L", (4, 4), 40 * int(name) + i).save(root / name / f"{i}.png")
    return str(root)


def _image_net(labels):
    return NetChain([FlattenLayer(), LinearLayer(len(labels)), SoftmaxLayer()],
                    input=ImageEncoder(size=(4, 4), color_space="Grayscale"), output=ClassDecoder(labels))


def test_folder_names_are_the_number_labels_they_write(tmp_path):
    """Sub-folders 0/, 1/, 2/ with ClassDecoder([0, 1, 2]) were refused: "label '0' is not one of ... a .csv holds
    text"."""
    folder = _digits(tmp_path / "digits")
    by_numbers = net_train(_image_net([0, 1, 2]), folder, max_training_rounds=2, batch_size=2, random_seed=0)
    by_texts = net_train(_image_net(["0", "1", "2"]), folder, max_training_rounds=2, batch_size=2, random_seed=0)
    image = f"{folder}/2/1.png"
    assert torch.equal(by_numbers(image, decoder=None), by_texts(image, decoder=None))
    assert by_numbers(image) == [0, 1, 2][["0", "1", "2"].index(by_texts(image))]
    assert net_measurements(by_numbers, folder, "Accuracy") == net_measurements(by_texts, folder, "Accuracy")


def test_a_folder_name_of_no_number_label_is_still_refused(tmp_path):
    with pytest.raises(DataError, match="label '2' is not one of the 3 labels \\[0, 1, 3\\]"):
        net_train(_image_net([0, 1, 3]), _digits(tmp_path / "digits"), max_training_rounds=1, random_seed=0)


def test_image_files_at_a_port_of_any_image_size_are_told_an_encoder_to_paste(tmp_path):
    """The ImageEncoder suggested for a port whose shape fixes no size was ImageEncoder(size=(width, height)), which
    is no call (width is no name); the one suggested now trains the net."""
    layers = [ConvolutionLayer(2, 3), AggregationLayer("Mean"), SoftmaxLayer()]
    net = NetChain(layers, input=(1, "h", "w"), output=ClassDecoder(LABELS))
    with pytest.raises(DataError) as info:
        net_train(net, str(_folder(tmp_path / "pn")), max_training_rounds=1, random_seed=0)
    assert info.value.kind == "missing-coder"
    assert str(info.value).endswith(
        "attach an ImageEncoder to the port, e.g. NetChain(layers, input=ImageEncoder(size=(32, 32), "
        "color_space='Grayscale')) (size=(width, height): the pixels each image is resized to, which the port's "
        "shape does not fix; 32 by 32 is an example) (see the README's 'Encoders and decoders')")
    encoder = ImageEncoder(size=(32, 32), color_space="Grayscale")
    trained = net_train(NetChain(layers, input=encoder, output=ClassDecoder(LABELS)), str(tmp_path / "pn"),
                        max_training_rounds=1, random_seed=0)
    assert trained.port_types["Input"].shape == (1, 32, 32)


def test_the_image_encoder_suggested_keeps_the_side_the_port_fixes_and_trains(tmp_path):
    """A port (1, 28, w) was told ImageEncoder(size=(32, 32)), 'which the port's shape does not fix', though its
    height is 28; that encoder does not fit the port."""
    def net(**shapes):
        return NetChain([ConvolutionLayer(2, (3, 3)), AggregationLayer("Max"), LinearLayer(2), SoftmaxLayer()],
                        output=ClassDecoder(LABELS), **shapes)
    folder = str(_folder(tmp_path / "pn"))
    with pytest.raises(DataError) as info:
        net_train(net(input=(1, 28, "w")), folder, max_training_rounds=1, random_seed=0)
    assert info.value.kind == "missing-coder"
    assert ("ImageEncoder(size=(32, 28), color_space='Grayscale')) (size=(width, height): the pixels each image is "
            "resized to; the port's shape fixes the height, 28, not the width: 32 is an example)") in str(info.value)
    suggested = ImageEncoder(size=(32, 28), color_space="Grayscale")
    results = net_train(net(input=suggested), folder, max_training_rounds=2, random_seed=0, return_results=True)
    assert len(results.round_losses) == 2 and all(map(torch.isfinite, torch.tensor(results.round_losses)))
