"""Building a compiled net's modules: each node's layer built into a tree of modules that mirrors the nesting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from netgraph.backend.built_checks import (check_built, compiling_inner, inner_build, inner_shared,
                                          outside_inner_build)
from netgraph.backend.deep_module import modules_below
from netgraph.core.errors import OptionError, ShapeError
from netgraph.core.ir import Node
from netgraph.core.layer import Layer
from netgraph.core.naming_scope import shown_layer
from netgraph.core.operator import NetOperator
from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.conflicts import Conflict
from netgraph.core.walk import GraphWalker
from netgraph.core.wrapped_modules import shared_module_error
from netgraph.layers._modules import LayerModule
from netgraph.layers.kl_divergence import KLModule
from netgraph.layers.random import _label as call_label
from netgraph.layers.random_module import RandomModule
from netgraph.layers.module_wrapper import _ModuleWrapper

__all__ = ["ModuleBuilder"]



class ModuleBuilder(GraphWalker):
    """Builds each node's torch module into a tree that mirrors the nesting, and notes whether any floating
    parameter or buffer is held in another precision than the working one (``other_precision``)."""

    looks_at_values = False

    def __init__(self, net: Any, root: nn.Module, checks: bool | str | None):
        super().__init__(net)
        self.net, self.root, self.checks = net, root, checks
        self.working, self.other_precision = torch.get_default_dtype(), False
        self.operators: list[tuple[tuple[str, ...], nn.Module]] = []  # (path, module), for label_inner_layers
        self._kinds: dict[type, tuple[bool, bool]] = {}  # by layer class: see _kind
        self._plain: dict[type, bool] = {}  # by module class: see _label
        self._prefix: tuple[str, ...] | None = None  # see outer_path
        # the wrapped modules of the outermost compile (id of a TorchLayer's module -> (layer, (its description, its
        # path) from the outermost net)), one registry for every net a compile builds, so that operators' nets share
        # it with the outer net; and the outer (builder, operator node) whose inner nets are building (None outermost)
        self._wrapped, self._outer = inner_shared() or ({}, None)
        # the modules of inner nets compiled inside this build with its checks, by id (held: no id reused), which
        # their own builders looked into (see _look_into)
        self.looked: dict[int, nn.Module] = {}
        if self._outer is not None and self._outer[0].checks == checks:
            self._outer[0].looked[id(root)] = root

    def visit_node(self, node: Node, inputs: Sequence[Any]) -> None:
        path, layer = node.path, node.layer
        operator, ours = self._kinds.get(type(layer)) or self._kind(type(layer))
        parent = self.root if len(path) == 1 else self._parent(path)
        if isinstance(layer, _ModuleWrapper) and "_module" in layer.__dict__:  # a TorchLayer (or register_module
            self._refuse_shared_module(path, layer, layer.__dict__["_module"])  # layer): its own module object
        # (only a wrapper's __dict__ read: reading one makes a layer's attributes a dict, 60 B kept a layer)
        if not ours and type(layer).build is Layer.build:
            raise OptionError(f"{self.net.describe((path, None))}: layer type {layer.type_name} has no build(types) "
                              f"method, which must return the torch.nn.Module computing its outputs",
                              kind="layer-contract", layer=path, expected="a build method", found="none")
        try:
            if operator:  # its inner nets compile with this module's checks, labelled below
                with inner_build(self.checks, (self._wrapped, (self, node))):
                    built = parent._modules[path[-1]] = layer.build(node.types)
                self.operators.append((path, built))
            elif self._outer is not None and not ours:  # a user's build inside an operator's inner net
                with outside_inner_build():
                    built = parent._modules[path[-1]] = layer.build(node.types)
            else:
                built = parent._modules[path[-1]] = layer.build(node.types)
        except Conflict as exc:  # a shape the layer cannot build from: named, never the internal exception
            raise ShapeError(f"{self.net.describe((path, None))}: {exc}", kind=exc.kind or "shape", layer=path,
                             port=exc.port, expected=exc.expected, found=exc.found) from None
        if not (ours and isinstance(built, nn.Module)) and \
                (dtypes := check_built(layer, node.types, built, self.net.describe((path, None)))) != ():  # own
            # x.double(): cast, as compiled; None: it cannot run on meta tensors, its outputs checked at each call
            self.root.__dict__.setdefault("_netgraph_own_output_dtypes", {})[path] = dtypes
        if isinstance(self._label(built), str):  # a module whose errors name its layer (cheaply: no search)
            built.__dict__.update(layer_label=shown_layer(path, layer.type_name), layer_path=path,
                                  layer_type=layer.type_name)  # the path, for Diagnostic.layer; the type, for below
        if isinstance(built, (RandomModule, KLModule)) and not compiling_inner():  # named as the forward names
            built.label, built.path, built.given = call_label(path), path, dict(node.given)  # it: calls write nothing
        if self.checks is not None or not self.other_precision:
            self._look_into(built)

    def mark_inline(self, inline: dict[tuple[str, ...], str]) -> None:
        """Mark the modules of the layers at the paths ``inline`` (to their type names), which the forward computes
        without calling them: hooks on them would never fire, and they warn."""
        for path, type_name in inline.items():
            built = (self.root if len(path) == 1 else self._parent(path))._modules.get(path[-1])
            if isinstance(built, LayerModule):
                built.__dict__["_netgraph_computed_inline"] = ((*self.outer_path(), *path), type_name)

    def _refuse_shared_module(self, path: tuple[str, ...], layer: Any, module: Any) -> None:
        """An OptionError where two layers wrap one module object (``NetChain([m, m])``): torch would share it, and
        each layer would get its own copy (one layer placed twice is two copies, as any layer placed twice)."""
        first = self._wrapped.get(id(module))
        if first is None:  # described now: holding the builder would make a cycle keeping the net and its module
            self._wrapped[id(module)] = (layer, self.whole(path))
            return
        if first[0] is layer:
            return
        raise shared_module_error(type(module).__name__, first[1], self.whole(path))  # (the net's build refuses
        # it first: this sees a layer swapped in by a route that keeps the structure, a net pickled before that)

    def whole(self, path: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The layer at ``path`` described, and its path, from the outermost net (inside an operator's inner net
        ``layer 'map/net/t' (TorchLayer)``): worked out for an error only."""
        if self._outer is None:
            return self.net.describe((path, None)), path
        whole = (*self.outer_path(), *path)
        return shown_layer(whole, self.net.layer_at(path).type_name), whole

    def outer_path(self) -> tuple[str, ...]:
        """The path from the outermost net to this builder's net: () outermost, ('map', 'net') for a NetMapOperator
        'map''s inner net (worked out once)."""
        if self._prefix is None:
            if self._outer is None:
                self._prefix = ()
            else:
                builder, node = self._outer
                names = [name for name, net in node.layer.inner_nets(node.types).items()
                         if net is self.net or net == self.net]
                self._prefix = (*builder.outer_path(), *node.path, *names[:1])
        return self._prefix

    def _kind(self, cls: type) -> tuple[bool, bool]:
        """(an operator, a layer type of netgraph's own) for a layer class, worked out once per class."""
        kind = self._kinds[cls] = (issubclass(cls, NetOperator), is_netgraph_class(cls))
        return kind

    def _parent(self, path: tuple[str, ...]) -> nn.Module:
        """The module of a nested graph's node's graph (made, marked, on its first node: never called, its layers
        are in the forward)."""
        parent = self.root
        for depth, part in enumerate(path[:-1], 1):
            if part not in parent._modules:
                parent._modules[part] = container = LayerModule()  # not add_module: a layer may be named like an attribute
                container.__dict__["_netgraph_computed_inline"] = ((*self.outer_path(), *path[:depth]), "nested graph")
            parent = parent._modules[part]
        return parent

    def _label(self, built: Any) -> Any:
        """``getattr(built, "layer_label", None)``; for a module class with no such attribute nor attribute hook of
        its own, read from the instance's dict (a missing attribute raises in nn.Module.__getattr__: slow)."""
        cls = type(built)
        plain = self._plain.get(cls)
        if plain is None:
            plain = self._plain[cls] = (cls.__getattribute__ is object.__getattribute__
                                        and cls.__getattr__ is nn.Module.__getattr__ and not hasattr(cls, "layer_label"))
        return built.__dict__.get("layer_label") if plain else getattr(built, "layer_label", None)

    def _look_into(self, built: nn.Module) -> None:
        """Give ``built``'s random modules this compile's checks; note a floating array of another precision."""
        for sub in self._modules_below(built) if built._modules else (built,):
            if self.checks is not None and isinstance(sub, RandomModule):
                sub.checks = self.checks
            for tensors in (sub._parameters, sub._buffers):
                for tensor in tensors.values():
                    if tensor is not None and tensor.dtype != self.working and tensor.is_floating_point():
                        self.other_precision = True

    def _modules_below(self, built: nn.Module) -> Iterator[nn.Module]:
        """``built.modules()`` less the inner nets compiled within (``looked``), which their own builds looked into:
        looking into them again at each level made deeply nested operators' compiles quadratic in the depth."""
        return (sub for _, sub in modules_below([(None, built)], self.looked))
