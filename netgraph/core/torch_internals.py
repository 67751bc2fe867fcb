"""torch's private names that netgraph reads, each behind one small function of this module, the only one to import
them but the ONNX export's own (``export/onnx_torch_private.py``): torch 2.13 has no public name for any of these
(torch's own code reads them where they are). ``tests/test_torch_internals.py`` scans every module for others.

A torch upgrade that moves, renames or changes one fails ``tests/test_torch_internals.py`` (each function is tested
against the torch behaviour it stands for), so it fails loudly in CI rather than silently in a net. Those that are
torch's function as it is are bound to it, not wrapped: hot paths (the compiled forward, ``net(x)``) call them.
"""

from __future__ import annotations

import contextlib

import torch
from torch._C import _functorch
from torch._functorch.pyfunctorch import retrieve_all_functorch_interpreters
from torch.fx._symbolic_trace import is_fx_symbolic_tracing
from torch.nn.modules import module as _torch_module

__all__ = ["fx_symbolic_tracing", "jit_recording", "functorch_level", "vmap_active", "is_batched", "unbatched",
           "function_modes", "global_forward_hooks", "global_backward_hooks", "set_grad_mode", "graph_task_id",
           "outside_torch_func"]

#: ``() -> bool``: True while ``torch.fx.symbolic_trace`` runs a forward (torch's own modules ask it there)
fx_symbolic_tracing = is_fx_symbolic_tracing

#: ``() -> int | None``: the level of the innermost ``torch.func`` transform (vmap, grad, jvp, ...), None outside all
functorch_level = _functorch.maybe_current_level

#: ``() -> bool``: True while ``torch.jit.trace`` records, the test ``torch.jit.is_tracing()`` makes outside
#: TorchScript (torch 2.13's ``torch/jit/_trace.py``), without its two Python calls
jit_recording = torch._C._is_tracing
#: ``(tensor) -> bool``: True where ``tensor`` is vmap's batched tensor (inside ``torch.func.vmap``: one example a row)
is_batched = _functorch.is_batchedtensor

#: ``() -> int``: how many torch function modes are active (``torch.set_default_device``, ``with torch.device(...)``,
#: a user's ``TorchFunctionMode``): one C call, where the public ``torch.get_default_device()`` costs microseconds
function_modes = torch._C._len_torch_function_stack

#: ``(bool) -> None``: grad mode switched with no context manager (what ``torch.set_grad_enabled`` does at its core)
set_grad_mode = torch._C._set_grad_enabled

#: ``() -> int``: the id of the backward pass running on this thread, -1 outside torch's backward engine
graph_task_id = torch._C._current_graph_task_id

try:  # torch.func's own code steps outside its transforms so
    from torch._functorch.pyfunctorch import temporarily_clear_interpreter_stack as outside_torch_func
except ImportError:  # a torch without it: building a module inside a transform stays torch's error there
    outside_torch_func = contextlib.nullcontext


def vmap_active() -> bool:
    """True inside ``torch.func.vmap``, also beneath another transform (``jacfwd``: vmap over jvp); outside every
    transform, one check of torch's level.

    >>> vmap_active()
    False
    """
    return functorch_level() is not None and any(
        interpreter.key() == _functorch.TransformType.Vmap for interpreter in retrieve_all_functorch_interpreters())


def unbatched(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` beneath every level of vmap's batching (the tensor vmap was given); ``tensor`` itself unbatched."""
    while is_batched(tensor):
        tensor = _functorch.get_unwrapped(tensor)
    return tensor


def global_forward_hooks() -> tuple[dict, dict]:
    """The forward pre-hooks and forward hooks every module runs (``torch.nn.modules.module.
    register_module_forward_pre_hook`` / ``register_module_forward_hook`` fill them), as two dicts."""
    return _torch_module._global_forward_pre_hooks, _torch_module._global_forward_hooks


def global_backward_hooks() -> tuple[dict, dict]:
    """The backward pre-hooks and backward hooks every module runs (``register_module_full_backward_pre_hook`` /
    ``register_module_full_backward_hook`` fill them), as two dicts."""
    return _torch_module._global_backward_pre_hooks, _torch_module._global_backward_hooks
