"""An exported net keeps its coders that are no class coders (a vocabulary, an image's size, mean and std, a scalar's
range, a BooleanDecoder): they are in the model's ``netgraph_coders`` metadata, and ``import_onnx`` puts them back,
so the imported net reads texts and images as the exported one does; they were dropped without a word."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from netgraph import (BooleanDecoder, BooleanEncoder, CharactersEncoder, ClassDecoder, ClassEncoder, DataError,
                      ElementwiseLayer, EmbeddingLayer, FlattenLayer, ImageEncoder, LinearLayer, NetChain, PortType,
                      ReshapeLayer, Restricted, ScalarEncoder, SequenceLastLayer, SoftmaxLayer, TokensEncoder,
                      export_onnx, import_onnx, net_initialize)


def _metadata(path):
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def test_a_text_classifier_imports_with_its_vocabulary(tmp_path):
    net = net_initialize(NetChain([EmbeddingLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                                  input=TokensEncoder(["the", "cat", "sat"], lowercase=True, max_length=5),
                                  output=ClassDecoder(["pos", "neg"])), seed=0)
    path = export_onnx(net, tmp_path / "tok.onnx")
    assert json.loads(_metadata(path)["netgraph_coders"]) == {
        "Input": {"type": "TokensEncoder", "vocabulary": ["the", "cat", "sat"], "max_length": 5, "lowercase": True}}
    back = import_onnx(path)
    assert back.coders == net.coders
    texts = ["The cat", "sat the cat"]
    assert torch.allclose(back(texts, decoder=None), net(texts, decoder=None), atol=1e-6)


def test_an_image_encoders_size_mean_and_std_and_a_boolean_decoder_come_back(tmp_path):
    encoder = ImageEncoder(size=(5, 4), mean=[0.5, 0.4, 0.3], std=[0.2, 0.25, 0.3])
    layers = [FlattenLayer(), LinearLayer(1), ElementwiseLayer("LogisticSigmoid"), ReshapeLayer(())]
    net = net_initialize(NetChain(layers, input=encoder, output=BooleanDecoder()), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "img.onnx"))
    assert back.coders == net.coders
    image = np.random.default_rng(0).integers(0, 256, (8, 9, 3)).astype(np.uint8)
    assert back(image) == net(image)
    assert torch.allclose(back(image, decoder=None), net(image, decoder=None), atol=1e-6)


def test_a_scalar_encoders_range_comes_back(tmp_path):
    net = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=ScalarEncoder(min=-3, max=7),
                                  output=ClassDecoder(["low", "high"])), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "s.onnx"))
    assert back.coders == net.coders and back([6.5, -1.0]) == net([6.5, -1.0])


def test_a_coder_of_no_coders_form_is_left_out_with_a_warning(tmp_path):
    net = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=ScalarEncoder(min=0, max=1),
                                  output=ClassDecoder(["a", "b"])), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    next(p for p in model.metadata_props if p.key == "netgraph_coders").value = json.dumps(
        {"Input": {"type": "ScalarEncoder", "min": 2, "max": 1}})
    onnx.save(model, str(tmp_path / "edited.onnx"))
    with pytest.warns(UserWarning, match="class labels or coders left out: the coder of port 'Input'"):
        back = import_onnx(tmp_path / "edited.onnx")
    assert back.coders == {"Output": ClassDecoder(["a", "b"])}


@pytest.mark.parametrize("port", [Restricted("Integer", 5), PortType((), "Integer", (0, 4))],
                         ids=["Restricted", "range"])
def test_a_restricted_input_comes_back_with_its_range_and_no_warning(tmp_path, port, recwarn):
    net = net_initialize(NetChain([EmbeddingLayer(3, 5)], input=port), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "r.onnx"))  # was read as a decoder: a warning, the range lost
    assert not [w for w in recwarn if "left out" in str(w.message)]
    assert back.coders == net.coders == {"Input": Restricted("Integer", (0, 4))}
    with pytest.raises(DataError, match="outside the port's range 0..4"):
        back(torch.tensor([1, 5]))


@pytest.mark.parametrize("encoder, example", [(BooleanEncoder(), [True, False]), (CharactersEncoder("abc"), ["cab"]),
                                              (ClassEncoder(["a", "b", "c"], output="UnitVector"), ["c", "a"])],
                         ids=["Boolean", "Characters", "ClassUnitVector"])
def test_other_encoders_come_back(tmp_path, encoder, example, recwarn):
    first = [EmbeddingLayer(3), SequenceLastLayer()] if isinstance(encoder, CharactersEncoder) else []
    net = net_initialize(NetChain([*first, LinearLayer(2)], input=encoder), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "e.onnx"))
    assert not [w for w in recwarn if "left out" in str(w.message)]
    assert back.coders == net.coders
    torch.testing.assert_close(back(example), net(example))


@pytest.mark.parametrize("key", ["netgraph_labels", "netgraph_coders"])
def test_metadata_nested_too_deeply_is_left_out_with_a_warning(tmp_path, key):
    net = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=ScalarEncoder(min=0, max=1),
                                  output=ClassDecoder(["a", "b"])), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    next(p for p in model.metadata_props if p.key == key).value = "[" * 100000  # was a RecursionError
    onnx.save(model, str(tmp_path / "deep.onnx"))
    with pytest.warns(UserWarning, match=f"left out: its {key} metadata is JSON nested too deeply to read"):
        back = import_onnx(tmp_path / "deep.onnx")
    kept = "Input" if key == "netgraph_labels" else "Output"
    assert back.coders == {kept: net.coders[kept]}
