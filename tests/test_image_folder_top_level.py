"""An image folder's images outside its label sub-folders: said, not skipped silently."""

from __future__ import annotations

import warnings

import pytest
from PIL import Image

from netgraph import image_folder
from netgraph.core.errors import DataError


def _png(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (4, 4), 128).save(path)


def test_images_beside_the_label_sub_folders_are_said_once_with_an_example(tmp_path):
    """photos/extra.png beside photos/cat/ and photos/dog/ has no label: it was skipped without a word."""
    for name in ("cat/a.png", "dog/a.png", "extra.png", "more.jpg"):
        _png(tmp_path / name)
    (tmp_path / "readme.txt").write_text("not an image: no word about it")
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path)
    assert len(examples) == 2 and len(caught) == 1
    assert str(caught[0].message) == (f"image_folder: {str(tmp_path)!r}: skipped 2 images directly in the folder, "
                                      f"outside the label sub-folders, which have no label (e.g. 'extra.png'; each "
                                      f"label's images go in its own sub-folder)")


def test_a_folder_of_images_without_sub_folders_is_told_where_they_go(tmp_path):
    for name in ("a.png", "b.png"):
        _png(tmp_path / name)
    with pytest.raises(DataError) as info:
        image_folder(tmp_path)
    assert str(info.value) == (f"image_folder: {str(tmp_path)!r} holds no images in sub-folders (one sub-folder per "
                               f"label, files ending .png, .jpg, .jpeg, ...): its 2 images lie directly in it (e.g. "
                               f"'a.png'); move each into the sub-folder named by its label")


def test_a_folder_of_labelled_images_alone_reads_without_a_warning(tmp_path):
    _png(tmp_path / "cat" / "a.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(image_folder(tmp_path)) == [(str(tmp_path / "cat" / "a.png"), "cat")]


def test_a_broken_link_named_as_an_image_is_said_not_dropped_silently(tmp_path):
    """cat/b.png, a link to a photo since moved, was left out of the examples without a word."""
    import os
    _png(tmp_path / "cat" / "a.png")
    os.symlink(tmp_path / "moved.png", tmp_path / "cat" / "b.png")
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path)
    assert len(examples) == 1 and len(caught) == 1
    assert str(caught[0].message) == (f"image_folder: {str(tmp_path)!r}: skipped 1 image name that is no readable "
                                      f"file (e.g. 'cat/b.png'; a broken link?)")


def test_a_label_sub_folder_holding_no_images_is_said_its_label_missing_from_labels(tmp_path):
    """test/bird/ empty beside test/cat/ and test/dog/ dropped 'bird' from .labels without a word, so
    ClassDecoder(test.labels) numbered the classes unlike the training folder's (Keras's class_names keep it)."""
    for name in ("cat/a.png", "dog/a.png"):
        _png(tmp_path / name)
    (tmp_path / "bird").mkdir()
    (tmp_path / "fish").mkdir()
    (tmp_path / "fish" / "notes.txt").write_text("no image")
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path)
    assert examples.labels == ("cat", "dog") and len(caught) == 1
    assert str(caught[0].message).startswith(
        f"image_folder: {str(tmp_path)!r}: 2 label sub-folders hold no images, so their labels are not among the "
        f"examples' labels (e.g. 'bird'; give a ClassDecoder the full list of labels)")


def test_hidden_image_files_are_skipped_and_said(tmp_path):
    """macOS writes AppleDouble metadata '._0.png' beside each file copied to a USB stick or share: image_folder read
    it as an image of 'cat', and training stopped on "cannot read image '.../cat/._0.png'" (QA)."""
    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        Image.new("L", (4, 4)).save(tmp_path / label / "0.png")
    (tmp_path / "cat" / "._0.png").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path)
    assert list(examples) == [(str(tmp_path / "cat" / "0.png"), "cat"), (str(tmp_path / "dog" / "0.png"), "dog")]
    assert len(caught) == 1 and str(caught[0].message) == (
        f"image_folder: {str(tmp_path)!r}: skipped 1 hidden file named as image (e.g. 'cat/._0.png'; names starting "
        f"with '.' are metadata, as macOS's '._' files)")


def test_a_macos_zip_folder_and_hidden_folders_are_no_labels(tmp_path):
    """Unzipping a macOS zip leaves '__MACOSX/cat/._0.png' beside the labels: image_folder warned '__MACOSX' was an
    empty label folder (and a hidden '.cache' folder of images was read as a label): skipped, with the hidden note."""
    for label in ("cat", "dog"):
        _png(tmp_path / label / "0.png")
    (tmp_path / "__MACOSX" / "cat").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "cat" / "._0.png").write_bytes(b"\x00\x05\x16\x07Mac OS X        ")
    _png(tmp_path / ".cache" / "1.png")
    (tmp_path / ".git").mkdir()  # hidden, holding no images: unsaid
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path)
    assert examples.labels == ("cat", "dog") and len(examples) == 2
    assert len(caught) == 1 and str(caught[0].message) == (
        f"image_folder: {str(tmp_path)!r}: skipped 2 hidden folders (e.g. '.cache'; names starting with '.' or "
        f"'__MACOSX' are metadata, as macOS's '._' files and its zip's '__MACOSX' folder)")


def test_hidden_files_and_a_macos_zip_folder_share_one_note(tmp_path):
    _png(tmp_path / "cat" / "0.png")
    (tmp_path / "cat" / "._0.png").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "__MACOSX").mkdir()
    with pytest.warns(UserWarning) as caught:
        image_folder(tmp_path)
    assert len(caught) == 1 and str(caught[0].message).startswith(
        f"image_folder: {str(tmp_path)!r}: skipped 1 hidden file named as image and 1 hidden folder (e.g. "
        f"'cat/._0.png'; names starting with '.' or '__MACOSX'")
