"""Checks of a call's variable lengths (``"n"``) that no single port's shape makes.

A variable dim is a length of at least 1: an empty sequence would reach a recurrent layer as a torch error, or
run padded as a result made of the other examples' padding. Input ports whose declared shapes share a variable
dim name (``NetGraph(..., Key=("n", 4), Value=("n", 3))``) take equal lengths in each example: a layer joining
them would otherwise broadcast a length of 1, fail inside torch, or (run by length groups) cut one to the other.

>>> from netgraph import NetGraph, AttentionLayer
>>> att = NetGraph({"att": AttentionLayer()}, [], Key=("n", 4), Value=("n", 3), Query=("m", 4))
>>> shared_dims(att)
{'n': [('Key', 0), ('Value', 0)]}
>>> shared_length_problems(att, lambda port, axis: {"Key": [2, 5], "Value": [3, 5]}[port])
["input ports 'Key' and 'Value' share the length n (declared (n, 4) and (n, 3)), found 2 and 3 (example 0)"]

An input dim declared with a name derived from another input's (``x=("n",)`` beside ``y=("n_over_2",)``, as a
stride or a part makes) takes the length that name says of the other's, ⌈6 / 2⌉ = 3 beside 6; else a layer
joining them (a random layer's parameters, a sum) would broadcast a length of 1 or fail inside torch.

>>> from netgraph import NetPort, RandomArrayLayer, NormalDistribution, PartLayer
>>> noise = NetGraph({"odd": PartLayer("1;;-1;;2"), "rnd": RandomArrayLayer(NormalDistribution("#mu", "#sigma"))},
...                  [("odd", NetPort("rnd", "mu"))], Input=("n",), sigma=("n_over_2",))
>>> [d.message for d in derived_length_problems(noise, lambda port, axis: {"Input": 6, "sigma": 4}[port])]
["input port 'sigma': its length along n_over_2 must be 3 (from n = 6 of input port 'Input'), found 4"]

Names derived from one length that no input declares (``Input=("n_over_2",)`` beside ``sigma=("n_over_4",)``, no
``"n"``: ``undeclared_base_groups``) take lengths that one n gives (3 takes n = 5 to 6, where n_over_4 is 2):

>>> halves = NetGraph({"odd": PartLayer("1;;-1;;2"), "rnd": RandomArrayLayer(NormalDistribution("#mu", "#sigma"))},
...                   [("odd", NetPort("rnd", "mu"))], Input=("n_over_2",), sigma=("n_over_4",))
>>> print(length_group_problems(halves, lambda port, axis: {"Input": 3, "sigma": 1}[port])[0].message)
input port 'sigma': its length along n_over_4 must be 2 (n_over_2 = 3 of input port 'Input' takes n = 5 to 6), found 1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import torch

from netgraph.core.errors import DataError, Diagnostic
from netgraph.core.length_names import (LENGTH_STEPS, length_steps, lengths_along, names_by_shortest_base,
                                        shortest_length)
from netgraph.core.naming_scope import quoted
from netgraph.core.types import PortType, format_shape

__all__ = ["shared_dims", "length_code", "shared_length_problems", "check_shared_lengths", "empty_length_problem",
           "length_check_lines", "derived_dims", "derived_length_problems", "undeclared_base_groups",
           "length_group_problems", "first_places"]

K = TypeVar("K")

Steps = tuple[tuple[str, int], ...]  # ("over", 2), ... as length_names.length_steps reads a name

Sizes = Callable[[str, int], "int | Sequence[int] | torch.Tensor"]  # (port, axis) -> one size, or one per example


def shared_dims(net: Any) -> dict[str, list[tuple[str, int]]]:
    """Each variable dim name that the (declared or inferred) shapes of ``net``'s input ports use more than once: its
    (port, axis) places (axis 0 is the first dim after the batch). Found once per net (every call asks)."""
    if "_shared_dims" not in net.__dict__:
        net._shared_dims = _find_shared_dims(net)
    return net._shared_dims


def _find_shared_dims(net: Any) -> dict[str, list[tuple[str, int]]]:
    places: dict[str, list[tuple[str, int]]] = {}
    for port, t in _input_types(net).items():
        if isinstance(t, PortType) and t.shape is not None:
            for axis, d in enumerate(t.shape):
                if isinstance(d, str):
                    places.setdefault(d, []).append((port, axis))
    return {name: where for name, where in places.items() if len(where) > 1}


def _input_types(net: Any) -> dict[str, PortType]:
    """The input ports' types, declared or inferred (a layer joining two inputs gives one the other's length)."""
    types = net.port_types  # a copy on each read: once, not once per port
    return {p: types[p] for p in net.input_ports}


def shared_length_problems(net: Any, sizes: Sizes) -> list[str]:
    """A message for each pair of places of a shared dim whose sizes differ (at the first such example)."""
    problems = []
    for name, places in shared_dims(net).items():
        first, found = places[0], [_as_list(sizes(*p)) for p in places]
        for place, other in zip(places[1:], found[1:]):
            example = _first_difference(found[0], other)
            if example is None:
                continue
            at = f" (example {example})" if example >= 0 else ""
            a, b = found[0][max(example, 0) % len(found[0])], other[max(example, 0) % len(other)]
            types, declared = _input_types(net), net.port_shape_options()
            how = "declared" if first[0] in declared and place[0] in declared else "typed"
            problems.append(f"{_label(first, place)} share the length {name} ({how} "
                            f"{format_shape(types[first[0]].shape)} and {format_shape(types[place[0]].shape)}), "
                            f"found {a} and {b}{at}")
    return problems


def derived_dims(net: Any) -> list[tuple[tuple[str, int], tuple[str, int], str, Steps]]:
    """(base place, derived place, derived name, steps) for each input dim whose name derives from another input dim's
    (``"n_over_2"`` beside ``"n"``: ``(("over", 2),)``); places as ``shared_dims``'. Found once per net."""
    if "_derived_dims" not in net.__dict__:
        first, found = _first_places(net), []
        for name, place in first.items():
            if parsed := length_steps(name, set(first) - {name}):
                found.append((first[parsed[0]], place, name, parsed[1]))
        net._derived_dims = found
    return net._derived_dims


