"""ImageEncoder: image files, PIL images and arrays become (channels, height, width) tensors, read by pillow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from netgraph import (ClassDecoder, ConvolutionLayer, DataError, FlattenLayer, ImageEncoder, LinearLayer, NetChain,
                      NetGraph, OptionError, ShapeError, SoftmaxLayer, load, net_initialize, save)
from netgraph.data import encode
from netgraph.data.images import check_image


def _solid(path, size, colour, mode="RGB"):
    Image.new(mode, size, colour).save(path)
    return str(path)


def test_files_are_read_resized_converted_and_normalised(tmp_path):
    grey = _solid(tmp_path / "grey.png", (16, 12), 51, "L")
    red = _solid(tmp_path / "red.png", (8, 8), (255, 0, 0))
    rgb = ImageEncoder(size=(4, 6))
    x = encode(rgb, "Input", grey)
    assert x.shape == (3, 6, 4) and x.dtype == torch.float32
    assert torch.allclose(x, torch.full((3, 6, 4), 51 / 255))
    assert torch.allclose(encode(rgb, "Input", red)[:, 0, 0], torch.tensor([1.0, 0.0, 0.0]))
    luminance = round(0.299 * 255) / 255  # pillow's ITU-R 601-2 transform of pure red
    gray = ImageEncoder(size=(8, 8), color_space="Grayscale", mean=0.5, std=0.25)
    batch = encode(gray, "Input", [red, grey])
    assert batch.shape == (2, 1, 8, 8)
    assert torch.allclose(batch[0], torch.full((1, 8, 8), (luminance - 0.5) / 0.25), atol=1e-6)
    assert torch.allclose(batch[1], torch.full((1, 8, 8), (51 / 255 - 0.5) / 0.25), atol=1e-6)


def test_pil_images_and_arrays_are_images_too():
    coder = ImageEncoder(size=(3, 2), color_space="Grayscale")
    from_pil = encode(coder, "Input", Image.new("L", (3, 2), 200))
    from_uint8 = encode(coder, "Input", np.full((2, 3), 200, dtype=np.uint8))
    from_float = encode(coder, "Input", [np.full((2, 3, 3), 200 / 255)])
    assert from_pil.shape == from_uint8.shape == (1, 2, 3) and from_float.shape == (1, 1, 2, 3)
    assert torch.allclose(from_pil, from_uint8) and torch.allclose(from_float[0], from_pil, atol=1 / 255)


def test_float_images_keep_their_precision_and_resize_as_pillow_does():
    rng = np.random.default_rng(0)
    pixels = rng.random((6, 5, 3)).astype(np.float32)  # not multiples of 1/255
    assert torch.equal(encode(ImageEncoder(size=(5, 6)), "Input", pixels), torch.from_numpy(pixels).permute(2, 0, 1))
    grey = rng.random((6, 5)).astype(np.float32)
    assert torch.equal(encode(ImageEncoder(size=(5, 6), color_space="Grayscale"), "Input", grey)[0],
                       torch.from_numpy(grey))
    as_bytes = (rng.random((13, 11, 3)) * 255).round().astype(np.uint8)
    for size in ((5, 6), (20, 17)):  # resized in floats, as pillow resizes (to its 8-bit rounding)
        for space in ("RGB", "Grayscale"):
            coder = ImageEncoder(size=size, color_space=space)
            in_floats = encode(coder, "Input", as_bytes / 255.0)
            assert in_floats.shape == encode(coder, "Input", as_bytes).shape
            torch.testing.assert_close(in_floats, encode(coder, "Input", as_bytes), rtol=0, atol=1.5 / 255)
    from netgraph import ElementwiseLayer, net_port_gradient
    net = NetChain([ElementwiseLayer("Square"), FlattenLayer(), LinearLayer([], weights=torch.ones(1, 30),
                                                                            biases=torch.zeros(1))],
                   input=ImageEncoder(size=(5, 6), color_space="Grayscale"))
    g = net_port_gradient(net, grey, of="Output")  # d(sum x^2)/dx = 2x at the image's own values, not rounded ones
    torch.testing.assert_close(g, 2 * torch.from_numpy(grey).reshape(1, 6, 5))


def test_unreadable_images_and_wrong_values_name_the_port_and_the_example(tmp_path):
    good = _solid(tmp_path / "good.png", (4, 4), 0, "L")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    coder = ImageEncoder(size=(4, 4))
    with pytest.raises(DataError) as info:
        encode(coder, "Image", [good, str(tmp_path / "missing.png"), str(corrupt), 7])
    message = str(info.value)
    assert "input port 'Image' (ImageEncoder): example 1: no image file" in message and "missing.png" in message
    assert "example 2: cannot read image" in message and "corrupt.png" in message
    assert "example 3: expected an image file path, a PIL image or a (height, width[, channels]) array, " \
           "found int 7" in message
    assert "example 0" not in message and info.value.diagnostics[0].port == "Image"
    with pytest.raises(DataError, match="example 0: an image array of float64 holds floats in \\[0, 1\\] .*found "
                                        "values from 3 to 3"):
        encode(coder, "Image", [np.full((4, 4), 3.0)])
    with pytest.raises(DataError, match="example 1: an image array of float64 holds NaN"):  # was cast to uint8
        encode(coder, "Image", [np.zeros((4, 4)), np.full((4, 4), np.nan)])
    with pytest.raises(DataError, match="example 0: an image array is .*with pixels, found shape \\(0, 8\\)"):
        encode(coder, "Image", [np.zeros((0, 8))])  # was drawn as a blank image


@pytest.mark.parametrize("value", [3.0, 7, True])
def test_one_number_at_an_image_port_is_a_data_error_naming_the_port(value):
    """The README promises a DataError for a number given to an ImageEncoder; it was TypeError 'not iterable'."""
    net = NetChain([FlattenLayer(), LinearLayer(2)], input=ImageEncoder(size=(4, 4), color_space="Grayscale"))
    with pytest.raises(DataError, match=f"input port 'Input' \\(ImageEncoder\\): the value: expected an image "
                                        f"file path, .*found {type(value).__name__} {value}"):
        net(value)
    with pytest.raises(DataError, match="the value: expected an image file path"):
        encode(ImageEncoder(size=(4, 4)), "Input", value)


def test_image_encoder_options_fix_the_port_type_and_are_checked():
    assert ImageEncoder(size=(28, 28), color_space="Grayscale").port_type().shape == (1, 28, 28)
    assert ImageEncoder(size=(5, 3)).port_type().shape == (3, 3, 5)  # size is (width, height), as pillow's
    with pytest.raises(OptionError, match="ImageEncoder option size=: \\(width, height\\)"):
        ImageEncoder(size=(0, 3))
    with pytest.raises(OptionError, match="ImageEncoder option color_space=: one of \\['RGB', 'Grayscale'\\]"):
        ImageEncoder(color_space="CMYK")
    for given, meant in (("Greyscale", "Grayscale"), ("rgb", "RGB")):  # found by QA: no did-you-mean
        with pytest.raises(OptionError, match=f"found '{given}' \\(did you mean '{meant}'\\?\\)$"):
            ImageEncoder(color_space=given)
    with pytest.raises(OptionError, match="ImageEncoder option mean=: a number or 3 numbers"):
        ImageEncoder(mean=[0.5, 0.5])



@pytest.mark.parametrize("encoder, net_input, hint", [
    (ImageEncoder(size=(16, 16)), (1, 16, 16), "give the ImageEncoder color_space='Grayscale'"),
    (ImageEncoder(size=(16, 16), color_space="Grayscale"), (3, 16, 16), "give the ImageEncoder color_space='RGB'"),
    (ImageEncoder(size=(32, 32), color_space="Grayscale"), (1, 28, 24), "give the ImageEncoder size=(24, 28)"),
    (ImageEncoder(size=(32, 32)), (1, 28, 28), "color_space='Grayscale', size=(28, 28)"),
])
def test_an_image_encoder_that_does_not_fit_the_net_says_which_options_would(encoder, net_input, hint):
    """The port's shape conflict ends with the encoder options that give the net's (channels, height, width), in
    the message and as the Diagnostic's hint."""
    for build in (lambda: NetChain([ConvolutionLayer(4, 3, input=net_input)], input=encoder),
                  lambda: NetGraph({"c": ConvolutionLayer(4, 3, input=net_input)}, [], Input=encoder)):
        with pytest.raises(ShapeError) as info:
            build()
        assert hint in str(info.value) and hint in info.value.diagnostics[0].hint


