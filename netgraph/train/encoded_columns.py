"""The encoded form of training data recognised as columns: per-example values by key (a dict of them, (input, target)
pairs, example dicts) for a net with encoders or decoders, and the forms refused by name (images, paths or labels at a
port without a coder, raw pixel tensors at an ImageEncoder port, a dict {input: target} of Wolfram's rules)."""

from __future__ import annotations

import decimal
import math
import numbers
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netgraph.backend.masks import Padded, as_lists
from netgraph.core.coders import (ClassDecoder, ClassEncoder, Coder, Decoder, Encoder, ImageEncoder, Restricted,
                                 ScalarEncoder, TokensEncoder)
from netgraph.core.port_coders import checked_coders
from netgraph.core.port_options import option_form
from netgraph.core.torch_state import generator_kept
from netgraph.data import Examples
from netgraph.data.encoding import as_labels, encoded_form_problem, range_refusal
from netgraph.data.number_texts import WrittenInt, float_only
from netgraph.data.sources import IMAGE_SUFFIXES
from netgraph.train.data_pairs import is_pair, is_pair_of_values, pair_columns, rules_problem
from netgraph.train.data_sets import TRAINING, data_error
from netgraph.train.datasets import checked_dataset_of, dataset_items, keeping_reads
from netgraph.train.item_columns import ItemColumn, item_columns

__all__ = ["coder_for", "columns_of", "output_for", "port_words", "as_written"]

MAX_DIGITS = sys.get_int_max_str_digits() or 4300  # the digits of an int Python writes (an error's text counts them)


def coder_for(net: Any, key: str) -> Coder | None:
    coders = checked_coders(net)
    if key in coders:
        return coders[key]
    outputs = [p for p in net.output_ports if isinstance(coders.get(p), Decoder)]
    if _single_target(net, key) and outputs:
        return coders[outputs[0]]
    return next((coders[p] for p in outputs if key == f"{p}Target"), None)


def as_written(data: Mapping, net: Any) -> dict[str, Any]:
    """A data file's arrays (``load_data`` reads numbers as tensors, and a tensor at a coded port is taken as already
    encoded) with the numbers a coder encodes otherwise as the numpy array the file holds, which the coder encodes as
    it does that array in Python (``_encoded_otherwise``). The rest stay tensors, their values the same either way:
    class indices, probability or one-hot targets, booleans, float images of the port's shape, token indices.

    >>> from netgraph import NetChain, ScalarEncoder
    >>> written = as_written({"Input": torch.tensor([5.0]), "Target": torch.zeros(1, 3)},
    ...                      NetChain([3], input=ScalarEncoder(min=0, max=10)))
    >>> type(written["Input"]).__name__, type(written["Target"]).__name__
    ('ndarray', 'Tensor')
    """
    return {key: value.numpy() if isinstance(value, torch.Tensor) and _encoded_otherwise(coder_for(net, key), value)
            else value for key, value in data.items()}


def _encoded_otherwise(coder: Coder | None, value: torch.Tensor) -> bool:
    """Whether ``coder`` encodes these numbers, as numpy, into other values than the tensor of them: a ScalarEncoder's
    rescaled by ``min`` and ``max``, numeric labels of a class coder (``ClassEncoder([10, 20, 30])``: integers, or one
    number per example), integer pixels at an ImageEncoder (a tensor of them is refused as raw pixels)."""
    if isinstance(coder, ScalarEncoder):
        return coder.min is not None or coder.max is not None
    if isinstance(coder, ImageEncoder):
        return not value.is_floating_point()
    numeric = isinstance(coder, (ClassEncoder, ClassDecoder)) and any(
        isinstance(label, (numbers.Number, np.number)) for label in coder.labels)
    return numeric and (not value.is_floating_point() or value.dim() == 1)


