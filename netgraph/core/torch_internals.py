"""torch's private names that netgraph reads, each behind one small function of this module, the only one to import
them: torch 2.13 has no public name for any of these (torch's own code reads them where they are).

A torch upgrade that moves, renames or changes one fails ``tests/test_torch_internals.py`` (each function is tested
against the torch behaviour it stands for), so it fails loudly in CI rather than silently in a net.
"""

from __future__ import annotations

import torch
from torch._C import _functorch
from torch._functorch.pyfunctorch import retrieve_all_functorch_interpreters
from torch.fx._symbolic_trace import is_fx_symbolic_tracing
from torch.nn.modules import module as _torch_module

__all__ = ["fx_symbolic_tracing", "functorch_level", "vmap_active", "is_batched", "unbatched", "function_mode_active",
           "global_forward_hooks"]


def fx_symbolic_tracing() -> bool:
    """True while ``torch.fx.symbolic_trace`` runs a forward (torch's own modules ask ``torch.fx._symbolic_trace``).

    >>> fx_symbolic_tracing()
    False
    """
    return is_fx_symbolic_tracing()


def functorch_level() -> int | None:
    """The level of the innermost ``torch.func`` transform (vmap, grad, jvp, ...) running, None outside every one.

    >>> functorch_level() is None
    True
    """
    return _functorch.maybe_current_level()


def vmap_active() -> bool:
    """True inside ``torch.func.vmap``, also beneath another transform (``jacfwd``: vmap over jvp); outside every
    transform, one check of torch's level.

    >>> vmap_active()
    False
    """
    return _functorch.maybe_current_level() is not None and any(
        interpreter.key() == _functorch.TransformType.Vmap for interpreter in retrieve_all_functorch_interpreters())


def is_batched(tensor: torch.Tensor) -> bool:
    """True where ``tensor`` is vmap's batched tensor (inside ``torch.func.vmap``: one example per mapped row).

    >>> is_batched(torch.zeros(2))
    False
    """
    return _functorch.is_batchedtensor(tensor)


def unbatched(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` beneath every level of vmap's batching (the tensor vmap was given); ``tensor`` itself unbatched."""
    while is_batched(tensor):
        tensor = _functorch.get_unwrapped(tensor)
    return tensor


def function_mode_active() -> bool:
    """True while a torch function mode is active (``torch.set_default_device``, ``with torch.device(...)``, a user's
    ``TorchFunctionMode``): one C call, where the public ``torch.get_default_device()`` costs microseconds.

    >>> function_mode_active()
    False
    """
    return bool(torch._C._len_torch_function_stack())


def global_forward_hooks() -> tuple[dict, dict]:
    """The forward pre-hooks and forward hooks every module runs (``torch.nn.modules.module.
    register_module_forward_pre_hook`` / ``register_module_forward_hook`` fill them), as two dicts."""
    return _torch_module._global_forward_pre_hooks, _torch_module._global_forward_hooks