def _first_places(net: Any) -> dict[str, tuple[str, int]]:
    """Each variable dim name of the input ports and its first (port, axis)."""
    return first_places(_input_types(net).items())


def first_places(types: Iterable[tuple[K, Any]]) -> dict[str, tuple[K, int]]:
    """Each variable dim name (a str) of the (key, port type) pairs ``types`` and its first (key, axis); a type that
    is no PortType has no dims.

    >>> first_places([("x", PortType(("n", 3))), ("y", PortType((4, "n", "m"))), ("z", None)])
    {'n': ('x', 0), 'm': ('y', 2)}
    """
    first: dict[str, tuple[K, int]] = {}
    for key, t in types:
        for axis, d in enumerate(t.shape or () if isinstance(t, PortType) else ()):
            if isinstance(d, str):
                first.setdefault(d, (key, axis))
    return first


def undeclared_base_groups(net: Any) -> list[tuple[str, list[tuple[tuple[str, int], str, Steps]]]]:
    """(base, [(place, name, steps), ...]) for each length ``base`` that no input declares but that two or more input
    dims' names derive from (``"n_over_2"`` and ``"n_over_4"``, no ``"n"``): their lengths must fit one ``base``.
    Names derived from another input's are in ``derived_dims`` instead. Found once per net."""
    if "_undeclared_base_groups" not in net.__dict__:
        first = _first_places(net)
        own = [name for name in first if not length_steps(name, set(first) - {name})]  # not another input's
        groups = {base: [(first[name], name, length_steps(name, {base})[1]) for name in names if name != base]
                  for base, names in names_by_shortest_base(own).items()}
        net._undeclared_base_groups = [(base, members) for base, members in groups.items() if len(members) > 1]
    return net._undeclared_base_groups


def derived_length_problems(net: Any, sizes: Sizes) -> list[Diagnostic]:
    """A "data-shape" Diagnostic for each input dim of a derived name (``derived_dims``) whose length is not the one
    its name says of its base's (at the first such example), naming the port, the expected and the found length."""
    problems = []
    for (base_port, base_axis), (port, axis), name, steps in derived_dims(net):
        bases, found = _as_list(sizes(base_port, base_axis)), _as_list(sizes(port, axis))
        wanted = [lengths_along(n, steps)[-1] for n in bases]
        example = _first_difference(wanted, found)
        if example is None:
            continue
        i = max(example, 0)
        n, want, got = bases[i % len(bases)], wanted[i % len(wanted)], found[i % len(found)]
        at, base = (f" (example {example})" if example >= 0 else ""), name[:len(name) - len(_steps_text(steps))]
        example = example if example >= 0 else None
        if want < 1:  # the base is too short for the name: that is the length to change
            least = shortest_length(steps)
            detail = (f"a length of {n} along {base} makes {name} of input port {quoted(port)} {want} (each length "
                      f"must be at least 1); give lengths of {least} or more")
            problems.append(Diagnostic(f"input port {base_port!r}: {detail}{at}", "data-shape", layer=(),
                                       port=base_port, expected=f"at least {least}", found=n, example=example,
                                       detail=detail))
            continue
        detail = f"its length along {name} must be {want} (from {base} = {n} of input port {base_port!r}), found {got}"
        problems.append(Diagnostic(f"input port {quoted(port)}: {detail}{at}", "data-shape", layer=(), port=port,
                                   expected=want, found=got, example=example, detail=detail))
    return problems


