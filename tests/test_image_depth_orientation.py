"""ImageEncoder on 16-bit and float image files (scaled, never clipped to 8 bits) and EXIF-rotated photos (read
upright, as viewers show them)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from netgraph import DataError, ImageEncoder
from netgraph.data import encode


def _ramp16():
    return (np.arange(48).reshape(6, 8) * 1361).astype(np.uint16)  # 0 .. 63967: far beyond 8 bits


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("space", ["Grayscale", "RGB"])
def test_16_bit_grey_files_are_scaled_to_0_1_not_clipped(tmp_path, suffix, space):
    values = _ramp16()
    path = tmp_path / f"deep{suffix}"
    Image.fromarray(values).save(path)
    x = encode(ImageEncoder(size=(8, 6), color_space=space), "Input", str(path))
    want = torch.from_numpy(values / 65535.0).float()
    assert x.shape == ((1 if space == "Grayscale" else 3), 6, 8)
    assert torch.allclose(x, want.expand_as(x), atol=1e-6)
    resized = encode(ImageEncoder(size=(4, 3), color_space=space), "Input", str(path))
    assert 0.2 < float(resized.mean()) < 0.8  # resized in floats too, not saturated at 1


def test_32_bit_and_float_grey_files(tmp_path):
    values = _ramp16()
    Image.fromarray(values.astype(np.int32)).save(tmp_path / "i.tif")
    Image.fromarray((values / 65535.0).astype(np.float32)).save(tmp_path / "f.tif")
    coder = ImageEncoder(size=(8, 6), color_space="Grayscale")
    x, f = encode(coder, "Input", [str(tmp_path / "i.tif"), str(tmp_path / "f.tif")])
    assert torch.allclose(x[0], torch.from_numpy(values / 65535.0).float(), atol=1e-6)
    assert torch.allclose(f, x, atol=1e-6)
    Image.fromarray((values * 4.0).astype(np.float32)).save(tmp_path / "big.tif")  # floats beyond [0, 1]
    Image.fromarray(values.astype(np.int32) * 100).save(tmp_path / "wide.tif")  # beyond 16 bits
    with pytest.raises(DataError) as info:
        encode(coder, "Input", [str(tmp_path / "big.tif"), str(tmp_path / "wide.tif")])
    assert "example 0" in str(info.value) and "[0, 1]" in str(info.value)
    assert "example 1" in str(info.value) and "0..65535" in str(info.value)


def test_exif_rotated_images_are_read_upright(tmp_path):
    stored = np.zeros((4, 8), np.uint8)
    stored[:, :4] = 255  # stored wide, left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    Image.fromarray(stored).save(tmp_path / "photo.png", exif=exif)
    with Image.open(tmp_path / "photo.png") as image:
        upright = np.asarray(ImageOps.exif_transpose(image))
    assert upright.shape == (8, 4)
    coder = ImageEncoder(size=(4, 8), color_space="Grayscale")  # (width, height): the upright shape
    want = torch.from_numpy(upright / 255.0).float()
    assert torch.equal(encode(coder, "Input", str(tmp_path / "photo.png"))[0], want)
    with Image.open(tmp_path / "photo.png") as image:  # the same photo opened by the user
        assert torch.equal(encode(coder, "Input", image)[0], want)
        assert image.size == (8, 4)  # and the user's image is left as it was


def test_grayscale_mean_of_three_numbers_is_refused_in_plain_words():
    from netgraph import OptionError
    with pytest.raises(OptionError, match=r"mean=: a number \(one channel: Grayscale\), found \[0.1, 0.2, 0.3\]$"):
        ImageEncoder(size=(8, 8), color_space="Grayscale", mean=[0.1, 0.2, 0.3])  # was "a number or 1 numbers"


@pytest.mark.parametrize("values, mode", [(np.full((6, 8), 239.0, np.float32), "F"),
                                          (np.full((6, 8), 70000, np.int32), "I")])
def test_a_deep_file_out_of_range_is_refused_naming_the_file_not_an_array(tmp_path, values, mode):
    path = tmp_path / "deep.tif"
    Image.fromarray(values).save(path)
    with pytest.raises(DataError) as caught:
        encode(ImageEncoder(size=(8, 6), color_space="Grayscale"), "Input", str(path))
    message = str(caught.value)
    assert str(path) in message and f"'{mode}'" in message
    assert "array" not in message  # a file, not an array the user passed


def _corrupt_exif_photo(path):
    """A PNG whose EXIF (orientation 6) claims more bytes than it holds: pillow warns "Corrupt EXIF data"."""
    stored = np.zeros((4, 8), np.uint8)
    stored[:, :4] = 255
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "Cam"
    data = bytearray(exif.tobytes())
    assert data[:8] == b"Exif\x00\x00MM"  # then 42 and the first directory's offset, 8: its entry count at 14
    data[14:16] = b"\x00\x40"  # 64 entries claimed: cut short
    Image.fromarray(stored).save(path, exif=bytes(data))
    return stored


def test_a_corrupt_exif_is_ignored_and_said_once_naming_the_file(tmp_path):
    """pillow's "Corrupt EXIF data. Expecting to read 12 bytes but only got 4." leaked to the user (QA), naming a
    line of pillow, once per read: now one warning of ours names the file, and the image is read as stored."""
    path = tmp_path / "photo.png"
    stored = _corrupt_exif_photo(path)
    coder = ImageEncoder(size=(8, 4), color_space="Grayscale")
    with pytest.warns(UserWarning) as caught:
        first = encode(coder, "Input", [str(path), str(path)])
        again = encode(coder, "Input", str(path))  # the next epoch: not said again
    assert [str(w.message) for w in caught] == [
        f"image {str(path)!r}: its EXIF metadata is corrupt, so it was ignored (the image is read as stored, not "
        f"turned by an EXIF orientation)"]
    assert caught[0].filename == __file__  # the user's line, not pillow's
    want = torch.from_numpy(stored / 255.0).float().unsqueeze(0)  # (channels, height, width): not turned
    assert torch.equal(first[0], want) and torch.equal(first[1], want) and torch.equal(again, want)


def test_other_pillow_warnings_replayed_are_said_once_a_place_not_once_an_image(tmp_path, monkeypatch):
    """Reading a file catches pillow's warnings (to say a corrupt EXIF once a file) and replays the others: replayed
    without a registry, one warning was said again for every image, every epoch (final read)."""
    import warnings

    from netgraph.data import images
    path = tmp_path / "photo.png"
    Image.fromarray(np.zeros((4, 8), np.uint8)).save(path)
    upright = images._upright

    def warning_upright(image):
        warnings.warn("pillow says something", UserWarning)
        return upright(image)

    monkeypatch.setattr(images, "_upright", warning_upright)
    coder = ImageEncoder(size=(8, 4), color_space="Grayscale")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        encode(coder, "Input", [str(path), str(path)])
        encode(coder, "Input", str(path))
    assert [str(w.message) for w in caught] == ["pillow says something"]
