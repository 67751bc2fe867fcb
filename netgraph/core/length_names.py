"""Names of variable lengths changed by layers: a layer that drops, adds, strides over or repeats elements of a
length ``"n"`` names the new one after it (``"n_minus_2"``, ``"n_over_2"``, ``"n_times_2"``), so that equal names
mean equal lengths; and why two names do not join.

>>> shifted_length("n", -2), strided_length("n", 2), times_length("n", 2)
('n_minus_2', 'n_over_2', 'n_times_2')
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Union

from netgraph.core.errors import ShapeError
from netgraph.core.naming_scope import quoted

__all__ = ["shifted_length", "strided_length", "times_length", "lengths_apart", "length_steps", "lengths_along",
           "length_bases", "LengthStep", "LENGTH_STEPS", "shortest_length", "impossible_step",
           "names_by_shortest_base", "least_length", "least_element_count"]

Dim = Union[int, str, None]  # as core.types' (which imports this module for its conflict messages)


def lengths_apart(names: list[str]) -> str:
    """Why variable lengths of different names do not join: independent (named apart), or one length changed on
    the way by layers (a size where they differ and one where they agree named, among sizes up to 64).

    >>> lengths_apart(["h", "h_minus_1_over_2_times_2"]).split(": ")[-1].split("; ")[0]
    'at h = 3 it is 2'
    >>> lengths_apart(["h", "h_minus_1_over_2_times_2"]).split("; ")[-1].split(", ")
    ['give h a fixed size at which they agree (e.g. 64)', 'declare it a multiple of 2 ("h_times_2")', 'or layers that keep the length']
    """
    found = _derived_pair(names)
    if found is None:
        return "are independent (named apart); name them alike for sequences of one length"
    base, first, second = found
    text = (f"differ: {second} is the length {base} changed by a layer on the way (one that drops, adds or strides "
            f"over elements)" if first == base else f"differ: both are the length {base} changed differently on the "
            f"way (by layers that drop, add or stride over elements)")
    steps = [(length_steps(name, {base}) or (None, None))[1] if name != base else () for name in (first, second)]
    if None in steps:  # a name that tells no steps (a TorchLayer's): no sizes to compare
        return f"{text}; give {base} a fixed size, or layers that keep the length"
    return text + _where_they_differ(base, first == base, steps)


def _where_they_differ(base: str, from_base: bool, steps: list[tuple]) -> str:
    """A size of ``base`` (up to 64) where the two lengths its ``steps`` give differ, and one where they agree."""
    sizes = {n: [lengths_along(n, s)[-1] if s else n for s in steps] for n in range(1, 65)
             if all(min(lengths_along(n, s), default=n) >= 1 for s in steps)}
    differ = next(((n, x, y) for n, (x, y) in sizes.items() if x != y), None)
    agree = [n for n, (x, y) in sizes.items() if x == y]
    if differ is None:
        text = f": they agree at every {base} up to 64, but netgraph tells lengths apart by their names"
    else:
        text = f": at {base} = {differ[0]} " + (f"it is {differ[2]}" if from_base else
                                               f"they are {differ[1]} and {differ[2]}")
    k = agree[0] if agree else 0  # agreeing at the multiples of k alone: a length declared one joins (a U-Net's)
    multiple = (f", declare it a multiple of {k} (\"{base}_times_{k}\")"
                if k > 1 and agree == [n for n in range(k, 65, k) if n in sizes] else "")
    return text + (f"; give {base} a fixed size at which they agree (e.g. {agree[-1]}){multiple}, or layers that keep "
                   f"the length" if agree else "; join lengths changed alike")


def _derived_pair(names: list[str]) -> tuple[str, str, str] | None:
    """``(base, first, second)``: two of ``names`` derived from one length ``base`` (``first`` may be it)."""
    for a in names:
        for b in names:
            if a == b:
                continue
            common = (length_bases(a) & length_bases(b)) | ({a} if b.startswith(f"{a}_") else set())
            if common and (base := max(common, key=len)) != b:
                return base, a, b
    return None


def length_bases(name: str) -> set[str]:
    """``name`` and every length it is derived from (the part before one of its steps).

    >>> sorted(length_bases("n_minus_1_over_2"))
    ['n', 'n_minus_1', 'n_minus_1_over_2']
    """
    return {name} | {name[:m.start()] for m in _STEP.finditer(name) if length_steps(name, {name[:m.start()]})}


def names_by_shortest_base(names: Iterable[str]) -> dict[str, list[str]]:
    """``names`` (once each, in order) grouped by the shortest length each is derived from (itself for a base).

    >>> names_by_shortest_base(["n_over_2", "m", "n_over_4", "n_over_2"])
    {'n': ['n_over_2', 'n_over_4'], 'm': ['m']}
    """
    groups: dict[str, list[str]] = {}
    for name in dict.fromkeys(names):
        groups.setdefault(min(length_bases(name), key=len), []).append(name)
    return groups


@dataclass(frozen=True)
class LengthStep:
    """One arithmetic step a derived length name tells (``_over_2``: its ``word`` and a size ``k``): the length after
    it (``value``) and the same as Python code on a length's code (``code``, as the compiled forward's checks write
    it); and, each step being monotone, the least length before it that gives at least a length (``least``, and as
    code ``least_code``). Names are read (``length_steps``), computed (``lengths_along``, ``shortest_length``) and
    checked in compiled code from ``LENGTH_STEPS`` alone, so that these cannot drift apart.

    >>> over = LENGTH_STEPS["over"]
    >>> over.text(2), over.value(5, 2), over.code("x.shape[1]", 2), over.least(3, 2), over.least_code("m", 2)
    ('_over_2', 3, '-(-(x.shape[1]) // 2)', 5, '(m - 1) * 2 + 1')
    """

    word: str
    value: Callable[[int, int], int]
    code: Callable[[str, int], str]
    least: Callable[[int, int], int]
    least_code: Callable[[str, int], str]

    def text(self, k: int) -> str:
        """The step as a name writes it (``_over_2``)."""
        return f"_{self.word}_{k}"


LENGTH_STEPS: dict[str, LengthStep] = {step.word: step for step in (
    LengthStep("plus", lambda n, k: n + k, lambda c, k: f"{c} + {k}", lambda m, k: m - k, lambda c, k: f"{c} - {k}"),
    LengthStep("minus", lambda n, k: n - k, lambda c, k: f"{c} - {k}", lambda m, k: m + k, lambda c, k: f"{c} + {k}"),
    LengthStep("over", lambda n, k: -(-n // k), lambda c, k: f"-(-({c}) // {k})",  # a ceiling division: a stride's
               lambda m, k: (m - 1) * k + 1, lambda c, k: f"({c} - 1) * {k} + 1"),
    LengthStep("times", lambda n, k: n * k, lambda c, k: f"({c}) * {k}", lambda m, k: -(-m // k),
               lambda c, k: f"-(-({c}) // {k})"),
)}

_SHIFT = re.compile(r"(\w+)_(plus|minus)_(\d+)")
_STEP = re.compile(rf"_({'|'.join(LENGTH_STEPS)})_(\d+)")  # every step of a derived name, for length_steps


_ZERO_STEP = re.compile(r"_(over|times)_0+(?=_|$)")  # a length divided by or times 0: no length
_PADDED_STEP = re.compile(rf"_({'|'.join(LENGTH_STEPS)})_0+([1-9]\d*)(?=_|$)")  # "_over_02": not read as a step


def impossible_step(name: str) -> str | None:
    """Why netgraph refuses the length name ``name`` (a step over or times 0, which gives no length; a step's size
    written with leading zeros, which would be read as a name apart), or None.

    >>> impossible_step("n_over_0")
    "its step '_over_0' divides by 0, which gives no length"
    >>> impossible_step("n_minus_02"), impossible_step("n_over_2"), impossible_step("t_0")
    ("its step '_minus_02' has leading zeros, so it would name a length apart: write 'n_minus_2'", None, None)
    """
    if zero := _ZERO_STEP.search(name):
        return f"its step {zero.group(0)!r} {'divides' if zero.group(1) == 'over' else 'multiplies'} by 0, which " \
               f"gives no length"
    if padded := _PADDED_STEP.search(name):
        written = name[:padded.start()] + f"_{padded.group(1)}_{padded.group(2)}" + name[padded.end():]
        return f"its step {padded.group(0)!r} has leading zeros, so it would name a length apart: write {written!r}"
    return None


def shifted_length(length: Dim, by: int) -> Dim:
    """``length + by``: an int, None (unknown), or for a variable length a name derived from it, so that
    ``n + 1 - 1`` is ``n`` again.

    >>> shifted_length(5, -1), shifted_length("n", -1), shifted_length("n_minus_1", 2), shifted_length(None, 1)
    (4, 'n_minus_1', 'n_plus_1', None)
    """
    if not isinstance(length, str):
        return None if length is None else length + by
    m = _SHIFT.fullmatch(length)
    base, offset = (m.group(1), int(m.group(3)) * (1 if m.group(2) == "plus" else -1)) if m else (length, 0)
    offset += by
    return base if offset == 0 else f"{base}_{'plus' if offset > 0 else 'minus'}_{abs(offset)}"


def strided_length(length: Dim, stride: int, inverse: bool = False) -> Dim:
    """For a variable length ``n``: ``ceil(n / stride)`` named ``n_over_<stride>`` (``n_times_<stride>`` is
    ``n * stride``); ``inverse`` undoes one (None when a name does not say: a stride loses the remainder).
    Ints and None are the callers' to compute.

    A length ``a * m + j`` strided, where ``stride`` divides ``a``, gives ``(a / stride) * m + ceil(j / stride)``,
    named as such (upsampling then striding back gives the length back, under its own name):

    >>> strided_length("n", 2), strided_length("n_over_2", 2, inverse=True), strided_length("m", 2, inverse=True)
    ('n_over_2', 'n', None)
    >>> strided_length("n_times_2_minus_1", 2), strided_length("n_times_2_plus_3", 2), strided_length("n_times_4", 2)
    ('n', 'n_plus_2', 'n_times_2')

    A strided length strided again is divided once, ``ceil((ceil(m / a) + c) / s) = ceil((m + c a) / (a s))``
    (so two stride-2 poolings give the length one stride-4 pooling gives), where ``c <= 0``: the one condition
    ``m + c a >= 1`` then says every step's length is at least 1 (``derived_lengths`` checks each step of a name).

    >>> strided_length("n_over_2", 2), strided_length("n_minus_1_over_2_minus_1", 2)
    ('n_over_4', 'n_minus_3_over_4')
    """
    if not isinstance(length, str) or stride == 1:
        return length
    if not inverse:
        multiple = re.fullmatch(r"(\w+)_times_(\d+)(?:_(plus|minus)_(\d+))?", length)
        if multiple is not None and int(multiple.group(2)) % stride == 0:
            scaled = times_length(multiple.group(1), int(multiple.group(2)) // stride)
            return shifted_length(scaled, -(-_shift(multiple.group(3), multiple.group(4)) // stride))
        strided = re.fullmatch(r"(\w+)_over_(\d+)(?:_(plus|minus)_(\d+))?", length)
        if strided is not None and _shift(*strided.group(3, 4)) <= 0:  # one that adds: the length before is checked
            divisor = int(strided.group(2))
            return strided_length(shifted_length(strided.group(1), _shift(*strided.group(3, 4)) * divisor),
                                  divisor * stride)
        return f"{length}_over_{stride}"
    return length.removesuffix(f"_over_{stride}") if length.endswith(f"_over_{stride}") else None


def _shift(sign: str | None, size: str | None) -> int:
    """The signed shift of a name's ``_plus_<size>`` / ``_minus_<size>`` step (0 without one)."""
    return int(size or 0) * (-1 if sign == "minus" else 1)