def columns_of(net: Any, data: Any, what: Any = TRAINING) -> dict[str, list] | None:
    """Per-example values by key when ``data`` is in the encoded form, else None (tensors: the usual path); a path
    given as data was read already (``from_disk``, in net_train)."""
    if isinstance(data, Examples) or (isinstance(data, list) and data and all(map(is_pair, data))):
        if len(net.input_ports) != 1 or len(net.output_ports) != 1:
            raise data_error(what, f"(input, target) pairs need a net with one input and one output; this net has "
                                   f"inputs {list(net.input_ports)}, outputs {list(net.output_ports)}",
                                   kind="data-form", expected="a net with one input and one output",
                                   found=(tuple(net.input_ports), tuple(net.output_ports)))
        columns = pair_columns((_table_numbers(net, data, [e[0] for e in data]),  # keyed as the pair (x, y) is
                                _folder_labels(net, data, [e[1] for e in data])), net.input_ports, net.output_ports)
        _refuse_folder_for_other_coder(net, data, what)
        _refuse_uncoded(net, columns, what)
        _refuse_unencoded_tensors(net, columns, what)
        return columns
    if _is_inputs_targets_pair(net, data):  # the dict it stands for, so a decoder reads its labels too
        data = pair_columns(data, net.input_ports, net.output_ports)
    if isinstance(data, torch.utils.data.DataLoader) and (problem := _loader_problem(net, data)):
        raise data_error(what, problem, kind="data-form")
    if isinstance(data, torch.utils.data.Dataset) and (first := _item_zero(data)) is not None and _coded_in(net, first):
        if (lazy := _image_items(net, data, what, first)) is not None:  # item 0 read once: it may open an image
            return lazy
        data = dataset_items(data, what)  # texts, labels in its items: encoded as the list of them is
    if _coded_examples(net, data):  # Wolfram's list of associations: the dict of its columns
        data = {key: [example[key] for example in data] for key in data[0]}
    if isinstance(data, Mapping) and (rules := rules_problem(data, net.input_ports, net.output_ports)):
        raise data_error(what, rules, kind="data-form")
    if not isinstance(data, Mapping):
        examples = _unencoded_columns(net, data)
        _refuse_uncoded(net, examples, what)  # example dicts holding labels, say
        _refuse_unencoded_tensors(net, examples, what)
        return None
    # a Padded value is encoded already (as a tensor is): its sequences, not its (data, lengths) pair, are examples
    raw = {str(k): as_lists(v, str(k), f"{what}: key") if isinstance(v, Padded) else
           as_labels(coder_for(net, str(k)), v) for k, v in data.items()}  # a bool tensor of boolean labels: labels
    _refuse_uncoded(net, raw, what)
    _refuse_unencoded_tensors(net, raw, what)
    if not checked_coders(net):  # an inferred range is checked as a declared one
        return None
    if not any(coder_for(net, k) is not None and not isinstance(v, torch.Tensor) for k, v in raw.items()):
        return None
    for key, value in raw.items():
        if problem := _column_problem(value):
            raise data_error(what, f"key {key!r} holds {problem}", kind="data-form", port=key,
                             expected="a list of examples", found=type(value).__name__)
    columns = {k: list(v) if not isinstance(v, torch.Tensor) else v for k, v in raw.items()}
    sizes = {k: len(v) for k, v in columns.items()}
    if len(set(sizes.values())) > 1:
        raise data_error(what, f"every key must hold the same number of examples, found {sizes}",
                         kind="data-shape", found=tuple(sizes.items()))
    return columns


def _column_problem(value: Any) -> str:
    """Why a dict's value is no column of examples ('' when it is one): one example (a text, whose characters would be
    read as examples, a path, an image, a number) or a set, whose order is not the other columns'.

    >>> _column_problem("the cat")
    "one example (str 'the cat'), not a column of examples: give a list of them, one per example"
    """
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return "" if value.ndim else f"one example, a 0-d {type(value).__name__}, not a column of examples"
    if isinstance(value, (set, frozenset, Mapping)):
        return (f"a {type(value).__name__}, whose order is not the order of the other keys' examples: give a list "
                f"of the examples in order")
    if isinstance(value, (str, bytes, os.PathLike)) or type(value).__module__.startswith("PIL.") or \
            not hasattr(value, "__iter__"):
        found = "a PIL image" if type(value).__module__.startswith("PIL.") else f"{type(value).__name__} {value!r:.40}"
        return f"one example ({found}), not a column of examples: give a list of them, one per example"
    return ""


