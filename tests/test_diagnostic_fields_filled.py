"""Diagnostics whose messages named the example, the option or the values fill those fields too (they were None):
a label a ClassDecoder lacks, an embedding index out of range, a learning-rate rule matching no array (and a nested
path to a layer without arrays, said so as a top-level name is), validation_set=0 for a net trained on a count."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, DataError, ElementwiseLayer, EmbeddingLayer, KLDivergenceLayer,
                      LinearLayer, LongShortTermMemoryLayer, NetArrayLayer, NetChain, NetGraph, NetMapOperator, NetPort,
                      NormalDistribution, OptionError, SequenceLastLayer, SoftmaxLayer, net_initialize, net_train)


def _problem(error_type, **options):
    data = options.pop("data")
    with pytest.raises(error_type) as info:
        net_train(options.pop("net"), data, max_training_rounds=1, progress=False, random_seed=0, **options)
    return info.value, info.value.diagnostics[0]


def test_a_label_the_class_decoder_lacks_names_example_expected_and_found():
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["neg", "pos"]))
    error, problem = _problem(DataError, net=net, data={"Input": torch.randn(50, 3), "Output": ["pos"] * 49 + ["po"]})
    assert "example 49: label 'po' is not one of the 2 labels" in str(error)
    assert (problem.kind, problem.port, problem.example, problem.expected, problem.found) == \
        ("encoding", "Output", 49, ("neg", "pos"), "po")


def test_an_embedding_index_out_of_range_names_its_example():
    net = NetChain([EmbeddingLayer(4, 5), LongShortTermMemoryLayer(4), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=["n"])
    error, problem = _problem(DataError, net=net, data={"Input": torch.tensor([[1], [2], [9], [3]]),
                                                        "Target": torch.tensor([0, 1, 0, 1])})
    assert "found values in 1..9 at example 2" in str(error)
    assert (problem.kind, problem.example, problem.expected, problem.found) == ("data-range", 2, (0, 4), (1, 9))


def test_a_class_index_out_of_range_names_its_example():
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=2)
    _, problem = _problem(DataError, net=net, data={"Input": torch.randn(4, 2), "Target": torch.tensor([0, 1, 5, 2])})
    assert (problem.kind, problem.example, problem.expected, problem.found) == ("data-range", 2, (0, 2), (0, 5))


def test_a_learning_rate_rule_matching_no_array_names_the_option():
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=2)
    _, problem = _problem(OptionError, net=net, data={"Input": torch.randn(4, 2), "Target": torch.tensor([0, 1, 2, 1])},
                          learning_rate_multipliers={"linaer": 0})
    assert (problem.kind, problem.option, problem.found) == ("option-value", "learning_rate_multipliers", "linaer")


def _mapped():
    inner = NetChain({"l": LinearLayer(2), "d": ElementwiseLayer("Tanh")}, input=2)
    return NetChain({"map": NetMapOperator(inner), "o": SequenceLastLayer()}, input=[3, 2])


def test_a_nested_path_to_a_layer_without_arrays_says_so_as_a_top_level_name_does():
    error, problem = _problem(OptionError, net=_mapped(), data={"Input": torch.randn(8, 3, 2),
                                                                "Target": torch.randn(8, 2)},
                              learning_rate_multipliers={("map", "net", "d"): 0})
    assert "key ('map', 'net', 'd') names a layer without arrays; layers with arrays: ['map/net/l']" in str(error)
    assert (problem.option, problem.found) == ("learning_rate_multipliers", ("map", "net", "d"))
    with pytest.raises(OptionError, match=r"key \('map', 'net', 'x'\) matches no array") as info:
        net_initialize(_mapped(), method={("map", "net", "x"): "Xavier"})
    assert info.value.diagnostics[0].option == "method"


def test_validation_set_0_for_a_net_trained_on_a_count_names_the_option():
    kl = KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(-0.5, 1.0))
    net = NetGraph({"mu": NetArrayLayer(array=[2.0]), "kl": kl}, [("mu", "kl", NetPort("KL"))])
    error, problem = _problem(DataError, net=net, data=100, loss_function="KL", validation_set=0)
    assert "validation_set as a number of examples must be 1 or more, found 0" in str(error)
    assert (problem.kind, problem.option, problem.found) == ("missing-data", "validation_set", 0)


def test_a_label_a_class_encoder_lacks_in_a_net_call_names_example_expected_and_found():
    net = net_initialize(NetChain([EmbeddingLayer(3), LinearLayer(2)], input=ClassEncoder(["a", "b"])), seed=0)
    with pytest.raises(DataError, match="example 1: label 'c' is not one of the 2 labels") as info:
        net(["a", "c", "b"])
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == ("encoding", 1, ("a", "b"), "c")
