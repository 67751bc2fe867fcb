"""Numbers in a data file at a port with an encoder or decoder are encoded as net_train encodes that numpy array in
Python. ``load_data`` reads them as tensors, which a coded port takes as already encoded: found by QA, `netgraph
train` and `measure` fed a ScalarEncoder(min=0, max=10) port its raw values (a trained net then saw other inputs in
Python than in training), read numeric labels as class indices (out of range) and refused uint8 images, asking for
the numpy image array the file held."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (BooleanDecoder, ClassDecoder, ClassEncoder, EmbeddingLayer, ImageEncoder, LinearLayer, NetChain, ReshapeLayer,
                      ScalarEncoder, SoftmaxLayer, FlattenLayer, ElementwiseLayer, load, net_initialize, net_measurements, net_train, save)


def test_a_scalar_encoder_port_rescales_the_numbers_of_a_data_file(cli):
    net = net_initialize(NetChain([ReshapeLayer([1]), LinearLayer(1)], input=ScalarEncoder(min=0, max=10)), seed=0)
    save(net, cli.folder / "s.yaml")
    sizes, target = np.array([1.0, 5.0, 9.0, 3.0]), np.array([[0.1], [0.5], [0.9], [0.3]])
    np.savez(cli.folder / "d.npz", Input=sizes, Target=target)
    ran = cli("measure", "s.yaml", "--data", "d.npz")
    expected = net_measurements(net, {"Input": sizes, "Target": target}, ["Loss"])["Loss"]
    assert ran.code == 0 and float(ran.out.split()[1]) == pytest.approx(expected, rel=1e-5), ran.out + ran.err
    assert net_measurements(net, str(cli.folder / "d.npz"), ["Loss"])["Loss"] == pytest.approx(expected, rel=1e-6)


def test_numeric_labels_in_a_data_file_train_as_the_same_numpy_arrays_do_in_python(cli):
    net = NetChain([EmbeddingLayer(3), LinearLayer(2), SoftmaxLayer()], input=ClassEncoder([10, 20, 30]),
                   output=ClassDecoder([0, 5]))
    save(net, cli.folder / "n.yaml")
    labels, classes = np.array([10, 20, 30, 10]), np.array([0, 5, 5, 0])
    np.savez(cli.folder / "d.npz", Input=labels, Target=classes)
    ran = cli("train", "n.yaml", "--data", "d.npz", "--rounds", 2, "--seed", 1, "--quiet", "-o", "out")
    assert ran.code == 0, ran.err
    expected = net_train(net_initialize(net, seed=1), {"Input": labels, "Target": classes}, max_training_rounds=2,
                         random_seed=1, progress=False)
    torch.testing.assert_close(load(cli.folder / "out" / "n.yaml")([10, 20, 30], decoder=None),
                               expected([10, 20, 30], decoder=None))


def test_uint8_images_in_a_data_file_are_read_by_the_image_encoder(cli):
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(2), SoftmaxLayer()],
                                  input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                                  output=ClassDecoder(["a", "b"])), seed=0)
    save(net, cli.folder / "i.yaml")
    images, labels = np.random.default_rng(0).integers(0, 256, (3, 4, 4, 1), dtype=np.uint8), np.array(["a", "b", "a"])
    np.savez(cli.folder / "d.npz", Input=images, Target=labels)
    ran = cli("measure", "i.yaml", "--data", "d.npz")
    expected = net_measurements(net, {"Input": images, "Target": labels}, ["Loss"])["Loss"]
    assert ran.code == 0 and float(ran.out.split()[1]) == pytest.approx(expected, rel=1e-5), ran.out + ran.err
    assert torch.is_tensor(net(images, decoder=None))


@pytest.mark.parametrize("decoder, target", [
    (BooleanDecoder(), np.array([[1.0], [0.0], [1.0], [0.0]], "float32")),  # 0/1 targets of a (1) output
    (ClassDecoder(["a", "b", "c"]), np.full((4, 3), 1 / 3, "float32")),      # probabilities as targets
    (ClassDecoder(["a", "b", "c"]), np.array([0, 2, 1, 0]))])                # class indices
def test_numbers_a_decoder_takes_as_they_are_still_train_from_a_data_file(cli, decoder, target):
    net = NetChain([LinearLayer(target.shape[1] if target.ndim == 2 else 3),
                    ElementwiseLayer("LogisticSigmoid") if isinstance(decoder, BooleanDecoder) else SoftmaxLayer()], input=3, output=decoder)
    save(net, cli.folder / "t.yaml")
    np.savez(cli.folder / "d.npz", Input=np.ones((4, 3), "float32"), Target=target)
    ran = cli("train", "t.yaml", "--data", "d.npz", "--rounds", 1, "--quiet", "-o", "out")
    assert ran.code == 0 and "trained 1 round" in ran.out, ran.err
