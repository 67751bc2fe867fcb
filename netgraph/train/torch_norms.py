"""torch's batch norms (``nn.BatchNorm1d``, ... inside a TorchLayer) refuse to train on one value per channel, as a
last batch of one example gives (65 examples, ``batch_size=64``); torch's ValueError named neither the layer nor a
remedy. While net_train runs, each is guarded so that such a batch is a DataError naming its layer, the example's
shape and what to do (``run_model`` makes it a TrainingError naming the round and batch). netgraph's own
BatchNormalizationLayer trains on one example (to its Biases) and needs no guard."""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm

from netgraph.core.errors import DataError
from netgraph.core.types import format_shape

__all__ = ["guard_torch_norms", "unguard_torch_norms"]


def guard_torch_norms(net: Any, module: torch.nn.Module, examples: int | None = None) -> list[Any]:
    """A forward pre-hook on each torch batch norm in ``module`` (a compiled ``net``) that raises the DataError on one
    value per channel in training; their handles, for ``unguard_torch_norms``. A norm given a shared forward (a
    distributed run's synced statistics, over the whole batch) is left as it is. ``examples``: how many the training
    data holds, where known (one: no batch_size helps, and the message offers none)."""
    places = {".".join(node.path): node for node in net.ir.nodes}
    handles = []
    for name, sub in module.named_modules():
        if isinstance(sub, _BatchNorm) and "forward" not in sub.__dict__:
            layer = _holder(places, name)
            if layer is not None:  # the TorchLayer holding it, and its place in the layer's module
                node = places[layer]
                port = node.input_ports[0] if node.input_ports else "Input"
                check = functools.partial(_refuse_one_value, net, (node.path, port), name[len(layer) + 1:], examples)
                handles.append(sub.register_forward_pre_hook(check))
    return handles


def _holder(places: dict[str, Any], name: str) -> str | None:
    """The longest place that is ``name`` or a dotted prefix of it (the layer holding that module), or None: each
    prefix looked up, not every place scanned for each norm."""
    while name not in places:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def unguard_torch_norms(handles: list[Any]) -> None:
    """The norms' own forward again (the trained net's modules are torch's as given)."""
    for handle in handles:
        handle.remove()


def _refuse_one_value(net: Any, key: tuple[tuple[str, ...], str], inner: str, examples: int | None, norm: _BatchNorm,
                      args: tuple) -> None:
    x = args[0] if args else None
    if norm.training and isinstance(x, torch.Tensor) and x.dim() >= 2 and x.numel() == x.shape[1]:
        within = f" (its module {inner!r})" if inner else ""
        shape = tuple(x.shape[1:])
        remedy = "use BatchNormalizationLayer, which trains on one example" if examples == 1 else \
            ("give a batch_size that leaves no last batch of one example (65 examples with batch_size=64 leave one), "
             "or use BatchNormalizationLayer, which trains on one example")
        held = "the training data is this one example" if examples == 1 else "this batch holds one example"
        raise DataError(f"{net.describe(key)}: torch's {type(norm).__name__}{within} cannot train on one "
                        f"value per channel, and {held} of shape {format_shape(shape)}; {remedy}",
                        kind="one-value-per-channel", layer=key[0], port=key[1], found=shape)
