"""Image values a PyTorch user passes (a new user's QA): a PIL image closed before its pixels were read."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from netgraph import DataError, ImageEncoder
from netgraph.data import encode


@pytest.mark.parametrize("closing", ["with", "close"])
def test_a_pil_image_closed_before_its_pixels_were_read_is_a_data_error_naming_the_port(tmp_path, closing):
    """`with Image.open(p) as im: ...` then net(im) raised pillow's bare AssertionError (or 'Operation on closed
    image'), naming no port: Image.open reads the pixels lazily, and the block closed the file."""
    Image.new("L", (6, 6), 100).save(tmp_path / "a.png")
    if closing == "with":
        with Image.open(tmp_path / "a.png") as image:
            pass
    else:
        image = Image.open(tmp_path / "a.png")
        image.close()
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", [image])
    assert str(info.value).startswith("input port 'Input' (ImageEncoder): example 0: the PIL image was closed before "
                                      "its pixels were read")


def test_a_pil_image_loaded_inside_its_block_is_read_after_it(tmp_path):
    Image.new("L", (4, 4), 102).save(tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as image:
        image.load()
    torch.testing.assert_close(encode(ImageEncoder(size=(4, 4), color_space="Grayscale"), "Input", image),
                               torch.full((1, 4, 4), 102 / 255))


def test_net_train_refuses_a_closed_pil_image_before_training(tmp_path):
    from netgraph import ClassDecoder, FlattenLayer, NetChain, SoftmaxLayer, net_train

    Image.new("L", (4, 4), 100).save(tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as closed:
        pass
    net = NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4)), output=ClassDecoder(["a", "b"]))
    images = [Image.new("RGB", (4, 4)), closed]
    with pytest.raises(DataError) as info:
        net_train(net, {"Input": images, "Output": ["a", "b"]}, max_training_rounds=1, random_seed=0)
    assert str(info.value).startswith("bad training data: input port 'Input' (ImageEncoder): example 1: the PIL image "
                                      "was closed before its pixels were read")


def test_a_16_bit_array_is_read_over_16_bits_as_a_16_bit_file_is(tmp_path):
    """cv2.imread(path, cv2.IMREAD_UNCHANGED) of a 16-bit PNG gives a uint16 array: it was refused ('an image array
    of uint16 holds floats in [0, 1] (or is uint8)'), though the same pixels as a file are read, scaled 0..65535."""
    import numpy as np

    pixels = np.array([[0, 1000], [32768, 65535]], dtype=np.uint16)
    Image.fromarray(pixels).save(tmp_path / "deep.png")
    grey = ImageEncoder(size=(2, 2), color_space="Grayscale")
    from_array = encode(grey, "Input", pixels)
    torch.testing.assert_close(from_array, encode(grey, "Input", str(tmp_path / "deep.png")))
    torch.testing.assert_close(from_array, torch.from_numpy(pixels / 65535).reshape(1, 2, 2).float())
    rgb = np.stack([pixels] * 3, axis=-1)
    torch.testing.assert_close(encode(ImageEncoder(size=(2, 2)), "Input", rgb), from_array.expand(3, 2, 2))


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "F", "I;16"])
@pytest.mark.parametrize("size", [(0, 0), (0, 3), (5, 0)])
def test_a_pil_image_of_no_pixels_is_a_data_error_naming_the_port(mode, size):
    """An 8-bit one was encoded as a black image (pillow resizes 0x0 to black), a 16-bit or float one raised torch's
    bare RuntimeError from interpolate; an empty numpy array was already refused."""
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", [Image.new(mode, size)])
    assert str(info.value) == (f"input port 'Input' (ImageEncoder): example 0: the PIL image has no pixels (size "
                               f"{size[0]}x{size[1]})")


def test_net_train_refuses_a_pil_image_of_no_pixels_before_training():
    from netgraph import ClassDecoder, FlattenLayer, NetChain, SoftmaxLayer, net_train
    net = NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                   output=ClassDecoder(["a", "b"]))
    images = [Image.new("L", (4, 4), 9), Image.new("L", (0, 4))]
    with pytest.raises(DataError, match="example 1: the PIL image has no pixels"):
        net_train(net, {"Input": images, "Output": ["a", "b"]}, max_training_rounds=1, progress=False)