def length_group_problems(net: Any, sizes: Sizes) -> list[Diagnostic]:
    """A "data-shape" Diagnostic for each group of ``undeclared_base_groups`` whose lengths no one base length gives
    (at the first such example), naming the port, the lengths its name takes beside another port's, why, and the
    length found."""
    problems = []
    for base, members in undeclared_base_groups(net):
        found = [_as_list(sizes(*place)) for place, _, _ in members]
        count = max(map(len, found))
        rows = [tuple(f[i % len(f)] for f in found) for i in range(count)]
        bad = {row for row in set(rows) if not _one_base(row, members)}  # each distinct row solved once
        if bad:
            i = next(i for i, row in enumerate(rows) if row in bad)
            problems.append(_group_problem(base, members, list(rows[i]), i if count > 1 else None))
    return problems


def _one_base(lengths: tuple[int, ...], members: list) -> bool:
    """Whether one base length gives every member's length: the least giving each at least its length does, if any
    does (every step is monotone)."""
    n = max(shortest_length(steps, m) for (_, _, steps), m in zip(members, lengths))
    return all(lengths_along(n, steps)[-1] == m for (_, _, steps), m in zip(members, lengths))


def _group_problem(base: str, members: list, lengths: list[int], example: int | None) -> Diagnostic:
    """Why ``lengths`` fit no one ``base``: of the member whose base lengths start highest and the one whose end
    lowest, the later's length must be one the other's base lengths give; a length no base length gives is named so."""
    spans = [(shortest_length(steps, m), shortest_length(steps, m + 1) - 1)  # the base lengths giving each length
             for (_, _, steps), m in zip(members, lengths)]
    starts, ends = [lo for lo, _ in spans], [hi for _, hi in spans]
    pair = sorted({starts.index(max(starts)), ends.index(min(ends))})
    empty = [i for i in pair if spans[i][0] > spans[i][1]]
    last = empty[-1] if empty else pair[-1]
    (port, _), name, steps = members[last]
    if empty:
        detail, expected = f"its length along {name} is {lengths[last]}, which no length {base} gives", None
    else:
        (lo, hi), (other, _), other_name = spans[pair[0]], *members[pair[0]][:2]
        expected, takes = _lengths_of(steps, max(lo, shortest_length(steps)), hi)
        detail = (f"its length along {name} {f'must be {takes}' if takes else 'would be below 1'} ({other_name} = "
                  f"{lengths[pair[0]]} of input port {quoted(other)} takes {base} = "
                  f"{lo}{f' to {hi}' if hi > lo else ''}), found {lengths[last]}")
    at = f" (example {example})" if example is not None else ""
    return Diagnostic(f"input port {quoted(port)}: {detail}{at}", "data-shape", layer=(), port=port, expected=expected,
                      found=lengths[last], example=example, detail=detail)


def _lengths_of(steps: Steps, lo: int, hi: int) -> tuple[Any, str]:
    """The lengths ``steps`` make of the base lengths ``lo`` to ``hi``, as a Diagnostic's ``expected`` (an int, a
    tuple, or "2 to 9" for many) and in words ("" for none)."""
    if hi < lo:
        return None, ""
    values = sorted({lengths_along(n, steps)[-1] for n in range(lo, min(hi, lo + 1000) + 1)})
    if hi > lo + 1000 or len(values) > 4:
        return (text := f"{values[0]} to {lengths_along(hi, steps)[-1]}"), text
    return (values[0] if len(values) == 1 else tuple(values)), " or ".join(map(str, values))


def _steps_text(steps: Steps) -> str:
    return "".join(LENGTH_STEPS[op].text(k) for op, k in steps)


def length_code(code: str, steps: Steps) -> str:
    """``lengths_along``'s last length as code on the length ``code``.

    >>> length_code("x.shape[1]", (("minus", 1), ("over", 2)))
    '-(-(x.shape[1] - 1) // 2)'
    """
    for op, k in steps:
        code = LENGTH_STEPS[op].code(code, k)
    return code


def _group_tests(net: Any) -> list[str]:
    """``length_group_problems``' test as code: per group, the least base length giving each member's length at
    least (``shortest_length``) gives them all exactly."""
    tests = []
    for _, members in undeclared_base_groups(net):
        found = [(f"{port}.shape[{axis + 1}]", steps) for (port, axis), _, steps in members]
        least = "max(" + ", ".join(_least_code(code, steps) for code, steps in found) + ")"
        tests.append(" or ".join(f"{length_code(least, steps)} != {code}" for code, steps in found))
    return tests


