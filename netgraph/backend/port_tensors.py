"""Data at an input port as a tensor: the dtype policy ``net(x)`` and ``net_train`` share, and what each kind of data
that makes no tensor (text, a DataLoader, a tuple of tensors, ragged lists) is told.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy
import torch

from netgraph.core.errors import DataError
from netgraph.core.integers import INT64_BOUND
from netgraph.core.naming_scope import quoted
from netgraph.core.port_options import option_form
from netgraph.core.tensors import as_tensor
from netgraph.core.torch_state import working_dtype
from netgraph.core.types import INTEGER, REAL, Shape, format_shape
from netgraph.core.wording import type_label

__all__ = ["as_port_tensor", "beyond_float64", "beyond_int64_as_float64", "beyond_range", "below_range", "data_tensor",
           "past_int64", "past_int64_words", "ragged_hint", "refused_tuple", "tuple_problem",
           "cast_underflow"]


_DATA = "a tensor, array or list"  # what net(x) takes at a port without an encoder


def as_port_tensor(port: str, value: Any, integer: bool, dtype: torch.dtype | None = None,
                   net: Any = None, shape: Shape = None) -> torch.Tensor:
    """The dtype policy for data: any real dtype (and numpy arrays, lists) is cast to the working precision
    (``torch.get_default_dtype()``, float32 unless changed); Integer ports take any integer dtype (or
    integral floats) as int64; anything else is a DataError naming the port. ``dtype`` overrides the
    working precision (``net(x, precision="float64")``); ``net``: the net called, whose kind the hint's form follows;
    ``shape``: the port's shape of one example (None: unknown), which a message on missing data names.

    >>> import numpy
    >>> as_port_tensor("Input", numpy.zeros(2), integer=False).dtype
    torch.float32
    """
    if value is None:
        each = f", each example of shape {format_shape(shape)}" if shape is not None else ""
        kind = "integer indices (dtype Integer)" if integer else "real numbers"
        raise _port_error(port, f" was given None; it takes {kind}{each}: a tensor, array or list",
                          kind="missing-data")
    if isinstance(value, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        raise _port_error(port, _container_problem(value), **_no_tensor(value))
    if problem := refused_tuple(value):
        raise _port_error(port, problem, **_no_tensor(value))  # torch reads a tuple of numpy's arrays slowly
    target = None if integer else dtype or working_dtype()  # indices are int64 at any precision
    exact = type(value) in (list, tuple, float) and (integer or target == torch.float64)  # Python's floats
    try:  # numpy arrays in the other byte order or with negative strides: a native copy
        x = _read(value, exact, integer)
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
        if not integer and (huge := beyond_float64(value)) is not None:
            _refuse_beyond(port, huge, torch.float64)
        if integer and (huge := _beyond_int64(value)) is not None:  # as an array of uint64 or floats says it
            raise _too_large(port, f"(as large as {_power_text(huge)}) in a {type(value).__name__}", type_label(value))
        raise _port_error(port, _encoder_hint(port, value, net) or tuple_problem(value) or f": cannot make a tensor "
                          f"from {type(value).__name__}: {exc}{ragged_hint(value)}", **_no_tensor(value)) from None
    _check_dense(port, x, integer)
    if integer:
        return _indices(port, x)
    return _narrowed(port, x, target)


def _read(value: Any, exact: bool, integer: bool) -> torch.Tensor:
    """``value`` as a tensor; ``exact``: Python's floats read as float64, unrounded (a port of indices: its floats
    only, its ints stay int64). What float64 cannot hold (complex numbers) is read as at any precision, which gives
    the same error."""
    if exact and not integer:
        try:
            return as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            pass
    try:
        x = as_tensor(value)
    except (ValueError, RuntimeError, OverflowError):  # exact and not integer: float64 failed above, so fails again
        if integer or exact or (wide := beyond_int64_as_float64(value)) is None:
            raise
        return wide  # an int beyond int64 (2**70) at a port of reals: a float, as at float64 (then narrowed)
    return as_tensor(value, dtype=torch.float64) if exact and integer and x.is_floating_point() else x


def data_tensor(value: Any) -> torch.Tensor:
    """``value`` (training data: a column, an item) as a tensor, ints beyond int64 (2**70) as float64, as net(x) reads
    them; torch's error where neither reads it (2**1100, a ragged list), for the caller to word.

    >>> data_tensor([2**70, 1]).dtype, data_tensor([1, 2]).dtype
    (torch.float64, torch.int64)
    """
    try:
        return as_tensor(value)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        if (wide := beyond_int64_as_float64(value)) is not None:
            return wide
        raise


def beyond_int64_as_float64(value: Any) -> torch.Tensor | None:
    """A list, tuple or int of Python's numbers that torch could not read (it reads ints as int64: 2**70 overflows)
    read as float64; None for any other value, or where float64 cannot hold it either (2**1100).

    >>> beyond_int64_as_float64([2**70, 1]).dtype, beyond_int64_as_float64([2**1100])
    (torch.float64, None)
    """
    if type(value) not in (list, tuple, int):
        return None
    try:
        return as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None


def _port_error(port: str, said: str, **fields: Any) -> DataError:
    """The DataError 'input port <port><said>' of the graph's port; its Diagnostic's ``detail`` is ``said`` without
    the port (for a reader that names the port its own way: net_train names the key and what it is for)."""
    return DataError(f"input port {quoted(port)}{said}", layer=(), port=port, detail=said.lstrip(": "), **fields)


def _check_dense(port: str, x: torch.Tensor, integer: bool) -> None:
    """A DataError unless ``x`` is a dense real or integer tensor on the CPU (``integer``: the port takes indices)."""
    if not x.is_cpu:
        raise _port_error(port, f": the data is on device {x.device}, but net(...) evaluates on device cpu (where the "
                          f"net's arrays are); move the data with .cpu(), or run the net on {x.device.type} as a "
                          f"module: net.compile().to(...)", kind="data-device", expected=torch.device("cpu"),
                          found=x.device)  # as the compiled module's (module_inputs)
    if x.is_complex():
        raise _port_error(port, f" takes a dense real tensor, found a complex tensor of dtype {x.dtype}",
                          kind="data-dtype", expected=INTEGER if integer else REAL, found=x.dtype)
    if x.layout != torch.strided or x.is_quantized or x.is_nested:
        layout = "quantized" if x.is_quantized else "nested" if x.is_nested else str(x.layout).removeprefix("torch.")
        hint = "; examples of different lengths go in as a list of tensors, one per example (x.unbind())" \
            if x.is_nested else ""
        raise _port_error(port, f" takes a dense real tensor, found a {layout} tensor of dtype {x.dtype}{hint}",
                          kind="data-layout", expected="strided", found=layout)


def _indices(port: str, x: torch.Tensor) -> torch.Tensor:
    """``x`` as int64 indices; a DataError for values that are none (1.5, NaN, past int64)."""
    if x.is_floating_point() and not bool(((x == x.round()) & (x.abs() < 2.0 ** 62)).all()):
        kind = ("NaN or infinite values" if not bool(x.isfinite().all()) else "values too large for int64"
                if bool((x == x.round()).all()) else "non-integer values")  # inf and 1e30 are "integral"
        raise _port_error(port, f" takes integer indices (dtype Integer), found {kind} of dtype {x.dtype}",
                          kind="data-dtype", expected=INTEGER, found=x.dtype)
    if past_int64(x):
        raise _too_large(port, f"of dtype {x.dtype}", x.dtype)
    return x.long()


def past_int64(x: torch.Tensor) -> bool:
    """Whether integer tensor ``x`` holds values past int64's range (uint64's from 2**63: ``.long()`` would wrap them
    to negative indices); read for uint64 only, the one dtype that can."""
    return x.dtype == torch.uint64 and bool((x.view(torch.int64) < 0).any())


def past_int64_words(where: str) -> str:
    """What a port's name is followed by for indices past int64's range, ``where`` saying which data holds them."""
    return f" takes integer indices (dtype Integer), found values too large for int64 {where}"


def _too_large(port: str, where: str, found: Any) -> DataError:
    """The DataError for indices past int64's range, ``where`` saying which data holds them."""
    return _port_error(port, past_int64_words(where), kind="data-dtype", expected=INTEGER, found=found)