def _image_items(net: Any, dataset: Any, what: Any, first: Mapping) -> dict[str, ItemColumn] | None:
    """The columns of a Dataset whose items hold images at an ImageEncoder port, read item by item as training goes
    (all at once, they would all be in memory); None for any other Dataset. Item 0 (``first``, read already) is
    checked now as the columns of a list are (a value no coder takes); the others as they are read. Item 0 stays
    kept to train on where ``_item_zero`` kept it."""
    if not any(isinstance(coder_for(net, str(k)), ImageEncoder) for k in first):
        return None
    one = {str(k): [v] for k, v in first.items()}
    _refuse_uncoded(net, one, what)
    _refuse_unencoded_tensors(net, one, what)
    return item_columns(checked_dataset_of(dataset, what), list(first), first, what)


def _coded_examples(net: Any, data: Any) -> bool:
    """Whether ``data`` is a list of example dicts of one set of keys holding, at a port with a coder, a value only
    a coder makes a tensor of (a text, label, image file or image, True/False, a tagger's list of labels)."""
    if type(data) is not list or not data or not all(isinstance(e, Mapping) and e.keys() == data[0].keys()
                                                     for e in data):
        return False
    coded = [k for k in data[0] if coder_for(net, str(k)) is not None]
    return any(_kind(v, None) is not None or isinstance(v, (bool, np.bool_)) or
               isinstance(v, (list, tuple)) and any(isinstance(one, str) for one in v)
               for e in data for v in (e[k] for k in coded))


def _item_zero(dataset: Any) -> Mapping | None:
    """A map-style Dataset's item 0 where it is a dict; None for any other, or when item 0 cannot be read (said where
    items are batched)."""
    if isinstance(dataset, torch.utils.data.IterableDataset) or not hasattr(dataset, "__len__"):
        return None
    try:
        # a checked Dataset's (``read_once``): kept to train on, not read again; a random transform's draw leaves
        # torch's generator as found outside the run
        with generator_kept(), keeping_reads(dataset):
            item = dataset[0] if len(dataset) else None
    except Exception:  # noqa: BLE001 - the user's own __getitem__: its error is said where items are batched
        return None
    return item if isinstance(item, Mapping) else None


def _coded_in(net: Any, item: Mapping) -> tuple[Any, Any] | None:
    """The first (key, value) of ``item`` that only a coder makes a tensor of (a text, a label, an image file)."""
    return next(((k, v) for k, v in item.items() if _coded_examples(net, [{k: v}])), None)


def _first_coded(net: Any, dataset: Any) -> tuple[Any, Any] | None:
    """``_coded_in`` of a map-style Dataset's item 0; None where it has none or cannot be read."""
    return None if (item := _item_zero(dataset)) is None else _coded_in(net, item)


