"""Integer image arrays of any dtype are pixels, read as their uint8 cast (uint16: over 0..65535): an int64 array of
0/1 was read as floats in [0, 1] (1 white, where uint8's 1 is nearly black), one of 255 refused as floats."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, FlattenLayer, ImageEncoder, LinearLayer, NetChain, SoftmaxLayer, net_train
from netgraph.core.errors import DataError

GREY = ImageEncoder(size=(4, 3), color_space="Grayscale")


def _net():
    return NetChain([FlattenLayer()], input=GREY)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint32, np.uint64])
def test_an_integer_array_is_read_as_its_uint8_pixels(dtype):
    pixels = np.random.default_rng(0).integers(0, 128 if dtype == np.int8 else 256, (3, 4))
    expected = _net()(pixels.astype(np.uint8))
    assert torch.equal(_net()(pixels.astype(dtype)), expected)
    assert torch.allclose(expected, torch.tensor(pixels.ravel() / 255.0, dtype=expected.dtype))


def test_an_int64_array_of_ones_is_nearly_black_and_of_255_white():
    assert torch.allclose(_net()(np.ones((3, 4), np.int64)), torch.full((12,), 1 / 255))
    assert torch.equal(_net()(np.full((3, 4), 255, np.int64)), torch.ones(12))


def test_an_int64_array_of_the_ports_shape_is_read_channels_first():
    pixels = np.arange(12, dtype=np.int64).reshape(1, 3, 4) * 20
    assert torch.equal(_net()(pixels), _net()(pixels.astype(np.uint8)))


@pytest.mark.parametrize("value, cast", [(300, "x.astype('uint16') if these are 16-bit pixels (0..65535), else "
                                                "x scaled to 0..255, as uint8"),
                                         (-1, "x scaled to 0..255, as uint8"),
                                         (70000, "x scaled to 0..255, as uint8")])
def test_integers_outside_0_to_255_are_refused_with_the_cast_to_give(value, cast):
    with pytest.raises(DataError) as info:
        _net()(np.full((3, 4), value, np.int64))
    assert str(info.value).endswith(f"an image array of int64 holds 8-bit pixels, 0..255, as uint8 (uint16: "
                                    f"0..65535), found values from {value} to {value}; give {cast}")


def test_net_train_reads_a_stacked_int64_batch_as_its_uint8_one():
    images = np.random.default_rng(1).integers(0, 256, (4, 3, 4))
    net = NetChain([FlattenLayer(), LinearLayer(2), SoftmaxLayer()], input=GREY, output=ClassDecoder(["a", "b"]))
    trained = [net_train(net, {"Input": images.astype(dtype), "Output": ["a", "b", "a", "b"]}, max_training_rounds=2,
                         batch_size=2, random_seed=0) for dtype in (np.uint8, np.int64)]
    assert torch.equal(trained[0](images[0].astype(np.uint8), decoder=None),
                       trained[1](images[0].astype(np.uint8), decoder=None))


def test_a_bool_array_is_refused_with_the_cast_to_give():
    with pytest.raises(DataError, match=r"found dtype bool \(a mask\? give x.astype\(np.uint8\) \* 255\)$"):
        _net()(np.ones((3, 4), bool))
    assert torch.equal(_net()(np.ones((3, 4), bool).astype(np.uint8) * 255), torch.ones(12))