def _least_code(code: str, steps: Steps) -> str:
    """``shortest_length(steps, length)`` as code on the length ``code``.

    >>> _least_code("x.shape[1]", (("minus", 1), ("over", 2)))
    'max(1, max(1, (x.shape[1] - 1) * 2 + 1) + 1)'
    """
    for op, k in reversed(steps):
        code = f"max(1, {LENGTH_STEPS[op].least_code(code, k)})"
    return code


def check_shared_lengths(net: Any, sizes: Sizes) -> None:
    """One DataError naming every pair of input ports whose shared variable dim differs (``shared_length_problems``)
    and every input dim of a derived name not of its length (``derived_length_problems``)."""
    problems = [*shared_length_problems(net, sizes), *derived_length_problems(net, sizes),
                *length_group_problems(net, sizes)]
    if problems:
        raise DataError("; ".join(map(str, problems)), problems, kind="data-shape", layer=())


def length_check_lines(net: Any) -> list[str]:
    """The compiled forward's checks of its inputs' variable lengths: one test of ``.shape`` values per input port
    with a variable dim (calling ``self._empty_length_error`` on a length of 0, which a recurrent kernel or an
    indexing layer would meet as a torch error), and one comparison per extra place of a shared dim (calling
    ``self._shared_length_error`` on a mismatch, as on lengths of an ``undeclared_base_groups`` group no one base
    length gives); none for a net without variable lengths."""
    lines, derived = [], derived_dims(net)
    # each call passes every port the check reads (every shared group's and derived name's), not only the failing ones
    places = [p for where in shared_dims(net).values() for p, _ in where] + [p for d in derived for p, _ in d[:2]]
    places += [p for _, members in undeclared_base_groups(net) for (p, _), _, _ in members]
    call = "    self._shared_length_error({" + ", ".join(f"{p!r}: {p}" for p in dict.fromkeys(places)) + "})"
    for port, t in _input_types(net).items():
        axes = [a for a, d in enumerate(t.shape or ()) if isinstance(d, str)] if isinstance(t, PortType) else []
        if axes:
            test = " or ".join(f"{port}.shape[{a + 1}] == 0" for a in axes)
            lines += [f"if {test}:", f"    self._empty_length_error({port!r}, {port})"]
    for (port, axis), *others in shared_dims(net).values():
        test = " or ".join(f"{p}.shape[{a + 1}] != {port}.shape[{axis + 1}]" for p, a in others)
        lines += [f"if {test}:", call]
    for (base, base_axis), (port, axis), _, steps in derived:
        lines += [f"if {port}.shape[{axis + 1}] != {length_code(f'{base}.shape[{base_axis + 1}]', steps)}:", call]
    return lines + [line for test in _group_tests(net) for line in (f"if {test}:", call)]


def empty_length_problem(port: str, shape: tuple, found: Sequence[int],
                         example: int | None = None) -> Diagnostic | None:
    """The "data-shape" Diagnostic when a variable dim of ``shape`` has size 0 in ``found`` (one example's shape, or a
    batch's with ``example`` None, its batch dim first), else None; of the graph's port (``layer=()``), the declared
    shape expected and ``found`` found, as a wrong shape's (``evaluation._batched``)."""
    dims = found if example is not None else found[1:]
    empty = [d for d, n in zip(shape, dims) if isinstance(d, str) and n == 0]
    if not empty or example is None and found[0] == 0:
        return None
    which = f"example {example}" if example is not None else "the data"
    detail = f"{which} has length 0 along {empty[0]} (shape {tuple(found)}); each length must be at least 1"
    return Diagnostic(f"input port {quoted(port)}: {detail}", "data-shape", layer=(), port=port, expected=shape,
                      found=tuple(found), example=example, detail=detail)


def _as_list(size: Any) -> list[int]:
    """One size for every example as [size]; sizes per example as a list."""
    if isinstance(size, int):
        return [size]
    return [int(n) for n in (size.tolist() if isinstance(size, torch.Tensor) else size)]


def _first_difference(a: list[int], b: list[int]) -> int | None:
    """The first example where ``a`` and ``b`` differ (a one-element list stands for every example); -1 when
    both are one size for every example; None when they agree."""
    if len(a) == len(b) == 1:
        return None if a == b else -1
    count = max(len(a), len(b))
    return next((i for i in range(count) if a[i % len(a)] != b[i % len(b)]), None)


def _label(first: tuple[str, int], other: tuple[str, int]) -> str:
    if first[0] == other[0]:
        return f"input port {quoted(first[0])} dims {first[1] + 1} and {other[1] + 1}"
    return f"input ports {quoted(first[0])} and {quoted(other[0])}"
