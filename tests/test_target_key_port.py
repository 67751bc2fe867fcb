"""A target's data key ('Target', '<port>Target') and its output port: errors name both, Diagnostic.port the port."""

from __future__ import annotations

import pytest
import torch

from netgraph import ClassDecoder, LinearLayer, NetChain, SoftmaxLayer, net_train
from netgraph.core.errors import DataError


def _net():
    return NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["cat", "dog"]))


def test_a_bad_label_under_the_target_key_names_the_output_port_in_its_diagnostic():
    """Diagnostic.port was 'Target', the data key, which no port of the net is called: a reader looking the port up
    (an editor marking the port) found none."""
    with pytest.raises(DataError) as info:
        net_train(_net(), {"Input": torch.ones(3, 3), "Target": ["cat", "cow", "dog"]}, max_training_rounds=1,
                  progress=False)
    d = info.value.diagnostics[0]
    assert (d.port, d.kind) == ("Output", "encoding")
    assert d.detail == ("target 'Target' of output port 'Output' (ClassDecoder): example 1: label 'cow' is not one of "
                        "the 2 labels ['cat', 'dog']")


def test_a_pairs_target_names_its_key_and_port_once():
    """A list of pairs keys its targets 'Target', as every pair form does (it was the port's name, 'Output')."""
    with pytest.raises(DataError) as info:
        net_train(_net(), [(torch.ones(3), "cat"), (torch.ones(3), "cow")], max_training_rounds=1, progress=False)
    d = info.value.diagnostics[0]
    assert d.port == "Output"
    assert d.detail.startswith("target 'Target' of output port 'Output' (ClassDecoder): example 1: label 'cow'")


def test_labels_at_an_output_without_a_decoder_name_that_port_not_the_data_s_first_key():
    """The Diagnostic of "the port has no decoder" named the data's first key ('Input'), whatever key held labels."""
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=3)
    with pytest.raises(DataError, match="the target of output port 'Output' \\(key 'Target'\\) holds labels") as info:
        net_train(net, {"Input": torch.ones(2, 3), "Target": ["cat", "dog"]}, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].port == "Output"


def test_a_target_keyed_by_its_port_s_name_gets_no_hint_naming_that_same_key():
    """It said "(cross-entropy; key 'Output' works too) (key 'Output')": a hint pointing at the key already used."""
    with pytest.raises(DataError) as info:
        net_train(NetChain([LinearLayer(2), SoftmaxLayer()], input=3),
                  {"Input": torch.ones(3, 3), "Output": torch.rand(3)}, max_training_rounds=1, progress=False)
    assert "target of output port 'Output' (cross-entropy) (key 'Output'): class labels must be" in str(info.value)
