"""Input shapes a net left unknown, read from the training data (Wolfram's NetTrain infers them so).

>>> import torch
>>> from netgraph import NetChain, LinearLayer
>>> with_data_shapes(NetChain([LinearLayer(1)]), {"Input": torch.zeros(8, 5)}).input_shapes
{'Input': (5,)}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from netgraph.backend.data_shapes import filled_shape
from netgraph.backend.masks import Padded
from netgraph.backend.ragged import is_ragged
from netgraph.core.errors import Diagnostic, ShapeError
from netgraph.core.ir import Value
from netgraph.core.port_options import option_form, with_port_options
from netgraph.core.types import format_shape
from netgraph.core.wording import first_few
from netgraph.train.data_pairs import is_pair

__all__ = ["with_data_shapes"]


def with_data_shapes(net: Any, data: Any) -> Any:
    """``net`` with each graph input whose shape is unknown (or has unknown dims) given the shape of its examples in
    ``data`` (a dict of arrays, an ``(inputs, targets)`` pair, a list of example dicts or of ``(input, target)`` pairs);
    anything else, or data that does not fit the known dims, leaves the port as it is (the data checks report it)."""
    types, coders = net.port_types, net.coders  # each a fresh dict per read
    unknown = [p for p in net.input_ports if p not in coders and _open(types[p].shape)]
    if not unknown:
        return net
    changes, unread = {}, []
    for port in unknown:
        known = types[port].shape
        shape = _example_shape(data, port, net.input_ports, bool(known) and isinstance(known[0], str))
        if shape is None:
            unread.append(port)
        elif (merged := filled_shape(known, shape)) is not None:
            changes[port] = merged
    if unread:  # the net cannot compile: say so now, not as arrays that cannot be initialised
        raise ShapeError(f"net_train: {_unread_message(net, data, unread[0])}",
                         [Diagnostic(_unread_message(net, data, unread[0]), "unknown-shape", layer=(), port=unread[0])])
    if not changes:
        return net
    return with_port_options(net, {**net.port_shape_options(), **changes})


def _unread_message(net: Any, data: Any, port: str) -> str:
    """Why ``port``'s shape is unknown: the data lacks its key (an input left unwired, Keras's "Graph disconnected"),
    or does not show the shape plainly."""
    feeds = [key for key in net.ir.consumers(Value(None, port)) if key[0]]
    subject = (f"graph input {port!r} (feeding {first_few(feeds, text=net.describe) or 'nothing'}) has unknown shape "
               f"{format_shape(net.port_types[port].shape)}")
    keys = _data_keys(data)
    if keys is not None and port not in keys:
        taken = {*net.input_ports, *net.output_ports, "Target"}
        stray = [k for k in keys if k not in taken and not (isinstance(k, str) and k.endswith("Target"))]
        unused = f"; keys that feed no port: {stray} (an edge from NetPort(key) left out?)" if stray else ""
        return (f"{subject}, and the data has no key {port!r} (its keys: {list(keys)}){unused}; wire the input, or "
                f"give it data and a shape, e.g. {option_form(net, port, '3')}")
    return (f"{subject}, and the training data does not show it (a dict of arrays, an (inputs, targets) pair or a "
            f"list of example dicts or (input, target) pairs of equal shapes does); give the net the shape, e.g. "
            f"{option_form(net, port, '3')}, "
            f"shapes without the batch dimension{_sequence_hint(data, port, net.input_ports)}")


def _data_keys(data: Any) -> list | None:
    """The keys of a dict of arrays or of a list of example dicts (the first's); None for other data."""
    if isinstance(data, Mapping):
        return list(data)
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return list(data[0])
    return None


def _sequence_hint(data: Any, port: str, ports: tuple[str, ...]) -> str:
    """For ``port`` given a list of sequences, one per example (a dict's or a pair's ragged list): a variable length."""
    value = data[0] if isinstance(data, tuple) and len(data) == 2 and len(ports) == 1 else \
        data.get(port) if isinstance(data, Mapping) else None
    if not is_ragged(value):
        return ""
    return (f"; the data gives it a list of sequences, one per example: a sequence port takes a variable length first, "
            f"NetChain(layers, input=['n']) or NetGraph(layers, edges, {port}=['n']) (['n', 3] for sequences of "
            f"3-vectors)")


def _open(shape: Any) -> bool:
    """Unknown, or with an unknown dim (a named length is known: it varies by design)."""
    return shape is None or None in shape


def _example_shape(data: Any, port: str, ports: tuple[str, ...], named: bool) -> tuple[int, ...] | None:
    """The shape of one example for ``port``, without the example dim; None when the data does not say plainly.
    Sequences of different lengths (a list, Padded) say it only for a port whose length is ``named``: the
    other dims are each example's."""
    if isinstance(data, list) and data and isinstance(data[0], Mapping) and port in data[0]:
        example = _array(data[0][port])
        return None if example is None else tuple(example.shape)
    if isinstance(data, list) and data and is_pair(data[0]) and len(ports) == 1:  # Wolfram's {in -> out, ...}
        example = _array(data[0][0])
        return None if example is None else tuple(example.shape)
    if isinstance(data, Mapping) and port in data:
        value = data[port]
    elif is_pair(data) and len(ports) == 1:
        value = data[0]
    else:
        return None
    if is_ragged(value):
        if not named:
            return None
        if not isinstance(value, Padded):
            example = _array(value[0])
            return None if example is None else tuple(example.shape)
        value = value.data
    batch = _array(value)
    return None if batch is None or batch.ndim < 1 else tuple(batch.shape[1:])


def _array(value: Any) -> Any:
    """A tensor or array for ``value`` (nested lists and plain numbers too: a number is shape ()); None for anything
    else (files, texts, ragged lists)."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value
    if isinstance(value, (int, float, np.bool_, np.number)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            return None
        return array if array.dtype.kind in "biuf" else None
    return None