@pytest.fixture
def brightness():
    """Bright vs dark 8x8 grey images, classified by mean brightness (weights set by hand)."""
    w = torch.cat([-torch.ones(1, 64), torch.ones(1, 64)]) / 64
    return NetChain([FlattenLayer(), LinearLayer(2, weights=w * 20, biases=torch.tensor([10.0, -10.0])),
                     SoftmaxLayer()], input=ImageEncoder(size=(8, 8), color_space="Grayscale"),
                    output=ClassDecoder(["dark", "bright"]))


def test_a_net_classifies_image_files_into_labels(tmp_path, brightness):
    paths = [_solid(tmp_path / f"{i}.png", (8, 8), v, "L") for i, v in enumerate((20, 240, 60, 200))]
    assert brightness(paths) == ["dark", "bright", "dark", "bright"]
    assert brightness(paths[1]) == "bright"
    assert brightness(Image.open(paths[0])) == "dark"
    assert brightness.port_types["Input"].shape == (1, 8, 8)


def test_image_encoders_are_saved_loaded_and_written_to_yaml(tmp_path, brightness):
    text = brightness.to_yaml()
    assert "type: ImageEncoder" in text and "color_space: Grayscale" in text
    assert NetGraph.from_yaml(text).coders == brightness.coders
    loaded = load(save(brightness, tmp_path / "bright.yaml"))
    assert loaded.coders["Input"] == ImageEncoder(size=(8, 8), color_space="Grayscale")
    assert "ImageEncoder 8×8 Grayscale" in brightness.render_svg()


