"""A module whose constant parameters are buffers that every cast takes from the values as given."""

from __future__ import annotations

from typing import Any

import torch

from netgraph.layers._modules import LayerModule

__all__ = ["ConstantBuffers", "array_buffers"]


@torch.fx.wrap  # called with a proxy (the anchor): fx records a call on the module, not a read of its buffer
def _constant_of(module: "ConstantBuffers", name: str, anchor: Any) -> torch.Tensor:
    return module._buffers[name]


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

    def constant(self, name: str, anchor: Any = None) -> torch.Tensor:
        """The constant ``name``. Traced by fx beside ``anchor`` (a proxy of an input), a call in fx's graph on this
        module, which the traced graph keeps whole, its buffers out of the state dict: fx copies a buffer that the
        graph reads as a state-dict key of the graph's own, which the module's state dict lacks."""
        if isinstance(anchor, torch.fx.Proxy):
            return _constant_of(self, name, anchor)
        return self._buffers[name]

    def _apply(self, fn: Any, recurse: bool = True) -> "ConstantBuffers":
        super()._apply(fn, recurse)
        for name, given in vars(self).get("_given", {}).items():
            now = self._buffers[name]
            if now is not None and now.is_floating_point() and given.is_floating_point():
                self._buffers[name] = given.to(device=now.device, dtype=now.dtype)
        return self


def array_buffers(module: torch.nn.Module, recurse: bool = True) -> list[tuple[str, torch.Tensor]]:
    """``module.named_buffers(recurse=...)`` without the constants of ``ConstantBuffers`` modules (a distribution's
    given parameters, the marker of an Integer port's dtype): buffers that casts follow, none an array of the net.

    >>> m = ConstantBuffers(); m._constant("c", torch.zeros(1)); m.register_buffer("mean", torch.zeros(1))
    >>> [name for name, _ in array_buffers(torch.nn.Sequential(m))]
    ['0.mean']
    """
    subs = module.named_modules() if recurse else [("", module)]
    return [(f"{prefix}.{name}" if prefix else name, b) for prefix, sub in subs
            for name, b in sub.named_buffers(recurse=False) if name not in vars(sub).get("_given", {})]
