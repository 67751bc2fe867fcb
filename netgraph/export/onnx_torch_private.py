"""The torch private names netgraph's ONNX export needs, one wrapper each (``tests/test_onnx_torch_private.py``
fails if torch changes one); ``netgraph.core.torch_internals`` wraps the rest of netgraph's. torch 2.13 has no
public API to read the TorchScript exporter's registry of symbolics (which symbolic torch runs for an op, a user's
own among them, and the empty entry ``unregister_custom_op_symbolic`` leaves behind), nor to turn off its ONNX log,
which it always enables, and no public name for ``TorchDispatchMode`` (a mode that sees each operator torch runs)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode  # a mode seeing each operator torch runs (no public name)

try:  # where torch 2.13 keeps the TorchScript exporter's registry; older torch, one level up
    from torch.onnx._internal.torchscript_exporter import registration as _registration
except ImportError:  # pragma: no cover - older torch
    from torch.onnx._internal import registration as _registration  # type: ignore[no-redef]

__all__ = ["TorchDispatchMode", "symbolic_group", "custom_symbolic", "drop_entry", "symbolic_table", "symbolic_at",
           "onnx_log_off"]


def symbolic_group(name: str) -> Any:
    """torch's registry entry of the op ``name`` ("aten::cosh"): its ``get(opset)`` is the symbolic torch runs at
    that opset, ``get_min_supported()`` its first opset; None where torch has none."""
    return _registration.registry.get_function_group(name)


def custom_symbolic(name: str, opset: int) -> Any:
    """The symbolic a user registered for ``name`` at ``opset`` exactly (``register_custom_op_symbolic``); else None."""
    group = symbolic_group(name)
    return getattr(getattr(group, "_functions", None), "_overrides", {}).get(opset)


def drop_entry(name: str) -> None:
    """Remove the registry's entry of ``name`` in one step (no moment where another thread's export meets it empty)."""
    groups = getattr(_registration.registry, "_registry", None)
    if isinstance(groups, dict):
        groups.pop(name, None)


def symbolic_table(name: str) -> dict[int, Any]:
    """A copy of the registry's opset -> symbolic table of ``name`` (a user's own overriding torch's); {} if none."""
    group = symbolic_group(name)
    return {opset: group._functions[opset] for opset in group._functions} if group is not None else {}


def symbolic_at(table: dict[int, Any], opset: int) -> Any:
    """The symbolic torch's exporter would run at ``opset`` from ``table`` (``symbolic_table``'s); None where none."""
    version = _registration._dispatch_opset_version(opset, table)
    return None if version is None else table[version]


@contextlib.contextmanager
def onnx_log_off(silent: Callable[[], bool] = lambda: True) -> Iterator[None]:
    """torch's ONNX log off inside (``torch._C._jit_onnx_log``) wherever ``silent()`` (the calling thread's test):
    torch 2.13's exporter always enables it (its setup_onnx_logging tests the function ``_jit_is_onnx_log_enabled``,
    not its result) and prints its whole IR graph to stdout on a failure. The switch itself is process-wide (a C++
    flag, which torch's exporter sets in every export): only the Python function writing to it can be scoped."""
    log = torch._C._jit_onnx_log
    torch._C._jit_onnx_log = lambda *args: None if silent() else log(*args)
    try:
        yield
    finally:
        torch._C._jit_onnx_log = log
