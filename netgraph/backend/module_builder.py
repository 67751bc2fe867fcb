"""Building a compiled net's modules: each node's layer built into a tree of modules that mirrors the nesting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from netgraph.backend.built_checks import check_built, inner_build
from netgraph.core.errors import ShapeError
from netgraph.core.ir import Node
from netgraph.core.operator import NetOperator
from netgraph.core.types import Conflict
from netgraph.core.walk import GraphWalker
from netgraph.layers._modules import LayerModule
from netgraph.layers.random import RandomModule

__all__ = ["ModuleBuilder"]


class ModuleBuilder(GraphWalker):
    """Builds each node's torch module into a tree that mirrors the nesting, and notes whether any floating
    parameter or buffer is held in another precision than the working one (``other_precision``)."""

    looks_at_values = False

    def __init__(self, net: Any, root: nn.Module, checks: bool | str | None, inline: set | frozenset = frozenset()):
        super().__init__(net)
        self.net, self.root, self.checks, self.inline = net, root, checks, inline
        self.working, self.other_precision = torch.get_default_dtype(), False
        self.operators: list[tuple[tuple[str, ...], nn.Module]] = []  # (path, module), for label_inner_layers

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> None:
        parent = self.root
        for depth, part in enumerate(node.path[:-1], 1):
            if part not in parent._modules:  # a nested graph's: never called, its layers are in the forward
                parent._modules[part] = container = LayerModule()  # not add_module: a layer may be named like an attribute
                container.__dict__["computed_inline"] = (node.path[:depth], "nested graph")
            parent = parent._modules[part]
        try:
            if isinstance(node.layer, NetOperator):  # its inner nets compile with this module's checks, labelled below
                with inner_build(self.checks):
                    built = parent._modules[node.path[-1]] = node.layer.build(node.types)
                self.operators.append((node.path, built))
            else:
                built = parent._modules[node.path[-1]] = node.layer.build(node.types)
        except Conflict as exc:  # a shape the layer cannot build from: named, never the internal exception
            raise ShapeError(f"{self.net.describe((node.path, None))}: {exc}") from None
        if node.path in self.inline and isinstance(built, LayerModule):  # hooks on it would never fire: they warn
            built.__dict__["computed_inline"] = (node.path, node.layer.type_name)
        if not (isinstance(built, nn.Module) and type(node.layer).__module__.startswith("netgraph.")):
            check_built(node.layer, node.types, built, self.net.describe((node.path, None)))  # a user's own build
        if isinstance(getattr(built, "layer_label", None), str):  # a module whose errors name its layer (cheaply: no search)
            built.__dict__.update(layer_label=f"layer {'/'.join(node.path)!r} ({node.layer.type_name})",
                                  layer_type=node.layer.type_name)  # the type, for label_inner_layers
        if self.checks is not None or not self.other_precision:
            self._look_into(built)

    def _look_into(self, built: nn.Module) -> None:
        for sub in built.modules() if built._modules else (built,):
            if self.checks is not None and isinstance(sub, RandomModule):
                sub.checks = self.checks
            for tensors in (sub._parameters, sub._buffers):
                for tensor in tensors.values():
                    if tensor is not None and tensor.dtype != self.working and tensor.is_floating_point():
                        self.other_precision = True
