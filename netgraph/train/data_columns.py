"""Data columns for net_train: tensors by key from the accepted in-memory forms (``columns_from``) and the one check
of them against what each key must hold (``check_columns``): missing or unknown keys, shapes, dtypes, shared lengths,
example counts, class indices, NaN, infinite targets, all in one DataError naming the key and the expected shape.

>>> from netgraph.core.types import PortType
>>> cols = columns_from({"x": [[1.0, 2.0], [3.0, 4.0]]}, "training data")
>>> checked = check_columns(cols, {"x": Expect(PortType((2,)), "input port 'x'")}, False, "training data")
>>> checked["x"].dtype, tuple(checked["x"].shape)
(torch.float32, (2, 2))
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy
import torch

from netgraph.core.wording import counted, first_few, type_label
from netgraph.core.errors import DataError, Diagnostic, did_you_mean
from netgraph.train.data_sets import data_error, data_problem, no_examples, raise_data, ref
from netgraph.core.types import INTEGER, PortType, format_shape
from netgraph.backend.port_tensors import (as_port_tensor, beyond_float64, beyond_range, data_tensor, ragged_hint,
                                          refused_tuple, tuple_problem)
from netgraph.backend.input_lengths import empty_length_problem
from netgraph.backend.shape_hints import layout_hint
from netgraph.train.data_checks import (batches_hint, examples_at, first_example, first_nonfinite_example, non_finite,
                                        shared_length_problems)
from netgraph.train.data_pairs import tuples_advice
from netgraph.train.other_names import WEIGHTS

__all__ = ["Expect", "columns_from", "check_columns", "EXAMPLES", "example_keys_error"]

#: The key of ``net_train(net, n)``'s data for a net without inputs: n examples that hold nothing (shape (n, 0))
EXAMPLES = "#examples"


@dataclasses.dataclass(frozen=True)
class Expect:
    """What one data key must hold per example: a port type, a description, and optional value limits."""

    type: PortType
    what: str
    classes: int | None = None  # Integer class indices must lie in [0, classes)
    unit_interval: bool = False  # Real values must lie in [0, 1] (cross-entropy targets: binary or probability vectors)
    optional: bool = False  # the lengths of padded batches: absent from dense ones (validation data by length)
    finite: bool = False  # infinities are refused too, not only NaN (a loss target: the loss would be infinite)
    alias: str | None = None  # the other key the same data may be given under ('Target' / the output's name)
    indices: tuple[int, str] | None = None  # an input's indices lie in [0, n) of the EmbeddingLayer (named) it feeds
    hint: str = ""  # the usual cause, said when the shape does not fit (class labels for a mean squared error)
    missing_hint: str = ""  # what to give instead, said when the key is missing (an output that is a loss itself)
    lengths_of: str | None = None  # the input port whose Padded batches' lengths this key holds (a loader's)
    role: str = ""  # ``what`` without its note in parentheses, where it has one ("target of output port 'Output'")


_TO_INTEGERS = "convert them to integers (numpy: .astype('int64'), torch: .long())"  # a data file is numpy's


def _batch_shape(shape: tuple | None) -> str:
    if shape is None:
        return "(b, ...)"
    inner = format_shape(shape)[1:-1]
    return f"(b{', ' if inner else ''}{inner})"


def _tensor(key: str, value: Any, what: str, example: int | None = None) -> torch.Tensor:
    """``value`` of data ``key`` as a tensor: one example's (``example``, its index), else the whole column's."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if problem := refused_tuple(value):
        raise data_error(what, f"key {key!r}{problem}", kind="not-a-tensor", layer=(), port=key,
                         found=type_label(value))  # torch would stack numpy's arrays into a batch of the wrong shape
    try:
        return data_tensor(value)  # an int beyond int64 (2**70): float64, which the port's check narrows or refuses
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:  # a tuple of tensors: said as net(x) says it
        _refuse_beyond_float64(key, value, what, example)
        raise data_error(what, f"key {key!r}" + (tuple_problem(value) or f": cannot make a tensor from "
                         f"{type(value).__name__}: {exc}{ragged_hint(value) or _collated_hint(value)}"),
                        kind="not-a-tensor", layer=(), port=key, expected="a tensor or numpy array",
                        found=type_label(value)) from None


