"""load_checkpoint of a layer alone says to give it its input shape only where that shape is what is unknown."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, ShapeError, net_train
from netgraph.train.checkpoint import load_checkpoint


def test_a_layer_with_an_input_shape_but_no_output_size_is_told_its_output_not_its_input(tmp_path):
    # LinearLayer(input=2) has its input shape: the unknown is its output size, which the error names (it was told
    # "has no input shape: give it the input= it was trained with", recognised by the header's words alone)
    g = torch.Generator().manual_seed(0)
    data = {"Input": torch.randn(16, 2, generator=g), "Target": torch.randn(16, 3, generator=g)}
    net_train(LinearLayer(3, input=2), data, max_training_rounds=1, checkpoint=tmp_path, batch_size=8,
              random_seed=3, progress=False)
    with pytest.raises(ShapeError, match="cannot initialise arrays of unknown shape") as info:
        load_checkpoint(LinearLayer(input=2), tmp_path)
    assert "no input shape" not in str(info.value)
    found = [(d.kind, d.layer, d.port) for d in info.value.diagnostics]
    assert found == [("unknown-shape", ("LinearLayer",), "Output")]
