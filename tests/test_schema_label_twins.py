"""An encoder's or decoder's ``labels:`` in the JSON Schema says what the loader takes: ``true`` and ``1`` (``false``
and ``0``) are one label to the loader, as to Python and to the data (a value is looked up among the labels), so a
list holding both is refused by both; JSON Schema's uniqueItems alone counted them distinct."""

from __future__ import annotations

import pytest
import yaml

from tests.test_schema_shape_options import VALIDATOR, _loads

NETS = {"decoder": "type: NetChain\nlayers: {lin: {type: LinearLayer, output: 2}, sm: SoftmaxLayer}\ninputs: "
                   "{Input: [3]}\noutputs: {Output: {decoder: {type: ClassDecoder, labels: LABELS}}}\n",
        "encoder": "type: NetChain\nlayers: {emb: {type: EmbeddingLayer, output: 2}}\ninputs: "
                   "{Input: {encoder: {type: ClassEncoder, labels: LABELS}}}\n"}


@pytest.mark.parametrize("coder", sorted(NETS))
@pytest.mark.parametrize("labels, distinct", [
    ("[true, 1]", False), ("[1, true]", False), ("[false, 0]", False), ("[0, b, false]", False),
    ("[true, 0]", True), ("[true, false]", True), ("[1, 2]", True), ("['1', true]", True), ("[a, b]", True),
    ("[a, a]", False)])
def test_the_schema_and_the_loader_count_the_same_labels_equal(coder, labels, distinct):
    text = "netgraph: 1\n" + NETS[coder].replace("LABELS", labels)
    assert (VALIDATOR.is_valid(yaml.safe_load(text)), _loads(text)) == (distinct, distinct)
