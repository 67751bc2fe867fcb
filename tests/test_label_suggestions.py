"""A label the decoder lacks is told the label it likely means: a typo, another case, or spaces around it."""

from __future__ import annotations

import pytest

from netgraph import ClassDecoder, ClassEncoder
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