def _loader_problem(net: Any, loader: torch.utils.data.DataLoader) -> str:
    """Why a DataLoader whose Dataset's item 0 holds a value only a coder makes a tensor of cannot train ('' when it
    can): its batches are used as its collate makes them, unencoded."""
    if (first := _first_coded(net, loader.dataset)) is None:
        return ""
    key, value = first
    coder = coder_for(net, str(key))
    found = _kind(value, None) or f"{type(value).__name__} {value!r:.40}"
    return (f"the DataLoader's item 0 holds {found} at port {key!r} ({coder.type_name}), which a DataLoader does not "
            f"encode (its batches are used as its collate makes them); give net_train its Dataset, "
            f"net_train(net, loader.dataset), or the list of its items, which it encodes and checks, or items of "
            f"encoded tensors")


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
        if coder_for(net, key) is not None or not listed:
            continue
        shape = net.port_types[key].shape if key in net.input_ports else None
        found = [(i, kind) for i, v in enumerate(values) if (kind := _kind(v, shape)) is not None]
        if not found:
            continue
        i, kind = found[0]
        more = f" ({len(found)} of {len(values)} examples)" if len(found) > 1 else ""
        port = key if key in net.input_ports else output_for(net, key)
        ports.append(port if port in net.input_ports or port in net.output_ports else None)
        if key in net.input_ports:
            example = _image_encoder(net, key) if "image" in kind else option_form(net, key, "ClassEncoder([...])")
            fix = ("an ImageEncoder to the port" if "image" in kind else "a TokensEncoder or CharactersEncoder "
                   "(text), a ClassEncoder (labels) or an ImageEncoder (image file paths) to the port") + \
                f", e.g. {example}"
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
                         port=ports[0], kind="missing-coder")


def _table_numbers(net: Any, data: Any, inputs: list) -> list:
    """A table's (``Examples`` with places) texts as numbers for a ScalarEncoder input, as a .csv holds them ('1.5'):
    a text that is no number stays, refused as no number by the checks."""
    if not (isinstance(data, Examples) and data.places is not None
            and isinstance(coder_for(net, net.input_ports[0]), ScalarEncoder)):
        return inputs
    return [_number(value) if isinstance(value, str) else value for value in inputs]


def _folder_labels(net: Any, data: Any, targets: list) -> list:
    """An image folder's (``Examples`` without places) sub-folder names as the ClassDecoder's number labels they
    write: '0' as 0 where the labels are [0, 1, 2] (a name that is the text of one number label and no text label)."""
    coder = coder_for(net, net.output_ports[0])
    if not (isinstance(data, Examples) and data.places is None and isinstance(coder, ClassDecoder)):
        return targets
    written = [str(label) for label in coder.labels]
    numbers = {text: label for text, label in zip(written, coder.labels)
               if not isinstance(label, str) and written.count(text) == 1}
    return [numbers.get(name, name) for name in targets]


def _number(text: str) -> float | int | str:
    """A number text as a float; one a float would make infinite ('1e400', 400 digits) as its int, which the
    ScalarEncoder refuses as beyond float32's range, quoting the text (``WrittenInt``); past the digits Python
    writes, as is.
    A .csv number is one numpy.loadtxt reads: Python's float() reads '1_000' (a source literal's separators) and
    other scripts' digits ('１２') too, which stay texts, refused as no number; spaces around it, Unicode ones too
    ('1.5\xa0'), are allowed, as numpy strips them."""
    stripped = text.strip()
    if float_only(stripped):
        return text
    try:
        number = float(stripped)
    except ValueError:
        return text
    exact = decimal.Decimal(stripped) if math.isinf(number) else None  # 'inf' stays infinite, as float('inf') given
    if exact is not None and exact.is_finite() and exact.adjusted() < MAX_DIGITS:
        return WrittenInt(exact, stripped)  # quoted as written where it is refused
    return number


def _refuse_folder_for_other_coder(net: Any, data: Any, what: Any) -> None:
    """A DataError when an image folder's files (``Examples`` without places) go to an input port whose encoder is
    no ImageEncoder: a text encoder would read the paths, which name the labels, as texts."""
    port = net.input_ports[0]
    coder = coder_for(net, port)
    if not isinstance(data, Examples) or data.places is not None or coder is None or isinstance(coder, ImageEncoder):
        return
    raise data_error(what, f"{data.source!r} is a folder of images (image file paths, labels from sub-folder names), "
                           f"but input port {port!r} has a {coder.type_name}, which would read the paths as "
                           f"{'texts' if isinstance(coder, TokensEncoder) else 'its values'}; an image folder needs "
                           f"an ImageEncoder on the port, e.g. {_image_encoder(net, port)}",
                     layer=(), port=port, kind="data-form", expected="ImageEncoder", found=coder.type_name)


