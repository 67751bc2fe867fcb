"""Training data in the encoded form: files, labels and texts that the net's encoders and decoders turn into tensors.

``net_train`` takes, for a net with encoders or decoders on its ports,

* a dict of per-example values, ``{"Input": ["a.png", "b.png"], "Output": ["cat", "dog"]}``;
* a list of ``(input, target)`` pairs, ``[("a.png", "cat"), ...]``, for a net with one input and one output;
* a folder of images with labels from sub-folder names (a path, or ``netgraph.image_folder(path)``);
* a .csv or .jsonl file of ``text`` and ``label`` columns (a path, or ``netgraph.text_table(path)``).

Every example is checked before the first step (labels, file headers, text lengths, value types, NaN) and
reported together in one DataError naming the port and each example by its index in the user's data; images,
paths or labels for a port without a coder are a DataError naming the coder to attach. Image files are then read and
encoded batch by batch in a torch DataLoader's ``num_workers`` processes; labels and texts are encoded at
once, texts as ragged token sequences (batched with their lengths, as net(texts) reads them; beside image
files, one length a batch); a file that cannot be
decoded later (changed on disk) stops the run with a DataError, and the checkpoints written so far stay.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netgraph.backend.masks import Padded, as_lists
from netgraph.backend.ragged import length_groups
from netgraph.core.coders import (BooleanDecoder, ClassDecoder, Coder, Decoder, Encoder, ImageEncoder,
                                  TokensEncoder)
from netgraph.core.port_options import option_form
from netgraph.core.tensors import as_tensor
from netgraph.data import Examples
from netgraph.data.sources import IMAGE_SUFFIXES
from netgraph.data.encoding import already_encoded, encode_example, encode_label_sequence, encoded_form_problem
from netgraph.data.images import check_image
from netgraph.train.data_files import load_data
from netgraph.train.data_lengths import keyed
from netgraph.train.data_split import held_out
from netgraph.train.encoded_checks import check_examples
from netgraph.train.encoded_loader import EncodedLoader, warn_workers
from netgraph.train.data_sets import HELD_OUT, TRAINING, VALIDATION, data_error

__all__ = ["encoded_data", "encoded_alone", "EncodedLoader", "from_disk"]


def from_disk(data: Any, what: str) -> Any:
    """The data a path names (a folder of images, a .csv/.jsonl table, a .npz/.safetensors file of arrays, read as
    ``netgraph train --data`` reads it); a dict with its ``<key>.lengths`` read (``keyed``, once: a data file's are
    read where it is); anything else as it is."""
    if isinstance(data, Mapping):
        return keyed(data, what)
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.is_dir() or path.suffix.lower() in (".csv", ".jsonl", ".npz", ".safetensors") and path.is_file():
            return load_data(path)
        found = (f"{str(path)!r} is a file, not a .csv, .jsonl, .npz or .safetensors file" if path.is_file() else
                 f"no image folder or data file {str(path)!r}")
        raise data_error(what, f"{found}; a path given as data is a folder of images with one sub-folder per "
                        f"label (image_folder), a .csv/.jsonl table of texts and labels (text_table) or a .npz/"
                        f".safetensors file of arrays by key (load_data)")
    return data


def _coder_for(net: Any, key: str) -> Coder | None:
    coders = net.coders
    if key in coders:
        return coders[key]
    outputs = [p for p in net.output_ports if isinstance(coders.get(p), Decoder)]
    if key == "Target" and len(net.output_ports) == 1 and outputs:
        return coders[outputs[0]]
    return next((coders[p] for p in outputs if key == f"{p}Target"), None)


def _columns(net: Any, data: Any, what: Any = TRAINING) -> dict[str, list] | None:
    """Per-example values by key when ``data`` is in the encoded form, else None (tensors: the usual path); a path
    given as data was read already (``from_disk``, in net_train)."""
    if isinstance(data, Examples) or (isinstance(data, list) and data and all(
            isinstance(e, tuple) and len(e) == 2 for e in data)):
        if len(net.input_ports) != 1 or len(net.output_ports) != 1:
            raise data_error(what, f"(input, target) pairs need a net with one input and one output; this net has "
                                   f"inputs {list(net.input_ports)}, outputs {list(net.output_ports)}")
        columns = {net.input_ports[0]: [e[0] for e in data], net.output_ports[0]: [e[1] for e in data]}
        _refuse_uncoded(net, columns, what)
        return columns
    if _is_pair(net, data):  # (inputs, targets): the dict it stands for, so a decoder reads its labels too
        data = {net.input_ports[0]: data[0], "Target": data[1]}
    if _coded_examples(net, data):  # Wolfram's list of associations: the dict of its columns
        data = {key: [example[key] for example in data] for key in data[0]}
    if not isinstance(data, Mapping):
        _refuse_uncoded(net, _unencoded_columns(net, data), what)  # example dicts holding labels, say
        _refuse_unencoded_tensors(net, _unencoded_columns(net, data), what)
        return None
    # a Padded value is encoded already (as a tensor is): its sequences, not its (data, lengths) pair, are examples
    raw = {str(k): as_lists(v, str(k), f"{what}: key") if isinstance(v, Padded) else v for k, v in data.items()}
    _refuse_uncoded(net, raw, what)
    _refuse_unencoded_tensors(net, raw, what)
    if not net.coders:
        return None
    if not any(_coder_for(net, k) is not None and not isinstance(v, torch.Tensor) for k, v in raw.items()):
        return None
    columns = {k: list(v) if not isinstance(v, torch.Tensor) else v for k, v in raw.items()}
    sizes = {k: len(v) for k, v in columns.items()}
    if len(set(sizes.values())) > 1:
        raise data_error(what, f"every key must hold the same number of examples, found {sizes}")
    return columns


def _coded_examples(net: Any, data: Any) -> bool:
    """Whether ``data`` is a list of example dicts of one set of keys holding, at a port with a coder, a value only
    a coder makes a tensor of (a text, label, image file or image, True/False, a tagger's list of labels)."""
    if type(data) is not list or not data or not all(isinstance(e, Mapping) and e.keys() == data[0].keys()
                                                     for e in data):
        return False
    coded = [k for k in data[0] if _coder_for(net, str(k)) is not None]
    return any(_kind(v, None) is not None or isinstance(v, (bool, np.bool_)) or
               isinstance(v, (list, tuple)) and any(isinstance(one, str) for one in v)
               for e in data for v in (e[k] for k in coded))


def _kind(value: Any, shape: Any) -> str | None:
    """What a value that only an encoder or decoder turns into a tensor is ("a PIL image"), else None;
    ``shape`` is the port's (a uint8 image array of another shape needs an ImageEncoder)."""
    if type(value).__module__.startswith("PIL."):
        return "a PIL image"
    if isinstance(value, (str, os.PathLike)):
        if Path(value).suffix.lower() in IMAGE_SUFFIXES:
            return f"an image file path {os.fspath(value)!r:.60}"
        return f"a string {str(value) if isinstance(value, str) else value!r:.40}"  # numpy's str_ as a str
    if isinstance(value, np.ndarray) and value.dtype == np.uint8 and tuple(value.shape) != shape and \
            (value.ndim == 2 or value.ndim == 3 and value.shape[-1] in (1, 3, 4)):
        return f"a uint8 image array of shape {tuple(value.shape)}"
    return None


def _refuse_uncoded(net: Any, columns: Mapping[str, Any], what: Any) -> None:
    """One DataError for the keys without a coder that hold images, paths or labels: the port needs an encoder
    (input) or a decoder (output), as the README's "Encoders and decoders" shows."""
    problems, ports = [], []  # each problem's port (None: a key of no port)
    for key, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype.kind in "USO" and values.size:  # a data file's texts, labels
            values = values.reshape(len(values), -1)[:, 0].tolist() if values.ndim else values.tolist()
        listed = type(values) in (list, tuple) or isinstance(values, Examples)  # a Padded (a NamedTuple) is no list
        if _coder_for(net, key) is not None or not listed:
            continue
        shape = net.port_types[key].shape if key in net.input_ports else None
        found = [(i, kind) for i, v in enumerate(values) if (kind := _kind(v, shape)) is not None]
        if not found:
            continue
        i, kind = found[0]
        more = f" ({len(found)} of {len(values)} examples)" if len(found) > 1 else ""
        port = key if key in net.input_ports else _output_for(net, key)
        ports.append(port if port in net.input_ports or port in net.output_ports else None)
        if key in net.input_ports:
            encoder = _image_encoder(shape) if "image" in kind else "ClassEncoder([...])"
            fix = ("an ImageEncoder to the port" if "image" in kind else "a TokensEncoder or CharactersEncoder "
                   "(text), a ClassEncoder (labels) or an ImageEncoder (image file paths) to the port") + \
                f", e.g. {option_form(net, key, encoder)}"
            problems.append(f"input port {key!r} has no encoder, but example {i} is {kind}{more}; attach {fix}")
            continue
        if port not in net.output_ports:
            problems.append(f"key {key!r} (no input port or target) holds {kind} at example {i}{more}, which makes "
                            f"no tensor; images, paths and labels go to input ports with an encoder or to the "
                            f"targets of outputs with a decoder")
            continue
        labels = sorted({str(v) for v in values if isinstance(v, str)})
        shown = labels if len(labels) <= 5 else [*labels[:5], "..."]
        problems.append(f"the target of output port {port!r} (key {key!r}) holds labels, but the port has no "
                        f"decoder: example {i} is {kind.replace('a string', 'a string label', 1)}{more}; attach a "
                        f"ClassDecoder with the labels to the output port, e.g. NetGraph(..., "
                        f"{port}=ClassDecoder({shown})) or NetChain([...], output=ClassDecoder([...]))")
    if problems:
        raise data_error(what, "; ".join(problems) + " (see the README's 'Encoders and decoders')", layer=(),
                         port=ports[0])


def _refuse_unencoded_tensors(net: Any, columns: Mapping[str, Any], what: Any) -> None:
    """A DataError for a tensor, taken as encoded, that is not its port's encoded form (``encoded_form_problem``:
    raw pixels at an ImageEncoder port): a whole key's, or the first such example's of a list."""
    for key, values in columns.items():
        coder, listed = _coder_for(net, key), type(values) is list
        for i, value in enumerate(values if listed else [values]):
            if coder is not None and (problem := encoded_form_problem(coder, value)):
                example = f"example {i}: " if listed else ""
                raise data_error(what, f"{_port_words(coder, key, key)}: {example}{problem}", layer=(), port=key)


def _is_pair(net: Any, data: Any) -> bool:
    """Whether ``data`` is the (inputs, targets) pair of a net with one input (as ``gather`` reads it)."""
    return type(data) is tuple and len(data) == 2 and len(net.input_ports) == 1 and \
        not any(isinstance(d, Mapping) for d in data)


def _unencoded_columns(net: Any, data: Any) -> dict[str, Any]:
    """The columns by key of a list of example dicts, for ``_refuse_uncoded``; {} for other data (which the tensor
    path checks)."""
    if type(data) is list and data and all(isinstance(e, Mapping) for e in data):
        return {str(k): [e.get(k) for e in data] for k in data[0]}
    return {}


def _image_encoder(shape: Any) -> str:
    """The ImageEncoder that gives a (channels, height, width) port its shape, as text."""
    if isinstance(shape, tuple) and len(shape) == 3 and all(isinstance(d, int) for d in shape) and shape[0] in (1, 3):
        grey = ", color_space='Grayscale'" if shape[0] == 1 else ""
        return f"ImageEncoder(size=({shape[2]}, {shape[1]}){grey})"
    return "ImageEncoder(size=(width, height))"


def _output_for(net: Any, key: str) -> str:
    """The output port a target key belongs to ('Target' with one output, '<port>Target', the port's name)."""
    if key == "Target" and len(net.output_ports) == 1:
        return net.output_ports[0]
    return key[:-len("Target")] if key.endswith("Target") and key[:-len("Target")] in net.output_ports else key


class EncodedDataset(torch.utils.data.Dataset):
    """Example ``i``: each key's value encoded by its port's coder; a failure is returned as text, not raised.
    ``index`` gives each example's number in the user's data (a validation split holds some of them), ``places``
    where each of the user's examples is (a table's ``file:line``), when known."""

    def __init__(self, net: Any, columns: dict[str, Any], what: str, index: list[int] | None = None,
                 places: Any = None):
        self.coders = {k: _coder_for(net, k) for k in columns}
        # True/False targets of a BooleanDecoder on a (1) output take its shape (the encoder gives scalars)
        self.shapes = {k: (1,) for k, c in self.coders.items() if isinstance(c, BooleanDecoder)
                       and _output_for(net, k) in net.output_ports and net.port_types[_output_for(net, k)].shape == (1,)}
        self.inputs = set(net.input_ports)
        self.ports = {k: k if k in self.inputs else _output_for(net, k) for k in columns}  # a target's output port
        # a tagger's targets: a list of labels per example at a ClassDecoder output of shape ("n", k)
        self.sequences = {k for k, c in self.coders.items() if isinstance(c, ClassDecoder) and k not in self.inputs
                          and self.ports[k] in net.output_ports and len(net.port_types[self.ports[k]].shape) == 2}
        # NaN is refused in inputs and targets; keys only a loss_function reads are not checked (as for tensors)
        self.nan_checked = {k for k, c in self.coders.items()
                            if c is not None or k in self.inputs or _output_for(net, k) in net.output_ports}
        self.columns, self.what, self.port_types = columns, what, net.port_types
        self.size = len(next(iter(columns.values())))
        self.index = list(range(self.size)) if index is None else index
        self.places = places

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> dict[str, Any]:
        out = {}
        for key in self.columns:
            result = self.encoded(key, i)
            if isinstance(result, str):  # (port, words): plain values, as a worker process hands them back
                return {"__error__": (self.ports[key], f"{self.port_words(key)}: {self.example_name(i)}: {result}")}
            out[key] = result
        return out

    def encoded(self, key: str, i: int, header_only: bool = False) -> torch.Tensor | str | None:
        """Example ``i``'s tensor at ``key``, or why it cannot be used (it cannot be encoded, it holds NaN);
        ``header_only`` checks an image file by its header (None when it is fine)."""
        coder, value = self.coders[key], self.columns[key][i]
        if coder is None or already_encoded(coder, value):
            if problem := encoded_form_problem(coder, value):
                return problem
            try:
                result = as_tensor(value)
            except (TypeError, ValueError, RuntimeError) as exc:
                return f"cannot make a tensor from {type(value).__name__}: {exc}"
        elif header_only and isinstance(coder, ImageEncoder) and not isinstance(value, np.ndarray):
            return check_image(coder, value)
        else:
            result = encode_label_sequence(coder, value) if key in self.sequences else encode_example(coder, value)
            if isinstance(result, str):
                return result
            result = result.reshape(self.shapes[key]) if key in self.shapes else result
        if key in self.nan_checked and result.is_floating_point() and bool(result.isnan().any()):
            return "holds NaN, which makes the loss non-finite; remove or fix such examples"
        return result

    def check(self) -> None:
        """Every example checked before training (``encoded_checks.check_examples``)."""
        check_examples(self)

    def length_groups(self) -> list[list[int]] | None:
        """Example indices grouped by the lengths of their texts (None without texts at an input port)."""
        keys = [k for k, c in self.coders.items() if isinstance(c, TokensEncoder) and k in self.inputs
                and not isinstance(self.columns[k], torch.Tensor)]  # a TokensEncoder's port is ("n",)
        if not keys:
            return None
        return length_groups([tuple(len(encode_example(self.coders[k], self.columns[k][i])) for k in keys)
                              for i in range(self.size)])

    def example_name(self, i: int) -> str:
        """'example 2 (t.csv:6)': example ``i``'s number in the user's data, and its place when known."""
        n = self.index[i]
        return f"example {n}" + (f" ({self.places[n]})" if self.places is not None else "")

    def port_words(self, key: str) -> str:
        """'input port 'Input' (ImageEncoder)': which port (or key) ``key`` is, for a message."""
        coder = self.coders[key]
        if coder is not None:
            return _port_words(coder, key, self.ports[key])
        return f"input port {key!r}" if key in self.inputs else f"key {key!r}"


def _port_words(coder: Coder, key: str, port: str) -> str:
    """'input port 'Input' (ImageEncoder)', 'target 'Target' of output port 'Output' (ClassDecoder)'."""
    if isinstance(coder, Encoder):
        return f"input port {key!r} ({coder.type_name})"
    return f"target {key!r}{f' of output port {port!r}' if port != key else ''} ({coder.type_name})"


def _split(columns: dict[str, Any], fraction: float, seed: int) -> tuple[tuple, tuple]:
    """((training columns, their example numbers), (validation columns, theirs)), held out as other data is."""
    parts = held_out(len(next(iter(columns.values()))), fraction, seed)
    pick = lambda idx: ({key: [v[i] for i in idx] if not isinstance(v, torch.Tensor) else v[idx]  # noqa: E731
                         for key, v in columns.items()}, idx)
    return pick(parts[0].tolist()), pick(parts[1].tolist())


def encoded_data(net: Any, data: Any, validation: Any, batch_size: int, num_workers: int,
                 seed: int) -> tuple[Any, Any]:
    """(training data, validation_set) with encoded forms turned into checked EncodedLoaders; others unchanged.
    ``seed``: the run's (random_seed, or the one drawn), which holds out a fraction (``validation_set=0.2``)."""
    data, validation = _boolean_targets(net, data), _boolean_targets(net, validation)
    columns = _columns(net, data)
    if columns is None:  # training tensors: validation data in the encoded form (pairs, labels) is encoded alone
        held = None if validation is None or isinstance(validation, float) else _columns(net, validation, VALIDATION)
        return data, validation if held is None else _loader(net, held, None, VALIDATION, batch_size, num_workers,
                                                             getattr(validation, "places", None))
    if any(isinstance(_coder_for(net, key), ImageEncoder) for key in columns):  # files: read by a DataLoader
        warn_workers(num_workers, stacklevel=4)  # once for the training and held-out loaders; net_train's caller
    index, places = None, getattr(data, "places", None)  # a table's examples: their file:line
    if isinstance(validation, float) and not isinstance(validation, bool) and 0 < validation < 1:
        (columns, index), held_out = _split(columns, validation, seed)
        validation = _loader(net, *held_out, HELD_OUT, batch_size, num_workers, places)
    elif validation is not None and (held_out := _columns(net, validation, VALIDATION)) is not None:
        validation = _loader(net, held_out, None, VALIDATION, batch_size, num_workers,
                             getattr(validation, "places", None))
    return _loader(net, columns, index, TRAINING, batch_size, num_workers, places), validation


def encoded_alone(net: Any, data: Any, what: Any, batch_size: int, num_workers: int) -> Any:
    """``data`` (data set ``what``, not split) with an encoded form turned into a checked EncodedLoader or encoded
    columns, as ``encoded_data`` turns training data; any other form unchanged."""
    data = _boolean_targets(net, data)
    columns = _columns(net, data, what)
    if columns is None:
        return data
    if any(isinstance(_coder_for(net, key), ImageEncoder) for key in columns):
        warn_workers(num_workers, stacklevel=4)
    return _loader(net, columns, None, what, batch_size, num_workers, getattr(data, "places", None))


def _boolean_targets(net: Any, data: Any) -> Any:
    """A dict whose True/False tensor of shape (b) targets a BooleanDecoder on a (1) output, with it as (b, 1)
    (as True/False values in a list are encoded); anything else unchanged."""
    if not isinstance(data, Mapping):
        return data
    fixed = {k: v.reshape(-1, 1) for k, v in data.items() if isinstance(v, torch.Tensor) and v.dtype == torch.bool
             and v.dim() == 1 and isinstance(_coder_for(net, str(k)), BooleanDecoder)
             and net.port_types[_output_for(net, str(k))].shape == (1,)}
    return {**data, **fixed} if fixed else data


def _loader(net: Any, columns: dict[str, Any], index: list[int] | None, what: str, batch_size: int,
            num_workers: int, places: Any = None) -> EncodedLoader | dict[str, Any]:
    dataset = EncodedDataset(net, columns, what, index, places)
    dataset.check()
    if any(isinstance(c, ImageEncoder) for c in dataset.coders.values()):
        return EncodedLoader(dataset, batch_size, num_workers)  # files: read and encoded batch by batch
    return _encoded_columns(dataset)


def _encoded_columns(dataset: EncodedDataset) -> dict[str, Any]:
    """Labels, texts and numbers (cheap to encode) encoded now, each key one tensor, or a list of token sequences
    of different lengths: the ragged data net_train batches with their lengths where the net honours them, so a
    text is read to its own length in training as in net(texts), never padded with 0 that a layer reads."""
    out = {}
    for key, values in dataset.columns.items():
        if isinstance(values, torch.Tensor):
            out[key] = values
            continue
        encoded = [dataset.encoded(key, i) for i in range(dataset.size)]  # checked: tensors
        out[key] = encoded if len({tuple(e.shape) for e in encoded}) > 1 else torch.stack(encoded)
    return out
