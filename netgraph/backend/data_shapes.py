"""Input ports of unknown shape take their shapes from the data, as Wolfram's ``ElementwiseLayer[Tanh][{-1, 0, 1}]``.

A port whose shape (even its rank) is unknown cannot tell one example from a batch by its rank, so the data is
read as Wolfram reads it: ONE example, whatever its shape (a tensor, a numpy array, nested lists of numbers, a
number), and the result has no batch dim. The one batch form is a list of tensors or numpy arrays, one per example,
all of one shape: they are stacked into a batch (``example_lists``, as at a port of fixed shape; a tuple is refused
at both). A port of known rank and unknown sizes, ``PoolingLayer([2, 2])``'s ``(?, ?, ?)``, takes them from the
data as Wolfram's ``PoolingLayer[{2, 2}][data]`` does: data of its rank is one example, one dim more a batch, as at a
port of known shape; a port with a variable length, ``("n", ?)``, takes them from Padded data or sequences. The
net evaluated is ``NetGraph(net, Port=shape)``
(the same layers, arrays and options), cached on the net for the ``SHAPES_KEPT`` shapes used last (calls that
alternate between a few shapes compile each once). A net with uninitialised arrays
is not: ``net_initialize`` needs the shapes on the net, as the unknown-shape error it then gives says.

>>> import torch
>>> from netgraph import ElementwiseLayer, NetGraph
>>> net = NetGraph(ElementwiseLayer("Ramp"))
>>> net(torch.tensor([-1.0, 2.0])), net([torch.tensor([-1.0]), torch.tensor([3.0])])
(tensor([0., 2.]), tensor([[0.],
        [3.]]))
"""

from __future__ import annotations

import collections
from typing import Any

from netgraph.backend.example_lists import is_example_list, stacked_batch
from netgraph.backend.masks import Padded
from netgraph.core.errors import DataError, NetGraphError
from netgraph.core.graph import NetGraph
from netgraph.core.naming_scope import quoted
from netgraph.core.tensors import as_tensor
from netgraph.core.types import format_shape

__all__ = ["filled_shape", "shaped_by_data"]

_KEY = ("shapes from data",)  # net._compiled[_KEY]: the shapes -> the net with those shapes, least recently used first
SHAPES_KEPT = 4  # the shaped nets (each with its compiled modules) kept per net


