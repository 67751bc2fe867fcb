"""Ragged training data as padded batches: the net's padded module (``netgraph.backend.masks``) where every padded
value reaches only layers that honour lengths, and the lengths keys those batches carry: netgraph's own batches of a
list of sequences, or a user's loader whose batches hold ``Padded`` values (``netgraph.train.padded_columns``)."""

from __future__ import annotations

from typing import Any

from netgraph.backend.masks import Fallback, compile_padded
from netgraph.core.types import INTEGER, PortType
from netgraph.train.buckets import LengthBuckets, PaddedBatches
from netgraph.train.data import Expect, Streamed
from netgraph.train.data_sets import data_error
from netgraph.train.padded_columns import padded_keys

__all__ = ["padded_training", "lengths_keys", "padded_like"]


def padded_training(net: Any, raw: Any, module: Any, expect: dict[str, Expect]) -> tuple[Any, Any]:
    """Ragged data as padded batches and the net's padded module (``masks``), lengths keys added to ``expect``; as
    given unless ragged input sequences of one shape reach only layers that honour lengths, and no output is one."""
    loader = raw.loader if isinstance(raw, Streamed) else None
    if loader is not None and not isinstance(loader, LengthBuckets):
        return raw, _padded_loader(net, raw, module, expect)
    if not isinstance(loader, LengthBuckets):
        return raw, module
    ragged = tuple(k for k, v in loader.cols.items() if isinstance(v, list))
    if any(k not in net.input_ports or len({x.shape[1:] for x in loader.cols[k]}) > 1 for k in ragged):
        return raw, module  # the length buckets report examples of other shapes, naming the bucket
    try:
        padded = compile_padded(net, ragged)
    except Fallback:
        return raw, module
    arguments = padded._netgraph_lengths_arguments
    if any(s is not None for s in padded._netgraph_route.outputs.values()) or set(arguments.values()) & set(loader.cols):
        return raw, module
    expect.update(_lengths_expect(arguments))
    return Streamed(PaddedBatches(loader, arguments), raw.what), padded


def padded_like(data: Any, like: Any) -> Any:
    """Validation ``data`` (gathered) as padded batches where the training data ``like`` is (``padded_training``
    chose so for the net), as net_measurements batches that data alone; else as it is."""
    loader, padding = getattr(data, "loader", None), getattr(like, "loader", None)
    if isinstance(padding, PaddedBatches) and type(loader) is LengthBuckets:
        return Streamed(PaddedBatches(loader, padding.arguments), data.what)
    return data


def _lengths_expect(arguments: dict[str, str]) -> dict[str, Expect]:
    return {a: Expect(PortType((), INTEGER), f"lengths of input port {p!r}", optional=True, lengths_of=p)
            for p, a in arguments.items()}


_INSTEAD = ("give batches of sequences of one length (dense tensors), or the data as lists of sequences, which "
            "net_train batches by length itself")


def _padded_loader(net: Any, raw: Streamed, module: Any, expect: dict[str, Expect]) -> Any:
    """The padded module for a user's loader whose first batch holds Padded inputs (their lengths keys added to
    ``expect``), ``module`` for one that holds none; a DataError where the net cannot be run on them."""
    keys = padded_keys(raw.first_raw)
    if not keys:
        return module
    refused = [k for k in keys if k not in net.input_ports]
    if refused:
        raise data_error(raw.what, f"key {refused[0]!r} holds Padded sequences, which a data loader's batches give "
                                   f"only at input ports (whose lengths the net's run reads); give it as a dense "
                                   f"tensor", kind="padded-data", port=refused[0])
    try:
        padded = compile_padded(net, keys)
    except Fallback as exc:
        raise data_error(raw.what, f"key {keys[0]!r} holds Padded sequences, but {exc}, so the net cannot read "
                                   f"their lengths; {_INSTEAD}", kind="padded-data", port=keys[0]) from None
    sequences = [p for p, s in padded._netgraph_route.outputs.items() if s is not None]
    if sequences:
        raise data_error(raw.what, f"key {keys[0]!r} holds Padded sequences, but output port {sequences[0]!r} is a "
                                   f"sequence of their lengths, whose padding the loss would read; {_INSTEAD}",
                                   kind="padded-data", port=keys[0])
    expect.update(_lengths_expect(padded._netgraph_lengths_arguments))
    return padded


def lengths_keys(module: Any) -> tuple[str, ...]:
    """The batch keys of the lengths a padded module takes (none for another module)."""
    return tuple(getattr(module, "_netgraph_lengths_arguments", {}).values())
