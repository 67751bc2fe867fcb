"""Data of no examples at a port with an encoder or decoder: the DataError that such data without coders gets
("the data holds no examples", kind missing-data), not torch's "stack expects a non-empty TensorList"."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, net_train, save
from netgraph.cli import main
from netgraph.core.errors import DataError


def _decoded() -> NetChain:
    return NetChain([LinearLayer(3), SoftmaxLayer()], input=4, output=ClassDecoder(["a", "b", "c"]))


def _encoded() -> NetChain:
    return NetChain([EmbeddingLayer(3, 2), LinearLayer(2)], input=ClassEncoder(["p", "q"]))


GOOD = {"Input": torch.zeros(4, 4), "Output": ["a", "b", "c", "a"]}


@pytest.mark.parametrize("net, data, validation, header", [
    (_decoded, {"Input": torch.zeros(0, 4), "Output": []}, None, "bad training data"),
    (_decoded, {"Input": np.zeros((0, 4), "f4"), "Output": np.array([], dtype=str)}, None, "bad training data"),
    (_encoded, {"Input": [], "Output": torch.zeros(0, 2)}, None, "bad training data"),
    (_decoded, GOOD, {"Input": torch.zeros(0, 4), "Output": []}, "bad validation_set")])
def test_no_examples_at_a_coder_port_is_missing_data(net, data, validation, header):
    with pytest.raises(DataError) as caught:
        net_train(net(), data, validation_set=validation, max_training_rounds=1)
    assert str(caught.value) == f"{header}: the data holds no examples"
    found = caught.value.diagnostics[0]
    assert (found.kind, found.expected, found.found) == ("missing-data", "one example or more", 0)


def test_no_examples_without_coders_is_refused_alike():
    """The error this matches."""
    with pytest.raises(DataError, match=r"^bad training data: the data holds no examples$"):
        net_train(NetChain([LinearLayer(3)], input=4), {"Input": torch.zeros(0, 4), "Output": torch.zeros(0, 3)},
                  max_training_rounds=1)


def test_a_zero_row_npz_on_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    save(_decoded(), "c.yaml")
    np.savez("e.npz", Input=np.zeros((0, 4), "f4"), Output=np.array([], dtype=str))
    assert main(["train", "c.yaml", "--data", "e.npz", "-o", "out", "--quiet"]) == 1
    assert capsys.readouterr().err == "netgraph train: --data e.npz: the data holds no examples\n"