def _no_tensor(value: Any) -> dict[str, Any]:
    """The Diagnostic fields of data ``value`` that makes no tensor (built only when raising)."""
    return {"kind": "not-a-tensor", "expected": _DATA, "found": type_label(value)}


def _narrowed(port: str, x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``x`` in ``dtype``; a DataError when finite values beyond its range (1e300 in float32) would become
    infinite there (checked for float dtypes of a wider range only: float64 into float32)."""
    out = x.to(dtype)
    if not (x.is_floating_point() and torch.finfo(x.dtype).max > torch.finfo(dtype).max and out.numel()):
        return out
    beyond = x[out.isinf() & x.isfinite()]
    if not beyond.numel():
        return out
    _refuse_beyond(port, float(beyond[beyond.abs().argmax()]), dtype)


def beyond_float64(value: Any) -> int | None:
    """A Python int in the nested lists ``value`` too large for any float (2**1100; 2**1024 - 2**969, which rounds up
    past float64's largest), else None."""
    return _first_int(value, lambda item: item.bit_length() > 1023 and float("inf") == _as_float(item))


def _beyond_int64(value: Any) -> int | None:
    """A Python int in the nested lists ``value`` outside int64's range (2**63), else None."""
    return _first_int(value, lambda item: not -INT64_BOUND <= item < INT64_BOUND)


def _as_float(item: int) -> float:
    try:
        return float(item)
    except OverflowError:
        return float("inf")


def _first_int(value: Any, beyond: Any) -> int | None:
    """The first Python int in the nested lists (or tuples) ``value`` for which ``beyond`` is true, else None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) in (list, tuple):
            stack.extend(item)
        elif type(item) is int and beyond(item):
            return item
    return None


def beyond_range(largest: float | int, dtype: torch.dtype) -> str:
    """The words for values as large as ``largest`` beyond ``dtype``'s range (an int: as a power of 2).

    >>> beyond_range(-2**1100, torch.float64)
    "values as large as -2**1100 lie beyond float64's range (largest 1.8e+308): they would become infinite"
    """
    shown = f"{largest:g}" if isinstance(largest, float) else _power_text(largest)
    return (f"values as large as {shown} lie beyond {str(dtype).removeprefix('torch.')}'s range (largest "
            f"{torch.finfo(dtype).max:.2g}): they would become infinite")


def _power_text(number: int) -> str:
    """``number``'s size as a power of 2: ``-2**1100``."""
    return f"{'-' if number < 0 else ''}2**{number.bit_length() - 1}"


def below_range(smallest: float, dtype: torch.dtype) -> str:
    """The words for nonzero values as small as ``smallest`` that ``dtype`` makes 0.

    >>> below_range(1e-300, torch.float32)
    "values as small as 1e-300 lie below float32's smallest positive number (1.4e-45): they would become 0"
    """
    info = torch.finfo(dtype)  # its smallest subnormal number: the smallest normal one times its epsilon
    return (f"values as small as {smallest:g} lie below {str(dtype).removeprefix('torch.')}'s smallest positive "
            f"number ({info.tiny * info.eps:.2g}): they would become 0")


def _rescaled(detail: str, dtype: torch.dtype, remedy: str = "net(x, precision='float64')") -> str:
    """``detail`` (``beyond_range``'s or ``below_range``'s words) with the remedy for data cast to ``dtype``."""
    wider = "" if dtype == torch.float64 else f", or work in float64 ({remedy})"
    return f"{detail}; scale the data{wider}"


def _refuse_beyond(port: str, largest: float | int, dtype: torch.dtype) -> None:
    """The DataError (kind precision-range) for values as large as ``largest`` beyond ``dtype``'s range."""
    detail = beyond_range(largest, dtype)
    raise DataError(f"input port {quoted(port)}: {_rescaled(detail, dtype)}",
                    kind="precision-range", layer=(), port=port, found=largest, detail=detail)


def cast_underflow(error: DataError, net: Any, example: Callable[[str, int], tuple[Any, torch.Tensor]],
                   remedy: str = "net(x, precision='float64')", source: str | None = None) -> DataError | None:
    """For ``error``, a layer's refusal of a 0 at a port fed straight by a net input, where the cast to the net's dtype
    made the value given 0 (1e-300 in float32): the DataError saying so (``_underflow_error``); else None (the layer's
    error stands). ``example(port, i)``: example ``i`` at ``port`` as given (None: not at hand) and as cast, read only
    for the port and example refused; ``source``: the words for the data set the example lies in ("the training
    data"), which the message then names with the example (None: not named)."""
    refused = _refused_zero(error, net)
    if refused is None:
        return None
    problem, port = refused
    try:
        value, cast = example(port, problem.example)
        at = f" at example {problem.example} of {source}" if source else ""
        return None if value is None else _underflow_error(problem, net, port, value, cast, remedy, at)
    except (DataError, TypeError, ValueError, RuntimeError, IndexError, KeyError):  # the layer's error stands
        return None


def _refused_zero(error: DataError, net: Any) -> tuple[Any, str] | None:
    """For ``error``, a layer's refusal of a 0 (one parameter-value diagnostic, found 0.0) at a port fed straight by a
    net input: that diagnostic and the input port; else None. Reads no data (``_underflow_error`` then reads one
    example)."""
    problem = error.diagnostics[0] if len(error.diagnostics) == 1 else None
    if problem is None or problem.kind != "parameter-value" or type(problem.found) is not float or problem.found \
            or problem.example is None:
        return None
    node = net.ir.node(problem.layer) if net.ir.has_node(problem.layer) else None
    port = dict(node.given).get(problem.port) if node is not None else None
    return None if port is None else (problem, port)


def _underflow_error(problem: Any, net: Any, port: str, value: Any, cast: torch.Tensor, remedy: str,
                     at: str) -> DataError | None:
    """For ``problem`` (``_refused_zero``'s), the refused example as given at input ``port`` (``value``) and as cast
    to the net's dtype (``cast``): where the value refused (the example's first 0 once cast) was nonzero as given
    (1e-300 in float32), the DataError (kind precision-range) naming the layer, the port and that value; else None (a
    genuine 0 keeps the layer's own error); ``remedy``: how to work in float64 (net_train's own option); ``at``: where
    in the data the example lies (" at example 5 of the training data"), said after the port."""
    if not cast.is_floating_point():
        return None
    try:
        fed = _read(value, exact=True, integer=False)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None
    if not fed.is_floating_point() or fed.dtype == cast.dtype or fed.numel() != cast.numel():
        return None
    zeros = (cast.reshape(-1) == 0).nonzero()
    refused = float(fed.reshape(-1)[zeros[0, 0]]) if len(zeros) else 0.0
    if not refused:
        return None
    detail = below_range(refused, cast.dtype)
    whose = _rescaled(detail, cast.dtype, remedy)
    return DataError(f"{net.describe((problem.layer, None))}: parameter {problem.option} (which must be "
                     f"{problem.expected}) is fed by input port {quoted(port)}{at}, whose {whose}",
                     kind="precision-range", layer=problem.layer, port=problem.port, option=problem.option,
                     expected=problem.expected, found=refused, detail=detail, example=problem.example)


def ragged_hint(value: Any) -> str:
    """Where nested lists of different lengths, or torch's packed and padded forms, failed to make one tensor: how
    sequences of different lengths go in."""
    if isinstance(value, torch.nn.utils.rnn.PackedSequence):
        return "; a PackedSequence goes in as Padded(*pad_packed_sequence(x, batch_first=True))"
    if type(value) in (list, tuple) and len(value) == 2 and all(hasattr(v, "ndim") for v in value) and \
            value[0].ndim >= 2 and value[1].ndim == 1 and len(value[1]) == len(value[0]):
        return "; a (padded, lengths) pair, as torch's pack_padded_sequence takes, is Padded(padded, lengths) here"
    if isinstance(value, (list, tuple)) and len({len(v) for v in value if isinstance(v, (list, tuple))}) > 1:
        return ("; examples of different lengths go in as a list of tensors, one per example "
                "([torch.tensor(e) for e in examples]), or as Padded(data, lengths)")
    return ""


def _container_problem(value: Any) -> str:
    """For torch's DataLoader or Dataset given as data: how to evaluate what it holds (said of the port)."""
    if isinstance(value, torch.utils.data.DataLoader):
        advice = ("evaluate it batch by batch: torch.cat([net(batch) for batch in loader]) (for (inputs, targets) "
                  "batches, net(batch[0])), or give all the data at once with batch_size= to split it")
    elif isinstance(value, torch.utils.data.TensorDataset):
        advice = "give its tensors: net(dataset.tensors[0])"
    else:
        advice = "stack its items into one tensor, or evaluate a DataLoader over it batch by batch"
    return (f": net(x) takes the data itself (a tensor, array or list), found a "
            f"{type(value).__name__}; {advice}")


def refused_tuple(value: Any) -> str:
    """``tuple_problem`` for a tuple refused before torch reads it: of tensors or arrays, none 0-d (a tuple of
    scalars is a vector); else ''.

    >>> refused_tuple((numpy.zeros(2), numpy.zeros(2)))[:38], refused_tuple((numpy.float64(1), numpy.float64(2)))
    (': a tuple of tensors is no batch: give', '')
    """
    return tuple_problem(value) if type(value) is tuple and all(getattr(v, "ndim", 1) for v in value) else ""


def tuple_problem(value: Any) -> str:
    """For a tuple of tensors or arrays (``net((a, b))``), which torch refuses in its own words: what to give, said
    of the port (not for torch's (padded, lengths) pair, which ``ragged_hint`` names)."""
    if type(value) is not tuple or not value or not all(hasattr(v, "ndim") for v in value) or ragged_hint(value):
        return ""
    return (": a tuple of tensors is no batch: give one batched tensor (torch.stack), or examples of different "
            "lengths as a list, one tensor each")


def _encoder_hint(port: str, value: Any, net: Any = None) -> str:
    """For text, paths or PIL images at a port without an encoder: the encoder to attach (as net_train says), said of
    the port."""
    first = value[0] if type(value) in (list, tuple) and value else value
    if isinstance(first, numpy.ndarray) and first.dtype.kind == "U" and first.size:
        first = first.flat[0]
    if not isinstance(first, (str, os.PathLike)) and not type(first).__module__.startswith("PIL."):
        return ""
    kind = "a PIL image" if type(first).__module__.startswith("PIL.") else f"{type(first).__name__} {str(first)!r:.40}"
    coder = net.coders.get(port) if net is not None else None
    if getattr(coder, "range_text", None):  # a Restricted port: it has its encoder, which takes indices only
        return (f" ({coder.type_name}('Integer', {coder.range_text})) takes integer indices in its range "
                f"{coder.range_text}, but it was given {kind}")
    encoder = "ClassEncoder([...])"
    form = option_form(net, port, encoder) if net is not None else f"NetGraph(..., {port}={encoder})"
    return (f" has no encoder, but it was given {kind}; attach a ClassEncoder (labels), a "
            f"TokensEncoder or CharactersEncoder (text) or an ImageEncoder (image files, PIL images), e.g. "
            f"{form}")
