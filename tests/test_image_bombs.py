"""Images with more pixels than PIL.Image.MAX_IMAGE_PIXELS (a decompression bomb?) are refused before decoding,
naming the file, its size and the limit; a JPEG the encoder shrinks anyway is decoded at a reduced scale."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile

from netgraph import DataError, ImageEncoder
from netgraph.data import encode
from netgraph.data.images import check_image

CODER = ImageEncoder(size=(30, 20))


def _gradient(path):  # 600x400 = 240,000 pixels, smooth: a reduced decode then resize matches the full one
    y, x = np.mgrid[0:400, 0:600]
    Image.fromarray(np.stack([x * 255 // 599, y * 255 // 399, (x + y) * 255 // 998], -1).astype(np.uint8)).save(path)
    return str(path)


@pytest.mark.parametrize("limit, words", [(150_000, "is 600x400 = 240,000 pixels, over the limit of 150,000"),
                                          (100_000, "is over twice the limit of 100,000")])
def test_an_image_over_the_pixel_limit_is_refused_before_decoding_naming_file_size_and_limit(tmp_path, monkeypatch,
                                                                                          limit, words):
    png = _gradient(tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pillow's DecompressionBombWarning is not what the user sees
        with pytest.raises(DataError) as info:
            encode(CODER, "Input", png)
        assert f"image {png!r} {words} pixels (PIL.Image.MAX_IMAGE_PIXELS" in str(info.value)
        assert f"image {png!r} {words} pixels" in check_image(CODER, png)  # the check before training says so too


def test_a_jpeg_over_the_limit_is_decoded_at_a_reduced_scale_when_the_encoder_shrinks_it(tmp_path, monkeypatch):
    jpeg = str(tmp_path / "big.jpg")
    Image.open(_gradient(tmp_path / "big.png")).save(jpeg, quality=95)
    full = encode(CODER, "Input", jpeg)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 150_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reduced = encode(CODER, "Input", jpeg)
        assert check_image(CODER, jpeg) is None
    assert reduced.shape == full.shape == (3, 20, 30)
    torch.testing.assert_close(reduced, full, atol=0.03, rtol=0)
    with pytest.raises(DataError, match="over the limit of 150,000 pixels"):
        encode(ImageEncoder(size=(600, 400)), "Input", jpeg)  # no smaller scale fits the encoder's size
