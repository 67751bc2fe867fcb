"""The plain call ``net(x)``: one dense CPU tensor of the working precision (``torch.long`` for an Integer port),
batched, of the input port's shape, needing no grad, no options. A closure cached on the net serves it at the cost
of calling the module. A port of variable length (``("n", 3)``) is served too: the closure checks its rank and
fixed sizes, and the compiled module its lengths (empty ones, lengths shared or too short for a layer, multiples a
name declares), with the errors the general path gives.

Measured (benchmarks/call_overhead.py): each call into torch (a tensor attribute, a grad-mode switch) and each
allocation costs several times more right after a forward pass than in a tight loop, so a check timed alone
at 0.2 µs adds 1-1.5 µs to ``net(x)``. The closure therefore makes as few of them as the checks allow: the
shape is compared whole with the last one accepted (no ``torch.Size`` slice), the module's settings are bound
once, grad mode is only switched when it is on, and ``forward`` is called directly when the module has no hooks
and is not ``torch.compile``d, as ``nn.Module.__call__`` does (which also asks whether ``torch.jit.trace`` is
running; under a trace it only adds a scope name for modules being traced, never this one, so it is not asked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.backend.module_errors import module_error
from netgraph.core.torch_internals import global_backward_hooks, global_forward_hooks, set_grad_mode
from netgraph.layers.random import _CHECKS

__all__ = ["plain_call"]


def plain_call(module: torch.nn.Module, shape: tuple, checks: Any, dtype: torch.dtype,
               integer: bool = False) -> Callable[[Any], Any]:
    """A function of ``x``: ``module(x)`` in no-grad mode when ``x`` is a dense CPU tensor of ``dtype``
    (``torch.long`` where ``integer``; ``dtype`` still the working precision, ``checks`` still the distribution
    checks), batched, of ``shape`` (a variable length, a name, any size), needing no grad; else None (the caller then
    takes the general path, which checks everything). The module takes its input by position, as every call of
    ``net(...)`` passes inputs (``call_by_name``).

    >>> from netgraph.layers.random import distribution_checks
    >>> m = torch.nn.Linear(2, 1)
    >>> call = plain_call(m, (2,), distribution_checks(), torch.float32)
    >>> call(torch.ones(3, 2)).shape, call(torch.ones(3, 5)), call(torch.ones(3, 2).requires_grad_())
    (torch.Size([3, 1]), None, None)
    """
    rank, accepted = len(shape) + 1, [None]
    fixed = tuple((axis, size) for axis, size in enumerate(shape, 1) if type(size) is int)
    given_dtype = torch.int64 if integer else dtype
    tensor, strided, default_dtype = torch.Tensor, torch.strided, torch.get_default_dtype
    grad_enabled, set_grad_enabled = torch.is_grad_enabled, set_grad_mode
    hooks = _hook_dicts(module)
    setting = _CHECKS  # distribution_checks() reads it; a function call here costs a check's worth

    def call(x: Any) -> Any:
        if type(x) is not tensor or x.requires_grad or not x.is_cpu or x.layout is not strided \
                or x.dtype is not given_dtype or default_dtype() is not dtype or setting["enabled"] != checks:
            return None
        try:
            size = x.shape
        except RuntimeError:  # a nested tensor has none: the general path names it
            return None
        if size != accepted[0]:  # a new batch size: check the example's shape once
            if len(size) != rank or any(size[axis] != n for axis, n in fixed):
                return None
            accepted[0] = size
        enabled = grad_enabled()
        if enabled:
            set_grad_enabled(False)
        try:
            if module._compiled_call_impl is not None or any(hooks):
                return module(x)
            return module.forward(x)
        except Exception as exc:  # zero cost until raised; __call__ maps it so on the general path
            if (error := module_error(module, exc)) is None:
                raise
            raise error from exc
        finally:
            if enabled:
                set_grad_enabled(True)

    return call


def _hook_dicts(module: torch.nn.Module) -> tuple[dict, ...]:
    """The dicts ``nn.Module.__call__`` looks at before calling ``forward`` straight (filled in place)."""
    return (module._backward_hooks, module._backward_pre_hooks, module._forward_hooks, module._forward_pre_hooks,
            *global_backward_hooks(), *global_forward_hooks())
