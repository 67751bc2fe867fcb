"""``load_data``: the data files the command line reads (``netgraph train --data``)."""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from netgraph.core.errors import DataError
from netgraph.core.name_guesses import did_you_mean_file
from netgraph.core.tensors import native_array
from netgraph.data.sources import read_folder, read_table
from netgraph.train.data_lengths import keyed

__all__ = ["DATA_SUFFIXES", "load_data"]

#: the data files ``load_data`` reads (besides folders of images)
DATA_SUFFIXES = (".npz", ".safetensors", ".csv", ".jsonl")


def load_data(path: str | os.PathLike, *, command_line: bool = False, who: str | None = None) -> Any:
    """Arrays by key from a .npz (numpy, no pickle; str arrays stay numpy: class names, texts) or .safetensors file
    (``<key>.lengths`` beside ``<key>``: ragged sequences, ``Padded``); (input, label) pairs from a folder of images in
    label sub-folders or a .csv/.jsonl table (``netgraph.image_folder``, ``netgraph.text_table``). ``command_line``:
    errors give the command line's words, not Python's (a table's columns renamed, not ``text_table``'s keywords; no
    Python function named); ``who``: the words that open a table's or folder's errors (net_train's data set).

    >>> import tempfile, numpy as np
    >>> path = f"{tempfile.mkdtemp()}/data.npz"
    >>> np.savez(path, Input=np.zeros((4, 3), np.float32), Target=np.arange(4))
    >>> {key: tuple(value.shape) for key, value in load_data(path).items()}
    {'Input': (4, 3), 'Target': (4,)}
    """
    if not str(path):  # Path("") is "." (the current folder), read as an image folder; " " names a file
        raise DataError("the data path is empty; give a data file or an image folder", kind="missing-file",
                        found=str(path))
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        return read_folder(path, command_line=command_line, who=who)
    if suffix in (".csv", ".jsonl") and path.is_file():
        return read_table(path, command_line=command_line, who=who)
    if not path.is_file():
        if path.exists():  # a device or a pipe: never read (/dev/zero would not end)
            raise DataError(f"data {str(path)!r} is not a regular file (a device or pipe); give a data file or an "
                            f"image folder", kind="unreadable-file", found=str(path),
                            detail="not a regular file (a device or pipe)")
        meant = did_you_mean_file(path, DATA_SUFFIXES, folders=True)  # an image folder too
        raise DataError(f"no data file or image folder {str(path)!r}{meant}", kind="missing-file", found=str(path))
    if suffix in (".npz", ".safetensors"):
        try:
            arrays = _read_arrays(path, suffix)
        except (OSError, ValueError, RuntimeError, EOFError, zipfile.BadZipFile, zlib.error, SafetensorError,
                MemoryError) as exc:  # MemoryError: a zip directory that lies about the sizes too
            why = _read_problem(path, suffix, exc)
            raise DataError(f"cannot read data file {str(path)!r}: {why}", kind="unreadable-file", found=str(path),
                            detail=why) from None
        return keyed(arrays, f"data file {str(path)!r}")
    raise DataError(f"data files are .npz, .safetensors, .csv or .jsonl (or a folder of images), found {path.name!r}",
                    kind="file-type", expected=DATA_SUFFIXES, found=path.name)


def _read_arrays(path: Path, suffix: str) -> dict:
    if suffix == ".safetensors":
        return load_file(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] != b"PK":  # np.load would try a .npy or a pickle next: name what a .npz is instead
        raise ValueError("the file is empty" if not head else "not a .npz archive (no zip header)")
    with np.load(path, allow_pickle=False) as npz:
        for k in npz.files:
            shape, dtype, stored = _stored_header(npz, k)
            if dtype.hasobject:  # np.load would refuse it in its own words (allow_pickle=False)
                raise ValueError(f"key {k!r} holds Python objects (an object array, which a .npz stores pickled and "
                                 f"netgraph never unpickles); save numbers, or str arrays for texts and class names")
            if (claimed := math.prod(shape) * dtype.itemsize) > stored:  # np.load would allocate it all first
                raise ValueError(f"key {k!r} claims shape {shape} of {dtype.name} ({claimed} bytes), but the archive "
                                 f"holds {stored} bytes for it (a damaged or forged file)")
        return {k: _column(k, npz[k]) for k in npz.files}


def _stored_header(npz: Any, key: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """The shape and dtype in the header of the array ``key`` of an open .npz, and the bytes of data stored after
    that header (as the archive's directory says), read without reading the array."""
    name = f"{key}.npy" if f"{key}.npy" in npz.zip.namelist() else key  # np.load's own lookup
    with npz.zip.open(name) as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(f)
        return shape, dtype, npz.zip.getinfo(name).file_size - f.tell()


def _column(key: str, array: np.ndarray) -> Any:
    """A tensor of a numeric array (sharing the array read, or its one native-order copy); a str array as it is
    (class names or texts, which net_train encodes)."""
    if array.dtype.kind == "U":
        return array
    if array.dtype.kind not in "biufc":
        raise ValueError(f"key {key!r} holds values of dtype {array.dtype.name}, which are neither numbers (ints, "
                         f"floats, booleans) nor text (str: class names, texts)")
    return torch.from_numpy(native_array(array))  # writeable: a read-only one (a memory map) comes copied


def _read_problem(path: Path, suffix: str, exc: BaseException) -> str:
    """What is wrong with a data file, in words (not the reader's exception class)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if path.stat().st_size == 0:
        return "the file is empty"
    if isinstance(exc, (zipfile.BadZipFile, EOFError, zlib.error)):
        return f"a truncated or corrupt .npz archive ({exc})"
    if isinstance(exc, SafetensorError):
        return f"not a valid .safetensors file ({exc})"
    if isinstance(exc, MemoryError):  # numpy's names the size; a bare one says nothing
        return f"not enough memory to read it{f' ({exc})' if str(exc) else ''}: a damaged file claiming more data " \
               f"than it holds, or data larger than this machine's memory"
    return str(exc)
