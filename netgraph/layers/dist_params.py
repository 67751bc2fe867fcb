"""A distribution's parameter values: read as given (numbers, ``"#slot"`` strings, nested lists, tensors), written
back as a spec writes them, and compared."""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch

from netgraph.core.errors import OptionError
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.plain_numbers import as_written, plain_number, plain_value
from netgraph.core.types import MAX_PORT_DIMS, REAL

__all__ = ["Param", "A_SLOT", "slot_name", "slot_dtypes", "shared_count_hint", "as_param", "as_constructed",
           "plain_param", "whole", "same_param"]

Param = Any  # float | str ("#slot") | list | torch.Tensor
A_SLOT = "a slot like '#mu'"  # what a parameter given as a string must be (the expected value of its error)


def slot_name(value: Param, param: str | None = None) -> str | None:
    """'mu' for the slot string '#mu', else None; a string of another form is a bad value of ``param``."""
    if isinstance(value, str):
        if value.startswith("#") and value[1:].isidentifier() and not keyword.iskeyword(value[1:]):
            return value[1:]
        raise OptionError(f"a distribution parameter given as a string must be {A_SLOT} (a Python "
                          f"identifier, not a keyword: it names an input port), found {value!r}", option=param,
                          kind=VALUE_KIND, expected=A_SLOT, found=value)
    return None


def slot_dtypes(*distributions: Any) -> dict[str, str | None]:
    """The dtype each '#slot' of these distributions declares for its port: None (Real or Integer) where every
    parameter it feeds is a count (``INTEGER_PARAMS``, ``COUNT_PARAMS``: an integer is what it is), else Real.

    >>> from netgraph.layers.dist_discrete import BinomialDistribution
    >>> slot_dtypes(BinomialDistribution("#n", "#p")), slot_dtypes(BinomialDistribution("#n", "#n"))
    ({'n': None, 'p': 'Real'}, {'n': 'Real'})
    """
    dtypes: dict[str, str | None] = {}
    for _, name, slot, counts in _slot_params(distributions):
        dtypes[slot] = None if counts and dtypes.get(slot, None) is None else REAL
    return dtypes


def _slot_params(distributions: Sequence[Any]) -> Iterator[tuple[Any, str, str, bool]]:
    """(distribution, parameter name, slot, whether it takes counts) of each parameter at a slot."""
    for dist in distributions:
        counts = (*dist.INTEGER_PARAMS, *dist.COUNT_PARAMS)
        for name, value in zip(dist.PARAMS, dist.params):
            slot = slot_name(value) if isinstance(value, str) else None
            if slot is not None:
                yield dist, name, slot, name in counts


def shared_count_hint(slot: str, *distributions: Any) -> str | None:
    """Advice for port ``slot`` fed Integer values where it feeds a count and a parameter that takes Real values
    (``slot_dtypes`` made it Real): give the Real ones a port of their own; None where it feeds no count.

    >>> from netgraph.layers.dist_discrete import BinomialDistribution
    >>> shared_count_hint("n", BinomialDistribution("#n", "#n"))[:70]
    "Port 'n' feeds BinomialDistribution's n (number of trials, an integer)"
    """
    counts, reals = [], []
    for dist, name, fed, takes_counts in _slot_params(distributions):
        if fed == slot:
            said = f"{type(dist).__name__}'s {name} ({dist.ROLES.get(name, 'a parameter')})"
            (counts if takes_counts else reals).append((name, said))
    if not counts or not reals:
        return None
    names = list(dict.fromkeys(name for name, _ in reals))
    one = len(names) == 1
    given = names[0] if one else f"{', '.join(names[:-1])} and {names[-1]}"
    return (f"Port {slot!r} feeds {', '.join(said for _, said in counts)}, which accept integers, and "
            f"{', '.join(said for _, said in reals)}, which take Real values only: give {given} "
            f"{'a port of its own' if one else 'ports of their own'} (a '#slot' of another name) and feed "
            f"{'it' if one else 'them'} Real values")