def _refuse_beyond_float64(key: str, value: Any, what: str, example: int | None) -> None:
    """The DataError (kind precision-range, as net(x)'s) for an int too large for any float (2**1100) in ``value``,
    naming the example that holds it (``example``, else its index in the column ``value``); nothing if none."""
    examples = [value] if example is not None or type(value) not in (list, tuple) else value
    for i, item in enumerate(examples):
        if (huge := beyond_float64(item)) is not None:
            at = example if example is not None else i
            raise beyond_float64_error(what, key, f"example {at}", at, huge)


def beyond_float64_error(what: Any, key: str, where: str, example: int, huge: int) -> DataError:
    """The DataError (kind precision-range, as net(x)'s) for int ``huge``, beyond any float, at ``key`` of
    ``example`` (``where``: how the message names it)."""
    return data_error(what, f"key {key!r} ({where}): {beyond_range(huge, torch.float64)}; scale the data",
                      kind="precision-range", layer=(), port=key, example=example, found=huge)


def example_keys_error(what: Any, keys: Any, example: int | None, found: Any, reference: str = "example 0 has",
                       name: str = "") -> DataError:
    """The DataError (kind example-keys) for ``example`` holding keys ``found`` where the others hold ``keys``
    (``reference``: the message's words for those others; ``name``: for the example, if not its index)."""
    return data_error(what, f"every example must have the same keys; {reference} {list(keys)}, "
                      f"{name or f'example {example}'} has {list(found)}",
                      kind="example-keys", example=example, expected=tuple(keys), found=tuple(found))


