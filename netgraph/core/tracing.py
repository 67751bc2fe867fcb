"""Whether a forward runs traced: its checks of data values and shapes are then skipped, as torch's own modules do.

Under ``torch.fx.symbolic_trace`` the inputs are proxies, so a Python ``if`` on a shape or a value is fx's
"symbolically traced variables cannot be used as inputs to control flow"; under ``torch.compile`` and
``torch.export`` a value read as a Python number is a data-dependent guard torch refuses. Eager calls check.
"""

from __future__ import annotations

import torch
from torch.fx._symbolic_trace import is_fx_symbolic_tracing  # torch's own modules read it there (no public name)

__all__ = ["symbolic_tracing", "tracing"]


def symbolic_tracing() -> bool:
    """True while ``torch.fx.symbolic_trace`` runs the forward (shapes are proxies: no ``if`` may read them).

    >>> symbolic_tracing()
    False
    """
    return is_fx_symbolic_tracing()


def tracing() -> bool:
    """True in traced code (``torch.fx.symbolic_trace``, ``torch.compile``, ``torch.export``), where data values
    are not known: a check that reads them is skipped.

    >>> tracing()
    False
    """
    return torch.compiler.is_compiling() or is_fx_symbolic_tracing()
