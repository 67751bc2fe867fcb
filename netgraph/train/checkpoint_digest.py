"""A checkpoint's SHA-256 of its contents (saved in it, checked on reading): tensors by dtype, shape and bytes, other
values by repr."""

from __future__ import annotations

import hashlib
from typing import Any

import torch

__all__ = ["content_digest"]


def content_digest(value: Any) -> str:
    """The SHA-256 (hex) of a checkpoint's contents: tensors by dtype, shape and bytes, other values by repr.

    >>> content_digest({"w": torch.zeros(2)}) == content_digest({"w": torch.zeros(2)})
    True
    >>> content_digest({"w": torch.zeros(2)}) == content_digest({"w": torch.tensor([0.0, 1e-45])})
    False
    """
    digest = hashlib.sha256()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            flat = item.detach().cpu().contiguous().reshape(-1)
            digest.update(f"T{item.dtype}{tuple(item.shape)}:".encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
        elif isinstance(item, dict):
            digest.update(f"D{len(item)}:".encode())
            for key, sub in reversed(list(item.items())):
                stack += [sub, _written(key)]
        elif isinstance(item, (list, tuple)):
            digest.update(f"L{len(item)}:".encode())
            stack += reversed(item)
        else:
            digest.update(f"V{_written(item)};".encode())
    return digest.hexdigest()


def _written(value: Any) -> str:
    """``repr(value)`` as the digest reads it; an int past the digits Python writes (4,300) in hex, which has no
    such limit, in a tuple (a key) too: a digest for every int, and those repr writes digested as before."""
    try:
        return repr(value)
    except ValueError:
        if isinstance(value, int):
            return f"int 0x{value:x}"
        if isinstance(value, tuple):
            return f"({', '.join(map(_written, value))})"
        raise
