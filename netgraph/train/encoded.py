"""Training data in the encoded form: files, labels and texts that the net's encoders and decoders turn into tensors.

``net_train`` takes, for a net with encoders or decoders on its ports,

* a dict of per-example values, ``{"Input": ["a.png", "b.png"], "Output": ["cat", "dog"]}``;
* a list of ``(input, target)`` pairs, ``[("a.png", "cat"), ...]``, for a net with one input and one output;
* a folder of images with labels from sub-folder names (a path, or ``netgraph.image_folder(path)``);
* a .csv or .jsonl file of ``text`` and ``label`` columns (a path, or ``netgraph.text_table(path)``).

Every example is checked before the first step (labels, file headers, text lengths, value types, NaN) and
reported together in one DataError naming the port and each example by its index in the user's data; images,
paths or labels for a port without a coder are a DataError naming the coder to attach (a torch Dataset holding images:
item 0, then each item again as the loader reads it, never all at once; values held in memory are not checked
again). Image files are then read and encoded batch by batch in a torch DataLoader's ``num_workers`` processes;
labels and texts are encoded at once, texts as ragged token sequences (batched with their lengths, as net(texts)
reads them; beside image files, one length a batch); a file that cannot be decoded later (changed on disk) stops
the run with a DataError, and the checkpoints written so far stay.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netgraph.backend.ragged import examples_by_key
from netgraph.core.coders import BooleanDecoder, ClassDecoder, ImageEncoder, TokensEncoder
from netgraph.core.errors import NetGraphError
from netgraph.core.name_guesses import did_you_mean_file
from netgraph.core.torch_state import generator_kept
from netgraph.data import Examples
from netgraph.core.tensors import as_tensor
from netgraph.data.encoding import already_encoded, encode_example, encode_label_sequence, encoded_form_problem
from netgraph.data.errors import ExampleError, Reason
from netgraph.data.images import check_image
from netgraph.train.data_files import DATA_SUFFIXES, load_data
from netgraph.train.data_lengths import Keyed, keyed
from netgraph.train.data import Columns
from netgraph.train.data_split import held_out
from netgraph.train.encoded_checks import check_examples, first_fields, label_count_problems
from netgraph.train.encoded_columns import as_written, coder_for, columns_of, output_for, port_words
from netgraph.train.encoded_loader import EncodedLoader, warn_workers
from netgraph.train.item_columns import ItemColumn
from netgraph.train.data_sets import (HELD_OUT, TRAINING, VALIDATION, data_error, held_fraction, no_examples,
                                     raise_data)
from netgraph.train.data_pairs import lone_target_key
from netgraph.train.datasets import keeping_reads, pair_items, read_once

__all__ = ["encoded_data", "encoded_alone", "EncodedLoader", "from_disk"]


def from_disk(data: Any, what: str, net: Any) -> Any:
    """The data a path names (a folder of images, a .csv/.jsonl table, a .npz/.safetensors file of arrays, read as
    ``netgraph train --data`` reads it, its numbers at ``net``'s coded ports as written: ``as_written``); a dict
    with its ``<key>.lengths`` read (``keyed``, once: a data file's are read where it is); anything else as it is."""
    if isinstance(data, Keyed):  # a data file's arrays, read by load_data (netgraph train, measure)
        return Keyed(as_written(data, net))
    if isinstance(data, Mapping):
        return keyed(data, what)
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.is_dir() or path.suffix.lower() in DATA_SUFFIXES and path.is_file():
            return from_disk(load_data(path, who=f"bad {what}: "), what, net)  # its errors name the data set
        found = (f"{str(path)!r} is a file, not a .csv, .jsonl, .npz or .safetensors file" if path.is_file() else
                 f"no image folder or data file {str(path)!r}{did_you_mean_file(path, DATA_SUFFIXES, folders=True)}")
        raise data_error(what, f"{found}; a path given as data is a folder of images with one sub-folder per "
                        f"label (image_folder), a .csv/.jsonl table of texts and labels (text_table) or a .npz/"
                        f".safetensors file of arrays by key (load_data)",
                        kind="missing-file" if not path.is_file() else "file-type", found=str(path))
    return data


class EncodedDataset(torch.utils.data.Dataset):
    """Example ``i``: each key's value encoded by its port's coder; a failure is returned as text, not raised.
    ``index`` gives each example's number in the user's data (a validation split holds some of them), ``places``
    where each of the user's examples is (a table's ``file:line``, or the user's words), when known, ``rows`` each
    one's table row as (file, line), and ``table_columns`` the table's (input, label) column names; ``from_file``:
    the examples are a file's (a table, an image folder), whose targets' key the user never wrote (messages name the
    output port)."""

    def __init__(self, net: Any, columns: dict[str, Any], what: str, index: list[int] | None = None,
                 places: Any = None, from_file: bool = False, table_columns: tuple[str, str] | None = None,
                 rows: Any = None):
        self.coders = {k: coder_for(net, k) for k in columns}
        # True/False targets of a BooleanDecoder on a (1) output take its shape (the encoder gives scalars)
        self.shapes = {k: (1,) for k, c in self.coders.items() if isinstance(c, BooleanDecoder)
                       and output_for(net, k) in net.output_ports and net.port_types[output_for(net, k)].shape == (1,)}
        self.inputs = set(net.input_ports)
        self.ports = {k: k if k in self.inputs else output_for(net, k) for k in columns}  # a target's output port
        # a tagger's targets: a list of labels per example at a ClassDecoder output of shape ("n", k)
        self.sequences = {k for k, c in self.coders.items() if isinstance(c, ClassDecoder) and k not in self.inputs
                          and self.ports[k] in net.output_ports and len(net.port_types[self.ports[k]].shape) == 2}
        # NaN is refused in inputs and targets; keys only a loss_function reads are not checked (as for tensors)
        self.nan_checked = {k for k, c in self.coders.items()
                            if c is not None or k in self.inputs or output_for(net, k) in net.output_ports}
        self.columns, self.what, self.port_types = columns, what, net.port_types
        self.size = len(next(iter(columns.values())))
        self.index = list(range(self.size)) if index is None else index
        self.places, self.from_file, self.table_columns, self.rows = places, from_file, table_columns, rows
        self.checked = False  # True once check() passed on values held in memory: reads skip the checks it ran
        # a Dataset's items (``ItemColumn``s, one reader) and the checked Dataset (or Subset) they are read from, which
        # keeps the reads made before training to train on (``keeping_reads``); None for values held in memory
        self.item_column = next((v for v in columns.values() if isinstance(v, ItemColumn)), None)
        self.read_items = None if self.item_column is None else self.item_column.read_items()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> dict[str, Any]:
        try:
            return self._example(i)
        finally:
            self._forget_item()  # a later read of the item (a later round's) reads it anew

    def _forget_item(self) -> None:
        """A Dataset's item read for the example just read is not kept for another (``ItemColumn.forget_item``)."""
        if self.item_column is not None:
            self.item_column.forget_item()

    def _example(self, i: int) -> dict[str, Any]:
        """Example ``i``: each key's tensor, or the error of the first key that fails (``__getitem__``)."""
        out = {}
        for key in self.columns:
            try:
                result = self.encoded(key, i)
            except NetGraphError as exc:  # the Dataset's own: raised by the loader, in this process, as it is
                return {"__raised__": exc}
            if isinstance(result, Reason):  # (port, words, Diagnostic fields): plain values, as a worker hands back
                said = f"{self.port_words(key)}: {self.example_name(i, key)}: {result}"
                return {"__error__": (self.ports[key], said,
                                      first_fields(self, i, result))}
            out[key] = result
        if self.sequences and not self.checked and (counts := label_count_problems(  # a Dataset's item, read now
                self, {(k, i): len(t) for k, t in out.items() if t.dim()}, [i])):
            return {"__error__": counts[0]}
        return out

    def encoded(self, key: str, i: int, header_only: bool = False) -> torch.Tensor | Reason | None:
        """Example ``i``'s tensor at ``key``, or why it cannot be used (it cannot be encoded, it holds NaN);
        ``header_only`` checks an image file by its header (None when it is fine). A value ``check`` saw whole is
        not checked again."""
        coder = self.coders[key]
        try:
            value = self.columns[key][i]  # a Dataset's item is read here (ItemColumn)
        except ExampleError as exc:
            return Reason.of(exc)
        fresh = not (self.checked and _seen_whole(coder, value))  # a Dataset's item, an image file: checked now
        if coder is None or already_encoded(coder, value):  # a list's encoded form checked up front (columns_of)
            if fresh and (problem := coder is not None and encoded_form_problem(coder, value)):
                return Reason(problem)
            try:
                result = as_tensor(value)
            except (TypeError, ValueError, RuntimeError) as exc:
                if getattr(coder, "range_text", None):  # a Restricted port
                    return Reason(f"takes integer indices in its range {coder.range_text}, found "
                                  f"{type(value).__name__}")
                return Reason(f"cannot make a tensor from {type(value).__name__}: {exc}")
        elif header_only and isinstance(coder, ImageEncoder) and not isinstance(value, np.ndarray):
            return None if (problem := check_image(coder, value)) is None else Reason(problem)
        else:
            result = encode_label_sequence(coder, value) if key in self.sequences else encode_example(coder, value)
            if isinstance(result, Reason):
                return result
            result = result.reshape(self.shapes[key]) if key in self.shapes else result
        if fresh and key in self.nan_checked and result.is_floating_point() and bool(result.isnan().any()):
            return Reason("holds NaN, which makes the loss non-finite; remove or fix such examples")
        return result

    @property
    def read_batch_by_batch(self) -> bool:
        """Whether training reads and encodes the examples batch by batch (image files), not all at once."""
        return any(isinstance(c, ImageEncoder) for c in self.coders.values())

    def check(self) -> dict[str, list[torch.Tensor]]:
        """Every example checked before training (``encoded_checks.check_examples``), once: values held in memory
        are not checked again as they are read; a Dataset's items are, on every read (its ``__getitem__`` runs anew
        each time and may give other values: random augmentation, files it opens). Those read here are kept to
        train on (``keeping_reads``), and a random transform's draw leaves torch's generator as found. Returns the
        tensors the check encoded, by key (``check_examples``), where training reads them all at once (else {})."""
        try:
            with generator_kept(), keeping_reads(self.read_items):
                encoded = check_examples(self, keep=not self.read_batch_by_batch)
        finally:
            self._forget_item()
        self.checked = self.item_column is None
        return encoded

    def length_groups(self) -> list[list[int]] | None:
        """Example indices grouped by the lengths of their texts (None without texts at an input port)."""
        keys = [k for k, c in self.coders.items() if isinstance(c, TokensEncoder) and k in self.inputs
                and not isinstance(self.columns[k], torch.Tensor)]  # a TokensEncoder's port is ("n",)
        if not keys:
            return None
        try:  # a Dataset's items are read here, each once: a random transform's draw leaves torch's generator as found
            with generator_kept():
                return examples_by_key([tuple(len(encode_example(self.coders[k], self.columns[k][i])) for k in keys)
                                      for i in range(self.size)])
        finally:
            self._forget_item()  # the last item read is not kept: round 1 reads it anew

    def example_name(self, i: int, key: str) -> str:
        """'example 2 (t.csv:6, column 'label')': example ``i``'s number in the user's data, and its place when known
        (a table's column holding ``key``'s values too)."""
        n = self.index[i]
        if self.places is None:
            return f"example {n}"
        column = "" if self.table_columns is None else f", column {self.table_columns[key not in self.inputs]!r}"
        return f"example {n} ({self.places[n]}{column})"

    def port_words(self, key: str) -> str:
        """'input port 'Input' (ImageEncoder)': which port (or key) ``key`` is, for a message."""
        coder = self.coders[key]
        if coder is not None:  # a file's targets: by their output port alone (its label column)
            return port_words(coder, self.ports[key] if self.from_file else key, self.ports[key])
        return f"input port {key!r}" if key in self.inputs else f"key {key!r}"


def _seen_whole(coder: Any, value: Any) -> bool:
    """Whether ``check`` saw ``value`` whole: anything but an image file or picture, whose header only it reads (the
    pixels are decoded as the loader reads them, each time)."""
    return not isinstance(coder, ImageEncoder) or isinstance(value, (np.ndarray, torch.Tensor))


def _split(columns: dict[str, Any], fraction: float, seed: int) -> tuple[tuple, tuple]:
    """((training columns, their example numbers), (validation columns, theirs)), held out as other data is."""
    parts = held_out(len(next(iter(columns.values()))), fraction, seed)
    pick = lambda idx: ({key: _subset(v, idx) for key, v in columns.items()}, idx)  # noqa: E731
    return pick(parts[0].tolist()), pick(parts[1].tolist())


def _subset(values: Any, index: list[int]) -> Any:
    """The examples numbered ``index`` of one column (a Dataset's items still unread)."""
    if isinstance(values, torch.Tensor):
        return values[index]
    return values.subset(index) if isinstance(values, ItemColumn) else [values[i] for i in index]


def encoded_data(net: Any, data: Any, validation: Any, batch_size: int, num_workers: int,
                 seed: int) -> tuple[Any, Any]:
    """(training data, validation_set) with encoded forms turned into checked EncodedLoaders; others unchanged.
    ``seed``: the run's (random_seed, or the one drawn), which holds out a fraction (``validation_set=0.2``)."""
    data, validation = _boolean_targets(net, data), _boolean_targets(net, validation)
    data, validation = _read_once(net, data, TRAINING), _read_once(net, validation, VALIDATION)
    columns = columns_of(net, data)
    if columns is None:  # training tensors: validation data in the encoded form (pairs, labels) is encoded alone
        given = validation is not None and held_fraction(validation) is None
        held = columns_of(net, validation, VALIDATION) if given else None
        return data, validation if held is None else _loader(net, held, None, VALIDATION, batch_size, num_workers,
                                                             **_origin(validation))
    if any(isinstance(coder_for(net, key), ImageEncoder) for key in columns):  # files: read by a DataLoader
        warn_workers(num_workers)  # once for the training and held-out loaders
    index = None
    if (fraction := held_fraction(validation)) is not None and 0 < fraction < 1:
        (columns, index), held_out = _split(columns, fraction, seed)
        validation = _loader(net, *held_out, HELD_OUT, batch_size, num_workers, **_origin(data))
    elif validation is not None and (held_out := columns_of(net, validation, VALIDATION)) is not None:
        validation = _loader(net, held_out, None, VALIDATION, batch_size, num_workers, **_origin(validation))
    return _loader(net, columns, index, TRAINING, batch_size, num_workers, **_origin(data)), validation


def _origin(data: Any) -> dict[str, Any]:
    """Where ``data``'s examples are: its ``places`` (a table's file:line) and a table's ``rows`` (file, line), and
    whether they are a file's."""
    return {"places": getattr(data, "places", None), "from_file": isinstance(data, Examples),
            "table_columns": getattr(data, "columns", None), "rows": getattr(data, "rows", None)}


def encoded_alone(net: Any, data: Any, what: Any, batch_size: int, num_workers: int) -> Any:
    """``data`` (data set ``what``, not split) with an encoded form turned into a checked EncodedLoader or encoded
    columns, as ``encoded_data`` turns training data; any other form unchanged."""
    data = _read_once(net, _boolean_targets(net, data), what)
    columns = columns_of(net, data, what)
    if columns is None:
        return data
    if any(isinstance(coder_for(net, key), ImageEncoder) for key in columns):
        warn_workers(num_workers)
    return _loader(net, columns, None, what, batch_size, num_workers, **_origin(data))


def _read_once(net: Any, data: Any, what: Any) -> Any:
    """``data`` as ``read_once`` gives it (a Dataset's item 0 read once, kept), a Dataset of (input, target) pairs
    read as dicts for a net with one input and one output (``pair_items``), as a list of pairs is read."""
    data = read_once(data, what)
    if len(net.input_ports) == 1 and len(net.output_ports) == 1:
        return pair_items(data, (net.input_ports[0], lone_target_key(net.input_ports, net.output_ports[0])))
    return data


def _boolean_targets(net: Any, data: Any) -> Any:
    """A dict whose True/False tensor of shape (b) targets a BooleanDecoder on a (1) output, with it as (b, 1)
    (as True/False values in a list are encoded); anything else unchanged."""
    if not isinstance(data, Mapping):
        return data
    fixed = {k: v.reshape(-1, 1) for k, v in data.items() if isinstance(v, torch.Tensor) and v.dtype == torch.bool
             and v.dim() == 1 and isinstance(coder_for(net, str(k)), BooleanDecoder)
             and net.port_types[output_for(net, str(k))].shape == (1,)}
    return {**data, **fixed} if fixed else data


def _loader(net: Any, columns: dict[str, Any], index: list[int] | None, what: str, batch_size: int,
            num_workers: int, **origin: Any) -> EncodedLoader | dict[str, Any] | Columns:
    dataset = EncodedDataset(net, columns, what, index, **origin)  # origin: ``_origin``'s
    encoded = dataset.check()
    if not dataset.size:  # as data without coders is refused: nothing to stack, batch or train on
        raise_data([no_examples()], what)
    if dataset.read_batch_by_batch:
        return EncodedLoader(dataset, batch_size, num_workers)  # files: read and encoded batch by batch
    if index is None:
        return _encoded_columns(dataset, encoded)
    return Columns(_encoded_columns(dataset, encoded), numbers=list(index))  # a part: examples named by their indices


def _encoded_columns(dataset: EncodedDataset, checked: dict[str, list[torch.Tensor]]) -> dict[str, Any]:
    """Labels, texts and numbers (cheap to encode), each key one tensor, or a list of token sequences of different
    lengths: the ragged data net_train batches with their lengths where the net honours them, so a text is read to
    its own length in training as in net(texts), never padded with 0 that a layer reads. ``checked``: the tensors
    ``check`` encoded, by key (each value is encoded once); other keys are encoded now."""
    out = {}
    for key, values in dataset.columns.items():
        if isinstance(values, torch.Tensor):
            out[key] = values
            continue
        encoded = checked.pop(key, None) or [dataset.encoded(key, i) for i in range(dataset.size)]  # tensors
        out[key] = encoded if len({e.shape for e in encoded}) > 1 else torch.stack(encoded)
    return out
