"""JPEG files under every name pillow reads as JPEG (browsers save '.jfif') are images of an image folder."""

from __future__ import annotations

import numpy
import pytest
from PIL import Image

from netgraph import image_folder
from netgraph.core.coders import ImageEncoder
from netgraph.data.encoding import encode
from netgraph.data.sources import IMAGE_SUFFIXES


def test_every_suffix_pillow_reads_as_jpeg_is_an_image_suffix():
    jpeg = {suffix for suffix, form in Image.registered_extensions().items() if form == "JPEG"}
    assert {".jfif", ".jpe"} <= jpeg  # what the files below are written as
    assert jpeg <= set(IMAGE_SUFFIXES)


@pytest.mark.parametrize("suffix", [".jfif", ".jpe", ".JFIF"])
def test_a_jfif_or_jpe_file_in_an_image_folder_is_read_not_skipped(tmp_path, suffix):
    for label, level in (("dark", 20), ("light", 230)):
        (tmp_path / label).mkdir()
        Image.new("L", (4, 4), level).save(tmp_path / label / f"photo{suffix}")  # pillow writes JPEG for the suffix
    examples = image_folder(tmp_path)
    assert [label for _, label in examples] == ["dark", "light"]
    pixels = encode(ImageEncoder((4, 4), color_space="Grayscale"), "Input", [path for path, _ in examples])
    assert pixels.shape == (2, 1, 4, 4)
    numpy.testing.assert_allclose(pixels.mean(dim=(1, 2, 3)).numpy(), [20 / 255, 230 / 255], atol=0.02)
