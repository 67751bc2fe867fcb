"""The batch size a compiled net without inputs draws: ``module(batch_size=n)`` (and ``net(batch_size=n)``).

A batch whose largest array (examples times one example's elements times their item size) would need more bytes
than this machine's physical memory is refused before the forward allocates it (torch's allocator raised a
RuntimeError). Only on Linux, where the memory is known, and for a module on the CPU: another device's memory is not
guessed at."""

from __future__ import annotations

import functools
import math
import operator
import os
import sys
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted
from netgraph.core.types import INTEGER, PortType

__all__ = ["checked_batch_size", "largest_batch", "unchecked_batch"]

_TORCH_SIZES = 2**63  # torch's sizes are int64: a tensor's element count stays below this
_UNCHECKED_BYTES = 2**30  # a batch whose arrays stay below this (at 8 bytes an element) skips the memory check


def _fixed_ports(net: Any) -> Iterator[tuple[Any, str, PortType, int]]:
    """(node, port, type, elements of one example) of each port of ``net`` whose shape is known."""
    for node in net.ir.nodes:
        for port, t in node.types.items():
            if isinstance(t, PortType) and t.shape is not None and all(isinstance(d, int) for d in t.shape):
                yield node, port, t, math.prod(t.shape)


def _most_elements(net: Any) -> int:
    """The most elements one example has at any port."""
    return max((elements for *_, elements in _fixed_ports(net)), default=1) or 1


def largest_batch(net: Any) -> int:
    """The largest batch size whose draws torch can hold: 2**63 over the most elements one example has at any port."""
    return _TORCH_SIZES // _most_elements(net)


def unchecked_batch(net: Any) -> int:
    """The batch sizes below this need neither check: below ``largest_batch``, and arrays below 1 GiB."""
    most = _most_elements(net)  # one walk over the ports (largest_batch's too)
    return min(_TORCH_SIZES // most, _UNCHECKED_BYTES // (8 * most))


def checked_batch_size(value: Any, bound: int = _TORCH_SIZES, module: Any = None) -> int:
    """``module(batch_size=n)`` of a net with no inputs: ``n`` as an int >= 0 (any integer type; 0 draws an empty
    batch) below ``bound`` (``largest_batch``) whose arrays fit in memory (for ``module``, a compiled net, on the
    CPU), else OptionError.

    >>> checked_batch_size(2.5)
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: batch_size must be an integer >= 0 (the number of examples to draw), found 2.5
    """
    try:
        n = operator.index(value) if not isinstance(value, bool) else -1
    except TypeError:
        n = -1
    if n < 0:
        raise OptionError(f"batch_size must be an integer >= 0 (the number of examples to draw), found {value!r}",
                          option="batch_size", kind="option-value", expected="an integer >= 0", found=value)
    if n >= bound:  # torch's randn overflowed (TypeError) or its storage size did (RuntimeError)
        power = f"2**{bound.bit_length() - 1}" if bound & (bound - 1) == 0 else str(bound)
        raise OptionError(f"batch_size must be below {power} here (a batch's elements, this many times an "
                          f"example's, must stay below torch's largest size 2**63), found {value!r}",
                          option="batch_size", kind="option-value", expected=f"below {power}", found=value)
    if module is not None:
        _check_memory(n, module)
    return n


def _check_memory(n: int, module: Any) -> None:
    """An OptionError when the largest array of a batch of ``n`` would need more bytes than the machine's memory."""
    device, dtype = _place(module)
    if (memory := physical_memory()) is None or device.type != "cpu":
        return
    node, port, elements, size = _largest_port(module.net, dtype.itemsize)
    if (need := n * elements * size) > memory:
        where = f"layer {quoted(node.name)} port {quoted(port)}" if node is not None else "its output"
        raise OptionError(f"batch_size={n} would need {need} bytes for {where} ({elements} elements of {size} bytes "
                          f"an example), more than this machine's memory, {memory} bytes; draw smaller batches",
                          option="batch_size", kind="memory-limit", expected=f"at most {memory // (elements * size)}",
                          found=n)


def _place(module: Any) -> tuple[torch.device, torch.dtype]:
    """Where ``module`` computes and its floating dtype: its first floating array's, else torch's defaults."""
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return tensor.device, tensor.dtype
    return torch.get_default_device(), torch.get_default_dtype()


def _largest_port(net: Any, itemsize: int) -> tuple[Any, str, int, int]:
    """(node, port, elements, item size) of the port whose one example needs the most bytes (an Integer one 8 an
    element, a real one ``itemsize``)."""
    best, most = (None, "Output", 1, itemsize), 0
    for node, port, t, elements in _fixed_ports(net):
        size = 8 if t.dtype == INTEGER else itemsize
        if elements * size > most:
            best, most = (node, port, elements, size), elements * size
    return best


@functools.cache
def physical_memory() -> int | None:
    """This machine's physical memory in bytes (Linux), else None (not guessed)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None
