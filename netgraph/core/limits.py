"""Size limits on what netgraph reads and allocates, and the one way to raise them.

Every limit is checked when a file is read or a net initialised (never baked into compiled code):

- ``yaml_bytes``: characters of one spec (YAML text or file); larger specs keep arrays in safetensors.
- ``yaml_nodes``: values in one spec, aliases expanded (a 1000x2000 inline array fits).
- ``yaml_depth``: nesting of mappings and lists in one spec.
- ``yaml_layers``: layers in one spec, nested ones and those of the files it refers to included (each
  costs time and memory to read: a 15 MB file of one-line layers would take a minute).
- ``header_bytes``: the JSON header of a safetensors weights file (or checkpoint).
- ``weights_bytes``: one safetensors weights file.
- ``port_elements``: elements of one example at any port (``LinearLayer(10**12)`` is a typo), and values one
  layer option holds, a list held many times counted each time (``x = [x, x]`` thirty times: 2^30).
- ``nesting_depth``: levels of graphs inside graphs (Python's recursion limit is raised to match).
- ``net_layers``: layers of one net, nested ones included and a net used twice counted twice (``c = NetChain([c, c])``
  thirty times: 2^30); inferring, compiling or writing the net walks each.
- ``init_elements``: array elements ``net_initialize`` may fill in one call; None: a quarter of the
  machine's memory in float32 elements (``default_init_elements()``).
- ``operator_arrays``: arrays one operator's inner nets hold, each copy counted (a NetBidirectionalOperator
  given one net holds two copies; nested 30 deep they would be 2^30).
- ``nest_applications``: times one call applies a NetNestOperator's net, nested ones multiplied
  (``n: 1000000000`` is a typo or an attack: the call would not end).
- ``sparse_growth``: how many times its file's size (at least 16 MiB) an ONNX file's sparse tensors may hold made
  dense (a 121-byte file may say 1 GiB).
- ``range_elements``: elements of an integer ONNX Range of constant bounds (of sizes or indices), at most
  ``port_elements``.

``limits(...)`` raises (or lowers) some of them inside a ``with`` block, for the thread (``contextvars``
context) that opened it only; ``set_limits(...)`` changes the process-wide ones, for every thread, from now on and
returns the previous process-wide ``Limits`` (``set_limits(**vars(previous))`` restores them); inside a block its
names keep the block's values. A thread started inside a block sees the process-wide limits (Python starts each
with an empty context) unless run in the block's (``contextvars.copy_context().run``); a forked process, the
block's. The command line takes ``--limit NAME=VALUE``.

>>> current_limits().yaml_depth
100
>>> with limits(yaml_depth=200, yaml_bytes=2**30):
...     current_limits().yaml_depth
200
>>> current_limits().yaml_depth
100
>>> limits(yaml_dept=5)
Traceback (most recent call last):
netgraph.core.errors.OptionError: unknown limit 'yaml_dept' (did you mean 'yaml_depth'?); the limits are yaml_bytes, yaml_nodes, yaml_depth, yaml_layers, header_bytes, weights_bytes, nesting_depth, net_layers, port_elements, init_elements, operator_arrays, nest_applications, sparse_growth, range_elements
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ContextManager

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.scoped_values import scoped

__all__ = ["Limits", "current_limits", "set_limits", "limits", "default_init_elements", "raise_hint"]

MEMORY_FRACTION = 4  # net_initialize may fill 1/4 of the machine's memory (filling needs temporaries too)


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring); every field a positive int.

    >>> Limits().yaml_depth, Limits().replace(yaml_depth=10).yaml_depth
    (100, 10)
    """

    yaml_bytes: int = 16 * 2**20
    yaml_nodes: int = 2_000_000
    yaml_depth: int = 100
    yaml_layers: int = 100_000
    header_bytes: int = 16 * 2**20
    weights_bytes: int = 4 * 2**30
    nesting_depth: int = 1000
    net_layers: int = 1_000_000  # 10 times the largest benchmarked net (and yaml_layers: any spec read fits)
    port_elements: int = 2**28  # 1 GiB of float32 per example; a batch multiplies it
    init_elements: int | None = None
    operator_arrays: int = 100_000
    nest_applications: int = 1_000_000
    sparse_growth: int = 256
    range_elements: int = 2**20

    def replace(self, **changes: Any) -> Limits:
        """These limits with ``changes``; OptionError naming an unknown limit or a value that is not a positive int."""
        names = [f.name for f in dataclasses.fields(self)]
        problems = []
        for name, value in changes.items():
            if name not in names:
                problems.append(f"unknown limit {quoted(name)}{did_you_mean(name, names)}; the limits are "
                                f"{', '.join(names)}")
            elif not (isinstance(value, int) and not isinstance(value, bool) and value > 0) \
                    and not (name == "init_elements" and value is None):
                problems.append(f"limit {name}= must be a positive int, found {value!r}")
        if problems:
            raise OptionError("; ".join(problems), kind="option-value")
        return dataclasses.replace(self, **changes)


