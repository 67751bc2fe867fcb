"""torch's name for a function netgraph names otherwise (``torch.relu``, ``F.silu``, ``nn.ReLU()``, ``torch.add``,
``'add'``), for the ElementwiseLayer and ThreadingLayer messages.

>>> torch_function_hint(torch.relu, ("ReLU", "Tanh"), "ElementwiseLayer")
" (torch's relu is 'ReLU' here: ElementwiseLayer('ReLU'))"
>>> torch_function_hint(len, ("ReLU",), "ElementwiseLayer")
''
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

__all__ = ["torch_function_hint"]

#: torch's lower-case name (no underscores) -> netgraph's, where they differ by more than case.
_OURS = {"silu": "Swish", "add": "Plus", "mul": "Times", "multiply": "Times", "sub": "Subtract",
         "subtract": "Subtract", "div": "Divide", "divide": "Divide", "truedivide": "Divide", "pow": "Power",
         "maximum": "Max", "minimum": "Min", "remainder": "Mod", "fmod": "Mod", "neg": "Minus"}
_ELSEWHERE = {"softmax": "SoftmaxLayer()", "logsoftmax": "SoftmaxLayer() then ElementwiseLayer('Log')",
              "dropout": "DropoutLayer(p)", "linear": "LinearLayer(n)"}


def _torch_name(f: Any) -> str | None:
    if isinstance(f, str):
        return f
    cls = type(f) if isinstance(f, torch.nn.Module) else f if isinstance(f, type) else None
    if cls is not None:
        return cls.__name__ if issubclass(cls, torch.nn.Module) and cls.__module__.startswith("torch.") else None
    module = getattr(f, "__module__", None) or ""
    torch_function = module.startswith("torch") or getattr(f, "__self__", None) is torch or \
        getattr(torch, getattr(f, "__name__", ""), None) is f
    return getattr(f, "__name__", None) if torch_function else None


def torch_function_hint(f: Any, known: Iterable[str], layer: str) -> str:
    """' (torch's relu is 'ReLU' here: ElementwiseLayer('ReLU'))' for torch's name of a known function, else ''."""
    name = _torch_name(f)
    if not name:
        return ""
    key, known = name.lower().replace("_", ""), list(known)
    same = {} if isinstance(f, str) else {k.lower(): k for k in sorted(known, reverse=True)}  # 'relu': did-you-mean's
    ours = same.get(key) or _OURS.get(key)
    if ours in known:
        return f" (torch's {name} is {ours!r} here: {layer}({ours!r}))"
    return f" (torch's {name} is {_ELSEWHERE[key]} here)" if key in _ELSEWHERE else ""
