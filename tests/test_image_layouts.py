"""An image array whose shape is the ImageEncoder port's own (channels, height, width) is read channels first: a
(3, 4, 4) uint8 array at a (3, 4, 4) port was read as a 3x4 RGBA image (channels last, 4 of them), resized."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ImageEncoder
from netgraph.data import encode

_PORT = ImageEncoder(size=(4, 4))  # port (3, 4, 4)


def _picture() -> np.ndarray:
    """A 4x4 RGB picture, channels last, uint8."""
    return np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)


def test_a_uint8_array_of_the_ports_shape_is_read_channels_first():
    hwc = _picture()
    chw = np.ascontiguousarray(hwc.transpose(2, 0, 1))
    expected = torch.from_numpy(chw / 255.0).float()
    torch.testing.assert_close(encode(_PORT, "Input", chw), expected)


def test_the_same_picture_channels_last_reads_the_same():
    hwc = _picture()
    torch.testing.assert_close(encode(_PORT, "Input", hwc),
                               encode(_PORT, "Input", np.ascontiguousarray(hwc.transpose(2, 0, 1))))


def test_a_batch_of_uint8_arrays_of_the_ports_shape_is_read_channels_first():
    pictures = np.stack([_picture(), 255 - _picture()])
    batch = np.ascontiguousarray(pictures.transpose(0, 3, 1, 2))
    torch.testing.assert_close(encode(_PORT, "Input", batch), torch.from_numpy(batch / 255.0).float())


def test_a_grey_uint8_array_of_the_ports_shape_is_read_channels_first():
    grey = ImageEncoder(size=(8, 8), color_space="Grayscale")
    pixels = np.random.default_rng(1).integers(0, 256, (1, 8, 8), dtype=np.uint8)
    torch.testing.assert_close(encode(grey, "Input", pixels), torch.from_numpy(pixels / 255.0).float())


def test_a_float_array_of_the_ports_shape_is_the_encoded_form_even_where_it_could_be_channels_last():
    x = np.random.default_rng(2).random((3, 4, 4))  # also a 3x4 RGBA image's shape
    torch.testing.assert_close(encode(_PORT, "Input", x), torch.from_numpy(x))


def test_float_arrays_of_the_ports_shape_are_encoded_alike_one_stacked_or_listed():
    """A list of them was read as (h, w, c) pixels transposed, then normalised: a net gave other outputs for [a, a]
    than for np.stack([a, a]) or a alone."""
    port = ImageEncoder(size=(4, 4), mean=[0.5] * 3, std=[0.25] * 3)
    a, b = np.random.default_rng(3).random((2, 3, 4, 4)).astype(np.float32)
    stacked = encode(port, "Input", np.stack([a, b]))
    torch.testing.assert_close(stacked, torch.from_numpy(np.stack([a, b])))
    torch.testing.assert_close(encode(port, "Input", [a, b]), stacked)
    torch.testing.assert_close(encode(port, "Input", a), stacked[0])


def test_a_listed_uint8_array_of_the_ports_shape_is_still_read_as_channels_first_pixels():
    chw = np.ascontiguousarray(_picture().transpose(2, 0, 1))
    torch.testing.assert_close(encode(_PORT, "Input", [chw, chw]), torch.from_numpy(np.stack([chw, chw]) / 255.0).float())


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">u2"])
def test_a_big_endian_array_reads_as_the_same_native_one(dtype):
    """A big-endian float array (as astropy reads a FITS image) raised torch's bare 'byte order different from the
    native byte order' ValueError, and a big-endian uint16 one was refused as no uint16 (QA)."""
    native = (np.arange(20).reshape(4, 5) / 19 * (65535 if dtype == ">u2" else 1)).astype(dtype[1:])
    coder = ImageEncoder(size=(5, 4), color_space="Grayscale")
    swapped, expected = encode(coder, "Input", [native.astype(dtype), native])
    assert torch.equal(swapped, expected)
    encoded = encode(coder, "Input", [np.zeros((1, 4, 5), ">f4")])  # the port's own encoded form, passed through
    assert torch.equal(encoded, torch.zeros(1, 1, 4, 5))
    stacked = encode(coder, "Input", np.ones((2, 1, 4, 5), ">f4"))  # a batch in the encoded form
    assert torch.equal(stacked, torch.ones(2, 1, 4, 5))