def times_length(length: Dim, factor: int, inverse: bool = False) -> Dim:
    """A variable length ``n`` times ``factor``, named ``n_times_<factor>`` (factors multiply: ``n_times_2`` times 2
    is ``n_times_4``); ``inverse`` undoes it (None when the name does not say).

    >>> times_length("n_times_2", 2), times_length("n_times_4", 2, inverse=True), times_length("n_times_2", 4, True)
    ('n_times_4', 'n_times_2', None)
    """
    if not isinstance(length, str) or factor == 1:
        return length
    scaled = re.fullmatch(r"(\w+)_times_(\d+)", length)
    base, before = (scaled.group(1), int(scaled.group(2))) if scaled else (length, 1)
    if not inverse:
        return f"{base}_times_{before * factor}"
    if before % factor:
        return None
    return base if before == factor else f"{base}_times_{before // factor}"



def length_steps(name: str, bases: set[str]) -> tuple[str, tuple[tuple[str, int], ...]] | None:
    """The base length ``name`` derives from and its steps, or None (a base itself, or not derived): what the
    functions above wrote, read back.

    >>> length_steps("n_minus_2_over_2", {"n"})
    ('n', (('minus', 2), ('over', 2)))
    """
    for base in sorted(bases, key=len, reverse=True):
        rest = name[len(base):]
        if name.startswith(base) and rest:
            found = tuple((op, int(k)) for op, k in _STEP.findall(rest))
            if "".join(LENGTH_STEPS[op].text(k) for op, k in found) == rest:  # the text is steps: each checked
                for op, k in found:
                    _step(op, k, name)
                return base, found
    return None


