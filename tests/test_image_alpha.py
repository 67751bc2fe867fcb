"""Transparent images at an ImageEncoder port: alpha composited onto white, not dropped (a fully transparent pixel
kept whatever colour it stored, often black, which no viewer shows)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from netgraph import ImageEncoder
from netgraph.data import encode

_STEP = 1 / 255


def _rgba_pixels() -> np.ndarray:
    """A 1x3 RGBA strip: opaque red, half-transparent black, fully transparent black."""
    return np.array([[[255, 0, 0, 255], [0, 0, 0, 128], [0, 0, 0, 0]]], dtype=np.uint8)


def _expected_rgb() -> torch.Tensor:
    """Each pixel over white: colour * alpha + 1 * (1 - alpha)."""
    half = 1 - 128 / 255
    return torch.tensor([[[1.0, half, 1.0]], [[0.0, half, 1.0]], [[0.0, half, 1.0]]])


@pytest.mark.parametrize("form", ["uint8 array", "float array", "PIL image", "png file"])
def test_transparent_pixels_are_composited_onto_white_at_an_rgb_port(tmp_path, form):
    pixels = _rgba_pixels()
    value = {"uint8 array": pixels, "float array": pixels / 255.0, "PIL image": Image.fromarray(pixels)}.get(form)
    if form == "png file":
        Image.fromarray(pixels).save(tmp_path / "a.png")
        value = str(tmp_path / "a.png")
    x = encode(ImageEncoder(size=(3, 1)), "Input", value)
    torch.testing.assert_close(x, _expected_rgb(), atol=_STEP, rtol=0)


def test_a_grayscale_port_composites_too():
    x = encode(ImageEncoder(size=(3, 1), color_space="Grayscale"), "Input", _rgba_pixels())
    red_grey = 0.299  # pillow's "L" weights
    torch.testing.assert_close(x, torch.tensor([[[red_grey, 1 - 128 / 255, 1.0]]]), atol=_STEP, rtol=0)


def test_a_palette_image_with_a_transparent_colour_is_composited(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    image.info["transparency"] = 0  # palette entry 0 (black) is transparent, as in a GIF
    image.save(tmp_path / "a.gif")
    x = encode(ImageEncoder(size=(2, 1)), "Input", str(tmp_path / "a.gif"))
    torch.testing.assert_close(x, torch.tensor([[[1.0, 0.0]], [[1.0, 0.0]], [[1.0, 1.0]]]), atol=_STEP, rtol=0)


def test_an_opaque_image_reads_as_before():
    pixels = _rgba_pixels()
    pixels[..., 3] = 255
    x = encode(ImageEncoder(size=(3, 1)), "Input", pixels)
    torch.testing.assert_close(x, torch.from_numpy(pixels[..., :3] / 255.0).permute(2, 0, 1).float())