def test_a_numpy_stack_of_grey_images_is_a_batch_for_net_x_as_for_net_train():
    """(b, h, w) uint8, as MNIST's x_train[:5] is: net(x) took it for one (h, w, c) image of b rows and refused it
    ("with 1, 3 or 4 channels, found shape (5, 8, 8)"), where net_train reads it as b images (QA pass 9)."""
    import numpy as np
    from netgraph import FlattenLayer, LinearLayer, NetChain, net_initialize
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(2)], input=ImageEncoder(size=(8, 8),
                                                                                        color_space="Grayscale")), seed=0)
    images = np.random.default_rng(0).integers(0, 256, (5, 8, 8), dtype=np.uint8)
    torch.testing.assert_close(net(images), torch.stack([net(image) for image in images]))
    torch.testing.assert_close(net(images / 255.0), net(images), atol=1e-6, rtol=0)
    assert net(images[:1]).shape == (2,)  # the port's own (1, 8, 8): one image, channels first, as before


@pytest.mark.parametrize("color_space", ["Grayscale", "RGB"])
def test_a_grey_alpha_array_is_one_image_refused_by_name_not_a_stack_of_grey_images(color_space):
    """A (h, w, 2) grey-alpha array was the clear "1, 3 or 4 channels" error, then silently h grey images of w x 2
    pixels; a (b, h, w) stack whose last dim is no channel count is still b images (grey ones, at an RGB port too)."""
    import numpy as np
    from netgraph import DataError, FlattenLayer, LinearLayer, NetChain, net_initialize
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(2)], input=ImageEncoder(size=(8, 8),
                                                                                        color_space=color_space)), seed=0)
    with pytest.raises(DataError, match=r"with 1, 3 or 4 channels, found shape \(5, 6, 2\)"):
        net(np.zeros((5, 6, 2), dtype=np.uint8))
    images = np.random.default_rng(0).integers(0, 256, (3, 8, 5), dtype=np.uint8)
    torch.testing.assert_close(net(images), torch.stack([net(image) for image in images]))


@pytest.mark.parametrize("color_space, width", [("Grayscale", 4), ("Grayscale", 3), ("RGB", 2), ("RGB", 1)])
def test_a_grey_stack_of_the_ports_own_height_and_width_is_a_batch_even_where_the_width_is_1_to_4(color_space, width):
    """(6, 3, 4) at a (4, 3) port was read as one RGBA image of 6 x 3 pixels (its last dim a channel count): one
    output, not 6. Its trailing (h, w) is the port's, its leading two dims are not, and its last is no channel count
    of the port's colour space (1 at Grayscale, 3 or 4 at RGB), so it is 6 grey images."""
    import numpy as np
    from netgraph import FlattenLayer, NetChain
    net = NetChain([FlattenLayer()], input=ImageEncoder((width, 3), color_space=color_space))
    images = np.random.default_rng(0).integers(0, 256, (6, 3, width), dtype=np.uint8)
    torch.testing.assert_close(net(images), torch.stack([net(image) for image in images]))
    square = NetChain([FlattenLayer()], input=ImageEncoder((4, 4), color_space=color_space))
    assert square(np.zeros((4, 4, 4), np.uint8)).dim() == 1  # could be a (4, 4) RGBA image: one image, as before


def test_a_colour_image_whose_width_and_channels_are_an_rgb_ports_height_and_width_stays_one_image():
    """(20, 10, 3) at a (3, 10) RGB port: its last two dims are the port's (h, w), but 3 is the port's channel count,
    so it is one 20 x 10 RGB photo (20 "grey images" before); at a Grayscale port 3 is no channel count of its own."""
    import numpy as np
    from netgraph import FlattenLayer, NetChain
    photo = np.random.default_rng(0).integers(0, 256, (20, 10, 3), dtype=np.uint8)
    rgb = NetChain([FlattenLayer()], input=ImageEncoder((3, 10), color_space="RGB"))
    assert tuple(rgb(photo).shape) == (90,)
    rgba = NetChain([FlattenLayer()], input=ImageEncoder((4, 10), color_space="RGB"))
    assert tuple(rgba(np.zeros((20, 10, 4), np.uint8)).shape) == (120,)  # RGBA: one image, its alpha dropped
    grey = NetChain([FlattenLayer()], input=ImageEncoder((3, 10), color_space="Grayscale"))
    torch.testing.assert_close(grey(photo), torch.stack([grey(image) for image in photo]))
    grey_one = NetChain([FlattenLayer()], input=ImageEncoder((1, 10), color_space="Grayscale"))
    assert tuple(grey_one(np.zeros((20, 10, 1), np.uint8)).shape) == (10,)  # one (h, w, 1) grey image
