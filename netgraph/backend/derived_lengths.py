"""The check that a call's variable lengths are long enough for every layer that shortens them.

A layer that changes a variable length names the result after it (``ConvolutionLayer(c, 3)`` on ``"n"`` gives
``"n_minus_2"``, ``PoolingLayer(2, stride=2)`` ``"n_minus_1_over_2"``): each step of such a name is one
arithmetic step from the input's length, and every step must leave a length of at least 1. A call whose
lengths do not (a sequence of 2 into a kernel of 3) is a ``DataError`` naming the input port, the layer, its port
and the shortest length that fits, instead of torch's error from inside the forward. A layer that needs more
than 1 of a length says so with ``least_lengths(types)`` (length name -> (least, why)): NormalizationLayer's
unbiased variance over a variable length needs 2, as does SequenceMostLayer's input.
The compiled forward checks the same (``derived_length_lines``): one comparison per input length that a layer shortens.
The names' grammar is ``netgraph.core.types``' (``length_steps`` reads what ``shifted_length`` and
``strided_length`` write).
An input length declared with such a name (``Input=(1, "h_times_4", "w_times_4")``: any multiple of 4) is read by
those rules too (halved twice and doubled twice it is itself, so a U-Net's skip joins): a call whose length is no
multiple is a ``DataError`` naming the port and the nearest lengths it takes, not torch's error from a join.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import Any

import torch

from netgraph.core.errors import DataError
from netgraph.core.types import PortType
from netgraph.backend.input_lengths import check_shared_lengths, first_places
from netgraph.core.length_names import length_steps, lengths_along, shortest_length  # shortest_length: kept public
from netgraph.core.naming_scope import quoted
from netgraph.layers.bad_index import Where, located_error

__all__ = ["check_input_lengths", "check_derived_lengths", "derived_length_lines", "shortest_length",
           "shortest_lengths", "example_lengths"]

Sizes = Callable[[str, int], Any]  # (port, axis) -> one size, or one per example (a list or a tensor)


def _derived(net: Any) -> tuple[dict[str, tuple[str, int]], list[tuple[Any, str, str, str, tuple]]]:
    """Where each base length enters (input port, axis), and each layer port dim derived from one. Cached."""
    if "_derived_lengths" not in net.__dict__:
        types = net.port_types
        bases = first_places((port, types[port]) for port in net.input_ports)
        found = []
        if bases:
            for node in net.ir.nodes:
                least = node.layer.least_lengths(node.types) if hasattr(node.layer, "least_lengths") else {}
                for port, t in node.types.items():
                    for d in (t.shape or ()) if isinstance(t, PortType) else ():
                        if not isinstance(d, str):
                            continue
                        parsed = (d, ()) if d in bases else length_steps(d, set(bases))
                        need = least.get(d, (1, ""))
                        if parsed and (parsed[1] or need[0] > 1):
                            found.append((node, port, d, *parsed, *need))
        net._derived_lengths = (bases, found)
    return net._derived_lengths


def check_input_lengths(net: Any, sizes: Sizes) -> None:
    """Every check of a call's variable lengths across ports: shared and derived names (``check_shared_lengths``),
    then lengths too short for a layer or no multiple their name says (``check_derived_lengths``), as ``net(x)``."""
    check_shared_lengths(net, sizes)
    check_derived_lengths(net, sizes)


def check_derived_lengths(net: Any, sizes: Sizes) -> None:
    """A DataError when an input length is no multiple its declared name says (``"h_times_4"``), or makes a
    layer's derived length (``"n_minus_2"``) below 1."""
    bases, found = _derived(net)
    for base, (port, axis) in bases.items():
        if _progression(base):
            _check_multiple(base, port, sizes(port, axis))
    if not found:
        return
    shortest, having = {}, {}  # base -> the shortest length; the examples of that length, where lengths differ
    for base, (port, axis) in bases.items():
        size = sizes(port, axis)
        values = [] if isinstance(size, int) else [int(n) for n in torch.as_tensor(size).reshape(-1)]
        shortest[base] = int(size) if isinstance(size, int) else min(values) if values else 1
        having[base] = [Where(i, ()) for i, n in enumerate(values) if n == shortest[base]]
    for node, port, name, base, ops, least, why in found:
        n = shortest[base]
        if _fits(n, ops, least):
            continue
        need = next((m for m in range(n + 1, n + 100_000)
                     if all(_fits(m, o, k) for _, _, _, b, o, k, _ in found if b == base)), None)
        where = f"layer {quoted(node.name)} ({node.layer.type_name}) port {quoted(port)}"
        hint = f"; give lengths of {need} or more" if need else ""
        shown, below = _shown_length(n, base, ops)
        rule = f"its {name} would be {shown} ({below}{'; ' if below else ''}each length must be at least 1)"
        if least > 1:
            rule = (f"its {name} would be {shown}{f' ({below})' if below else ''}, " if ops else "") + \
                f"it needs a length of at least {least}: {why}"
        head, tail = f"input port {bases[base][0]!r}: a length of {n} along {base}", f" is too short for {where}: {rule}{hint}"
        fields = {"port": bases[base][0], "layer": (), "kind": "data-shape", "found": n}  # (the graph's port)
        if not having[base]:  # one length for the whole batch
            raise DataError(head + tail, **fields)
        raise located_error(having[base], lambda at: f"{head} ({_examples(at)}){tail}", **fields)


_MULTIPLE = re.compile(r"(\w+)_times_(\d+)(?:_(plus|minus)_(\d+))?")  # as strided_length and times_length read


