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


def _deep_grey_png(path, transparent: int | None) -> np.ndarray:
    """A 2x3 16-bit grey PNG (pillow reads it as mode 'I;16'), ``transparent`` its tRNS grey value when given."""
    pixels = np.array([[0, 1000, 65535], [5, 1000, 30000]], dtype=np.uint16)
    Image.fromarray(pixels).save(path, **({} if transparent is None else {"transparency": transparent}))
    return pixels


@pytest.mark.parametrize("space", ["RGB", "Grayscale"])
def test_a_16_bit_grey_png_s_transparent_grey_is_white_as_an_8_bit_one_s(tmp_path, space):
    """A 16-bit grey PNG's transparent grey value (its tRNS chunk, pillow's info['transparency']) was read as that
    grey, where an 8-bit grey or palette image's transparent pixels are composited onto white."""
    pixels = _deep_grey_png(tmp_path / "deep.png", transparent=1000)
    with Image.open(tmp_path / "deep.png") as opened:
        assert (opened.mode, opened.info.get("transparency")) == ("I;16", 1000)  # what pillow exposes
    coder = ImageEncoder(size=(3, 2), color_space=space)
    x = encode(coder, "Input", str(tmp_path / "deep.png"))
    transparent = torch.from_numpy(pixels == 1000)
    expected = torch.where(transparent, 1.0, torch.from_numpy(pixels.astype(np.float32) / 65535))
    torch.testing.assert_close(x, expected.expand(x.shape[0], -1, -1))
    Image.fromarray((pixels // 257).astype(np.uint8)).save(tmp_path / "grey.png", transparency=1000 // 257)
    shallow = encode(coder, "Input", str(tmp_path / "grey.png"))  # the same grey at 8 bits: white at the same pixels
    assert torch.equal(shallow == 1.0, x == 1.0) and bool(shallow[:, transparent].eq(1.0).all())


def test_a_16_bit_grey_png_without_a_transparent_grey_reads_as_before(tmp_path):
    pixels = _deep_grey_png(tmp_path / "deep.png", transparent=None)
    x = encode(ImageEncoder(size=(3, 2), color_space="Grayscale"), "Input", str(tmp_path / "deep.png"))
    torch.testing.assert_close(x, torch.from_numpy(pixels.astype(np.float32) / 65535)[None])


def test_a_float_pil_image_marked_with_a_transparent_value_composites_it_too():
    """Pillow reads no transparency into float ('F') files, but a PIL image may carry the marker: read as the other
    modes read it."""
    pixels = np.array([[0.25, 0.5], [0.5, 0.75]], dtype=np.float32)
    image = Image.fromarray(pixels)
    image.info["transparency"] = 0.5
    x = encode(ImageEncoder(size=(2, 2), color_space="Grayscale"), "Input", image)
    torch.testing.assert_close(x, torch.tensor([[[0.25, 1.0], [1.0, 0.75]]]))
