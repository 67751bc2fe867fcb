"""A label the decoder lacks is told the label it likely means: a typo, another case, or spaces around it."""

from __future__ import annotations

import unicodedata

import pytest
from PIL import Image

from netgraph import (ClassDecoder, ClassEncoder, FlattenLayer, ImageEncoder, LinearLayer, NetChain, SoftmaxLayer,
                      net_train)
from netgraph.core.errors import DataError
from netgraph.data.encoding import encode


@pytest.mark.parametrize("value, hint", [
    ("Pos", " (did you mean 'pos'?)"),
    ("psotive", " (did you mean 'positive'?)"),
    (" pos", " (did you mean 'pos'? spaces around a label are part of it, as after a .csv's comma: 'good, pos')"),
    ("cat", "")])
def test_a_label_not_in_the_list_names_the_one_it_likely_means(value, hint):
    """'good, pos' in a .csv reads the label ' pos': "label ' pos' is not one of the 3 labels" left the user to spot
    the space."""
    labels = ["pos", "neg", "positive"]
    with pytest.raises(DataError) as info:
        encode(ClassDecoder(labels), "Output", [value], what="target")
    assert str(info.value).endswith(f"label {value!r} is not one of the 3 labels {labels}{hint}")


def test_number_labels_keep_their_own_hint():
    with pytest.raises(DataError, match=r"\(it is the text '1', and the labels are numbers"):
        encode(ClassEncoder([0, 1]), "Input", ["1"])


def test_a_number_where_the_labels_are_its_text_is_told_so():
    """A .jsonl's {"label": 1} (or an image folder's sub-folder '1' beside numbers in the data) against labels
    ['0', '1'] was told only "label 1 is not one of the 2 labels ['0', '1']", which reads as if 1 were there."""
    with pytest.raises(DataError) as info:
        encode(ClassDecoder(["0", "1"]), "Output", [1], what="target")
    assert str(info.value).endswith("label 1 is not one of the 2 labels ['0', '1'] (it is the number 1, and the "
                                    "labels are texts: give it as the text '1', or make the labels numbers)")


def test_a_label_in_another_unicode_form_says_so(tmp_path):
    """An image folder unzipped from macOS names its label 'dög' decomposed (o + combining diaeresis): "label 'dög'
    is not one of the 2 labels ['dög', 'cat']" showed two identical-looking labels and no reason (QA)."""
    decomposed = unicodedata.normalize("NFD", "dög")
    for label in ("cat", decomposed):
        (tmp_path / label).mkdir()
        Image.new("L", (2, 2)).save(tmp_path / label / "a.png")
    net = NetChain([FlattenLayer(), LinearLayer(2), SoftmaxLayer()],
                   input=ImageEncoder(size=(2, 2), color_space="Grayscale"), output=ClassDecoder(["dög", "cat"]))
    with pytest.raises(DataError) as info:
        net_train(net, tmp_path, max_training_rounds=1)
    assert f"label {decomposed!r} is not one of the 2 labels ['dög', 'cat'] (it is 'dög' written in another " \
           f"Unicode form" in str(info.value)