def _step(op: str, k: int, name: str | None = None) -> LengthStep:
    """``LENGTH_STEPS[op]``; a ShapeError (kind "shape") for a step over or times a size below 1, which gives no
    length (a declared name with one is refused where it is declared: this one came another way), not a
    ZeroDivisionError. ``name``: the length name the step is read from, for the message.

    >>> _step("over", 0, "n_over_0")
    Traceback (most recent call last):
    netgraph.core.errors.ShapeError: the length name 'n_over_0': its step '_over_0' divides by 0, which gives no length
    """
    if k < 1 and op in ("over", "times"):
        why = f"its step {LENGTH_STEPS[op].text(k)!r} {'divides' if op == 'over' else 'multiplies'} by {k}, which " \
              f"gives no length"
        raise ShapeError(f"the length name {quoted(name)}: {why}" if name else f"a length step: {why}", kind="shape",
                         expected="a step size from 1", found=k, detail=why)
    return LENGTH_STEPS[op]


@functools.lru_cache(maxsize=4096)
def least_length(name: str) -> int:
    """The least length a variable length ``name`` takes (a derived name's at its base's shortest length; 1 for a
    base): a lower bound for sizes checked before the lengths are known.

    >>> least_length("n"), least_length("n_minus_2"), least_length("n_plus_7"), least_length("n_times_4_over_2")
    (1, 1, 8, 2)
    """
    base = min(length_bases(name), key=len)
    steps = length_steps(name, {base}) if base != name else None
    return lengths_along(shortest_length(steps[1]), steps[1])[-1] if steps else 1


