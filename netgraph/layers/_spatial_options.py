"""The spatial options of ConvolutionLayer, DeconvolutionLayer and PoolingLayer (kernel, stride, padding_size,
dilation) as one another's lengths tell them, and what torch's padding='same' is in their terms."""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import OptionError
from netgraph.core.option_problems import option_problem
from netgraph.core.wording import counted
from netgraph.core.naming_scope import quoted

__all__ = ["MINIMUM", "same_padding", "spatial_dims"]


def same_padding(given: dict[str, Any]) -> str:
    """What torch's padding='same' is here, for the kernel and dilation in ``given`` (stride 1)."""
    kernel, dilation = given["kernel"], given["dilation"]
    kernels = list(kernel) if isinstance(kernel, (list, tuple)) else [kernel]
    dilations = list(dilation) if isinstance(dilation, (list, tuple)) else [dilation] * len(kernels)
    try:
        spans = [int(d) * (int(k) - 1) for k, d in zip(kernels, dilations)]
    except (TypeError, ValueError):
        spans = [1]
    if any(span % 2 for span in spans):
        return ("torch's padding='same' is padding_size=(kernel - 1) // 2 here for an odd kernel and stride 1; an even "
                "kernel's is uneven: a PaddingLayer([0, [a, b], ...]) before it, a + b = kernel - 1")
    pads = [span // 2 for span in spans]
    return f"torch's padding='same' is padding_size={pads[0] if len(pads) == 1 else pads} here (stride 1)"


MINIMUM = {"kernel": 1, "stride": 1, "padding_size": 0, "dilation": 1}  # the spatial options and their least values


def spatial_dims(name: str, given: dict[str, Any]) -> int | None:
    """The number of spatial dims the list options of ``given`` say (None: all are ints), reporting each list of
    another length than the first (kernel's when a list) and a count beyond 1 to 3 (``option_problem``); a list
    reported is replaced in ``given`` by its option's least value."""
    lists = {o: v for o, v in given.items() if isinstance(v, (list, tuple))}
    if not lists:
        return None
    first, d = next((o, len(v)) for o, v in lists.items())
    for option, value in lists.items():
        if len(value) != d:
            given[option] = option_problem(OptionError(
                f"{name}: kernel, stride, padding_size and dilation must have one length, found {option}= "
                f"{quoted(value)} of {len(value)} beside {first}= of {d}", option=option, expected=counted(d, "value"),
                found=value), MINIMUM[option])
    if not 1 <= d <= 3:
        return option_problem(OptionError(f"{name} works on 1, 2 or 3 spatial dimensions, found {d}: {first}= "
                                          f"{quoted(lists[first])}", option=first, expected="1 to 3 values",
                                          found=lists[first]), None)
    return d
