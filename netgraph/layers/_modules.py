"""Making many small torch modules quickly: ``init_module`` is ``nn.Module.__init__`` in one step.

``nn.Module.__init__`` makes a dozen empty hook tables with one checked assignment each (about 10 µs); a
100,000-layer net builds 100,000 modules when it compiles. The recipe below is read from a module torch
itself made, so it follows torch's version; anything it cannot copy makes ``init_module`` call torch's own.

>>> from torch import nn
>>> class Scale(nn.Module):
...     def __init__(self, factor):
...         init_module(self)
...         self.__dict__["factor"] = factor
>>> module = Scale(2.0)
>>> sorted(module.__dict__) == sorted([*nn.Module().__dict__, "factor"]), module.training
(True, True)

``add_parameters`` is ``register_parameter`` for the fresh, free names of such a module:

>>> import torch
>>> add_parameters(module, Weights=torch.ones(2, 2))
>>> list(module.state_dict()), module.Weights.requires_grad
(['Weights'], True)
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as torch_module

from netgraph.core.names import printable
from netgraph.core.naming_scope import shown_layer, shown_path

__all__ = ["LayerModule", "InlineLayerWarning", "init_module", "add_parameters", "present", "optional_parameter",
           "printable_repr"]


class InlineLayerWarning(UserWarning):
    """A hook was added to a layer's module that the compiled forward never calls: it will not fire.

    >>> import warnings
    >>> from netgraph import NetChain, LinearLayer, net_initialize
    >>> module = net_initialize(NetChain({"lin": LinearLayer(2), "act": "Tanh"}, input=3), seed=0).compile()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = module.lin.register_forward_hook(lambda *args: None)
    >>> [type(w.message).__name__ for w in caught], str(caught[0].message).split(":")[0]
    (['InlineLayerWarning'], "a hook on layer 'lin' (LinearLayer) never fires")
    """


def printable_repr(module: nn.Module) -> str:
    """``nn.Module.__repr__`` with each submodule's name ``printable``: a layer's name may hold a newline or an
    escape sequence, which torch would print raw."""
    extra = module.extra_repr()
    extra_lines = extra.split("\n") if extra else []
    children = [f"({printable(key)}): {torch_module._addindent(repr(child), 2)}"
                for key, child in module._modules.items()]
    lines = extra_lines + children
    if len(extra_lines) == 1 and not children:
        return f"{module._get_name()}({extra_lines[0]})"
    return module._get_name() + ("(\n  " + "\n  ".join(lines) + "\n)" if lines else "()")


class LayerModule(nn.Module):
    """The base of every layer's module. The compiled forward computes most layers inline from their arrays
    (``F.linear(Input, self.fc.Weights, self.fc.Biases)``) and never calls their modules, nor a nested graph's: compile
    marks those (``computed_inline``, the layer's path and type), and adding a forward or backward hook to one warns,
    as the hook would silently never fire (``torch.nn.utils.prune`` would change nothing)."""

    _netgraph_computed_inline: tuple[tuple[str, ...], str] | None = None

    def _warn_inline(self) -> None:
        if self._netgraph_computed_inline is not None:
            path, kind = self._netgraph_computed_inline
            what = f"nested graph {shown_path(path)!r}" if kind == "nested graph" else shown_layer(path, kind)
            warnings.warn(f"a hook on {what} never fires: the compiled forward computes it inline (see module.code) "
                          f"and never calls this module; hook the compiled module, change an array "
                          f"with a parametrization (torch.nn.utils.parametrize), or read the layer's output with "
                          f"net(x, outputs=NetPort(...))", InlineLayerWarning, stacklevel=3)

    def __repr__(self) -> str:
        return printable_repr(self)

    def register_forward_hook(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_inline()
        return super().register_forward_hook(*args, **kwargs)

    def register_forward_pre_hook(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_inline()
        return super().register_forward_pre_hook(*args, **kwargs)

    def register_full_backward_hook(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_inline()
        return super().register_full_backward_hook(*args, **kwargs)

    def register_full_backward_pre_hook(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_inline()
        return super().register_full_backward_pre_hook(*args, **kwargs)


def _recipe() -> tuple[tuple[str, Any, bool], ...] | None:
    """(attribute, empty container type to call or value to share, whether to call) for each attribute that
    ``nn.Module.__init__`` sets; None when one holds something else (then torch's own __init__ is used)."""
    recipe = []
    for name, value in nn.Module().__dict__.items():
        if type(value) in (dict, OrderedDict, set) and not value:
            recipe.append((name, type(value), True))
        elif value is None or type(value) is bool:
            recipe.append((name, value, False))
        else:
            return None
    return tuple(recipe)


class _MadeOnFirstRead:
    """A LayerModule class attribute standing for one of the empty tables ``nn.Module.__init__`` makes (a hook table,
    the non-persistent buffer names): the first read makes the module its own, in its ``__dict__``, where every later
    read finds it (a module never called nor hooked, as most of a compiled net's are, never makes its hook tables)."""

    __slots__ = ("name", "make")

    def __init__(self, name: str, make: type):
        self.name, self.make = name, make

    def __get__(self, module: Any, owner: type | None = None) -> Any:
        if module is None:
            return self
        table = module.__dict__[self.name] = self.make()
        return table


_RECIPE = _recipe()
_VALUES = {} if _RECIPE is None else {name: value for name, value, call in _RECIPE if not call}
_EMPTY = () if _RECIPE is None else tuple((name, make) for name, make, call in _RECIPE if call)
#: the tables torch reads from a module's ``__dict__`` itself (``Module.__setattr__``, ``__getattr__``): made at once
_READ_FROM_DICT = frozenset({"_parameters", "_buffers", "_modules"})
_LAYER_EMPTY = tuple((name, make) for name, make in _EMPTY if name in _READ_FROM_DICT)
for _name, _make in _EMPTY:
    if _name not in _READ_FROM_DICT:
        setattr(LayerModule, _name, _MadeOnFirstRead(_name, _make))
#: torch's global parameter registration hooks (None where this torch has no such table)
_PARAMETER_HOOKS = getattr(torch_module, "_global_parameter_registration_hooks", None)


def init_module(module: nn.Module) -> None:
    """What ``nn.Module.__init__(module)`` does (for a module class of ours that calls no other base __init__)."""
    if _RECIPE is None or module.call_super_init:
        nn.Module.__init__(module)
        return
    attributes = module.__dict__
    attributes.update(_VALUES)
    for name, make in _LAYER_EMPTY if isinstance(module, LayerModule) else _EMPTY:
        attributes[name] = make()


def add_parameters(module: nn.Module, **tensors: torch.Tensor) -> None:
    """``module.register_parameter(name, nn.Parameter(tensor))`` for each tensor, for a module just made by
    ``init_module`` (so the names are free): one dict update, unless a global registration hook must see them."""
    if _PARAMETER_HOOKS is None or _PARAMETER_HOOKS:
        for name, tensor in tensors.items():
            module.register_parameter(name, nn.Parameter(tensor))
        return
    module._parameters.update({name: nn.Parameter(tensor) for name, tensor in tensors.items()})


def present(array: Any) -> torch.Tensor | None:
    """A layer's array as its module takes it: None for one left out (``biases=False``, a ``RemovableArray``)."""
    return None if array is False else array


def optional_parameter(module: nn.Module, name: str, value: torch.Tensor | None) -> None:
    """``module.<name>``: a parameter (a copy: training leaves the net's array), or None and no parameter, as torch's
    ``bias=False`` modules hold theirs."""
    module.register_parameter(name, None if value is None else nn.Parameter(value.clone()))


def meta_inputs(shapes: Sequence[tuple], integer: Sequence[bool], batch: int) -> tuple[torch.Tensor, ...]:
    """Zero-cost stand-ins for a module's inputs: meta tensors of ``(batch, *shape)``, long where ``integer``."""
    return tuple(torch.zeros((batch, *s), dtype=torch.long if i else torch.get_default_dtype(), device="meta")
                 for s, i in zip(shapes, integer))


def meta_call(module: nn.Module, args: tuple) -> Any:
    """``module(*args)`` with its parameters and buffers as meta tensors (no memory, no compute), without grad and
    without the hooks of the module and its submodules; what the module raises propagates. The args' version
    counters then tell which it changed in place.

    It runs on a copy whose arrays are meta tensors (copied for nothing), so the caller's module keeps its own state:
    a forward that counts its calls or keeps its last input changes the copy. A module that cannot be deep-copied
    runs itself, its arrays swapped for meta ones for the call. The user's hooks are for the net's real calls: one
    that reads values (``out.item()``, a logger) would fail on meta tensors, or count a call never made.
    """
    tensors = {id(v): v for v in chain(module.parameters(), module.buffers())}
    memo: dict[int, Any] = {key: _meta_like(v) for key, v in tensors.items()}
    try:
        copied = copy.deepcopy(module, memo)
    except Exception:  # an attribute deepcopy refuses (a lock, a file): the module itself, arrays swapped
        state = {k: torch.empty_like(v, device="meta") for k, v in chain(module.named_parameters(),
                                                                           module.named_buffers())}
        with torch.no_grad(), _without_hooks(module):
            return torch.func.functional_call(module, state, args)
    with torch.no_grad(), _without_hooks(copied):
        return copied(*args)


_HOOK_TABLES = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks",
                "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks")


@contextlib.contextmanager
def _without_hooks(module: nn.Module) -> Iterator[None]:
    """``module`` and its submodules with empty hook tables for a while; their own tables back after."""
    held = [(m.__dict__, name, table) for m in module.modules() for name in _HOOK_TABLES
            if (table := m.__dict__.get(name))]
    for attributes, name, table in held:
        attributes[name] = type(table)()
    try:
        yield
    finally:
        for attributes, name, table in held:
            attributes[name] = table


def _meta_like(tensor: torch.Tensor) -> torch.Tensor:
    meta = torch.empty_like(tensor, device="meta")
    return nn.Parameter(meta, requires_grad=tensor.requires_grad) if isinstance(tensor, nn.Parameter) else meta
