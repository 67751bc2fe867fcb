"""Whether a forward runs traced: its checks of data values and shapes are then skipped, as torch's own modules do.

Under ``torch.fx.symbolic_trace`` the inputs are proxies, so a Python ``if`` on a shape or a value is fx's
"symbolically traced variables cannot be used as inputs to control flow"; under ``torch.compile`` and
``torch.export`` a value read as a Python number is a data-dependent guard torch refuses; inside ``torch.func.vmap`` a
batched tensor's values cannot be read as Python numbers at all. Eager calls check (under ``torch.func.grad`` too).
"""

from __future__ import annotations

import torch
from torch.autograd import forward_ad

from netgraph.core.torch_internals import functorch_level, fx_symbolic_tracing, jit_recording, vmap_active

__all__ = ["symbolic_tracing", "tracing", "no_values", "torch_func_transformed", "vmapped", "recording_trace",
           "forward_mode", "jit_tracing", "JIT_TRACING_CODE"]

#: ``jit_tracing()`` as generated forwards write it (no call of ours per forward)
JIT_TRACING_CODE = "torch.jit.is_tracing()"


def symbolic_tracing() -> bool:
    """True while ``torch.fx.symbolic_trace`` runs the forward (shapes are proxies: no ``if`` may read them).

    >>> symbolic_tracing()
    False
    """
    return fx_symbolic_tracing()


def tracing() -> bool:
    """True in traced code (``torch.fx.symbolic_trace``, ``torch.compile``, ``torch.export``) and inside
    ``torch.func.vmap``, where data values are not known as Python numbers: a check that reads them is skipped.

    >>> tracing()
    False
    """
    return torch.compiler.is_compiling() or fx_symbolic_tracing() or vmap_active()  # no_values spells this out too


def no_values(*tensors: torch.Tensor) -> bool:
    """True where a check of data values must be skipped and no branch may follow them: traced code (``tracing()``),
    a recording by ``torch.jit.trace`` (its example's values hold for it alone: a shortcut they take would be recorded
    for every input) or a meta tensor among ``tensors`` (shapes without values, as ``module.to("meta")`` runs).

    >>> no_values(torch.zeros(1)), no_values(torch.zeros(1, device="meta"))
    (False, True)
    """
    # tracing() and torch.jit.is_tracing() spelled out: checks of data call this on every eager call
    return (torch.compiler.is_compiling() or fx_symbolic_tracing() or vmap_active() or jit_recording()
            or (tensors[0].is_meta if len(tensors) == 1 else any(t.is_meta for t in tensors)))


def vmapped() -> bool:
    """True inside ``torch.func.vmap``, also beneath another transform (``jacfwd``: vmap over jvp), where an in-place
    random op on a fresh tensor (``torch.empty(n).exponential_()``) is refused under ``randomness="different"``;
    outside every transform (the eager call), one check of torch's level.

    >>> vmapped()
    False
    """
    return vmap_active()


def torch_func_transformed() -> bool:
    """True inside a ``torch.func`` transform (``vmap``, ``grad``, ``jacrev``, ...), which carries out of itself only
    what the function returns.

    >>> torch_func_transformed()
    False
    """
    return functorch_level() is not None


def jit_tracing() -> bool:
    """True while ``torch.jit.trace`` records the forward, as the ONNX export does (``dynamo=False``): layers take
    the form ONNX has (a "Total" pool as the mean times the window, a DotLayer as einsum); ``JIT_TRACING_CODE``
    inline in generated code.

    >>> jit_tracing()
    False
    """
    return jit_recording()  # torch.jit.is_tracing() outside TorchScript, without its two Python calls


def recording_trace() -> bool:
    """True while ``torch.jit.trace`` or ``torch.export`` records the forward, which keeps its tensor ops only (what the
    forward stores on a module, as a score-function draw's record for surrogate_loss, is not in the recording).

    >>> recording_trace()
    False
    """
    return torch.jit.is_tracing() or torch.compiler.is_exporting()


def forward_mode(*tensors: object) -> bool:
    """True where a tensor among ``tensors`` carries a forward-mode tangent (``torch.func.jvp``/``jacfwd``, or
    ``torch.autograd.forward_ad``), whose ops need a forward-mode derivative.

    >>> forward_mode(torch.zeros(1))
    False
    """
    return any(isinstance(t, torch.Tensor) and forward_ad.unpack_dual(t).tangent is not None for t in tensors)