def _refuse_unencoded_tensors(net: Any, columns: Mapping[str, Any], what: Any) -> None:
    """A DataError for a tensor, taken as encoded, that is not its port's encoded form (``encoded_form_problem``:
    raw pixels at an ImageEncoder port): a whole key's, or the first such example's of a list. The one check of
    the encoded examples (an EncodedDataset's are these columns)."""
    for key, values in columns.items():
        if (coder := coder_for(net, key)) is None:
            continue
        if isinstance(coder, Restricted):  # its encoded form is indices in its range: checked once, as net(x) does
            if refusal := range_refusal(coder, key, values):
                raise data_error(what, refusal[0], **refusal[1])  # as net(x) says it, naming the example
            continue
        listed = type(values) is list
        for i, value in enumerate(values if listed else [values]):
            if problem := encoded_form_problem(coder, value):
                example = f"example {i}: " if listed else ""
                port = output_for(net, key) if isinstance(coder, Decoder) else key
                raise data_error(what, f"{port_words(coder, key, port)}: {example}{problem}", layer=(), port=port,
                                 kind="encoded-form")


def _is_inputs_targets_pair(net: Any, data: Any) -> bool:
    """Whether ``data`` is the (inputs, targets) pair of a net with one input and one output (as ``gather`` reads
    it; it refuses a pair for other nets)."""
    return type(data) is tuple and len(net.input_ports) == len(net.output_ports) == 1 and is_pair_of_values(data)


def _unencoded_columns(net: Any, data: Any) -> dict[str, Any]:
    """The columns by key of a list of example dicts, for ``_refuse_uncoded``; {} for other data (which the tensor
    path checks)."""
    if type(data) is list and data and all(isinstance(e, Mapping) for e in data):
        return {str(k): [e.get(k) for e in data] for k in data[0]}
    return {}


def _image_encoder(net: Any, port: str) -> str:
    """How to attach an ImageEncoder to ``port``, as code to paste: of the size (and colour space) its (channels,
    height, width) shape needs; a side the shape leaves free 32, said to be an example."""
    shape = net.port_types[port].shape
    image = isinstance(shape, tuple) and len(shape) == 3 and shape[0] in (1, 3)
    grey = ", color_space='Grayscale'" if image and shape[0] == 1 else ""
    height, width = (d if isinstance(d, int) else None for d in shape[1:]) if image else (None, None)
    encoder = option_form(net, port, f"ImageEncoder(size=({width or 32}, {height or 32}){grey})")
    if height and width:
        return encoder
    fixed, free = ("height", "width") if height else ("width", "height")
    said = (f"; the port's shape fixes the {fixed}, {height or width}, not the {free}: 32 is an example"
            if height or width else ", which the port's shape does not fix; 32 by 32 is an example")
    return f"{encoder} (size=(width, height): the pixels each image is resized to{said})"


def output_for(net: Any, key: str) -> str:
    """The output port a target key belongs to ('Target' with one output and no input of that name, '<port>Target',
    the port's name)."""
    if _single_target(net, key):
        return net.output_ports[0]
    return key[:-len("Target")] if key.endswith("Target") and key[:-len("Target")] in net.output_ports else key


def _single_target(net: Any, key: str) -> bool:
    """Whether ``key`` is 'Target', the single output's target (not an input port of that name, as loss reads it)."""
    return key == "Target" and len(net.output_ports) == 1 and "Target" not in net.input_ports


def port_words(coder: Coder, key: str, port: str) -> str:
    """'input port 'Input' (ImageEncoder)', 'target 'Target' of output port 'Output' (ClassDecoder)'."""
    if isinstance(coder, Encoder):
        return f"input port {key!r} ({coder.type_name})"
    return f"target {key!r}{f' of output port {port!r}' if port != key else ''} ({coder.type_name})"


