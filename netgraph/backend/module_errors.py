"""``module_error``: an error raised inside a user's own code (a TorchLayer's module, a ``register_module`` layer's, a
custom layer class's, a FunctionLayer's Python function: ``runs_user_code``)
while a compiled forward ran, as a DataError naming the layer's path, found through ``module.code_layers`` (the
line of the compiled forward where each layer's statements start) from the traceback; the original error is its
``__cause__``. Errors of netgraph's own layers are left as they are (each names its layer already).

>>> import torch
>>> from netgraph import NetChain, TorchLayer, PortType
>>> net = NetChain([TorchLayer(torch.nn.Embedding(5, 3), inputs={"Input": PortType((2,), "Integer")})])
>>> module = net.compile()
>>> try: module.forward(torch.tensor([[1, 9]]))
... except IndexError as exc: print(module_error(module, exc))
layer '1' (TorchLayer): its module raised IndexError: index out of range in self
"""

from __future__ import annotations

import bisect
from typing import Any

import torch

from netgraph.core.errors import DataError, NetGraphError
from netgraph.core.naming_scope import exception_text, shown_layer
from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.port_paths import layer_at
from netgraph.layers.function import FunctionLayer
from netgraph.layers.module_wrapper import _ModuleWrapper

__all__ = ["module_error", "blames_module", "layer_module_error", "runs_user_code"]


def module_error(module: Any, exc: BaseException) -> DataError | None:
    """The "module-error" DataError of ``exc`` when a user's module within ``module`` (a compiled net) raised it,
    else None."""
    if not blames_module(exc):
        return None
    owner, line, tb = None, 0, exc.__traceback__
    while tb is not None:  # the innermost compiled forward's frame: an operator's inner net's, if it raised there
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith("<netgraph-compiled-"):
            found = frame.f_locals.get("self")
            if getattr(found, "code_layers", None):
                owner, line = found, tb.tb_lineno
        tb = tb.tb_next
    if owner is None:
        return None
    starts = sorted(owner.code_layers)
    at = bisect.bisect_right(starts, line) - 1
    if at < 0:
        return None
    path = owner.code_layers[starts[at]]
    layer = layer_at(owner.net, path)
    if not runs_user_code(layer):  # netgraph's own layer: its errors are its own
        return None
    return layer_module_error(layer, path, exc)


def runs_user_code(layer: Any) -> bool:
    """Whether ``layer`` computes with its author's code, whose errors are blamed on the layer: a TorchLayer's or
    ``register_module`` layer's module, a layer class of one's own, a FunctionLayer's Python function."""
    return isinstance(layer, _ModuleWrapper) or not is_netgraph_class(type(layer)) or (
        isinstance(layer, FunctionLayer) and callable(layer.function))


def blames_module(exc: BaseException) -> bool:
    """Whether ``exc``, raised inside a user's module, is the module's: not netgraph's own, nor memory (which training
    reports as a "memory-limit" problem)."""
    return isinstance(exc, Exception) and not isinstance(exc, (NetGraphError, MemoryError, torch.OutOfMemoryError))


def layer_module_error(layer: Any, path: tuple[str, ...], exc: BaseException) -> DataError:
    """The "module-error" DataError of ``exc``, raised by the module of ``layer`` (at ``path``), ``exc`` its cause."""
    what = "function" if isinstance(layer, FunctionLayer) else "module"  # a FunctionLayer's Python function
    raised = f"its {what} raised {type(exc).__name__}{exception_text(exc)}"
    error = DataError(f"{shown_layer(path, layer.type_name)}: {raised}",
                      kind="module-error", layer=tuple(path), found=type(exc).__name__)
    error.__cause__ = exc
    return error