def least_element_count(shape: tuple[Dim, ...] | None) -> int:
    """The fewest elements ``shape`` may hold: a variable length at its ``least_length``, an unknown dim as 1, an
    unknown rank as 0 (the element count where every dim is a size).

    >>> least_element_count((2, 3)), least_element_count((10, "n_plus_2")), least_element_count((None, 4))
    (6, 30, 4)
    """
    if shape is None:
        return 0
    return math.prod(d if isinstance(d, int) else least_length(d) if isinstance(d, str) else 1 for d in shape)


def lengths_along(length: int, ops: tuple[tuple[str, int], ...]) -> list[int]:
    """The length after each step (``over`` is a ceiling division, as a stride's output size).

    >>> lengths_along(5, (("minus", 2), ("over", 2)))
    [3, 2]
    """
    out = []
    for op, k in ops:
        length = _step(op, k).value(length, k)
        out.append(length)
    return out


def shortest_length(ops: tuple[tuple[str, int], ...], least: int = 1) -> int:
    """The shortest length for which every step of ``ops`` leaves at least 1, and the last ``least`` (each step is
    monotone, so every longer length does too).

    >>> shortest_length((("minus", 2), ("over", 2))), shortest_length((("over", 2), ("minus", 3)))
    (3, 7)
    """
    need = least
    for op, k in reversed(ops):
        need = max(1, _step(op, k).least(need, k))
    return need