def _collated_hint(value: Any) -> str:
    """For a batch value torch's default collate made (a Dataset's or DataLoader's): a list of str, or a Python list
    (nested or not) in each item made one tensor per position, what to give instead; else ''."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ("; class names and texts in a Dataset's or DataLoader's batches are not encoded: give class indices "
                "there, or the data as a dict of lists or a list of example dicts, which the port's coder reads")
    if (grid := _position_grid(value)) is None:
        return ""
    lengths, first = grid
    each = f"{len(first)} values" if first.dim() == 1 else f"shape {tuple(first.shape)}"
    made = f"{' lists of '.join(map(str, lengths))} tensors of {each}"
    said = (f"; it is a list of {made}, as torch's default collate makes from a{' nested' * (len(lengths) > 1)} "
            f"Python list in each item (one tensor per position): make each item's value a tensor or numpy array, or "
            f"give the Dataset itself to net_train")
    if len(lengths) > 1:  # no collate_fn's list of examples (``stacked_examples``) is nested
        return said
    return (f"{said}; if each tensor is one example, torch.stack them (a collate_fn's list is stacked where the "
            f"batch's other tensors hold as many examples as it, and its tensors' first dim is not that number)")


def _position_grid(value: Any) -> tuple[tuple[int, ...], torch.Tensor] | None:
    """For ``value`` a Python list, nested evenly, of more than one tensor (>= 1 dim) all of one shape, as torch's
    default collate makes of a (nested) Python list in each item: its lengths by level and its first tensor, or None."""
    def grid(part: Any) -> tuple[tuple[int, ...], list[torch.Tensor]] | None:
        if isinstance(part, torch.Tensor):
            return (), [part]
        inner = [grid(p) for p in part] if isinstance(part, list) and part else [None]
        if None in inner or len({lengths for lengths, _ in inner}) != 1:
            return None
        return (len(part), *inner[0][0]), [t for _, tensors in inner for t in tensors]
    found = grid(value) if isinstance(value, list) else None
    if found is None or len(found[1]) < 2 or len({t.shape for t in found[1]}) != 1 or not found[1][0].dim():
        return None
    return found[0], found[1][0]


def _arrays(data: Any) -> bool:
    """Whether ``data`` holds arrays only, each of as many examples (>= 1 dim)."""
    arrays = [e for e in data if isinstance(e, (torch.Tensor, numpy.ndarray)) and e.ndim]
    return len(arrays) == len(data) and len({len(a) for a in arrays}) == 1


def _pair_hint(data: Any) -> str:
    """For [inputs, targets] (two arrays of as many examples), the pair form, which is a tuple; else ''."""
    if _arrays(data) and len(data) == 2 and isinstance(data, list):
        return (": for inputs and targets, give the pair as a tuple, net_train(net, (inputs, targets)) (a list holds "
                "examples, one dict each)")
    return ""


def _tuple_hint(example: Any, ports: tuple[Sequence[str], Sequence[str]] | None) -> str:
    """For a tuple example in a net of ``ports``: the dict by port to make it; else '' (a list of lists: rows)."""
    return f" ({tuples_advice(example, None, ports)})" if ports and isinstance(example, tuple) else ""


def columns_from(data: Any, what: str, ports: tuple[Sequence[str], Sequence[str]] | None = None
                 ) -> dict[str, torch.Tensor]:
    """Tensors by key from a dict of arrays or a list of example dicts (stacked along a new dim 0; sequences of
    different lengths stay a list, one tensor per example). ``ports`` (the net's inputs, outputs): for the dict by
    port that a list of tuples is told to give instead."""
    if isinstance(data, Mapping):
        if not data:
            raise DataError(f"{what} is an empty dict; give one array per input port and target", data=ref(what),
                            detail="holds no arrays; give one array per input port and target",  # a data file's flag
                            kind="missing-data", expected="one array per input port and target", found=0)
        return {str(k): _tensor(str(k), v, what) for k, v in data.items()}
    examples = list(data)
    if not examples:
        raise DataError(f"{what} is an empty list; give at least one example", data=ref(what), kind="missing-data",
                        expected="one example or more", found=0)
    bad = [i for i, e in enumerate(examples) if not isinstance(e, Mapping)]
    if bad and _arrays(data) and len(data) == 3 and isinstance(data, tuple):  # no list of examples: the hint leads
        raise data_error(what, f"a tuple of 3 arrays, as Keras's (x, y, sample_weight), is no data form here: give "
                        f"the pair (inputs, targets); no sample weights here: {WEIGHTS}",
                        kind="data-form", found="a tuple of 3 arrays")
    if bad:
        raise data_error(what, f"a list of examples must hold dicts (port -> value); example {bad[0]} is "
                        f"{type(examples[bad[0]]).__name__}{_pair_hint(data) or _tuple_hint(examples[bad[0]], ports)}",
                        kind="data-form", example=bad[0], expected="an example dict",
                        found=type_label(examples[bad[0]]))
    keys = list(examples[0])
    if not keys and all(not e for e in examples):  # no column would say how many examples there are
        raise DataError(f"{what} is a list of examples that hold no keys; give one array per input port and target",
                        data=ref(what), kind="missing-data", expected="one array per input port and target", found=0)
    odd = [i for i, e in enumerate(examples) if list(e) != keys and set(e) != set(keys)]
    if odd:
        raise example_keys_error(what, keys, odd[0], examples[odd[0]])
    out: dict[str, Any] = {}
    for k in keys:
        values = [_tensor(str(k), e[k], what, i) for i, e in enumerate(examples)]
        try:
            out[str(k)] = torch.stack(values)
        except RuntimeError:
            if all(v.dim() and v.shape[1:] == values[0].shape[1:] for v in values):
                out[str(k)] = values  # sequences of different lengths: a ragged column (``gather`` buckets them)
                continue
            raise _shapes_error(what, str(k), values) from None
    return out


def _shapes_error(what: str, key: str, values: list[torch.Tensor]) -> DataError:
    """The first example of list column ``key`` whose shape beyond its first dim differs from the one most share."""
    trailing = [tuple(v.shape[1:]) if v.dim() else None for v in values]  # a scalar shares with no sequence
    shared, count = Counter(trailing).most_common(1)[0]  # a tie: example 0's
    i = next(i for i, t in enumerate(trailing) if t != shared)
    alike = {tuple(v.shape) for v, t in zip(values, trailing) if t == shared}
    expected, found = alike.pop() if len(alike) == 1 else ("n", *shared), tuple(values[i].shape)
    return data_error(what, f"key {key!r}: example {i} has shape {format_shape(found)}, where {count} of "
                      f"{len(values)} examples have {format_shape(expected)}: the examples of a key may differ only "
                      f"in their first dim (a sequence's length)", kind="data-shape", layer=(), port=key, example=i,
                      expected=expected, found=found)


def _check_one(key: str, x: torch.Tensor, exp: Expect, problems: list[str | Diagnostic], listed: bool,
               numbers: Sequence[int] | None) -> torch.Tensor | None:
    t = exp.type
    want = _batch_shape(t.shape)
    try:  # the same dtype policy as calling a net: reals to the working precision, integers as int64
        x = as_port_tensor(key, x, integer=t.dtype == INTEGER)
    except DataError as exc:
        if exc.diagnostics and exc.diagnostics[0].kind == "precision-range":  # float64 values past float32's
            problems.append(data_problem("precision-range", f"{exp.what} (key {key!r}): {exc.diagnostics[0].detail}; "
                                         f"scale the data, or train in float64 (working_precision='float64'; netgraph "
                                         f"train --precision float64)", key, found=exc.diagnostics[0].found))
            return None
        reason = exc.diagnostics[0].detail  # the problem without the port, which exp.what names already
        reason = "" if x.is_complex() else f" ({reason})"  # complex: 'found dtype torch.complex64' says it all
        if t.dtype == INTEGER and (exp.classes is not None or exp.what.startswith("target")) and \
                x.is_floating_point():
            problems.append(_labels_problem(key, x, exp, want))
            return None
        kind = f"Integer values of shape {want}" if t.dtype == INTEGER else "real values"
        hint = f"; {_TO_INTEGERS} (class indices count from 0)" if t.dtype == INTEGER else ""
        problems.append(data_problem("data-dtype", f"{exp.what} (key {key!r}): expected {kind}, found dtype {x.dtype}"
                                     f"{reason}{hint}", key, expected=t.dtype, found=str(x.dtype)))
        return None
    if t.shape is not None:
        rank = len(t.shape)
        fits = x.dim() == rank + 1 and all(d is None or isinstance(d, str) or d == n
                                           for d, n in zip(t.shape, x.shape[1:]))
        if not fits:
            hint = ""
            if x.dim() == rank and all(d is None or isinstance(d, str) or d == n for d, n in zip(t.shape, x.shape)):
                hint = " (one example without the example dimension? data needs one along dim 0)"
            hint = hint or exp.hint or layout_hint(t.shape, tuple(x.shape), t.dtype == INTEGER,
                                                target=exp.what.startswith("target"))
            hint = hint or batches_hint(t.shape, tuple(x.shape), listed)
            problems.append(data_problem("data-shape", f"{exp.what} (key {key!r}): expected shape {want} with b the "
                                         f"number of examples, found {tuple(x.shape)}{hint}", key, expected=t.shape,
                                         found=tuple(x.shape)))
            return None
        if empty := empty_length_problem(key, t.shape, tuple(x.shape)):  # as net(x): torch's RNN error otherwise
            text = f"{exp.what} (key {key!r}): {empty.detail}"  # the detail too, as data_problem's: the CLI tells it
            problems.append(dataclasses.replace(empty, message=text, detail=text))
            return None
    elif x.dim() == 0:
        problems.append(data_problem("data-shape", f"{exp.what} (key {key!r}): expected one value per example along "
                                     f"dim 0, found a scalar", key, expected="one value per example", found=()))
        return None
    return _check_values(key, x, exp, problems, numbers)


def _labels_problem(key: str, x: torch.Tensor, exp: Expect, want: str) -> Diagnostic:
    """Class labels of float dtype that are no int64 indices: non-integer values, or integers beyond int64 (a list
    holding 2**70, read as float64), which no conversion makes class indices."""
    if bool((x.isfinite() & (x == x.round())).all()):
        largest = float(x.abs().max())
        return data_problem("data-dtype", f"{exp.what} (key {key!r}): class labels must be class indices from 0 (shape "
                            f"{want}), found values too large for int64 (as large as {largest:g})", key,
                            expected=INTEGER, found=largest)
    return data_problem("data-dtype", f"{exp.what} (key {key!r}): class labels must be integers (class indices from 0, "
                        f"shape {want}) or class names (with a ClassDecoder on the output port), found non-integer "
                        f"values of dtype {x.dtype}; {_TO_INTEGERS}", key, expected=INTEGER, found=str(x.dtype))


def _check_values(key: str, x: torch.Tensor, exp: Expect, problems: list[Diagnostic],
                  numbers: Sequence[int] | None) -> torch.Tensor | None:
    if x.numel() == 0:
        return x
    if x.is_floating_point():
        bad = non_finite(x, exp.finite, numbers=numbers)
        if bad:
            problems.append(data_problem("nonfinite-data", f"{exp.what} (key {key!r}): {bad}, which makes the loss "
                                         f"non-finite; remove or fix such examples", key,
                                         example=first_nonfinite_example(x, exp.finite, numbers)))
            return None
    if exp.classes is not None:
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= exp.classes:
            problems.append(data_problem("data-range", f"{exp.what} (key {key!r}): class indices must lie in "
                                         f"0..{exp.classes - 1} (the output has "
                                         f"{counted(exp.classes, 'class', 'classes')}), found values in {lo}..{hi}"
                                         f"{_outside(x, 0, exp.classes - 1, numbers)}", key,
                                         expected=(0, exp.classes - 1), found=(lo, hi),
                                         example=first_example(_outside_rows(x, 0, exp.classes - 1), numbers)))
            return None
    elif exp.indices is not None and (int(x.min()) < 0 or int(x.max()) >= exp.indices[0]):
        problems.append(data_problem("data-range", f"{exp.what} (key {key!r}): indices must lie in "
                                     f"0..{exp.indices[0] - 1} for {exp.indices[1]}, which embeds {exp.indices[0]}, "
                                     f"found values in {int(x.min())}..{int(x.max())}"
                                     f"{_outside(x, 0, exp.indices[0] - 1, numbers)}", key,
                                     expected=(0, exp.indices[0] - 1), found=(int(x.min()), int(x.max())),
                                     example=first_example(_outside_rows(x, 0, exp.indices[0] - 1), numbers)))
        return None
    elif x.is_floating_point() and exp.unit_interval:
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 or hi > 1:
            problems.append(data_problem("data-range", f"{exp.what} (key {key!r}): cross-entropy targets are "
                                         f"probabilities and must lie in [0, 1], found values in [{lo:g}, {hi:g}]"
                                         f"{_outside(x, 0, 1, numbers)}", key, expected=(0, 1), found=(lo, hi)))
            return None
    return x


def _outside(x: torch.Tensor, low: float, high: float, numbers: Sequence[int] | None) -> str:
    """Where ``x`` (examples along dim 0) holds values outside [low, high]: the first such example, and how many."""
    return examples_at(_outside_rows(x, low, high), numbers)


def _outside_rows(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Whether each example of ``x`` (along dim 0) holds a value outside [low, high]."""
    return ((x < low) | (x > high)).reshape(x.shape[0], -1).any(1)


def _unknown_key_hint(key: str, keys: list[str]) -> str:
    """' (did you mean ...)', or for numpy's arr_0, arr_1 (arrays np.savez was given by position): how to name them."""
    if re.fullmatch(r"arr_\d+", key) and not any(re.fullmatch(r"arr_\d+", k) for k in keys):
        return (f" (numpy's name for an array saved by position: save each by its key, np.savez(path, "
                f"{', '.join(f'{k}=...' for k in keys)}))")
    return did_you_mean(key, keys)


def _unknown_key(key: str, hinted: list[str], read: Mapping[str, Expect]) -> Diagnostic:
    """Key ``key`` the net does not read: the keys it does read, each with its port (``found``: the key, ``expected``:
    the net's keys)."""
    ports = first_few([f"{k!r} ({e.role or e.what})" for k, e in read.items()])  # a big net's: the first few
    reads = f"the keys {ports}" if read else "no keys"
    text = f"unknown key {key!r}{_unknown_key_hint(key, hinted)}; the net reads {reads}"
    return Diagnostic(text, kind="unknown-key", detail=text, found=key, expected=tuple(read))


def check_columns(cols: Mapping[str, torch.Tensor], expect: Mapping[str, Expect], allow_extra: bool,
                  what: Any, listed: bool = False, numbers: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
    """The columns converted to the ports' dtypes; one DataError listing every problem otherwise. ``listed``: the
    columns of a list of examples (where an extra dim may be examples given in batches); ``numbers``: each row's
    example index in the data given, for columns that are a part of it (a length bucket)."""
    cols = _under_expected_keys(cols, expect)
    problems = []
    missing = [k for k in expect if k not in cols and not expect[k].optional]
    extra = [k for k in cols if k not in expect and k != EXAMPLES]
    for k in missing:
        hint = did_you_mean(k, extra)
        problems.append(data_problem("missing-key", f"missing key {k!r}: {expect[k].what}, shape "
                                     f"{_batch_shape(expect[k].type.shape)}"
                                     f"{' ' + expect[k].type.dtype if expect[k].type.dtype == INTEGER else ''}{hint}"
                                     f"{expect[k].missing_hint}", k, expected=k, found=tuple(cols)))
    if not allow_extra:
        given = [k for k, e in expect.items() if not e.optional]  # not the lengths netgraph's padded batches add
        twice = {e.alias: k for k, e in expect.items() if e.alias in cols and k in cols}
        for k in extra:
            problems.append(data_problem("duplicate-key", f"the target is given twice (under {twice[k]!r} and {k!r}); "
                                         f"give one of them", k, found=(twice[k], k)) if k in twice
                            else _unknown_key(k, missing or given, {g: expect[g] for g in given}))
    out: dict[str, torch.Tensor] = {}
    for k, x in cols.items():
        if k in expect:
            checked = _check_one(k, x, expect[k], problems, listed, numbers)
            if checked is not None:
                out[k] = checked
        elif allow_extra or k == EXAMPLES:
            out[k] = x
    problems += shared_length_problems(out, expect)  # a sequence target as long as its output, say
    sizes = {k: (x.shape[0] if x.dim() else None) for k, x in cols.items() if not x.is_nested}  # nested: named
    if len({s for s in sizes.values()}) > 1:
        problems.append(data_problem("data-shape", f"every key must hold the same number of examples (dim 0), found "
                                     f"{sizes}", found=tuple(sizes.items())))
    elif sizes and next(iter(sizes.values())) == 0:
        problems.append(no_examples())
    raise_data(problems, what)
    return out


def _under_expected_keys(cols: Mapping[str, torch.Tensor], expect: Mapping[str, Expect]) -> Mapping[str, torch.Tensor]:
    """``cols`` with a target given under its other key ('Output' where the training data said 'Target', or the
    reverse) moved to the key the loss reads: validation data and later batches may name it either way."""
    moved = {e.alias: k for k, e in expect.items()
             if e.alias is not None and e.alias in cols and k not in cols and e.alias not in expect}
    return {moved.get(k, k): v for k, v in cols.items()} if moved else cols