def test_port_gradients_reach_the_pixels_of_an_image_file(tmp_path):
    from netgraph import net_port_gradient
    w = torch.linspace(-1, 1, 64).reshape(1, 64)
    net = NetChain([FlattenLayer(), LinearLayer([], weights=w, biases=torch.zeros(1))],
                   input=ImageEncoder(size=(8, 8), color_space="Grayscale"))
    g = net_port_gradient(net, _solid(tmp_path / "g.png", (8, 8), 100, "L"), of="Output")
    torch.testing.assert_close(g, w.reshape(1, 8, 8))  # d(w . x)/dx = w


def test_a_pipe_device_or_folder_named_as_an_image_is_refused_without_blocking(tmp_path):
    import os
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", [str(fifo), "/dev/zero", str(tmp_path / "folder.png")])
    message = str(info.value)
    assert "example 0: " + repr(str(fifo)) + " is not a regular file" in message
    assert "example 1: '/dev/zero' is not a regular file" in message
    assert "example 2: " + repr(str(tmp_path / "folder.png")) + " is a folder, not an image file" in message
    from netgraph.data.images import check_image  # net_train's check before training
    assert "is not a regular file" in check_image(ImageEncoder(size=(4, 4)), fifo)


def test_an_image_file_is_judged_on_the_opened_file_not_on_a_stat_of_its_name(tmp_path, monkeypatch):
    # a stat of the name and then an open of it left a window in which the file could become a pipe (Image.open
    # then blocked); open_regular decides on the opened descriptor
    import os
    from netgraph.data.images import check_image
    image, fifo = _solid(tmp_path / "a.png", (4, 4), 100, "L"), tmp_path / "pipe.png"
    os.mkfifo(fifo)
    real_stat = os.stat

    def no_stat_of_images(path, *args, **kwargs):
        assert not str(path).endswith(".png"), f"stat of {path} by name"
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", no_stat_of_images)
    assert check_image(ImageEncoder(size=(4, 4)), image) is None
    assert encode(ImageEncoder(size=(4, 4), color_space="Grayscale"), "Input", [image]).shape == (1, 1, 4, 4)
    assert "is not a regular file" in check_image(ImageEncoder(size=(4, 4)), fifo)


