"""``did_you_mean_file``: which file beside a missing path a message names (the spec and data paths' hints)."""

from __future__ import annotations

import os

import pytest

from netgraph import DataError
from netgraph.core.name_guesses import did_you_mean_file
from netgraph.train.data_files import DATA_SUFFIXES, load_data


def _folder(tmp_path, *names):
    for name in names:
        (tmp_path / name).write_text("x")
    return tmp_path


@pytest.mark.parametrize("names, typed, meant", [
    (("data.csv", "data.npz"), "dta.npz", "data.npz"),  # the typed suffix, whichever the folder lists first
    (("data.npz", "data.csv"), "dta.csv", "data.csv"),
    (("vae.yml", "vae.yaml"), "vea.yaml", "vae.yaml"),
    (("vae.yaml", "vae.yml"), "vea.yml", "vae.yml"),
    (("vae.yaml",), "vae.yml", "vae.yaml"),  # the suffix mistyped
    (("vae.yaml",), "vae", "vae.yaml"),
    (("run1.yaml",), "run1.yml", "run1.yaml"),  # digits alike: a suffix slip is still a slip
    ((".hidden.yaml",), ".hiden.yaml", ".hidden.yaml")])  # a dot-file typed
def test_the_file_meant_is_named_with_the_typed_suffix_first(tmp_path, names, typed, meant):
    folder = str(_folder(tmp_path, *names))
    suffixes = DATA_SUFFIXES if typed.startswith("d") else (".yaml", ".yml")
    assert did_you_mean_file(os.path.join(folder, typed), suffixes) == \
        f" (did you mean {os.path.join(folder, meant)!r}?)"


@pytest.mark.parametrize("names, typed", [
    (("run2.yaml",), "run1.yaml"),  # another run of a series, not a typo
    (("model_v2.yaml",), "model.yaml"),
    (("model-v3.yaml",), "model_v2.yaml"),
    ((".hidden.yaml",), "hidden.yaml"),  # a dot-file, not typed as one
    (("vae.yaml",), "nosuch.yaml")])
def test_no_file_is_named_for_another_version_a_dot_file_or_nothing_close(tmp_path, names, typed):
    folder = str(_folder(tmp_path, *names))
    assert did_you_mean_file(os.path.join(folder, typed), (".yaml", ".yml")) == ""


@pytest.mark.parametrize("typed, meant", [("dta.csv", "data.csv"), ("tabel.jsonl", "table.jsonl"),
                                          ("dta.npz", "data.npz")])
def test_a_mistyped_data_path_names_the_data_file_meant(tmp_path, typed, meant):
    """A mistyped .csv/.jsonl path was read as a table, which said only that there was no such file."""
    _folder(tmp_path, "data.csv", "table.jsonl", "data.npz")
    with pytest.raises(DataError) as info:
        load_data(tmp_path / typed)
    assert info.value.kind == "missing-file"
    assert str(info.value).endswith(f" (did you mean {str(tmp_path / meant)!r}?)")


@pytest.mark.parametrize("entries, typed, meant", [
    (("data.npz",), "data1.npz", "data.npz"),  # the series' own file, when the numbered one typed is missing
    (("images/",), "imgaes", "images"),  # an image folder
    (("images/", "data.npz"), "dta.npz", "data.npz")])  # a folder beside: the file typed still wins
def test_a_mistyped_data_file_or_image_folder_is_named(tmp_path, entries, typed, meant):
    for entry in entries:
        (tmp_path / entry).mkdir() if entry.endswith("/") else (tmp_path / entry).write_text("x")
    with pytest.raises(DataError) as info:
        load_data(str(tmp_path / typed))
    assert info.value.kind == "missing-file"
    assert str(info.value).endswith(f" (did you mean {str(tmp_path / meant)!r}?)")


def test_data_given_to_training_as_a_mistyped_path_names_the_folder_meant(tmp_path):
    from netgraph.train.encoded import from_disk  # net_train's reading of a path given as data
    (tmp_path / "images").mkdir()
    with pytest.raises(DataError) as info:
        from_disk(str(tmp_path / "imgaes"), "training data", None)
    assert info.value.kind == "missing-file"
    assert f"(did you mean {str(tmp_path / 'images')!r}?)" in str(info.value)


def test_a_folder_is_no_spec_file_meant(tmp_path):
    (tmp_path / "vae").mkdir()
    assert did_you_mean_file(tmp_path / "vea.yaml", (".yaml", ".yml")) == ""