_process_wide = Limits()  # what set_limits changes
_setting = threading.Lock()  # two threads' set_limits: neither change lost


class _Block:
    """The changes of the ``limits(...)`` blocks open in a context, and the limits they made of the process-wide
    ones (``made``: (base, limits), remade once when ``set_limits`` changes the base, not at each call)."""

    __slots__ = ("changes", "made")

    def __init__(self, changes: dict[str, Any], base: Limits) -> None:
        self.changes, self.made = changes, (base, dataclasses.replace(base, **changes))


_BLOCK: ContextVar[_Block | None] = ContextVar("netgraph_limits_block", default=None)


def current_limits() -> Limits:
    """The limits in force now, in this thread: the process-wide ones changed by the blocks open here.

    >>> with limits(yaml_depth=10):
    ...     current_limits().yaml_depth
    10
    >>> current_limits().yaml_depth
    100
    """
    block, base = _BLOCK.get(), _process_wide
    if block is None:
        return base
    made_of, made = block.made  # one attribute: a thread sharing the block reads a matching pair
    if made_of is not base:
        made = dataclasses.replace(base, **block.changes)
        block.made = (base, made)
    return made


def set_limits(**changes: Any) -> Limits:
    """Change the process-wide limits from now on (e.g. ``set_limits(yaml_bytes=2**30)``), for every thread; returns
    the previous process-wide ``Limits``.

    >>> previous = set_limits(yaml_depth=50)
    >>> current_limits().yaml_depth, previous.yaml_depth
    (50, 100)
    >>> _ = set_limits(yaml_depth=previous.yaml_depth)  # put the old value back
    """
    global _process_wide
    with _setting:
        previous, _process_wide = _process_wide, _process_wide.replace(**changes)
    return previous


def limits(**changes: Any) -> ContextManager[Limits]:
    """``with limits(yaml_bytes=2**30): net = load("big.yaml")``: the limits changed inside the block only, in this
    thread (context) only (checked at once: OptionError for an unknown name or a bad value).

    >>> with limits(yaml_layers=1000) as inside:
    ...     inside.yaml_layers
    1000
    >>> limits(yaml_layers=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: ...
    """
    current_limits().replace(**changes)
    return _opened(changes)


@contextmanager
def _opened(changes: dict[str, Any]) -> Iterator[Limits]:
    """The block: ``changes`` over those of the blocks already open in this context, reset on leaving it."""
    outer, base = _BLOCK.get(), _process_wide
    changes = {**(outer.changes if outer else {}), **changes}
    with scoped(_BLOCK, _Block(changes, base)) as block:
        yield block.made[1]


def default_init_elements() -> int:
    """The default element budget of ``net_initialize``: a quarter of the machine's memory, in float32 elements.

    >>> default_init_elements() > 0
    True
    """
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or the value is unknown
        memory = 16 * 2**30
    return max(1, memory // MEMORY_FRACTION // 4)


def raise_hint(name: str) -> str:
    """How to raise limit ``name``, for error messages.

    >>> raise_hint("yaml_bytes")
    'netgraph.limits(yaml_bytes=...) raises it (command line: --limit yaml_bytes=N)'
    """
    return f"netgraph.limits({name}=...) raises it (command line: --limit {name}=N)"