def test_a_file_that_is_no_image_is_named_without_pillows_file_object(tmp_path):
    """Pillow's "cannot identify image file <_io.BufferedReader name=3>" named a file descriptor, not the problem."""
    (tmp_path / "notes.png").write_text("not an image")
    net = net_initialize(NetChain([FlattenLayer(), LinearLayer(2)], input=ImageEncoder(size=(4, 4))), seed=0)
    said = (f"cannot read image {str(tmp_path / 'notes.png')!r}: not an image file pillow can read (another kind of "
            f"file, or a format pillow lacks)")
    with pytest.raises(DataError) as info:
        net(str(tmp_path / "notes.png"))
    assert str(info.value).endswith(said) and "BufferedReader" not in str(info.value)
    from netgraph import net_train
    with pytest.raises(DataError) as info:
        net_train(net, [(str(tmp_path / "notes.png"), torch.zeros(2))], max_training_rounds=1, progress=False)
    assert str(info.value).endswith("example 0: " + said)


def test_an_empty_image_file_says_it_is_empty(tmp_path):
    """A 0-byte image (a download that failed) was "not an image file pillow can read (another kind of file, or a
    format pillow lacks)", sending the user to look for a format (QA)."""
    (tmp_path / "cat.jpg").write_bytes(b"")
    said = f"cannot read image {str(tmp_path / 'cat.jpg')!r}: the file is empty (0 bytes)"
    assert check_image(ImageEncoder(size=(4, 4)), str(tmp_path / "cat.jpg")) == said
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", [str(tmp_path / "cat.jpg")])
    assert str(info.value).endswith(said)


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("GIF", ".gif"), ("BMP", ".bmp")])
def test_an_image_file_cut_short_is_called_that_not_another_kind_of_file(tmp_path, fmt, suffix):
    """A download cut off after its header's first bytes: pillow cannot identify it, but its signature says what
    it was meant to be, so the error says it is damaged rather than no image at all."""
    whole = tmp_path / f"whole{suffix}"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(whole)
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[:12])
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", str(cut))
    message = str(info.value)
    assert repr(str(cut)) in message and f"a {fmt} file, but cut short or damaged" in message
    assert "another kind of file" not in message
    text = tmp_path / f"text{suffix}"
    text.write_text(f"plain text, no {fmt} image")  # no signature: another kind of file
    with pytest.raises(DataError, match="another kind of file"):
        encode(ImageEncoder(size=(4, 4)), "Input", str(text))


def test_a_missing_image_at_a_relative_path_names_the_folder_it_was_looked_for_in(tmp_path, monkeypatch):
    """A table of image paths relative to its own folder, read from another, said only "no image file 'sub/0.png'"
    (QA): the folder relative paths are read from is the current one, which the message now names."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as info:
        encode(ImageEncoder(size=(4, 4)), "Input", ["sub/0.png", str(tmp_path / "1.png")])
    assert f"example 0: no image file 'sub/0.png' (a relative path: read from the current folder, {str(tmp_path)!r})" \
        in str(info.value)
    assert str(info.value).endswith(f"example 1: no image file {str(tmp_path / '1.png')!r}")
