"""Ragged training data as padded batches: the net's padded module (``netgraph.backend.masks``) where every padded
value reaches only layers that honour lengths, and the lengths keys those batches carry."""

from __future__ import annotations

from typing import Any

from netgraph.backend.masks import Fallback, compile_padded
from netgraph.core.types import INTEGER, PortType
from netgraph.train.buckets import LengthBuckets, PaddedBatches
from netgraph.train.data import Expect, Streamed

__all__ = ["padded_training", "lengths_keys"]


def padded_training(net: Any, raw: Any, module: Any, expect: dict[str, Expect]) -> tuple[Any, Any]:
    """Ragged data as padded batches and the net's padded module (``masks``), lengths keys added to ``expect``; as
    given unless ragged input sequences of one shape reach only layers that honour lengths, and no output is one."""
    loader = raw.loader if isinstance(raw, Streamed) else None
    if not isinstance(loader, LengthBuckets):
        return raw, module
    ragged = tuple(k for k, v in loader.cols.items() if isinstance(v, list))
    if any(k not in net.input_ports or len({x.shape[1:] for x in loader.cols[k]}) > 1 for k in ragged):
        return raw, module  # the length buckets report examples of other shapes, naming the bucket
    try:
        padded = compile_padded(net, ragged)
    except Fallback:
        return raw, module
    arguments = padded.lengths_arguments
    if any(s is not None for s in padded.route.outputs.values()) or set(arguments.values()) & set(loader.cols):
        return raw, module
    expect.update({a: Expect(PortType((), INTEGER), f"lengths of input port {p!r}", optional=True) for p, a in arguments.items()})
    return Streamed(PaddedBatches(loader, arguments), raw.what), padded


def lengths_keys(module: Any) -> tuple[str, ...]:
    """The batch keys of the lengths a padded module takes (none for another module)."""
    return tuple(getattr(module, "lengths_arguments", {}).values())