def shaped_by_data(net: Any, data: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """``net`` with each input port of unknown shape declared with its data's example shape, and the data (a list
    of examples stacked into one batch); ``net`` and ``data`` themselves when no port's shape is unknown."""
    types = net.port_types  # a fresh dict on each read: once, not once per port (thousands of ports)
    declared = {p: types[p].shape for p in net.input_ports if p in data and _has_unknown_size(types[p].shape)
                and not (type(data[p]) in (list, tuple) and not data[p])}  # no examples: prepare_inputs says so
    batches = {p: b for p, d in declared.items() if is_example_list(data[p])
               and (b := stacked_batch(p, data[p], None if d is None else len(d))) is not None}
    shapes = {p: s for p, d in declared.items()
              if (s := _filled(d, _example_shape(p, batches.get(p, data[p]), p in batches, d))) is not None}
    if not shapes:
        return net, data
    data = {**data, **batches}
    if net._compiled is None:
        net._compiled = {}
    kept = net._compiled.setdefault(_KEY, collections.OrderedDict())
    key = tuple(shapes.items())
    if key in kept:
        kept.move_to_end(key)
        return kept[key], data
    kept[key] = _shaped(net, shapes)
    if len(kept) > SHAPES_KEPT:
        kept.popitem(last=False)
    return kept[key], data


def _shaped(net: Any, shapes: dict[str, tuple]) -> Any:
    """``NetGraph(net, **shapes)``; ``net`` itself when it has uninitialised arrays (net_initialize needs the shapes
    on the net: the error it then gives says so)."""
    if net.information("UninitializedArrays"):
        return net
    try:
        return NetGraph(net, **shapes)
    except NetGraphError as exc:
        port = next(iter(shapes)) if len(shapes) == 1 else None
        raise DataError(f"the data's example shapes {_listed(shapes)} do not fit the net: {exc}", port=port,
                        layer=(), kind="data-shape", found=shapes) from None


def _has_unknown_size(shape: tuple | None) -> bool:
    """Whether a port's shape is unknown: its rank, or a size in it (``(?, ?, ?)``, a pooling layer's input)."""
    return shape is None or None in shape


def _filled(declared: tuple | None, found: tuple[int, ...] | None) -> tuple | None:
    """The port's shape with each unknown size taken from the data's: ``found`` itself for a port of unknown rank;
    for a port of known rank r, data of rank r is one example and data of rank r + 1 a batch (as at a port of known
    shape). None when the data cannot fix it (no array, another rank, a size it contradicts): ``prepare_inputs``
    then says what is wrong, with the sizes as declared.

    >>> _filled((None, None, None), (3, 4, 4)), _filled((3, None), (2, 3, 5)), _filled((None,), (2, 3, 5))
    ((3, 4, 4), (3, 5), None)
    >>> _filled((3, None), (4, 5)) is None
    True
    """
    if declared is not None and found is not None and len(found) == len(declared) + 1:
        found = found[1:]
    return None if found is None else filled_shape(declared, found)


def filled_shape(declared: tuple | None, example: tuple[int, ...]) -> tuple | None:
    """``declared`` (a port's shape) with each unknown size read from ``example`` (one example's shape), named
    lengths kept; ``example`` itself when the rank is unknown too; None when ``example`` has another rank or
    contradicts a known size. Shared with ``netgraph.train.data_shapes``.

    >>> filled_shape((None, "n", 3), (2, 5, 3)), filled_shape(None, (4,)), filled_shape((None, 3), (2, 4))
    ((2, 'n', 3), (4,), None)
    """
    if declared is None:
        return example
    if len(example) != len(declared) or any(isinstance(d, int) and d != e for d, e in zip(declared, example)):
        return None
    return tuple(e if d is None else d for d, e in zip(declared, example))


def _example_shape(port: str, value: Any, batch: bool, declared: tuple | None) -> tuple[int, ...] | None:
    """The shape of one example: the whole data's shape, or a stacked batch's without its first dim; at a port with a
    variable length, ``("n", None)``, a Padded batch's or sequences' (``_sequences_shape``). None when the data is no
    array (text, ragged lists): the port stays unknown and ``as_port_tensor`` says what is wrong."""
    variable = declared is not None and any(isinstance(d, str) for d in declared)
    if isinstance(value, Padded) and variable:
        return tuple(as_tensor(value.data).shape[1:])
    if isinstance(value, Padded):
        raise DataError(f"input port {quoted(port)} has an unknown shape: Padded data needs a port shape with a "
                        f"variable length, e.g. NetGraph(net, {port}=['n', 3])", port=port, layer=(), kind="data-shape")
    if variable and type(value) in (list, tuple) and (shape := _sequences_shape(value, declared)) is not None:
        return shape
    try:
        shape = tuple(as_tensor(value).shape)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        if type(value) in (list, tuple) and any(type(v) in (list, tuple) for v in value):
            raise DataError(f"input port {quoted(port)} has an unknown shape, and its data (nested lists of different "
                            f"lengths) is no array to read one from: give one example as one array, or examples "
                            f"of one shape as a list of tensors (a batch); sequences of different lengths need a "
                            f"port shape with a variable length, e.g. {port}=['n']", port=port,
                            layer=(), kind="data-shape") from None
        return None
    return shape[1:] if batch else shape


def _sequences_shape(examples: list | tuple, declared: tuple) -> tuple[int, ...] | None:
    """The first example's shape where ``examples`` are sequences of the port's rank whose sizes agree but for the
    variable lengths (``declared``'s named dims): the sizes a port ``("n", None)`` takes; else None."""
    try:
        shapes = [tuple(as_tensor(e).shape) for e in examples]
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None
    fixed = [i for i, d in enumerate(declared) if not isinstance(d, str)]
    if not shapes or any(len(s) != len(declared) or [s[i] for i in fixed] != [shapes[0][i] for i in fixed]
                         for s in shapes):
        return None
    return shapes[0]


def _listed(shapes: dict[str, tuple]) -> str:
    return ", ".join(f"{p}: {format_shape(s)}" for p, s in shapes.items())
