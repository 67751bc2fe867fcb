"""Ragged sequences as a data file holds them: a key ``<key>.lengths`` (one length per example) beside ``<key>`` (the
sequences padded to the longest, ``(examples, longest, ...)``) is ``Padded(data, lengths)``, in a file that
``netgraph train --data`` reads and in ``net_train``'s dict (``dict(np.load(path))``) alike.

>>> import torch
>>> keyed({"Input": torch.zeros(2, 3), "Input.lengths": torch.tensor([1, 3])}, "training data")["Input"].lengths
tensor([1, 3])
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

from netgraph.backend.masks import Padded
from netgraph.core.errors import did_you_mean
from netgraph.core.types import format_shape
from netgraph.train.data_sets import data_error

__all__ = ["keyed", "Keyed", "LENGTHS", "refuse_fixed_lengths"]

LENGTHS = ".lengths"


class Keyed(dict):
    """Arrays by key whose lengths keys are read already (``keyed``'s result: a data file ``load_data`` read)."""


def keyed(data: Mapping, what: str) -> Keyed:
    """``data`` with each key that has a ``<key>.lengths`` beside it ``Padded`` (the lengths keys gone); a DataError
    for lengths of no key, or a key spelt like one (``Input.length``: did you mean 'Input.lengths'?). Data keyed
    already (``Keyed``) as it is: its keys were checked where it was read, naming its file."""
    if isinstance(data, Keyed):
        return data
    for key in data:
        if not isinstance(key, str):
            raise data_error(what, f"key {reprlib.repr(key)} ({type(key).__name__}) is not a port name; a dict of data "
                                   f"maps port names to arrays, {{'Input': xs, 'Target': ys}}, or give an (inputs, "
                                   f"targets) pair (xs, ys), as Wolfram's xs -> ys",
                                   kind="unknown-key", expected="a port name", found=reprlib.repr(key))
    keys = list(data)
    for key in keys:
        _check_key(key, keys, what)
    return Keyed({k: Padded(v, data[k + LENGTHS]) if k + LENGTHS in data else v
                  for k, v in data.items() if not str(k).endswith(LENGTHS)})


def _check_key(key: str, keys: list[str], what: str) -> None:
    base, dot, suffix = key.rpartition(".")
    if not dot:
        return
    if dot + suffix == LENGTHS and base not in keys:
        others = [k for k in keys if not k.endswith(LENGTHS)]
        raise data_error(what, f"key {key!r} gives lengths of sequences, but there is no key {base!r} holding them "
                        f"(padded){did_you_mean(base, others)}; the keys: {sorted(keys)}",
                        kind="missing-key", port=key, expected=base, found=tuple(sorted(keys)))
    if dot + suffix != LENGTHS and base in keys and did_you_mean(suffix, [LENGTHS[1:]]):
        raise data_error(what, f"key {key!r} is neither a port nor a target (did you mean {base + LENGTHS!r}, the "
                        f"lengths of the padded sequences under {base!r}?)",
                        kind="unknown-key", port=key, expected=base + LENGTHS, found=key)


def refuse_fixed_lengths(net: Any, data: Any, what: str) -> None:
    """A DataError for sequence lengths (``<key>.lengths``, ``Padded``) at a port whose first dim is a fixed size:
    they would cut each example to its length (``(3)`` examples read as ``(1)``), and the data check would then
    blame the shape of data the user gave whole."""
    for key, value in (data.items() if isinstance(data, Mapping) else ()):
        port = _port_of(net, str(key))
        shape = net.port_types[port].shape if port is not None else None
        if isinstance(value, Padded) and shape and isinstance(shape[0], int):
            where = f"input port {port!r}" if port in net.input_ports else f"output port {port!r} (its target)"
            raise data_error(what, f"key {key!r} comes with sequence lengths ({key + LENGTHS!r} or Padded), but "
                                   f"{where} has the fixed shape {format_shape(shape)}, not a variable length such as "
                                   f"{['n', *value.data.shape[2:]]}; remove the lengths, or declare the port's length",
                                   kind="data-shape", layer=(), port=port, expected=shape, found="sequence lengths")


def _port_of(net: Any, key: str) -> str | None:
    """The port a data key feeds: an input, or the output a target key ('Target', the port's name) is for."""
    if key in net.input_ports or key in net.output_ports:
        return key
    if key == "Target" and len(net.output_ports) == 1:
        return net.output_ports[0]
    return key[:-len("Target")] if key.endswith("Target") and key[:-len("Target")] in net.output_ports else None
