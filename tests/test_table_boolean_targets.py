"""A .csv table trains a net whose output has a BooleanDecoder (QA pass 9): a table's label column is text, and the
texts "True"/"False" were refused ("expected True or False, found str 'True'"), so no .csv could train such a net; the
hint for ClassDecoder([True, False]) called its labels numbers."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BooleanDecoder, BooleanEncoder, ClassDecoder, DataError, ElementwiseLayer, EmbeddingLayer,
                      LinearLayer, NetChain, NetGraph, SequenceLastLayer, SoftmaxLayer, TokensEncoder, net_initialize,
                      net_measurements, text_table)
from netgraph.data import encode_targets


def _net(decoder, classes):
    head = SoftmaxLayer() if classes > 1 else ElementwiseLayer("LogisticSigmoid")
    return NetGraph({"e": EmbeddingLayer(4), "l": SequenceLastLayer(), "lin": LinearLayer(classes), "s": head},
                    [("e", "l", "lin", "s")], Input=TokensEncoder(["good", "bad"]), Output=decoder)


def _table(tmp_path, labels):
    (tmp_path / "t.csv").write_text("text,label\n" + "".join(f"{t},{v}\n" for t, v in zip(["good", "bad"], labels)))
    return tmp_path / "t.csv"


@pytest.mark.parametrize("labels", [("True", "False"), ("true", "FALSE")])
def test_a_csvs_true_and_false_texts_are_a_boolean_decoders_targets(tmp_path, labels):
    assert torch.equal(encode_targets(BooleanDecoder(), "Output", list(labels)), torch.tensor([1.0, 0.0]))
    net = net_initialize(_net(BooleanDecoder(), 1), seed=0)
    accuracy = sum(p == (v.lower() == "true") for p, v in zip(net(["good", "bad"]), labels)) / 2
    assert net_measurements(net, _table(tmp_path, labels), "Accuracy") == accuracy
    assert net_measurements(net, text_table(_table(tmp_path, labels)), "Accuracy") == accuracy


def test_other_texts_are_still_refused(tmp_path):
    with pytest.raises(DataError, match=r"example 0 \(.*t.csv:2, column 'label'\): expected True or False, found str "
                                        r"'yes'"):
        net_measurements(net_initialize(_net(BooleanDecoder(), 1), seed=0), _table(tmp_path, ("yes", "no")), "Loss")
    with pytest.raises(DataError, match="expected True or False, found str 'yes'"):
        net_initialize(NetChain([LinearLayer([])], input=BooleanEncoder()), seed=0)("yes")


def test_a_boolean_encoder_reads_a_csvs_true_and_false_texts_as_the_decoder_does(tmp_path):
    """A .csv text column at a BooleanEncoder input was refused ("expected True or False, found str 'True'") while the
    decoder's targets took the same texts: one reading for both."""
    net = net_initialize(NetChain([LinearLayer([]), ElementwiseLayer("LogisticSigmoid")], input=BooleanEncoder(),
                                  output=BooleanDecoder()), seed=0)
    probability = [net(v, decoder="Probabilities") for v in ("True", " false", "TRUE", True, False)]
    assert probability[:3] == [probability[3], probability[4], probability[3]] and probability[3] != probability[4]
    (tmp_path / "t.csv").write_text("text,label\nTrue,True\nfalse,False\nTRUE,True\nFalse,False\n")
    assert net_measurements(net, tmp_path / "t.csv", "Accuracy") == net_measurements(
        net, {"Input": [True, False, True, False], "Output": [True, False, True, False]}, "Accuracy")


def test_boolean_class_labels_read_as_text_are_called_booleans_not_numbers(tmp_path):
    net = net_initialize(_net(ClassDecoder([True, False]), 2), seed=0)
    with pytest.raises(DataError, match=r"it is the text 'True', and the labels are booleans: a .csv holds text"):
        net_measurements(net, _table(tmp_path, ("True", "False")), "Loss")
