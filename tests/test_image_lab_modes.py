"""Image modes pillow cannot convert to grey or RGBA directly: a LAB TIFF and a premultiplied grey-alpha ("La")
image (adversarial QA: both raised pillow's bare ValueError "conversion from LAB to RGB not supported", naming no
port, mid-training for a file, as the check before training reads only the header)."""

from __future__ import annotations

import pytest
from PIL import Image

from netgraph import ImageEncoder
from netgraph.data import encode


@pytest.mark.parametrize("color_space", ["RGB", "Grayscale"])
def test_a_lab_tiff_is_read_as_its_rgb_colours(tmp_path, color_space):
    rgb = Image.new("RGB", (6, 5), (200, 100, 50))
    rgb.convert("LAB").save(tmp_path / "lab.tif")
    rgb.save(tmp_path / "rgb.png")
    coder = ImageEncoder(size=(4, 4), color_space=color_space)
    lab = encode(coder, "Input", [str(tmp_path / "lab.tif")])[0]
    expected = encode(coder, "Input", [str(tmp_path / "rgb.png")])[0]
    assert lab.shape == expected.shape
    assert float((lab - expected).abs().max()) <= 3 / 255  # LAB round-trips RGB to within a few levels


@pytest.mark.parametrize("color_space", ["RGB", "Grayscale"])
def test_a_premultiplied_grey_alpha_image_is_composited_onto_white(color_space):
    image = Image.new("LA", (4, 4), (100, 255)).convert("La")
    clear = Image.new("LA", (4, 4), (100, 0)).convert("La")  # fully transparent: white
    coder = ImageEncoder(size=(4, 4), color_space=color_space)
    opaque, white = encode(coder, "Input", [image, clear])
    assert float(opaque.min()) == float(opaque.max()) == pytest.approx(100 / 255)
    assert float(white.min()) == 1.0
