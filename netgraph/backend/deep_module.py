"""nn.Module's recursive methods, run within ``recursion_room`` for the module of a net nested hundreds deep.

The compiled module's tree mirrors the net's nesting (its parameter names are the layer paths), and torch
walks that tree recursively: ``train``/``eval``, ``to`` and every ``_apply``, ``apply``, ``named_modules``
(so ``parameters``, ``buffers``, ``zero_grad``), ``state_dict``, ``load_state_dict`` and ``repr`` spend
one Python frame or more per level. A net nested 1,000 levels (the ``nesting_depth`` limit) therefore
could not be called or trained within Python's default recursion limit (1000). ``DeepModule`` runs each
of them within ``deep_walk``'s room for its ``_netgraph_depth`` (the net's nesting depth); ``named_modules`` (so
``modules``, ``parameters``, ``buffers``) walks with a stack instead, needing no room and linear in the depth
(torch's passes each module up through every level above it). Modules of nets nested up to
100 levels behave exactly as ``nn.Module``'s. A module holding a deep compiled module as a submodule gets
the same for these methods (torch calls them on the submodule), except ``load_state_dict`` (torch's
recursion there calls no method of the submodule): call it on the compiled module, or within
``recursion_room(net._depth)``. ``copy.deepcopy`` gets the room too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Container, Iterable, Iterator
from typing import Any

import functools

from torch import nn

from netgraph.core.nesting import deep_walk
from netgraph.layers._modules import printable_repr

__all__ = ["DeepModule", "module_walk", "modules_below", "own_walk"]

#: deep_walk for a module: its depth in ``_netgraph_depth`` (a layer may be named ``_depth``)
module_walk = functools.partial(deep_walk, depth="_netgraph_depth")


def modules_below(roots: Iterable[tuple[Any, nn.Module]], skip: Container[int] = (),
                  closed: Callable[[nn.Module], bool] | None = None) -> Iterator[tuple[Any, nn.Module]]:
    """Each (path, module) of ``roots`` and every module below them, once each (by id), walked over ``_modules``
    with a stack (torch's recursive walks spend a frame and a ``yield from`` per level): a child's path is its
    parent's plus its name (None under None); no module whose id is in ``skip``, nor below one ``closed`` says."""
    todo = list(roots)
    seen = {id(module) for _, module in todo}
    while todo:
        path, module = todo.pop()
        yield path, module
        if closed is not None and closed(module):
            continue
        for name, child in module._modules.items():
            if child is not None and id(child) not in seen and id(child) not in skip:
                seen.add(id(child))
                todo.append((None if path is None else (*path, name), child))


@functools.cache
def own_walk(cls: type) -> bool:
    """Whether a module class lists its parameters its own way (a user's module overriding ``named_modules`` or
    ``parameters``): its own ``parameters()`` then says which are its."""
    return any(getattr(cls, name) not in (getattr(nn.Module, name), getattr(DeepModule, name, None))
               for name in ("named_modules", "parameters", "named_parameters", "_named_members"))


class DeepModule(nn.Module):
    """An nn.Module whose recursive walks get Python recursion room for a tree ``_netgraph_depth`` levels deep."""

    _netgraph_depth = 1  # how deep the module tree nests, at most (set per instance by the subclass)

    @module_walk
    def train(self, mode: bool = True) -> Any:
        return super().train(mode)

    @module_walk
    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._apply(fn, *args, **kwargs)

    @module_walk
    def apply(self, fn: Any) -> Any:
        return super().apply(fn)

    @module_walk
    def state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return super().state_dict(*args, **kwargs)

    @module_walk
    def load_state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return super().load_state_dict(*args, **kwargs)

    @module_walk
    def __repr__(self) -> str:  # layer names printable, as information() and the diagram show them
        return printable_repr(self)

    @module_walk
    def __deepcopy__(self, memo: dict) -> Any:  # copy.deepcopy's own steps, within the room
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        copied.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return copied

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """nn.Module's, walking the tree flat: torch's walk is quadratic in the depth (a ``yield from`` a level)."""
        for _, module in modules_below([(None, self)], closed=lambda module: own_walk(type(module))):
            tensors = module.parameters() if own_walk(type(module)) else module._parameters.values()
            for tensor in tensors:
                if tensor is not None:
                    tensor.requires_grad_(requires_grad)
        return self

    def named_modules(self, memo: set[nn.Module] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, nn.Module]]:
        """nn.Module's, in its order, walked with a stack of child iterators: torch's spends a ``yield from`` per
        level, which every module passes up through each level above it (quadratic in the depth, and a Python
        frame a level). A child with its own ``named_modules`` is asked for its part, as torch does."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        todo = [(prefix, iter(self._modules.items()))]
        while todo:
            above, children = todo[-1]
            for name, module in children:
                if module is None:
                    continue
                path = f"{above}.{name}" if above else name
                if not _torch_walk(type(module)):
                    yield from module.named_modules(memo, path, remove_duplicate)
                elif module not in memo:
                    if remove_duplicate:
                        memo.add(module)
                    yield path, module
                    todo.append((path, iter(module._modules.items())))
                    break
            else:
                todo.pop()


@functools.cache
def _torch_walk(cls: type) -> bool:
    """Whether a module class walks its tree with nn.Module's ``named_modules`` (or DeepModule's, the same order)."""
    return cls.named_modules in (nn.Module.named_modules, DeepModule.named_modules)