def as_param(cls_name: str, name: str, value: Param) -> Param:
    """``value`` of parameter ``name`` of ``cls_name`` as kept: a slot string, a float, a float64 tensor of a
    list, a tensor detached; an OptionError for anything else. numpy's numbers and arrays are read as Python's
    numbers and lists, as a layer's options are; a float16 or float32 array of >= 1 dims as the tensor of its values
    (they compare equal; its decimals would cost seconds for millions of elements)."""
    if isinstance(value, np.ndarray) and value.ndim and value.dtype.kind == "f" and value.dtype.itemsize in (2, 4):
        value = torch.from_numpy(value.astype(value.dtype.newbyteorder("="), copy=True))
    value = plain_value(value, arrays=True)
    if isinstance(value, str):
        slot_name(value, name)
        return value
    if isinstance(value, torch.Tensor):
        if value.requires_grad:
            raise OptionError(f"{cls_name} parameter {name}: a tensor given as a constant must not require "
                              f"grad (the layer copies it into a buffer); feed it as a '#{name}' slot input to "
                              "train it", option=name, kind=VALUE_KIND)
        if value.is_complex():
            raise OptionError(f"{cls_name} parameter {name} takes real numbers, found a complex tensor of dtype "
                              f"{value.dtype} (its imaginary part would be dropped); give its .real or .abs()",
                              option=name, kind=VALUE_KIND, expected=REAL, found=value.dtype)
        if value.dim() == 0:  # a bool's: plain_value read every other 0-d tensor left here as its number
            return float(value)
        return _within_dims(cls_name, name, value.detach().clone() if value.is_floating_point()
                            else value.detach().to(torch.float32))
    if isinstance(value, (list, tuple)):
        try:  # float64, as written (a float32 module casts it once, as any array; a float64 one computes with it)
            tensor = torch.tensor(value, dtype=torch.float64, device="cpu")
        except (TypeError, ValueError, RuntimeError):
            pass
        else:
            return _within_dims(cls_name, name, tensor)
    elif not isinstance(value, bool) and isinstance(value, (int, float)):
        return float(value)
    raise OptionError(f"{cls_name} parameter {name} must be a number, a (nested) list of numbers, a '#slot' "
                      f"string or a tensor; found {value!r}", option=name, kind=VALUE_KIND)


def _within_dims(cls_name: str, name: str, value: torch.Tensor) -> torch.Tensor:
    """``value``, or an OptionError when it has more dims than a port's example may have (torch's ops take 64)."""
    if value.dim() > MAX_PORT_DIMS:
        raise OptionError(f"{cls_name} parameter {name} has {value.dim()} dims, more than the {MAX_PORT_DIMS} a draw "
                          f"may have (torch's ops take at most 64 dims, the batch dimension one of them)", option=name,
                          kind=VALUE_KIND, expected=MAX_PORT_DIMS, found=value.dim())
    return value


def as_constructed(dist: Any, params: tuple) -> tuple:
    """Parameter values given to a distribution's method in a form its constructor takes, as it keeps them: a
    ``ONE_LIST`` distribution's single list unpacked (UniformDistribution([min, max])), lists as float64 tensors;
    tensors as given (a log_prob is differentiable in them)."""
    if dist.ONE_LIST and len(params) == 1 and isinstance(params[0], (list, tuple)):
        params = tuple(params[0])
    return tuple(as_param(type(dist).__name__, n, v) if isinstance(v, (list, tuple)) else v
                 for n, v in zip(dist.PARAMS, params)) + params[len(dist.PARAMS):]


def plain_param(p: Any) -> Any:
    """A tensor parameter as nested lists, each element as ``plain_number`` writes it (a narrower float by its
    shortest decimal, 0.1 not 0.10000000149, which reads back to the same value); anything else as it is."""
    if not isinstance(p, torch.Tensor) or p.dim() == 0:
        return plain_number(p)
    p = p.detach().cpu()
    if p.dtype == torch.bfloat16:  # numpy has no bfloat16: each element as plain_number writes it
        return np.array([plain_number(v) for v in p.flatten()], dtype=object).reshape(p.shape).tolist()
    written = as_written(p.numpy()) if p.is_floating_point() else None
    return p.tolist() if written is None else written.tolist()


def whole(value: Any) -> Any:
    """A (nested list of) whole float(s) as int(s): an integer parameter as given (its constraint made it whole)."""
    return [whole(v) for v in value] if isinstance(value, list) else int(value)


def same_param(a: Any, b: Any) -> bool:
    """Equal parameters; tensors of two floating dtypes compare in the less precise one (a float32 tensor written
    by its shortest decimal reads back as float64 from a spec, and a float32 module computes with both alike)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape):
            return False
        if a.dtype != b.dtype and a.is_floating_point() and b.is_floating_point():
            low = a.dtype if torch.finfo(a.dtype).bits < torch.finfo(b.dtype).bits else b.dtype
            a, b = a.to(low), b.to(low)
        return bool(torch.equal(a, b))
    return a == b
