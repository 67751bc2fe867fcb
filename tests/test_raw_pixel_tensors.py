"""An integer tensor at an ImageEncoder port is raw pixels (0..255, as torchvision's read_image gives), not the port's
encoded form (floats in [0, 1], then normalised): it was run or trained on as values up to 255, silently (a new
user's QA). Such a tensor is a DataError naming the port and the conversion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, DataError, FlattenLayer, ImageEncoder, NetChain, SoftmaxLayer, net_initialize, net_train


def _net():
    return NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4)),
                    output=ClassDecoder(["a", "b"]))


def _pixels(*shape, dtype=torch.uint8):
    return torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(0)).to(dtype)


@pytest.mark.parametrize("x, fix", [(_pixels(3, 4, 4), "x.permute(1, 2, 0).numpy()"),
                                    (_pixels(2, 3, 4, 4), "x.permute(0, 2, 3, 1).numpy()"),
                                    (_pixels(2, 3, 4, 4, dtype=torch.int64), "x.permute(0, 2, 3, 1).numpy()")])
def test_net_of_an_integer_tensor_at_an_image_port_is_a_data_error_naming_the_port_and_the_fix(x, fix):
    net = net_initialize(_net(), seed=0)
    with pytest.raises(DataError) as info:
        net(x)
    assert str(info.value).startswith(f"input port 'Input' (ImageEncoder): a tensor of dtype {x.dtype} holds raw "
                                      f"pixel values")
    assert fix in str(info.value)
    assert info.value.diagnostics[0].port == "Input"


def test_the_numpy_image_the_message_names_is_read_as_the_floats_it_stands_for():
    net, x = net_initialize(_net(), seed=0), _pixels(2, 3, 4, 4)
    torch.testing.assert_close(net(x.permute(0, 2, 3, 1).numpy(), decoder=None), net(x / 255, decoder=None))


@pytest.mark.parametrize("listed", [False, True])
@pytest.mark.parametrize("labels", [["a", "b"] * 3, torch.tensor([0, 1] * 3)])
def test_net_train_refuses_an_integer_tensor_at_an_image_port_before_training(listed, labels):
    x = _pixels(6, 3, 4, 4)
    data = {"Input": list(x) if listed else x, "Output": labels}
    with pytest.raises(DataError) as info:
        net_train(_net(), data, max_training_rounds=1, random_seed=0)
    assert "input port 'Input' (ImageEncoder)" in str(info.value)
    assert "holds raw pixel values" in str(info.value)


def test_float_tensors_at_an_image_port_stay_the_encoded_form():
    net = net_initialize(_net(), seed=0)
    x = _pixels(2, 3, 4, 4) / 255
    assert net(x) == net(x.double())


def test_net_train_refuses_example_dicts_holding_integer_image_tensors_naming_the_example():
    x = _pixels(4, 3, 4, 4)
    examples = [{"Input": x[i] / 255 if i != 2 else x[i], "Output": torch.tensor(i % 2)} for i in range(4)]
    with pytest.raises(DataError) as info:
        net_train(_net(), examples, max_training_rounds=1, random_seed=0)
    assert "input port 'Input' (ImageEncoder): example 2: a tensor of dtype torch.uint8 holds raw" in str(info.value)


def test_net_train_refuses_input_target_pairs_holding_integer_image_tensors_naming_the_example():
    x = _pixels(4, 3, 4, 4)
    pairs = [(x[i] / 255 if i != 1 else x[i], "ab"[i % 2]) for i in range(4)]
    with pytest.raises(DataError) as info:
        net_train(_net(), pairs, max_training_rounds=1, random_seed=0)
    assert "input port 'Input' (ImageEncoder): example 1: a tensor of dtype torch.uint8 holds raw" in str(info.value)


#: The conversions the message names, each as code (followed here without eval).
_FOLLOWED = {"x.numpy()": lambda x: x.numpy(), "list(x.numpy())": lambda x: list(x.numpy()),
             "x.permute(1, 2, 0).numpy()": lambda x: x.permute(1, 2, 0).numpy(),
             "x.permute(0, 2, 3, 1).numpy()": lambda x: x.permute(0, 2, 3, 1).numpy()}


def _grey(x):
    return [image.numpy() for image in x]


def _channels_last(x):
    return [np.dstack(list(image.numpy())) for image in x]


@pytest.mark.parametrize("colour", ["Grayscale", "RGB"])
@pytest.mark.parametrize("shape, images, one", [
    ((8, 8), lambda x: [x.numpy()], True),  # one grey image
    ((5, 8, 8), _grey, False),  # MNIST's x[:5]: 5 grey images
    ((5, 8, 2), _grey, False),  # 5 grey images 2 wide (no grey-alpha image)
    ((1, 8, 8), lambda x: _grey(x), True),  # one channels-first grey image
    ((8, 8, 3), lambda x: [x.numpy()], True),  # one channels-last RGB image
    ((5, 1, 8, 8), lambda x: [image[0].numpy() for image in x], False),
    ((5, 3, 8, 8), _channels_last, False)])
def test_following_the_raw_pixels_message_gives_the_images_the_tensor_holds(colour, shape, images, one):
    net = net_initialize(NetChain([FlattenLayer(), 2], input=ImageEncoder(size=(8, 8), color_space=colour)), seed=0)
    x = _pixels(*shape)
    with pytest.raises(DataError) as info:
        net(x)
    fix = str(info.value).rsplit(": ", 1)[-1]
    assert fix in _FOLLOWED
    expected = net(images(x))
    torch.testing.assert_close(net(_FOLLOWED[fix](x)), expected[0] if one else expected)


def test_a_three_channel_first_tensor_is_one_colour_image_at_a_colour_port_and_three_grey_images_at_a_grey_one():
    x = _pixels(3, 8, 8)
    for colour, expected in [("RGB", _channels_last([x])[0]), ("Grayscale", _grey(x))]:
        net = net_initialize(NetChain([FlattenLayer(), 2], input=ImageEncoder(size=(8, 8), color_space=colour)),
                             seed=0)
        with pytest.raises(DataError) as info:
            net(x)
        torch.testing.assert_close(net(_FOLLOWED[str(info.value).rsplit(": ", 1)[-1]](x)), net(expected))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int16])
@pytest.mark.parametrize("shape", [(8, 8), (5, 8, 8), (5, 3, 8, 8)])
def test_following_the_message_for_pixels_of_another_integer_dtype_gives_the_uint8_images(dtype, shape):
    # an int64 array of 0..255 is no image array (those hold uint8, uint16 or floats in [0, 1]): cast to uint8
    net = net_initialize(NetChain([FlattenLayer(), 2], input=ImageEncoder(size=(8, 8))), seed=0)
    x = _pixels(*shape)
    with pytest.raises(DataError) as info:
        net(x.to(dtype))
    fix = str(info.value).rsplit(": ", 1)[-1]
    assert fix.endswith(".astype('uint8')") and fix.removesuffix(".astype('uint8')") in _FOLLOWED
    torch.testing.assert_close(net(_FOLLOWED[fix.removesuffix(".astype('uint8')")](x.to(dtype)).astype("uint8")),
                               net(_FOLLOWED[fix.removesuffix(".astype('uint8')")](x)))


@pytest.mark.parametrize("shape", [(3, 3, 3), (2, 3, 3, 3)])
def test_at_a_port_whose_channels_height_and_width_are_equal_the_message_keeps_channels_first(shape):
    # permuted, a (3, 3, 3) image is of the port's shape, which is read channels first: the channels would be rows
    net = net_initialize(NetChain([FlattenLayer(), 2], input=ImageEncoder(size=(3, 3))), seed=0)
    x = _pixels(*shape)
    with pytest.raises(DataError) as info:
        net(x)
    fix = str(info.value).rsplit(": ", 1)[-1]
    torch.testing.assert_close(net(_FOLLOWED[fix](x)), net(x / 255))  # the encoded form, as floats
