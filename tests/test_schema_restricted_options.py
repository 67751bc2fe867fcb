"""A Restricted encoder's options in the JSON Schema say what the loader takes, derived from their declared kinds as
the other encoders' options are (they were left as any value): ``dtype`` Integer alone, ``range`` a count n >= 1 or
``[lo, hi]`` of two 64-bit integers, ``shape`` a shape. (lo <= hi is the loader's alone: no schema form says it.)"""

from __future__ import annotations

import pytest
import yaml

from tests.test_schema_shape_options import VALIDATOR, _loads

NET = ("netgraph: 1\ntype: NetChain\nlayers: {emb: {type: EmbeddingLayer, output: 2}}\n"
       "inputs: {Input: {encoder: {type: Restricted, OPTIONS}}}\n")


@pytest.mark.parametrize("options, taken", [
    ("range: 10", True), ("range: [2, 5]", True), ("range: 10, dtype: Integer", True), ("range: 4, shape: [3]", True),
    ("range: 4, shape: [n]", True), ("range: 4, shape: []", True), ("range: 4, shape: 3", True),
    ("range: 0", False), ("range: -3", False), ("range: [1, 2, 3]", False), ("range: [2]", False),
    ("range: true", False), ("range: [true, 3]", False), ("range: '10'", False), ("range: [0, 1.5]", False),
    ("range: 10, dtype: Real", False), ("range: 10, shape: [0]", False), ("range: 10, shape: wide", False),
    ("range: 10, size: 3", False), ("dtype: Integer", False), ("shape: [3]", False), ("range: null", False)])
def test_the_schema_and_the_loader_take_the_same_restricted_options(options, taken):
    text = NET.replace("OPTIONS", options)
    assert (VALIDATOR.is_valid(yaml.safe_load(text)), _loads(text)) == (taken, taken)
