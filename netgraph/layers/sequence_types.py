"""The port types of sequences, as the operators that step through them read and write them.

A sequence port has shape ``(n, ...)``: its first dim is the sequence (a fixed length or a variable ``"n"``).

>>> sequence_of("n", element_type(PortType((5, 3)), "Input", "sequence"))
PortType(shape=('n', 3), dtype='Real')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.guessed_lengths import GUESSED, is_guessed
from netgraph.core.naming_scope import quoted
from netgraph.core.operator import settled_types
from netgraph.core.conflicts import Conflict
from netgraph.core.types import PortType, broadcast, length_reason, unify

__all__ = ["SEQUENCE", "element_type", "check_ranks", "common_length", "sequence_of"]

SEQUENCE = "n"


def element_type(t: PortType, port: str, what: str, span: bool = False) -> PortType:
    """The type of one element of a sequence port of type ``t`` (with its index range where ``span``: Map's elements
    are its values); Conflict when ``t`` is no sequence."""
    if t.shape is None:
        return PortType(None, t.dtype, t.range if span else None)
    if len(t.shape) == 0:
        raise Conflict(f"port {quoted(port)} takes a sequence (its first dim is the {what}), found a non-sequence {t}",
                       port=port, expected="a sequence", found=t.shape)
    return PortType(t.shape[1:], t.dtype, t.range if span else None)


def check_ranks(types: Mapping[str, PortType], net: Any, ports: tuple[str, ...]) -> None:
    """Conflict naming the port and both ranks when a sequence port's rank is not its element's (inner port's) + 1."""
    own = settled_types(net)
    for port in ports:
        outer, inner = types[port].shape, own[port].shape
        if outer is not None and inner is not None and len(outer) != len(inner) + 1:
            try:
                length = common_length(types, tuple(p for p in ports if p != port))
            except Conflict:
                length = SEQUENCE
            verb = "gives" if port in net.output_ports else "takes"
            raise Conflict(f"port {quoted(port)} {verb} a sequence of {PortType(inner)} elements, shape "
                           f"{PortType((length, *inner))} (rank {len(inner) + 1}); found {PortType(outer)} (rank "
                           f"{len(outer)})", port=port, expected=(length, *inner), found=outer)


def common_length(types: Mapping[str, PortType], ports: tuple[str, ...]) -> Any:
    """The sequence length the ``ports`` agree on (a fresh guess, ``GUESSED``, while none is known); Conflict when they
    differ, or when two are lengths named apart (independent: the operator steps through them in lockstep)."""
    length: Any = None
    first = None
    for port in ports:
        shape = types[port].shape
        if shape:
            if isinstance(length, str) and isinstance(shape[0], str) and shape[0] != length \
                    and not (is_guessed(length) or is_guessed(shape[0])):  # (a guess takes the other length)
                try:
                    broadcast((length,), (shape[0],))
                    reason = ""
                except Conflict as exc:
                    reason = length_reason(exc)
                raise Conflict(f"sequence ports {quoted(first)} (length {length}) and {quoted(port)} (length "
                               f"{shape[0]}) are stepped through together, so their lengths must be one{reason}",
                               port=port, expected=length, found=shape[0])
            try:
                merged = unify(PortType((length,)), PortType((shape[0],))).shape[0]
            except Conflict:
                raise Conflict(f"sequence port {quoted(port)} has length {shape[0]}, another has {length}",
                               port=port, expected=length, found=shape[0]) from None
            length, first = merged, (first if merged == length else port)
    return GUESSED if length is None else length


def sequence_of(length: Any, t: PortType) -> PortType:
    """A sequence of ``t`` elements (their index range kept)."""
    return PortType(None if t.shape is None else (length, *t.shape), t.dtype, t.range)