def _progression(name: str) -> tuple[int, int] | None:
    """The lengths a declared name can be, ``k m + c`` for m = 1, 2, …, as (k, c): ``h_times_4`` (4, 0),
    ``h_times_2_plus_1`` (2, 1); None for a name with no factor (any length)."""
    multiple = _MULTIPLE.fullmatch(name)
    if not multiple:
        return None
    factor, base = int(multiple[2]), _progression(multiple[1]) or (1, 0)
    offset = int(multiple[4] or 0) * (1 if multiple[3] == "plus" else -1)
    return factor * base[0], factor * base[1] + offset


def _check_multiple(name: str, port: str, size: Any) -> None:
    """A DataError when a length along an input dim declared ``name`` (``"h_times_4"``) is none that name can be."""
    k, c = _progression(name)
    values = [int(size)] if isinstance(size, int) else [int(n) for n in torch.as_tensor(size).reshape(-1)]
    bad = next(((i, n) for i, n in enumerate(values) if (n - c) % k or n < k + c), None)
    if bad is None:
        return
    i, n = bad
    below = n - (n - c) % k if (n - c) % k else n - k
    takes = " or ".join(str(m) for m in (below, below + k) if m >= k + c and m != n)
    kind = f"a multiple of {k}" + (f" plus {c}" if c > 0 else f" minus {-c}" if c < 0 else "") + f", at least {k + c}"
    head = f"input port {quoted(port)}: a length of {n} along {name}"
    tail = f" is not one that name declares ({kind}, which the layers rely on); give {takes}"
    if isinstance(size, int):  # one length for the whole batch
        raise DataError(head + tail, port=port, layer=(), kind="data-shape")
    raise located_error([Where(i, ())], lambda at: f"{head} ({_examples(at)}){tail}", port=port,
                        layer=(), kind="data-shape")


def _multiple_lines(bases: dict[str, tuple[str, int]]) -> list[str]:
    """The compiled forward's test of ``_check_multiple``: one per input dim declared with a factor."""
    tests = []
    for name, (port, axis) in bases.items():
        if progression := _progression(name):
            k, c = progression
            size = f"{port}.shape[{axis + 1}]"
            tests.append(f"({size} - {c}) % {k} or {size} < {k + c}" if c else f"{size} % {k} or {size} < {k}")
    return tests


def _examples(wheres: list[Where]) -> str:
    """'example 2', or 'examples 1, 3' (the first 5 and how many more)."""
    if len(wheres) == 1:
        return wheres[0].by_example()
    more = f" and {len(wheres) - 5} more" if len(wheres) > 5 else ""
    return f"examples {', '.join(str(w.example) for w in wheres[:5])}{more}"


def _shown_length(n: int, base: str, ops: tuple[tuple[str, int], ...]) -> tuple[int, str]:
    """(the length a name ``ops`` from ``base`` stands for at ``n``, the first length below 1 on the way there named
    or ""): ``(0, "n_minus_3 = -2")`` for ``n_minus_3_over_3`` at 1."""
    got = lengths_along(n, ops) or [n]
    first = next((i for i, m in enumerate(got[:-1]) if m < 1), None)
    if first is None:
        return got[-1], ""
    return got[-1], f"{base}{''.join(f'_{op}_{k}' for op, k in ops[:first + 1])} = {got[first]}"


def _fits(n: int, ops: tuple[tuple[str, int], ...], least: int) -> bool:
    """Whether length ``n`` leaves at least 1 after each step of ``ops`` and ``least`` after the last."""
    got = lengths_along(n, ops)
    return min(got, default=n) >= 1 and (got[-1] if got else n) >= least


def shortest_lengths(net: Any) -> dict[str, int]:
    """The shortest length of each variable input length (``"n"``) that every layer shortening it takes; 1 if none."""
    need = {base: 1 for base in _derived(net)[0]}
    for _, _, _, base, ops, least, _ in _derived(net)[1]:
        need[base] = max(need[base], shortest_length(ops, least))
    return need


def example_lengths(net: Any, length: int) -> dict[str, int]:
    """Per variable input length, the shortest of at least ``length`` that every layer takes and its declared name
    allows (a multiple of 4 for ``"h_times_4"``): the lengths an export or ``netgraph run`` traces at."""
    lengths = {}
    for base, need in shortest_lengths(net).items():
        n = max(length, need)
        if progression := _progression(base):
            k, c = progression
            n = max(n, k + c)
            n += (c - n) % k
        lengths[base] = n
    return lengths


def derived_length_lines(net: Any) -> list[str]:
    """The compiled forward's check of ``check_derived_lengths``: ``if x.shape[2] < 3:`` per shortened input length
    (and ``x.shape[2] % 4 or ...`` per one declared a multiple), calling ``self._derived_length_error`` (which raises the same DataError); none for most nets."""
    bases, need = _derived(net)[0], shortest_lengths(net)
    ports = dict.fromkeys(port for port, _ in bases.values())
    call = "    self._derived_length_error({" + ", ".join(f"{p!r}: {p}" for p in ports) + "})"
    tests = [f"{bases[b][0]}.shape[{bases[b][1] + 1}] < {n}" for b, n in need.items() if n > 1]
    # a name derived from another input's ("n_times_2" beside "n") is checked against it (input_lengths): not again
    tests += _multiple_lines({b: at for b, at in bases.items() if not length_steps(b, set(bases) - {b})})
    return [f"if {' or '.join(tests)}:", call] if tests else []
