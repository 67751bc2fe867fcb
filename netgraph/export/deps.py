"""The optional ``onnx`` package, or one clear error saying how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType

from netgraph.core.errors import NetGraphError

__all__ = ["require", "INSTALL_HINT"]

INSTALL_HINT = "pip install torch-netgraph[onnx]"


def require(name: str = "onnx") -> ModuleType:
    """The module ``name`` (``onnx`` or ``onnxruntime``); NetGraphError with the install command if missing.

    >>> require("onnx").__name__
    'onnx'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NetGraphError(f"ONNX support needs the {name!r} package, which is not installed ({exc}): "
                            f"{INSTALL_HINT}", kind="missing-package", expected=name, detail=str(exc),
                            hint=INSTALL_HINT) from None
