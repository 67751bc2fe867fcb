"""A module whose constant parameters are buffers that every cast takes from the values as given."""

from __future__ import annotations

from typing import Any

import torch

from netgraph.layers._modules import LayerModule

__all__ = ["ConstantBuffers"]


class ConstantBuffers(LayerModule):
    """A LayerModule with constants registered by ``_constant``: ``compile()`` casts them to float32 as any array,
    and a later ``.double()`` (or ``.to(...)``) gives the values as given in the new dtype, not float32's rounding.

    >>> m = ConstantBuffers(); m._constant("c", torch.tensor([0.1], dtype=torch.float64))
    >>> m.float().double().c.tolist()
    [0.1]
    """

    def _constant(self, name: str, value: torch.Tensor, dtype: torch.dtype | None = None) -> None:
        """A constant parameter as a buffer (in ``dtype``), its value as given kept apart, so that a cast
        (``.double()`` after compile's float32) takes the given value, not one rounded by an earlier cast."""
        vars(self).setdefault("_given", {})[name] = value.detach().clone()
        self.register_buffer(name, value.to(dtype) if dtype else value.clone(), persistent=False)

    def _apply(self, fn: Any, recurse: bool = True) -> "ConstantBuffers":
        super()._apply(fn, recurse)
        for name, given in vars(self).get("_given", {}).items():
            now = self._buffers[name]
            if now is not None and now.is_floating_point() and given.is_floating_point():
                self._buffers[name] = given.to(device=now.device, dtype=now.dtype)
        return self
